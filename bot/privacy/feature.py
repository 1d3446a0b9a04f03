"""The privacy feature: /mydata and /forgetme."""

from __future__ import annotations

from bot.commands import Command
from bot.feature import Feature
from bot.params import Param, ParamKind
from bot.privacy.commands import forget_me, my_data

FEATURE = Feature(
    name="privacy",
    commands=(
        Command("mydata", "A copy of everything Moot holds about you", my_data),
        Command(
            "forgetme",
            "Ask Moot to forget you (it asks you to confirm)",
            forget_me,
            params=(
                Param("confirm", "confirm", ParamKind.CHOICE, required=False, choices=("confirm",)),
            ),
        ),
    ),
)
