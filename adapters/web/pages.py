"""The landing page, a community's home and the pages features declare (bot/pages.py).

Each page is one read on a worker thread (`moot.read`): who the cookie signs in, the viewer as
they stand in the community, the declared rule, the feature's `load`, and the rendering, so
serving a page never holds up the bot's event loop. The same page asked again before anything
is written is served as it was rendered (adapters/web/rendered.py). A viewer who may not see a page gets the
same 404 as for a community that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web
from markupsafe import Markup
from sqlmodel import Session

from adapters.web.rendered import PageKey, period
from adapters.web.security import SESSION_COOKIE, forget_session
from adapters.web.site import SITE, Site, csrf_token, html
from bot import roles
from bot.access import ANYONE
from bot.pages import Page, Viewer, WebAccess
from bot.web import service

HOME = "Home"


@dataclass(frozen=True)
class Yours:
    """A community on a signed-in person's landing page."""

    name: str
    role: str  # "an organiser"
    url: str | None  # None: its web pages are off


@dataclass(frozen=True)
class _Request:
    """What a page's read needs from the request, taken on the event loop."""

    site: Site
    community_id: int
    cookie: str | None
    csrf: str
    now: datetime

    def viewer(self, session: Session) -> Viewer | None:
        person = service.signed_in(session, self.cookie, self.now) if self.cookie else None
        return service.viewer(session, self.community_id, person, self.now)

    def render(self, template: str, viewer: Viewer, **context: Any) -> str:
        shared = {
            "viewer": viewer,
            "community_url": f"/c/{viewer.community_id}",
            "csrf": self.csrf,
            "signed_in": viewer.person_id is not None,
        }
        return self.site.templates.get_template(template).render(shared | context)


async def landing(request: web.Request) -> web.Response:
    site, cookie, now = request.app[SITE], request.cookies.get(SESSION_COOKIE), _now(request)
    yours = await site.moot.read(lambda s: _yours(s, cookie, now)) if cookie else None
    response = html(
        request, "web/landing.html", page_title="Moot", yours=yours, signed_in=yours is not None
    )
    if cookie and yours is None:  # ended or expired: the browser may forget it
        forget_session(response, secure=site.secure)
    return response


def _yours(session: Session, cookie: str, now: datetime) -> list[Yours] | None:
    person = service.signed_in(session, cookie, now)
    if person is None:
        return None
    return [
        Yours(
            name,
            roles.as_title(role),
            None if service.access_of(session, cid) is WebAccess.OFF else f"/c/{cid}/",
        )
        for cid, name, role in service.communities_of(session, person)
    ]


async def hello(request: web.Request) -> web.Response:
    """A page that reads nothing: the benchmark's baseline."""
    return html(request, "web/hello.html", page_title="Hello")


async def home(request: web.Request) -> web.Response:
    asked = _asked(request)
    return _page_or_not_found(await _rendered(asked, "", lambda s: _home(asked, s)))


def _home(asked: _Request, session: Session) -> str | None:
    viewer = asked.viewer(session)
    if viewer is None or not viewer.may_see(ANYONE):
        return None
    panels = [
        (
            panel.title,
            Markup(asked.render(panel.template, viewer, panel=panel.load(session, viewer))),
        )
        for panel in asked.site.panels
        if viewer.may_see(panel.rule)
    ]
    return asked.render(
        "web/home.html", viewer, menu=_menu(asked.site, viewer, ""), page_title=HOME, panels=panels
    )


async def page(request: web.Request) -> web.Response:
    asked = _asked(request)
    declared = asked.site.pages.get(request.match_info["slug"])
    if declared is None:
        raise web.HTTPNotFound()
    found = await _rendered(asked, declared.slug, lambda s: _page(asked, declared, s))
    return _page_or_not_found(found)


async def _rendered(
    asked: _Request, slug: str, render: Callable[[Session], str | None]
) -> str | None:
    """The page as rendered for this visitor since the last write this minute (these few
    seconds, on PostgreSQL), or rendered now in a read (adapters/web/rendered.py)."""
    site = asked.site
    key = PageKey(
        asked.community_id,
        slug,
        asked.cookie,
        asked.csrf if asked.cookie else None,
        site.moot.store.version,  # before the read: a write during it makes the key old
        period(asked.now, shared=not site.moot.store.is_sqlite),
    )
    kept, page = site.rendered.get(key)
    if not kept:
        page = await site.moot.read(render)
        site.rendered.keep(key, page)
    return page


def _page(asked: _Request, declared: Page, session: Session) -> str | None:
    viewer = asked.viewer(session)
    if viewer is None or not viewer.may_see(declared.rule):
        return None
    loaded = dict(declared.load(session, viewer))
    return asked.render(
        declared.template,
        viewer,
        **loaded,
        menu=_menu(asked.site, viewer, declared.slug),
        page_title=declared.title,
    )


def _menu(site: Site, viewer: Viewer, current: str) -> list[tuple[str, str, bool]]:
    """Home, and the pages this viewer may see."""
    url = f"/c/{viewer.community_id}"
    return [
        (HOME, f"{url}/", current == ""),
        *(
            (p.title, f"{url}/{p.slug}", p.slug == current)
            for p in site.pages.values()
            if viewer.may_see(p.rule)
        ),
    ]


def _asked(request: web.Request) -> _Request:
    return _Request(
        request.app[SITE],
        int(request.match_info["community"]),
        request.cookies.get(SESSION_COOKIE),
        csrf_token(request),
        _now(request),
    )


def _page_or_not_found(text: str | None) -> web.Response:
    if text is None:
        raise web.HTTPNotFound()
    return web.Response(text=text, content_type="text/html")


def _now(request: web.Request) -> datetime:
    return request.app[SITE].moot.clock.now()
