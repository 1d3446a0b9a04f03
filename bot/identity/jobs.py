"""The identity feature's scheduled jobs: a link code nobody redeemed expires."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.identity import linking
from bot.runtime import Runtime


async def expire_link_code(runtime: Runtime, payload: Mapping[str, Any]) -> None:
    code = str(payload["code"])
    await runtime.write(lambda s: linking.expire_code(s, code))
