"""A person's own data: a copy of everything Moot holds about them, and forgetting them.

feature.py   the manifest: /mydata and /forgetme
commands.py  the handlers, which ask every feature for its export and forget hooks
service.py   what Moot holds about a person itself, and forgetting it
"""
