"""The web face's side in the bot: what each community shows on the web, signing in with a
one-time link from the bot, and the calendar feeds' secret addresses (adapters/web serves them).

feature.py   the manifest: /web, the settings, the privacy hooks
settings.py  WebSettings: the public address links are built from
access.py    /web's rule: members ask for links, admins choose what the community shows
commands.py  /web
service.py   what each community shows, sign-in links, web sessions, feed tokens, viewers
addresses.py the URLs people are given
render.py    what /web says
privacy.py   a person's sessions, links and feed tokens: export, forget, merge
"""
