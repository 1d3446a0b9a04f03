"""Polls on Discord: a modal for the guided flow, buttons to vote, ephemeral answers, local times."""

from __future__ import annotations

import asyncio

from adapters.discord.adapter import DiscordAdapter
from tests.discord_harness import deliver, set_up
from tests.fakes.discord_api import FakeDiscord, Interactions

EPHEMERAL = 64
ADMIN, ALICE = 101, 202


async def test_a_poll_from_modal_to_an_edited_poll_message(
    discord_env: tuple[FakeDiscord, DiscordAdapter],
) -> None:
    api, adapter = discord_env
    interactions = Interactions()
    await set_up(api, adapter, interactions, ADMIN)
    deliver(
        adapter, interactions.command(ADMIN, "Admin", "joinpolicy", {"policy": "open"}, admin=True)
    )
    await api.wait_for("Joining Elm Court is now open")
    deliver(adapter, interactions.command(ALICE, "Alice", "join"))
    await api.wait_for("Welcome to Elm Court, Alice")

    deliver(adapter, interactions.command(ADMIN, "Admin", "poll", admin=True))
    _, modal = await api.wait_for("Start a poll")
    fields = [row["components"][0] for row in modal["components"]]
    assert [f["custom_id"] for f in fields] == ["question", "options", "closes"]
    assert fields[1]["style"] == 2  # a paragraph: one option per line
    deliver(
        adapter,
        interactions.submit(
            ADMIN,
            "Admin",
            "moot-form:poll",
            {
                "question": "Which day for the clean-up?",
                "options": "Saturday\nSunday",
                "closes": "Friday 18:00",
            },
            admin=True,
        ),
    )
    _, preview = await api.wait_for("Draft poll #1")
    assert preview["flags"] & EPHEMERAL
    assert (
        "<t:1795802400:F>" in preview["content"]
    )  # each reader sees Friday 18:00 in their own time
    kind_menu = next(
        row["components"][0] for row in preview["components"] if row["components"][0]["type"] == 3
    )
    assert kind_menu["placeholder"] == "Kind: single choice"
    ranked = next(o["value"] for o in kind_menu["options"] if o["label"].startswith("ranked"))
    assert ranked == "pollset 1.1 kind: ranked"  # the poll, with its community
    deliver(
        adapter, interactions.select(ADMIN, "Admin", kind_menu["custom_id"], ranked, admin=True)
    )
    _, changed = await api.wait_for("ranked choice (instant runoff)")
    deliver(
        adapter,
        interactions.select(
            ADMIN, "Admin", kind_menu["custom_id"], "pollset 1.1 kind: single", admin=True
        ),
    )
    for _ in range(200):
        if sum("Draft poll #1" in str(b.get("content")) for _, b in api.messages()) == 3:
            break
        await asyncio.sleep(0.02)
    publish = changed["components"][0]["components"][0]
    assert publish["custom_id"] == "moot:publish 1.1"
    deliver(adapter, interactions.press(ADMIN, "Admin", publish["custom_id"], admin=True))
    where, posted = await api.wait_for("📊 Poll #1")
    assert where == "channel 50"
    assert posted["allowed_mentions"] == {"parse": []}
    vote = posted["components"][0]["components"][1]
    assert vote["custom_id"] == "moot:vote 1.1 2"

    deliver(adapter, interactions.press(ALICE, "Alice", vote["custom_id"]))
    _, counted = await api.wait_for("Your vote in poll #1 (Sunday) is counted")
    assert counted["flags"] & EPHEMERAL
    for _ in range(200):
        edits = [
            r
            for r in api.requests
            if r.method == "PATCH" and r.path.startswith("/channels/50/messages/")
        ]
        if any("2. Sunday — 1 vote (100%)" in e.body.get("content", "") for e in edits):
            break
        await asyncio.sleep(0.02)
    else:
        raise AssertionError(
            f"the poll message was never updated: {[r.body for r in api.requests if r.method == 'PATCH']}"
        )


async def test_a_secret_ballot_is_confirmed_privately_on_discord(
    discord_env: tuple[FakeDiscord, DiscordAdapter],
) -> None:
    api, adapter = discord_env
    interactions = Interactions()
    await set_up(api, adapter, interactions, ADMIN)
    deliver(
        adapter,
        interactions.command(
            ADMIN, "Admin", "poll", {"question": "Chair? | Ann | Raj | secret"}, admin=True
        ),
    )
    await api.wait_for("Draft poll #1")
    deliver(adapter, interactions.command(ADMIN, "Admin", "publish", {"poll": "1"}, admin=True))
    await api.wait_for("📊 Poll #1")
    deliver(adapter, interactions.press(ADMIN, "Admin", "moot:vote 1.1 1", admin=True))
    _, confirm = await api.wait_for("Once cast it cannot be changed")
    assert confirm["flags"] & EPHEMERAL
    # The choice rides in the button (option 1 is "~b"), as nothing stores it before the cast.
    assert confirm["components"][0]["components"][0]["custom_id"] == "moot:cast 1.1 ~b"
    deliver(adapter, interactions.press(ADMIN, "Admin", "moot:cast 1.1 ~b", admin=True))
    await api.wait_for("Your secret ballot in poll #1 is cast")


async def test_menu_presses_update_the_ephemeral_message_they_came_from(
    discord_env: tuple[FakeDiscord, DiscordAdapter],
) -> None:
    api, adapter = discord_env
    interactions = Interactions()
    await set_up(api, adapter, interactions, ADMIN)
    deliver(
        adapter,
        interactions.command(
            ADMIN, "Admin", "poll", {"question": "Lunch? | Soup | Salad | Stew"}, admin=True
        ),
    )
    await api.wait_for("Draft poll #1")
    deliver(
        adapter,
        interactions.select(
            ADMIN, "Admin", "moot-menu:0", "pollset 1.1 kind: ranked", admin=True, on_ephemeral=True
        ),
    )
    _, updated = await api.wait_for("ranked choice (instant runoff)")
    assert updated["_type"] == 7  # UPDATE_MESSAGE: the preview itself changes
    previews = [b for _, b in api.messages() if "Draft poll #1" in str(b.get("content"))]
    assert [b["_type"] for b in previews] == [4, 7]  # one message, updated; none stacked

    deliver(
        adapter,
        interactions.press(ADMIN, "Admin", "moot:publish 1.1", admin=True, on_ephemeral=True),
    )
    await api.wait_for("📊 Poll #1")
    deliver(adapter, interactions.press(ADMIN, "Admin", "moot:ballot 1.1", admin=True))
    _, ballot = await api.wait_for("Your ranking for poll #1")
    assert ballot["_type"] == 4  # the card is public: the ballot is a new, ephemeral message
    deliver(
        adapter,
        interactions.press(ADMIN, "Admin", "moot:pick 1.1 3", admin=True, on_ephemeral=True),
    )
    _, picked = await api.wait_for("Your ranking for poll #1: Stew")
    assert picked["_type"] == 7
