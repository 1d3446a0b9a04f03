"""The help feature: /help lists the commands this person may use where they are."""

from __future__ import annotations

from bot.commands import Command
from bot.feature import Feature
from bot.help.commands import LISTINGS, help_command

FEATURE = Feature(
    name="help",
    commands=(Command("help", "Show what you can do here", help_command),),
    state=LISTINGS,
)
