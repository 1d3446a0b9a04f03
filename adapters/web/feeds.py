"""Calendar subscriptions: a member's calendar of their community's meetings or of those they
are going to (each token is one member's, and opens only while they are a member there), and
one meeting (the "add to calendar" link on its card, keyed by its calendar UID's random part,
which opens nothing else). The key in the address is the only key: an unknown one is the same
404 as any page that is not there."""

from __future__ import annotations

from aiohttp import web
from sqlmodel import Session

from adapters.web.site import SITE
from bot.meetings import feeds
from bot.web import service


async def calendar(request: web.Request) -> web.Response:
    site, token = request.app[SITE], request.match_info["token"]
    now = site.moot.clock.now()

    def read(session: Session) -> bytes | None:
        owner = service.feed_owner(session, token)
        if owner is None:
            return None
        if owner.whole:
            return feeds.community_feed(session, owner.community_id, now)
        return feeds.personal_feed(session, owner.community_id, owner.person_id, now)

    return _ics(await site.moot.read(read), None)


async def meeting(request: web.Request) -> web.Response:
    site, key = request.app[SITE], request.match_info["key"]
    now = site.moot.clock.now()
    body = await site.moot.read(lambda session: feeds.one_meeting(session, key, now))
    return _ics(body, "meeting.ics")


def _ics(body: bytes | None, download: str | None) -> web.Response:
    if body is None:
        raise web.HTTPNotFound()
    response = web.Response(body=body, content_type="text/calendar", charset="utf-8")
    if download is not None:
        response.headers["Content-Disposition"] = f'attachment; filename="{download}"'
    return response
