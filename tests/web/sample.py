"""A feature that declares one web page and one home-page panel for each least role, so that
the server's access checks are tried on every rule whatever the real features declare."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from bot.access import ADMINS, ANYONE, MEMBERS, ORGANISERS, REPAIRS_TEAM, Rule
from bot.feature import Feature
from bot.pages import Page, Panel, Viewer

RULES: dict[str, Rule[Any]] = {
    "anyone": ANYONE,
    "members": MEMBERS,
    "organisers": ORGANISERS,
    "repairs": REPAIRS_TEAM,
    "admins": ADMINS,
}


# How long each load takes (a test makes it slow, to see that the bot's loop does not wait).
LOAD_SECONDS = 0.0


def _load(session: Session, viewer: Viewer) -> Mapping[str, Any]:
    time.sleep(LOAD_SECONDS)
    return {"said": f"Figures for {viewer.community_name}", "typed": "<b>Bold</b> & co"}


SAMPLE = Feature(
    name="sample",
    commands=(),
    pages=tuple(
        Page(f"sample-{name}", f"Sample for {name}", rule, "sample/page.html", _load)
        for name, rule in RULES.items()
    ),
    panels=tuple(
        Panel(f"Panel for {name}", rule, "sample/panel.html", _load) for name, rule in RULES.items()
    ),
)
