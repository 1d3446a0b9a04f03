"""The outbox: everything Moot sends goes through it, written in the same transaction as the
change that causes it, and delivered by a dispatcher per platform. It also carries a small
feature for admins, `/outbox` and `/resend`.

feature.py     the manifest: /outbox and /resend
commands.py    the command handlers
queue.py       putting messages in the outbox, inside the write that causes them
messages.py    a reply as the outbox stores it
dispatcher.py  sending what waits, one dispatcher per connected platform
service.py     the outbox as the core holds it: dispatchers, live renderers, who waits to hear
report.py      telling people what was sent for them, and what was not
status.py      what waits or failed, for admins and operators
"""
