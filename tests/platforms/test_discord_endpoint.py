"""Discord's HTTP interactions endpoint (adapters/discord/endpoint.py): interactions posted by
Discord to the web server, signed, are handled exactly as those from the gateway and answered
in the HTTP response within Discord's 3 seconds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlmodel import select

from adapters.discord.adapter import DiscordAdapter
from adapters.discord.endpoint import InteractionsEndpoint
from adapters.web.server import WebServer
from bot.core import Moot
from bot.identity.arrival import ALREADY_HANDLED
from storage.polls import Vote
from tests.discord_harness import deliver, discord_adapter, set_up
from tests.fakes.discord_api import FakeDiscord, Interactions

EPHEMERAL = 64
MESSAGE, DEFERRED, MODAL = 4, 5, 9
ADMIN, ALICE, BOB = 101, 202, 303
VOTE = "moot:vote 1.1 2"


@pytest.fixture
async def env(
    moot: Moot, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[FakeDiscord, DiscordAdapter, str]]:
    """The fake Discord, an adapter logged in to it, and the endpoint's address on a web
    server of this process (which holds no gateway)."""
    async with discord_adapter(moot, monkeypatch) as (api, adapter):
        server = WebServer(
            moot,
            "127.0.0.1",
            0,
            "http://127.0.0.1",
            discord_interactions=InteractionsEndpoint(adapter, api.public_key).answer,
        )
        await server.start()
        try:
            yield api, adapter, f"http://127.0.0.1:{server.port}/discord/interactions"
        finally:
            await server.stop()


async def votes(moot: Moot) -> int:
    return len(await moot.read(lambda s: list(s.exec(select(Vote)))))


async def open_poll(api: FakeDiscord, adapter: DiscordAdapter, interactions: Interactions) -> None:
    """Elm Court, open to join, with poll #1 (Saturday or Sunday) published in channel 50."""
    await set_up(api, adapter, interactions, ADMIN)
    deliver(
        adapter, interactions.command(ADMIN, "Admin", "joinpolicy", {"policy": "open"}, admin=True)
    )
    await api.wait_for("Joining Elm Court is now open")
    question = {"question": "Clean-up? | Saturday | Sunday"}
    deliver(adapter, interactions.command(ADMIN, "Admin", "poll", question, admin=True))
    await api.wait_for("Draft poll #1")
    deliver(adapter, interactions.command(ADMIN, "Admin", "publish", {"poll": "1"}, admin=True))
    await api.wait_for("📊 Poll #1")


def answered(api: FakeDiscord, interaction: dict[str, Any]) -> dict[str, Any]:
    """What Moot answered `interaction` with, by either path (its callback's body)."""
    bodies = [
        r.body
        for r in api.requests
        if r.method == "POST" and r.path.startswith(f"/interactions/{interaction['id']}/")
    ]
    assert len(bodies) == 1, bodies
    body: dict[str, Any] = bodies[0]
    return body


async def test_a_command_and_a_vote_by_http_are_answered_as_by_the_gateway_and_counted_once(
    env: tuple[FakeDiscord, DiscordAdapter, str], moot: Moot
) -> None:
    api, adapter, url = env
    interactions = Interactions()
    await open_poll(api, adapter, interactions)

    joining = interactions.command(ALICE, "Alice", "join")
    status, answer = await api.post_interaction(url, joining)
    assert status == 200
    assert answer["type"] == MESSAGE
    assert "Welcome to Elm Court, Alice" in answer["data"]["content"]
    deliver(adapter, interactions.command(BOB, "Bob", "join"))
    await api.wait_for("Welcome to Elm Court, Bob")

    # A form: the same modal either way (commands are declared once).
    by_http = interactions.command(ADMIN, "Admin", "poll", admin=True)
    status, answer = await api.post_interaction(url, by_http)
    by_gateway = interactions.command(ADMIN, "Admin", "poll", admin=True)
    deliver(adapter, by_gateway)
    await asyncio.sleep(0.3)
    assert answer["type"] == MODAL
    assert answer == answered(api, by_gateway)

    pressed = interactions.press(ALICE, "Alice", VOTE)
    status, answer = await api.post_interaction(url, pressed)
    assert status == 200
    assert answer["type"] == MESSAGE
    assert answer["data"]["content"].startswith("Your vote in poll #1 (Sunday) is counted.")
    assert answer["data"]["flags"] & EPHEMERAL
    by_gateway = interactions.press(BOB, "Bob", VOTE)
    deliver(adapter, by_gateway)
    await api.wait_for("Your vote in poll #1 (Sunday) is counted", within=5)
    await asyncio.sleep(0.2)
    assert answered(api, by_gateway) == answer
    assert await votes(moot) == 2

    # Discord delivering the same press again (a retry): answered, counted once.
    status, again = await api.post_interaction(url, pressed)
    assert status == 200
    assert again["data"]["content"] == ALREADY_HANDLED
    assert await votes(moot) == 2


