"""Telegram end to end: raw updates from a fake Bot API over real HTTP, through
python-telegram-bot and the core, to the messages the fake receives."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import replace

import aiohttp
import pytest
from sqlmodel import select

from adapters.telegram.adapter import TelegramOptions
from bot.core import Moot
from storage.conversations import HeldAnswer
from storage.models import Community
from tests.fakes.telegram_api import FakeTelegram, Updates
from tests.helpers import wait_until
from tests.telegram_harness import TOKEN, telegram_adapter

GROUP = -100500
ADMIN, ALICE, BOB = 11, 22, 33


@pytest.fixture
async def telegram(moot: Moot) -> AsyncIterator[FakeTelegram]:
    async with telegram_adapter(moot, {(GROUP, ADMIN)}) as (api, _):
        yield api


async def setup_group(api: FakeTelegram, updates: Updates) -> str:
    api.push(updates.message(GROUP, ADMIN, "Admin", "/setup@moot_test_bot Elm Court"))
    await api.wait_for(GROUP, "home of Elm Court")
    code_message = await api.wait_for(ADMIN, "CHAT-")
    return str(code_message.params["text"])


async def test_the_command_list_is_derived_from_the_declarations(
    telegram: FakeTelegram, moot: Moot
) -> None:
    call = next(c for c in telegram.calls if c.method == "setMyCommands")
    assert [c["command"] for c in call.params["commands"]] == [c.name for c in moot.registry.all()]


async def test_help_in_a_group_is_answered_privately(
    telegram: FakeTelegram, updates: Updates
) -> None:
    telegram.push(updates.message(GROUP, ALICE, "Alice", "/help"))
    reply = await telegram.wait_for(ALICE, "/join [code]")
    assert "parse_mode" not in reply.params  # plain text: nothing a resident types becomes markup
    assert telegram.texts_to(GROUP) == []


async def test_setup_join_and_approval_with_an_inline_button(
    telegram: FakeTelegram, updates: Updates
) -> None:
    await setup_group(telegram, updates)
    telegram.push(updates.message(GROUP, ALICE, "Alice", "/join"))
    await telegram.wait_for(ALICE, "is with the organisers")
    request = await telegram.wait_for(ADMIN, "Alice asks to join Elm Court")
    keyboard = request.params["reply_markup"]["inline_keyboard"]
    approve = keyboard[0][0]
    assert approve["text"] == "Approve"
    assert len(approve["callback_data"].encode()) <= 64
    telegram.push(updates.press(ADMIN, ADMIN, "Admin", approve["callback_data"]))
    # The request's message itself becomes the answer: no new message, no live buttons left.
    await wait_until(lambda: any("Approved: #2 Alice" in t for t in telegram.edits(ADMIN)))
    assert not any("Approved" in t for t in telegram.texts_to(ADMIN))
    await telegram.wait_for(ALICE, "You are now a member of Elm Court")
    assert any(c.method == "answerCallbackQuery" for c in telegram.calls)


async def test_setup_by_a_non_admin_changes_nothing(
    telegram: FakeTelegram, updates: Updates, moot: Moot
) -> None:
    telegram.push(updates.message(GROUP, BOB, "Bob", "/setup Bob's Club"))
    await telegram.wait_for(BOB, "Only an admin of this chat can run /setup.")
    assert await moot.read(lambda s: s.exec(select(Community)).all()) == []


async def test_setup_without_a_name_asks_by_force_reply(
    telegram: FakeTelegram, updates: Updates
) -> None:
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/setup"))
    question = await telegram.wait_for(GROUP, "A new community's name, or a CHAT- code")
    assert question.params["reply_markup"]["force_reply"] is True
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "Elm Court"))
    await telegram.wait_for(GROUP, "home of Elm Court")


async def test_a_private_answer_waits_for_one_tap_on_start(
    telegram: FakeTelegram, updates: Updates
) -> None:
    telegram.blocked.add(BOB)
    telegram.push(updates.message(GROUP, BOB, "Bob", "/whoami"))
    hint = await telegram.wait_for(GROUP, "Tap the button below, then Start")
    assert "You are Bob" not in str(hint.params["text"])
    (button,) = hint.params["reply_markup"]["inline_keyboard"][0]
    assert button["url"] == "https://t.me/moot_test_bot?start=answers"
    telegram.push(updates.message(GROUP, BOB, "Bob", "/whoami"))  # a second answer waits too
    telegram.blocked.discard(BOB)  # he opens the chat: Telegram sends /start with the payload
    telegram.push(updates.message(BOB, BOB, "Bob", "/start answers"))
    await telegram.wait_for(BOB, "Here is what I had for you")
    await wait_until(lambda: sum("You are Bob" in t for t in telegram.texts_to(BOB)) == 2)
    assert sum("Tap the button below" in t for t in telegram.texts_to(GROUP)) == 1


async def test_a_secret_ballot_pressed_before_start_is_never_held_and_votes_again_after(
    telegram: FakeTelegram, updates: Updates, moot: Moot
) -> None:
    await setup_group(telegram, updates)
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/joinpolicy open"))
    telegram.push(updates.message(GROUP, BOB, "Bob", "/join"))
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/poll Chair? | Ann | Raj | secret"))
    await telegram.wait_for(ADMIN, "Draft poll #1")
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/publish 1"))
    card = await telegram.wait_for(GROUP, "📊 Poll #1")
    telegram.blocked.add(BOB)
    telegram.push(updates.press(GROUP, BOB, "Bob", card.button("2. Raj")))
    hint = await telegram.wait_for(GROUP, "I keep no secret ballot for later")
    assert "Raj" not in str(hint.params["text"])
    assert await moot.read(lambda s: s.exec(select(HeldAnswer)).all()) == []
    telegram.blocked.discard(BOB)
    telegram.push(updates.message(BOB, BOB, "Bob", "/start answers"))
    await telegram.wait_for(BOB, "Hello! I'm Moot")  # nothing was kept for him
    telegram.push(updates.press(GROUP, BOB, "Bob", card.button("2. Raj")))
    confirmation = await telegram.wait_for(BOB, "Your secret ballot in poll #1: Raj.")
    cast = confirmation.button("Cast my ballot")
    assert len(cast.encode()) <= 64
    telegram.push(updates.press(BOB, BOB, "Bob", cast))
    await wait_until(lambda: any("is cast" in t for t in telegram.edits(BOB)))


async def test_start_is_a_welcome(telegram: FakeTelegram, updates: Updates) -> None:
    telegram.push(updates.message(ALICE, ALICE, "Alice", "/start"))
    welcome = await telegram.wait_for(ALICE, "Hello! I'm Moot")
    assert "/help" in str(welcome.params["text"])
    assert not any("I don't know" in t for t in telegram.texts_to(ALICE))


async def test_a_replayed_update_changes_nothing(
    telegram: FakeTelegram, updates: Updates, moot: Moot
) -> None:
    setup = updates.message(GROUP, ADMIN, "Admin", "/setup Elm Court")
    telegram.push(setup)
    await telegram.wait_for(GROUP, "home of Elm Court")
    telegram.push(setup)
    await telegram.wait_for(ADMIN, "already handled")
    assert len(await moot.read(lambda s: s.exec(select(Community)).all())) == 1


async def test_member_import_from_a_document(telegram: FakeTelegram, updates: Updates) -> None:
    await setup_group(telegram, updates)
    telegram.files["register-1"] = b"name,unit\nAda,Flat 1\nBea,Flat 2\n"
    document = {
        "file_id": "register-1",
        "file_unique_id": "r1",
        "file_name": "register.csv",
        "file_size": 32,
    }
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/import", document=document))
    await telegram.wait_for(ADMIN, "Imported 2 member(s)")
    for _ in range(100):
        if any(c.method == "sendDocument" for c in telegram.sent(ADMIN)):
            break
        await asyncio.sleep(0.02)
    sent = next(c for c in telegram.sent(ADMIN) if c.method == "sendDocument")
    assert b"Ada,Flat 1,member,JOIN-" in sent.params["document"]


async def test_bad_input_gets_a_private_answer(telegram: FakeTelegram, updates: Updates) -> None:
    await setup_group(telegram, updates)
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/approve banana"))
    await telegram.wait_for(ADMIN, "must be a number like 7")
    telegram.push(updates.message(GROUP, ALICE, "Alice", "/frobnicate"))
    await telegram.wait_for(ALICE, "I don't know /frobnicate")
    telegram.push(updates.message(GROUP, ALICE, "Alice", "/help@some_other_bot"))
    telegram.push(updates.message(ALICE, ALICE, "Alice", "/setup Sneaky"))
    await telegram.wait_for(ALICE, "works in a group chat")
    assert not any(
        "Moot in" in t for t in telegram.texts_to(ALICE)
    )  # the other bot's /help was ignored


async def listening(port: int, within: float = 10) -> None:
    """Wait until something accepts connections on the loopback port."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.05)
        else:
            writer.close()
            await writer.wait_closed()
            return


