"""Signing in with the one-time link the bot gives (`/web` in a direct message), and out.

Opening the link shows a button and changes nothing: chat apps fetch links to show previews,
and would otherwise use the link up before its owner taps it. Pressing the button (a POST,
carrying the CSRF token) redeems it once and sets the session cookie.
"""

from __future__ import annotations

import ipaddress

from aiohttp import web
from sqlmodel import Session

from adapters.web import security
from adapters.web.site import SITE, html, message
from bot.web import service

ASK_AGAIN = "Ask Moot for a new one: send /web to Moot in a direct message."


async def show(request: web.Request) -> web.Response:
    return html(request, "web/sign_in.html", page_title="Sign in", action=request.path)


async def redeem(request: web.Request) -> web.Response:
    site = request.app[SITE]
    if not site.sign_ins.allow(client_address(request)):
        return message(
            request,
            429,
            "Too many tries",
            "There were too many sign-in attempts from your address in the last minute. "
            "Wait a minute, then press the button again.",
        )
    token, old = request.match_info["token"], request.cookies.get(security.SESSION_COOKIE)
    now = site.moot.clock.now()

    def redeeming(session: Session) -> str | None:
        fresh = service.redeem_sign_in(session, token, now)
        if fresh is not None and old:
            service.sign_out(session, old)  # the session this browser had, if any, ends
        return fresh

    fresh = await site.moot.write(redeeming)
    if fresh is None:
        return message(
            request,
            400,
            "This sign-in link no longer works",
            f"A sign-in link works once, within 10 minutes. {ASK_AGAIN}",
        )
    response = _to_front_page()
    security.session_cookie(response, fresh, secure=site.secure)
    return response


async def sign_out(request: web.Request) -> web.Response:
    site, cookie = request.app[SITE], request.cookies.get(security.SESSION_COOKIE)
    if cookie:
        await site.moot.write(lambda s: service.sign_out(s, cookie))
    response = _to_front_page()
    security.forget_session(response, secure=site.secure)
    return response


def _to_front_page() -> web.Response:
    """See Other: the browser GETs the front page, and Back does not post the form again."""
    return web.Response(status=303, headers={"Location": "/"})


def client_address(request: web.Request) -> str:
    """Who is asking: the peer, or, for a request from a reverse proxy on this machine, the
    address it says it forwards for (the last in X-Forwarded-For, which the proxy added)."""
    peer = request.remote or ""
    forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
    try:
        from_proxy = ipaddress.ip_address(peer).is_loopback
    except ValueError:
        from_proxy = False
    return forwarded if from_proxy and forwarded else peer
