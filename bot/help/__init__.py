"""`/help`: what this person can do here, by role, derived from the command declarations.

feature.py   the manifest: /help
commands.py  the handler, and the listing it builds from the registry
"""