async def test_webhook_mode_accepts_only_updates_carrying_the_secret_once_handled(
    moot: Moot, updates: Updates
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    options = TelegramOptions(
        token=TOKEN,
        webhook_url="https://moot.example.org/telegram/hook",
        webhook_listen="127.0.0.1",
        webhook_port=port,
        webhook_secret="s3cret-token",
        webhook_max_connections=12,
    )
    async with telegram_adapter(moot, {(GROUP, ADMIN)}, options=options, wait_for="setWebhook") as (
        api,
        _,
    ):
        registered = next(c for c in api.calls if c.method == "setWebhook")
        assert registered.params["url"] == "https://moot.example.org/telegram/hook"
        assert registered.params["secret_token"] == "s3cret-token"
        assert int(registered.params["max_connections"]) == 12
        hook = f"http://127.0.0.1:{port}/telegram/hook"
        await listening(port)  # PTB registers the webhook before its server is bound
        async with aiohttp.ClientSession() as http:
            forged = await http.post(
                hook,
                json=updates.message(GROUP, ADMIN, "Admin", "/setup Forged"),
                headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
            )
            assert forged.status == 403
            genuine = await http.post(
                hook,
                json=updates.message(GROUP, ADMIN, "Admin", "/setup Elm Court"),
                headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"},
            )
            assert genuine.status == 200
        # Answered once handled, not once queued: had this process died before, Telegram would
        # have posted the update again.
        assert any("home of Elm Court" in t for t in api.texts_to(GROUP))
        assert await moot.read(lambda s: [c.name for c in s.exec(select(Community))]) == [
            "Elm Court"
        ]


async def test_the_webhook_is_registered_once_per_change_whichever_process_starts(
    moot: Moot,
) -> None:
    options = TelegramOptions(
        token=TOKEN,
        webhook_url="https://moot.example.org/telegram/hook",
        webhook_listen="127.0.0.1",
        webhook_port=0,
        webhook_secret="s3cret-token-0123456789",
    )
    api = FakeTelegram()
    await api.start()
    try:

        async def started(given: TelegramOptions) -> list[str]:
            """Whether a process starting with `given` registered the webhook."""
            async with telegram_adapter(moot, options=given, wait_for="getWebhookInfo", api=api):
                await asyncio.sleep(0.3)  # time to register, if it is going to
            return [c.params["secret_token"] for c in api.calls if c.method == "setWebhook"]

        assert await started(options) == ["s3cret-token-0123456789"]
        assert await started(options) == ["s3cret-token-0123456789"]  # the next: as it was
        changed = replace(options, webhook_secret="a-new-secret-9876543210")
        assert await started(changed) == ["s3cret-token-0123456789", "a-new-secret-9876543210"]
        api.webhook = {}  # someone removed it (deleteWebhook, or long polling elsewhere)
        assert len(await started(changed)) == 3
        assert api.webhook["url"] == "https://moot.example.org/telegram/hook"
    finally:
        await api.stop()


async def test_web_said_in_the_group_never_posts_a_sign_in_link_there(
    telegram: FakeTelegram, updates: Updates
) -> None:
    """Someone who never opened a chat with Moot asks for their link in the group: the group
    hears only how to open one, and the link arrives privately once they do."""
    await setup_group(telegram, updates)
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/web public"))
    await telegram.wait_for(GROUP, "web pages are now public")
    telegram.blocked.add(ADMIN)
    telegram.push(updates.message(GROUP, ADMIN, "Admin", "/web"))
    await telegram.wait_for(GROUP, "Tap the button below, then Start")
    telegram.blocked.discard(ADMIN)
    telegram.push(updates.message(ADMIN, ADMIN, "Admin", "/start answers"))
    await telegram.wait_for(ADMIN, "/sign-in/")
    assert not any("/sign-in/" in t or "/feeds/" in t for t in telegram.texts_to(GROUP))
