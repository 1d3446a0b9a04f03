"""Discord end to end: raw interactions through discord.py's own state and the core, to the HTTP
requests a fake Discord API receives."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from sqlmodel import select

from adapters.discord.adapter import DiscordAdapter
from adapters.discord.declarations import GLOBAL_COMMANDS_AT_MOST, global_commands
from bot.core import Moot
from bot.features import ALL_FEATURES
from storage.models import Community
from tests.discord_harness import deliver, discord_adapter, set_up
from tests.fakes.discord_api import FakeDiscord, Interactions

EPHEMERAL = 64
ADMIN, ALICE, BOB = 101, 202, 303


@pytest.fixture
def interactions() -> Interactions:
    return Interactions()


async def test_slash_commands_are_derived_from_the_declarations(
    discord_env: tuple[FakeDiscord, DiscordAdapter], moot: Moot
) -> None:
    api, adapter = discord_env
    await adapter.sync_commands()
    put = next(r for r in api.requests if r.method == "PUT")
    assert put.path == "/applications/4242/commands"  # once, for every server and for DMs
    commands = {c["name"]: c for c in put.body}
    assert sorted(commands) == [c.name for c in moot.registry.all()]
    assert commands["setup"]["options"][0]["required"] is False  # guided: a modal asks instead
    assert [c["value"] for c in commands["role"]["options"][1]["choices"]] == [
        "member",
        "organiser",
        "repairs",
        "admin",
    ]
    assert commands["import"]["options"][0]["type"] == 11
    assert commands["vote"]["contexts"] == [0, 1]  # residents can vote from a DM with Moot

    await adapter.sync_commands()  # connecting again: Discord has them, nothing is re-sent
    assert len([r for r in api.requests if r.method == "PUT"]) == 1


async def test_a_server_that_refuses_the_tidy_up_does_not_stop_the_others(
    discord_env: tuple[FakeDiscord, DiscordAdapter],
) -> None:
    api, adapter = discord_env
    api.guild_commands = {1: [{"id": "7", "name": "help"}], 2: [{"id": "8", "name": "help"}]}
    api.refusing_guilds.add(1)
    for guild in (1, 2):
        await adapter.clear_guild_commands(guild)
    puts = [r.path for r in api.requests if r.method == "PUT"]
    assert puts == ["/applications/4242/guilds/2/commands"]


async def test_help_is_ephemeral(
    discord_env: tuple[FakeDiscord, DiscordAdapter], interactions: Interactions
) -> None:
    api, adapter = discord_env
    deliver(adapter, interactions.command(ALICE, "Alice", "help"))
    _, body = await api.wait_for("/join [code]")
    assert body["flags"] & EPHEMERAL


async def test_setup_is_public_and_its_code_private(
    discord_env: tuple[FakeDiscord, DiscordAdapter], interactions: Interactions
) -> None:
    api, adapter = discord_env
    await set_up(api, adapter, interactions, ADMIN)
    _, public = await api.wait_for("home of Elm Court")
    _, private = await api.wait_for("CHAT-")
    assert not public.get("flags", 0) & EPHEMERAL
    assert private["flags"] & EPHEMERAL


async def test_setup_without_a_name_opens_a_modal(
    discord_env: tuple[FakeDiscord, DiscordAdapter], interactions: Interactions
) -> None:
    api, adapter = discord_env
    deliver(adapter, interactions.command(BOB, "Bob", "setup"))  # not an admin: no form at all
    await api.wait_for("Only an admin of this chat can run /setup")
    assert not any(r.body.get("type") == 9 for r in api.requests if isinstance(r.body, dict))
    deliver(adapter, interactions.command(ADMIN, "Admin", "setup", admin=True))
    _where, modal = await api.wait_for("Set up this chat for a community")
    assert modal["_type"] == 9  # MODAL
    assert modal["custom_id"] == "moot-form:setup"
    field = modal["components"][0]["components"][0]
    assert field["custom_id"] == "community"
    assert field["max_length"] == 80
    deliver(
        adapter,
        interactions.submit(
            ADMIN, "Admin", "moot-form:setup", {"community": "Elm Court"}, admin=True
        ),
    )
    await api.wait_for("home of Elm Court")


async def test_join_and_approve_with_a_button_in_a_dm(
    discord_env: tuple[FakeDiscord, DiscordAdapter], interactions: Interactions
) -> None:
    api, adapter = discord_env
    await set_up(api, adapter, interactions, ADMIN)
    deliver(adapter, interactions.command(ALICE, "Alice", "join"))
    await api.wait_for("is with the organisers")
    where, request = await api.wait_for("Alice asks to join")
    assert where == f"channel {900_000 + ADMIN}"  # a DM to the organiser
    button = request["components"][0]["components"][0]
    assert (button["label"], button["custom_id"]) == ("Approve", "moot:approve 1.2")
    deliver(adapter, interactions.press(ADMIN, "Admin", button["custom_id"], dm=True))
    await api.wait_for("Approved: #2 Alice")
    where, _welcome = await api.wait_for("You are now a member of Elm Court")
    assert where == f"channel {900_000 + ALICE}"


async def test_a_stale_button_gets_a_private_answer(
    discord_env: tuple[FakeDiscord, DiscordAdapter], interactions: Interactions
) -> None:
    api, adapter = discord_env
    await set_up(api, adapter, interactions, ADMIN)
    deliver(adapter, interactions.press(ADMIN, "Admin", "moot:approve 77", dm=True))
    _, body = await api.wait_for("no member #77")
    assert body["flags"] & EPHEMERAL


async def test_mentions_are_disabled_and_markdown_escaped(
    discord_env: tuple[FakeDiscord, DiscordAdapter], interactions: Interactions
) -> None:
    api, adapter = discord_env
    deliver(
        adapter,
        interactions.command(
            ADMIN, "Admin", "setup", {"community": "**Loud** @everyone"}, admin=True
        ),
    )
    _, body = await api.wait_for("home of")
    assert "\\*\\*Loud\\*\\* @everyone" in body["content"]
    assert body["allowed_mentions"] == {"parse": []}


async def test_slow_work_is_deferred_within_the_deadline(
    moot: Moot, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with discord_adapter(moot, monkeypatch, answer_within=0.0) as (api, adapter):
        deliver(
            adapter,
            Interactions().command(ADMIN, "Admin", "setup", {"community": "Elm Court"}, admin=True),
        )
        where, _public = await api.wait_for("home of Elm Court")
        deferral = next(r for r in api.requests if r.path.startswith("/interactions/"))
        assert deferral.body["type"] == 5  # DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
        assert where == "channel 50"  # the public answer is an ordinary channel message
        _, private = await api.wait_for("CHAT-")
        assert private["flags"] & EPHEMERAL


async def test_a_replayed_interaction_changes_nothing(
    discord_env: tuple[FakeDiscord, DiscordAdapter], interactions: Interactions, moot: Moot
) -> None:
    api, adapter = discord_env
    payload = interactions.command(ADMIN, "Admin", "setup", {"community": "Elm Court"}, admin=True)
    deliver(adapter, payload)
    await api.wait_for("home of Elm Court")
    deliver(adapter, payload)
    await api.wait_for("already handled")
    assert len(await moot.read(lambda s: s.exec(select(Community)).all())) == 1


async def test_a_replayed_interaction_is_answered_quietly(
    discord_env: tuple[FakeDiscord, DiscordAdapter],
    interactions: Interactions,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Discord refuses a second answer to one interaction (40060): nothing to log as an error."""
    api, adapter = discord_env
    payload = interactions.command(ALICE, "Alice", "help")
    deliver(adapter, payload)
    await api.wait_for("/join [code]")
    deliver(adapter, payload)
    await asyncio.sleep(0.5)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_slow_download_is_deferred_first_and_the_import_arrives(
    discord_env: tuple[FakeDiscord, DiscordAdapter], interactions: Interactions
) -> None:
    api, adapter = discord_env
    await set_up(api, adapter, interactions, ADMIN)
    api.files["register.csv"] = b"name,unit\nAda,Flat 1\n"
    api.cdn_delay = 4.0  # longer than Discord's 3 seconds to answer
    deliver(
        adapter,
        interactions.command(
            ADMIN, "Admin", "import", {"file": "9"}, admin=True, resolved=register(api)
        ),
    )
    await api.wait_for("Imported 1 member(s)", within=15)
    answers = [r for r in api.requests if r.path.endswith("/callback")]
    deferral = answers[-1]
    assert deferral.body["type"] == 5  # deferred before the download began, not after
    assert api.requests.index(deferral) < next(
        i for i, r in enumerate(api.requests) if "Imported 1" in str(r.body)
    )


