"""Calendar subscriptions: a community's meetings, a member's (those they are going to), and one
meeting (the "add to calendar" link on its card). The token in the address is the only key:
an unknown one is the same 404 as any page that is not there."""

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
        community_id, person_id = owner
        if person_id is None:
            return feeds.community_feed(session, community_id, now)
        return feeds.personal_feed(session, community_id, person_id, now)

    return _ics(await site.moot.read(read), None)


async def meeting(request: web.Request) -> web.Response:
    site, token = request.app[SITE], request.match_info["token"]
    number, now = int(request.match_info["number"]), site.moot.clock.now()

    def read(session: Session) -> bytes | None:
        owner = service.feed_owner(session, token)
        return None if owner is None else feeds.one_meeting(session, owner[0], number, now)

    return _ics(await site.moot.read(read), f"meeting-{number}.ics")


def _ics(body: bytes | None, download: str | None) -> web.Response:
    if body is None:
        raise web.HTTPNotFound()
    response = web.Response(body=body, content_type="text/calendar", charset="utf-8")
    if download is not None:
        response.headers["Content-Disposition"] = f'attachment; filename="{download}"'
    return response
