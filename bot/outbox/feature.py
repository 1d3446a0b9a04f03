"""The outbox feature: /outbox and /resend, for admins."""

from __future__ import annotations

from bot.commands import Command, Param, ParamKind
from bot.feature import Feature
from bot.outbox.commands import outbox, resend
from storage.models import Role

FEATURE = Feature(
    name="outbox",
    commands=(
        Command(
            "outbox",
            "What Moot is waiting to send, or could not send",
            outbox,
            role=Role.ADMIN,
            needs_community=True,
        ),
        Command(
            "resend",
            "Send a failed message again (after fixing what stopped it)",
            resend,
            params=(Param("message", "Its number, as /outbox shows it", ParamKind.INTEGER),),
            role=Role.ADMIN,
            needs_community=True,
        ),
    ),
)