def register(api: FakeDiscord) -> dict[str, Any]:
    """Discord's description of an uploaded register.csv (attachment option "9")."""
    return {
        "attachments": {
            "9": {
                "id": "9",
                "filename": "register.csv",
                "size": 21,
                "url": api.cdn_url("register.csv"),
                "proxy_url": api.cdn_url("register.csv"),
                "content_type": "text/csv",
            }
        }
    }


async def test_member_import_from_an_attachment(
    discord_env: tuple[FakeDiscord, DiscordAdapter], interactions: Interactions
) -> None:
    api, adapter = discord_env
    await set_up(api, adapter, interactions, ADMIN)
    api.files["register.csv"] = b"name,unit\nAda,Flat 1\n"
    deliver(
        adapter,
        interactions.command(
            ADMIN, "Admin", "import", {"file": "9"}, admin=True, resolved=register(api)
        ),
    )
    await api.wait_for("Imported 1 member(s)")
    upload = next(r for r in api.requests if r.files)
    assert b"Ada,Flat 1,member,JOIN-" in upload.files["claim-codes.csv"]


async def test_non_admins_cannot_set_up(
    discord_env: tuple[FakeDiscord, DiscordAdapter], interactions: Interactions, moot: Moot
) -> None:
    api, adapter = discord_env
    deliver(adapter, interactions.command(ALICE, "Alice", "setup", {"community": "Mine"}))
    _, body = await api.wait_for("Only an admin of this chat")
    assert body["flags"] & EPHEMERAL
    assert await moot.read(lambda s: s.exec(select(Community)).all()) == []


def test_every_command_fits_in_discords_slash_command_limit() -> None:
    """Discord refuses the whole sync past 100 global commands: every declared command must fit
    (94 do today; a new one past the limit belongs in an existing command's choices)."""
    commands = [c for feature in ALL_FEATURES for c in feature.commands]
    assert len(global_commands(commands)) == len(commands) <= GLOBAL_COMMANDS_AT_MOST
