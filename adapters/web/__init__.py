"""The web face: server-rendered pages, the sign-in link and calendar feeds, over aiohttp.web.

server.py     WebServer: listens beside the chat adapters, in the same process and event loop
app.py        the application, and what runs around every request (CSRF, the 404 page, headers)
site.py       what every handler shares (`Site`), and the small pages rendered on the event loop
routes.py     the URLs and the handler behind each
pages.py      the landing page, a community's home and its features' pages (bot/pages.py)
signing.py    signing in with a link from the bot, and signing out
feeds.py      calendar subscriptions (.ics)
operations.py /healthz for load balancers and /metrics for Prometheus, for whoever runs Moot
metrics.py    Moot's Prometheus registry: the core's counts and what the store says at scrape time
security.py   headers on every response, the cookies, and the CSRF token on every form
limits.py     how often one client address may try a sign-in link
templating.py the Jinja environment: adapters/web/templates and each feature's templates/
"""
