"""Housekeeping: what Moot keeps only for a while is deleted once a day."""
