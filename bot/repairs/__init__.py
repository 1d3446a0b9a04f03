"""Fix: tenants report repairs privately, the repairs team triages, and the tenant hears back.

feature.py   the manifest: commands, jobs, the live card, hooks (only bot/features.py imports it)
commands/    the command handlers: tenants.py, team.py, settings.py (admins), records.py
access.py    the report a command names, who may see it and who may act on it (REPORT)
service.py   writes, and the hooks inside them (undelivered news, a chat moving)
views.py     reads
render.py    text people see
cards.py     the team's live card for a report
jobs.py      scheduled jobs: due-soon and overdue alerts, visit reminders, the digest
spec.py      parsing a report as people type it
privacy.py   a tenant's copy of their data, forgetting them, two accounts becoming one
clocks.py    targets, priorities, and working days across UK bank holidays (Awaab's Law steps)
homes.py     the homes register and who is a tenant of which home
photos.py    cleaning and keeping photos (a folder, or the store on PostgreSQL)
repeats.py   repeat damp and mould at the same home
history.py   a home's repair history
stats.py     how fast repairs get fixed
export.py    every report as a CSV file, with RP02
web.py       the Repairs page (figures by month, communal problems, your reports) and its
             part of the home page (templates/)
"""
