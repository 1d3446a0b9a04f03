"""What every handler shares (`Site`), and the small pages rendered on the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from jinja2 import Environment

from adapters.web import security
from adapters.web.limits import RateLimit
from adapters.web.metrics import Metrics
from adapters.web.rendered import RenderedPages
from bot.core import Moot
from bot.pages import Page, Panel

# Each request's CSRF cookie value (security.Csrf).
SEED = web.RequestKey("csrf_seed", str)


@dataclass(frozen=True)
class Site:
    moot: Moot
    templates: Environment
    secure: bool  # the public address is HTTPS: cookies go only over it
    csrf: security.Csrf
    sign_ins: RateLimit
    pages: Mapping[str, Page]  # by slug
    panels: tuple[Panel, ...]
    metrics: Metrics
    metrics_token: str | None  # None: no /metrics
    rendered: RenderedPages = field(default_factory=RenderedPages)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)  # /healthz answers 503


SITE = web.AppKey("site", Site)


def html(request: web.Request, template: str, *, status: int = 200, **context: Any) -> web.Response:
    """A small page, rendered on the event loop. Unless told, it takes the visitor to be
    signed in when their browser has a session cookie (the footer offers to sign out)."""
    site = request.app[SITE]
    values = {
        "csrf": csrf_token(request),
        "signed_in": security.SESSION_COOKIE in request.cookies,
        **context,
    }
    text = site.templates.get_template(template).render(values)
    return web.Response(text=text, status=status, content_type="text/html")


def message(request: web.Request, status: int, title: str, text: str) -> web.Response:
    """A page that says one thing: why something did not work, and what to do."""
    return html(request, "web/message.html", status=status, page_title=title, message=text)


def csrf_token(request: web.Request) -> str:
    return request.app[SITE].csrf.token(request[SEED])


def not_found(request: web.Request) -> web.Response:
    """The one answer for a page that is not there, a community that does not exist or whose
    web is off, and a page this visitor may not see: nothing tells them which."""
    return html(request, "web/not_found.html", status=404, page_title="Page not found")
