"""The identity feature's scheduled jobs: a link code nobody redeemed expires."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.identity import linking

if TYPE_CHECKING:
    from bot.core import Moot


async def expire_link_code(moot: Moot, payload: Mapping[str, Any]) -> None:
    code = str(payload["code"])
    await moot.write(lambda s: linking.expire_code(s, code))
