"""The web feature's manifest: /web, its settings, and what it holds about a person."""

from __future__ import annotations

from bot.commands import Command
from bot.feature import Feature
from bot.pages import WebAccess
from bot.params import Param, ParamKind
from bot.web import privacy
from bot.web.access import LINKS_OR_SETTING
from bot.web.commands import web
from bot.web.settings import WEB

FEATURE = Feature(
    name="web",
    commands=(
        Command(
            "web",
            "Your sign-in and calendar links; admins choose what the community shows on the web",
            web,
            params=(
                Param(
                    "access",
                    "What the community shows: public, members or off (admins)",
                    ParamKind.CHOICE,
                    required=False,
                    choices=(WebAccess.PUBLIC, WebAccess.MEMBERS, WebAccess.OFF),
                ),
            ),
            rule=LINKS_OR_SETTING,
        ),
    ),
    merge_people=privacy.merge,
    export_person=privacy.export,
    forget_person=privacy.forget,
    state=WEB,
)
