"""People and their platform accounts: recognising who spoke, `/link`, `/whoami`.

feature.py   the manifest: /link, /whoami and the link-code expiry job
commands.py  the command handlers
arrival.py   every inbound event starts here: who is this, is it a replay, which community
linking.py   one-time link codes that make two platform accounts one person
jobs.py      expiring a link code nobody redeemed
"""
