"""Which webhook each bot was last registered with, so that a platform is told once per change
of address, secret or settings, not once per Moot process and restart. The store keeps a digest
of the registration (a SHA-256), never the secret."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from sqlmodel import Session

from storage.models import WebhookRegistration

if TYPE_CHECKING:
    from bot.core import Moot


def digest(*registration: object) -> str:
    """What identifies a registration: the address, the secret and the settings given."""
    return hashlib.sha256(json.dumps(registration, sort_keys=True).encode()).hexdigest()


async def registered(moot: Moot, platform: str, bot_id: str) -> str | None:
    """The digest of the bot's registration as last made, by any process."""
    row = await moot.read(lambda s: s.get(WebhookRegistration, (platform, bot_id)))
    return None if row is None else row.digest


async def remember(moot: Moot, platform: str, bot_id: str, made: str) -> None:
    """The bot's webhook is now registered as `made` says."""
    now = moot.clock.now()

    def write(session: Session) -> None:
        row = session.get(WebhookRegistration, (platform, bot_id))
        if row is None:
            session.add(WebhookRegistration(platform=platform, bot_id=bot_id, digest=made, at=now))
        else:
            row.digest, row.at = made, now

    await moot.write(write)
