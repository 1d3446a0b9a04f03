"""Housekeeping: what Moot keeps only for a while is deleted once a day.

feature.py   the manifest: the daily job and its start-up catch-up
jobs.py      the daily job, which reschedules itself, and making sure one is waiting
service.py   what the tidy-up deletes, and how long each kind of row is kept
"""
