"""One community across Discord and Telegram: one register, one person per human."""

from __future__ import annotations

import re

import pytest

from bot.core import Moot
from tests.discord_harness import deliver, discord_adapter
from tests.fakes.discord_api import Interactions
from tests.fakes.telegram_api import Updates
from tests.telegram_harness import telegram_adapter

TG_GROUP, TG_ADMIN, TG_ALICE = -100777, 71, 72
DC_ADMIN, DC_ALICE = 301, 302


async def test_a_community_spanning_discord_and_telegram(
    moot: Moot, monkeypatch: pytest.MonkeyPatch
) -> None:
    updates, interactions = Updates(), Interactions()
    async with (
        telegram_adapter(moot, {(TG_GROUP, TG_ADMIN)}) as (telegram, _),
        discord_adapter(moot, monkeypatch) as (discord_api, discord),
    ):
        # The Discord admin founds the community; the Telegram admin links their group with the code.
        deliver(
            discord,
            interactions.command(DC_ADMIN, "Dana", "setup", {"community": "Elm Court"}, admin=True),
        )
        _, private = await discord_api.wait_for("CHAT-")
        code = re.search(r"CHAT-\w{4}-\w{4}", private["content"].replace("\\", ""))
        assert code is not None
        telegram.push(updates.message(TG_GROUP, TG_ADMIN, "Tom", f"/setup {code.group()}"))
        await telegram.wait_for(TG_GROUP, "now linked to Elm Court")

        # Alice asks to join on Telegram; the organiser approves from Discord; Alice hears on Telegram.
        telegram.push(updates.message(TG_GROUP, TG_ALICE, "Alice", "/join"))
        await telegram.wait_for(TG_ALICE, "is with the organisers")
        _, request = await discord_api.wait_for("Alice asks to join Elm Court")
        approve = request["components"][0]["components"][0]["custom_id"]
        deliver(discord, interactions.press(DC_ADMIN, "Dana", approve, dm=True))
        await telegram.wait_for(TG_ALICE, "You are now a member of Elm Court")

        # Alice links her Discord account: she is one member on both platforms.
        deliver(discord, interactions.command(DC_ALICE, "Alice", "link"))
        _, issued = await discord_api.wait_for("Your link code is")
        link_code = re.search(r"LINK-\w{4}-\w{4}", issued["content"].replace("\\", ""))
        assert link_code is not None
        telegram.push(updates.message(TG_ALICE, TG_ALICE, "Alice", f"/link {link_code.group()}"))
        await telegram.wait_for(TG_ALICE, "on discord, telegram")
        deliver(discord, interactions.command(DC_ALICE, "Alice", "whoami"))
        _, profile = await discord_api.wait_for("You are Alice")
        text = profile["content"].replace("\\", "")
        assert "Elm Court (current): #" in text
        assert "member, active" in text
        assert "· telegram: Alice" in text