async def test_without_discords_signature_nothing_happens(
    env: tuple[FakeDiscord, DiscordAdapter, str], moot: Moot
) -> None:
    api, adapter, url = env
    interactions = Interactions()
    await open_poll(api, adapter, interactions)
    deliver(adapter, interactions.command(ALICE, "Alice", "join"))
    await api.wait_for("Welcome to Elm Court, Alice")
    pressed = interactions.press(ALICE, "Alice", VOTE)
    other = FakeDiscord()  # someone else's key
    body = b'{"type": 3}'
    forged = [
        {},  # no signature at all
        other.signed(body),
        {**api.signed(body), "X-Signature-Ed25519": "zz"},  # not even hex
        api.signed(b"another body"),  # signed, but not this body
        {**api.signed(body), "X-Signature-Timestamp": "²"},  # a digit, but not an ASCII one
        {**api.signed(body), "X-Signature-Timestamp": "9" * 5000},  # too long to be a time
    ]
    for headers in forged:
        status, answer = await api.post_interaction(url, pressed, headers=headers)
        assert status == 401, headers
        assert answer == {"message": "invalid request signature"}
    stale = int(time.time()) - 6 * 60  # a signed request seen in transit, sent again later
    status, _ = await api.post_interaction(url, pressed, timestamp=stale)
    assert status == 401
    assert await votes(moot) == 0
    assert not [r for r in api.requests if r.path.startswith(f"/interactions/{pressed['id']}")]


async def test_discords_ping_is_answered_with_a_pong(
    env: tuple[FakeDiscord, DiscordAdapter, str],
) -> None:
    api, _, url = env
    ping = {"id": "1", "application_id": "4242", "type": 1, "token": "t", "version": 1}
    assert await api.post_interaction(url, ping) == (200, {"type": 1})


async def test_a_slow_command_is_deferred_within_three_seconds_and_followed_up(
    moot: Moot, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with discord_adapter(moot, monkeypatch, answer_within=0.3) as (api, adapter):
        server = WebServer(
            moot,
            "127.0.0.1",
            0,
            "http://127.0.0.1",
            discord_interactions=InteractionsEndpoint(adapter, api.public_key).answer,
        )
        await server.start()
        try:
            url = f"http://127.0.0.1:{server.port}/discord/interactions"
            interactions = Interactions()
            await open_poll(api, adapter, interactions)
            handle = moot.handle

            async def slowly(event: Any) -> Any:
                await asyncio.sleep(1.5)
                return await handle(event)

            monkeypatch.setattr(moot, "handle", slowly)
            started = time.monotonic()
            status, answer = await api.post_interaction(
                url, interactions.command(ALICE, "Alice", "join")
            )
            assert time.monotonic() - started < 1.0
            assert (status, answer["type"]) == (200, DEFERRED)
            assert answer["data"]["flags"] & EPHEMERAL
            # As over the gateway: after the deferral, public replies go to the channel and
            # the deferred answer says it is done.
            where, _ = await api.wait_for("Welcome to Elm Court, Alice")
            assert where == "channel 50"
            for _ in range(100):
                if any(r.path.endswith("/messages/@original") for r in api.requests):
                    break
                await asyncio.sleep(0.02)
            done = [
                r.body["content"] for r in api.requests if r.path.endswith("/messages/@original")
            ]
            assert done == ["Done."]
        finally:
            await server.stop()


async def test_a_first_answer_with_a_file_defers_then_fills_the_original_response(
    env: tuple[FakeDiscord, DiscordAdapter, str],
) -> None:
    api, adapter, url = env
    interactions = Interactions()
    await open_poll(api, adapter, interactions)
    # Once by the gateway first: the first chart of a process takes a while to draw, and a
    # slow answer is deferred anyway.
    deliver(adapter, interactions.command(ADMIN, "Admin", "results", {"poll": "1"}, admin=True))
    for _ in range(500):
        if any("poll-1-results.png" in r.files for r in api.requests):
            break
        await asyncio.sleep(0.02)
    results = interactions.command(ADMIN, "Admin", "results", {"poll": "1"}, admin=True)
    status, answer = await api.post_interaction(url, results)
    assert (status, answer["type"]) == (200, DEFERRED)
    assert answer["data"]["flags"] & EPHEMERAL
    for _ in range(100):
        filled = [
            r
            for r in api.requests
            if r.method == "PATCH" and r.path.endswith("/messages/@original") and r.files
        ]  # the gateway's answer above carried its file in the callback itself
        if filled:
            break
        await asyncio.sleep(0.02)
    assert filled, "the original response was never filled"
    assert list(filled[0].files) == ["poll-1-results.png"]
    assert "Poll #1" in filled[0].body["content"]


async def test_without_a_public_key_there_is_no_endpoint(moot: Moot) -> None:
    server = WebServer(moot, "127.0.0.1", 0, "http://127.0.0.1")
    await server.start()
    try:
        api = FakeDiscord()
        url = f"http://127.0.0.1:{server.port}/discord/interactions"
        ping = {"id": "1", "application_id": "4242", "type": 1, "token": "t", "version": 1}
        status, _ = await api.post_interaction(url, ping)
        assert status == 404
    finally:
        await server.stop()
