"""The Jinja environment every page is rendered with.

Template names carry their owner: "web/base.html" is adapters/web/templates/base.html, and
"polls/decisions.html" is bot/polls/templates/decisions.html, for every feature whose package
has a templates/ folder. Autoescaping is on for everything: what residents typed (poll
questions, agenda items, repair descriptions) reaches the page only as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from jinja2 import BaseLoader, Environment, FileSystemLoader, PrefixLoader

import bot
from bot.feature import Feature

WEB_TEMPLATES = Path(__file__).parent / "templates"
FEATURES = Path(bot.__file__).parent


def loaders(features: Sequence[Feature]) -> dict[str, BaseLoader]:
    """ "web" and each feature with templates, by the prefix of its templates' names."""
    found: dict[str, BaseLoader] = {"web": FileSystemLoader(WEB_TEMPLATES)}
    for feature in features:
        folder = FEATURES / feature.name / "templates"
        if folder.is_dir():
            found[feature.name] = FileSystemLoader(folder)
    return found


def environment(features: Sequence[Feature]) -> Environment:
    return Environment(
        loader=PrefixLoader(loaders(features)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
