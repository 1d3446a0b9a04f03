"""The outbox feature: /outbox and /resend, for admins."""

from __future__ import annotations

from bot.access import ADMINS
from bot.commands import Command
from bot.feature import Feature
from bot.outbox.commands import outbox, resend
from bot.params import Param, ParamKind

FEATURE = Feature(
    name="outbox",
    commands=(
        Command(
            "outbox",
            "What Moot is waiting to send, or could not send",
            outbox,
            rule=ADMINS,
        ),
        Command(
            "resend",
            "Send a failed message again (after fixing what stopped it)",
            resend,
            params=(Param("message", "Its number, as /outbox shows it", ParamKind.INTEGER),),
            rule=ADMINS,
        ),
    ),
)
