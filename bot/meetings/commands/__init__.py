"""The meetings feature's command handlers, one module per part: meetings.py (drafting,
announcing, moving, cancelling, answering, listing, calendar files, reminder choices), agenda.py,
findtime.py and record.py (check-in, attendance, quorum, minutes and actions). Their declarations
are in bot/meetings/feature.py."""
