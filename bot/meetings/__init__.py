"""Meetings: organisers schedule, announce, move and cancel meetings (once or repeating); members
answer them, get reminders, propose agenda items and check in; finding a time by asking members,
minutes and action items; calendar files and platforms' own event calendars.

- feature.py    the manifest: command declarations, jobs, live cards and hooks
- commands/     the command handlers: meetings.py, agenda.py, findtime.py, record.py
- access.py     finding the meeting (or finding a time) a command names, and who may change it
- service.py    writes on meetings, and the move_chat hook
- views.py      reading meetings
- render.py     how meetings read in a chat: cards, previews, reminders, news of a change
- cards.py      the live renderers: a meeting's card, a finding a time's card
- jobs.py       scheduled jobs: reminders, series, calendar events, actions due
- spec.py       reading a meeting from what an organiser types
- privacy.py    a person's meeting data: export, forget, and merging two accounts
- agenda.py     a meeting's agenda: proposals, decisions, order
- findtime.py   finding a time: offered slots, answers, the pick
- record.py     what happened: attendance, quorum, minutes, action items
- recurrence.py repeating meetings as RFC 5545 rules
- reminders.py  each person's reminder choice, personal reminders and nudges
- native.py     meetings mirrored in platforms' own calendars (Discord's scheduled events)
- calendar.py   meetings as iCalendar files and feeds
- feeds.py      the calendar feeds the web serves: a community's, a member's, one meeting
- web.py        the Meetings page and the home page's next meetings (templates/)
"""
