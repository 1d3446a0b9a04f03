"""The web face's addresses (no personal data in any of them), and the handler behind each."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler

from adapters.web import feeds, operations, pages, signing

STATIC = Path(__file__).parent / "static"
# Community ids and meeting numbers fit the store's integers; tokens are URL-safe base64.
COMMUNITY = r"/c/{community:\d{1,9}}"
TOKEN = r"{token:[A-Za-z0-9_-]{1,128}}"
# A meeting's calendar key: the random (uuid4) part of its calendar UID.
CALENDAR_KEY = r"{key:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}}"
# Where Discord posts interactions, when DISCORD_PUBLIC_KEY is set (adapters/discord/endpoint.py).
DISCORD_INTERACTIONS = "/discord/interactions"


def add(app: web.Application, discord_interactions: Handler | None = None) -> None:
    router = app.router
    router.add_get("/", pages.landing)
    router.add_get("/hello", pages.hello)
    router.add_static("/static/", STATIC)
    router.add_get(f"{COMMUNITY}/", pages.home)
    router.add_get(COMMUNITY + r"/{slug:[a-z0-9-]{1,40}}", pages.page)
    router.add_get(f"/sign-in/{TOKEN}", signing.show)
    router.add_post(f"/sign-in/{TOKEN}", signing.redeem)
    router.add_post("/sign-out", signing.sign_out)
    router.add_get(f"/feeds/{TOKEN}.ics", feeds.calendar)
    router.add_get(f"/calendar/{CALENDAR_KEY}.ics", feeds.meeting)
    router.add_get("/healthz", operations.healthz)
    router.add_get("/metrics", operations.metrics)
    if discord_interactions is not None:
        router.add_post(DISCORD_INTERACTIONS, discord_interactions)
