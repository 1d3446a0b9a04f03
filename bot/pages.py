"""Web pages, declared by features as they declare commands, and served by adapters/web.

A feature lists its `Page`s (a page of its own under a community: Decisions, Meetings,
Repairs) and its `Panel`s (its part of the community's home: what is open now) in its manifest.
Each carries the same kind of `Rule` as a command (bot/access.py): the least role that may see
it. The web adapter applies the rule, and the community's own choice of what is public
(`/web public|members|off`, bot/web), before it calls `load`; tests/web derives the expected
outcome for every page and every kind of visitor from these declarations.

`load` runs inside a read on a worker thread and returns what its template shows: plain values
only, never a row that a template could follow to something the viewer may not see. Templates
live in the feature's own `templates/` folder and are named `<feature>/<file>.html`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session

from bot import roles
from bot.access import Rule
from storage.models import Role


class WebAccess(StrEnum):
    """What a community shows on the web (chosen by its admins with /web; off by default)."""

    OFF = "off"  # nothing, to anyone
    MEMBERS = "members"  # to its members once they sign in with a link from the bot
    PUBLIC = "public"  # the parts for everyone to anyone; members see theirs once signed in


@dataclass(frozen=True)
class Viewer:
    """Who is looking at a community's pages, as they stand in that community."""

    community_id: int
    community_name: str
    timezone: str  # the community's zone, for the times shown
    access: WebAccess
    person_id: int | None  # None: not signed in
    role: Role | None  # None: not a member here (a stranger, or signed in as an outsider)
    now: datetime

    def may_see(self, rule: Rule[Any]) -> bool:
        """Whether the community's choice and the rule both let this viewer see a page."""
        if self.access is WebAccess.OFF:
            return False
        if self.access is WebAccess.MEMBERS and self.role is None:
            return False
        return roles.allows(self.role, rule.least)


# Inside a read: what the template shows this viewer.
Load = Callable[[Session, Viewer], Mapping[str, Any]]


@dataclass(frozen=True)
class Page:
    """A page of a feature's own under a community: /c/<community id>/<slug>."""

    slug: str  # "decisions"
    title: str  # "Decisions", in the menu and the page's <title>
    rule: Rule[Any]  # who may see it at all (ANYONE: everyone, when the community is public)
    template: str  # "polls/decisions.html"
    load: Load


@dataclass(frozen=True)
class Panel:
    """A feature's part of a community's home page (what is open now)."""

    title: str
    rule: Rule[Any]
    template: str  # "polls/home.html": a fragment, included in the home page
    load: Load
