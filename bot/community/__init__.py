"""Communities, their linked chats and their register of members.

feature.py   the manifest: /setup, /join, /members, /approve, /reject, /remove, /role,
             /joinpolicy, /timezone, /import, /claimcodes, and the merge hook
commands.py  the command handlers
service.py   writes: linking chats, joining, deciding requests, roles and settings
register.py  reading the register
render.py    how the register and join requests read in a chat
importer.py  importing a register from CSV, and the joining codes it hands out
presence.py  Moot removed from a chat or added back, as the platform reports it
privacy.py   merging memberships when two people become one
"""
