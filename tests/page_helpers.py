"""Seeing the features' web pages without the web server: a Viewer as the server would build
it, a page's or panel's `load` run inside a read, and its template rendered with a stand-in
for web/base.html (tests/page_templates/web/base.html)."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, PrefixLoader, StrictUndefined
from sqlmodel import select

from bot.core import Moot
from bot.pages import Page, Panel, Viewer, WebAccess
from storage.models import Community, Membership, Person, Role

ROOT = Path(__file__).resolve().parent.parent
_FEATURES = ("polls", "meetings", "repairs")


def environment() -> Environment:
    """Templates as the web adapter finds them: "web/…" (here the stand-in) and "<feature>/…"."""
    loaders: dict[str, FileSystemLoader] = {
        name: FileSystemLoader(ROOT / "bot" / name / "templates") for name in _FEATURES
    }
    loaders["web"] = FileSystemLoader(ROOT / "tests" / "page_templates" / "web")
    return Environment(loader=PrefixLoader(loaders), autoescape=True, undefined=StrictUndefined)


async def viewer(
    moot: Moot,
    person: str | None = None,
    *,
    access: WebAccess = WebAccess.PUBLIC,
    community: str = "Elm Court",
) -> Viewer:
    """Who is looking: someone by name as they stand in the community (None: not signed in)."""

    def read(session: Any) -> Viewer:
        found = session.exec(select(Community).where(Community.name == community)).one()
        person_id, role = None, None
        if person is not None:
            person_id = session.exec(select(Person.id).where(Person.name == person)).one()
            membership = session.exec(
                select(Membership).where(
                    Membership.community_id == found.id,
                    Membership.person_id == person_id,
                    Membership.status == "active",
                )
            ).first()
            role = Role(membership.role) if membership is not None else None
        return Viewer(
            found.id, found.name, found.timezone, access, person_id, role, moot.clock.now()
        )

    return await moot.read(read)


async def load(moot: Moot, shown: Page | Panel, who: Viewer) -> Mapping[str, Any]:
    return await moot.read(lambda session: shown.load(session, who))


async def page_html(moot: Moot, page: Page, who: Viewer) -> str:
    """The page as this viewer would get it (the caller checks `may_see` first, as the server
    does)."""
    data = await load(moot, page, who)
    template = environment().get_template(page.template)
    return template.render(
        **data,
        viewer=who,
        menu=[(page.title, f"/c/{who.community_id}/{page.slug}", True)],
        community_url=f"/c/{who.community_id}",
        page_title=page.title,
    )


async def panel_html(moot: Moot, panel: Panel, who: Viewer) -> str:
    data = await load(moot, panel, who)
    return (
        environment()
        .get_template(panel.template)
        .render(panel=data, viewer=who, community_url=f"/c/{who.community_id}")
    )


def text_of(markup: str) -> str:
    """What a reader sees: the text, tags removed and spaces squeezed."""
    squeezed = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)).strip()
    return html.unescape(squeezed.replace(" ,", ",").replace(" .", "."))
