"""Telegram posts an update again when the Moot process handling it died before answering (to
another process behind the webhook's load balancer). Commands and presses go through the core's
replay guard; these are the two paths that do not: an answer to a form asked one question at a
time (bot/forms.py), and /start releasing the private answers held for someone (bot/held.py).
A process "dies" here by having done the store's part of an update and nothing after it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text
from sqlmodel import func, select

from bot import forms
from bot.clock import ManualClock
from bot.core import Moot
from bot.events import TELEGRAM, FormSubmitted, Reply
from bot.held import hold
from storage.meetings import Meeting
from tests.fakes.telegram_api import FakeTelegram, Updates, bad_gateway
from tests.helpers import another_process, wait_until
from tests.telegram_harness import telegram_adapter

GROUP = -100500
ADMIN, BOB = 11, 33
MEETING = [  # the meeting's form, answer by answer, with the question each answer brings
    ("Repairs surgery", "When?"),
    ("Friday 18:30", "Where?"),
    ("Office", "Link to join online"),
    ("-", "What is it about?"),
]
LAST = "Drop in with any repair"
NO_FORM = "Send /help to see what I can do."


async def start_meeting_form(api: FakeTelegram, updates: Updates) -> None:
    api.push(updates.message(GROUP, ADMIN, "Admin", "/setup Elm Court"))
    await api.wait_for(GROUP, "home of Elm Court")
    api.push(updates.message(GROUP, ADMIN, "Admin", "/meeting"))
    await api.wait_for(ADMIN, "Schedule a meeting")  # its questions come privately


async def answer_all_but_the_last(api: FakeTelegram, updates: Updates) -> None:
    for answer, question in MEETING:
        api.push(updates.message(ADMIN, ADMIN, "Admin", answer))
        await api.wait_for(ADMIN, question)


def asked(api: FakeTelegram, question: str) -> int:
    return sum(question in t for t in api.texts_to(ADMIN))


async def taken_by_a_process_that_died(moot: Moot, update: dict[str, Any]) -> forms.FormInProgress:
    """What the process that got `update` wrote before dying: the answer, and nothing after."""
    chat = update["message"]["chat"]["id"]
    said = update["message"]["text"]
    progress = await forms.answer(
        moot, TELEGRAM, str(chat), str(ADMIN), said, str(update["update_id"])
    )
    assert progress is not None
    return progress


async def eventually(count: Callable[[], Awaitable[int]], expected: int) -> None:
    """Wait for a count in the store, which the adapter changes after its last message."""
    for _ in range(500):
        if await count() == expected:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"still {await count()}, not {expected}")


async def meetings(moot: Moot) -> int:
    return int(await moot.read(lambda s: s.exec(select(func.count()).select_from(Meeting)).one()))


async def forms_kept(moot: Moot) -> int:
    return int(
        await moot.read(lambda s: s.execute(text("SELECT count(*) FROM formprogress")).one()[0])
    )


async def preview_of_the_meeting(api: FakeTelegram) -> str:
    preview = str((await api.wait_for(ADMIN, "Draft meeting #1: Repairs surgery")).params["text"])
    assert "Where: Office" in preview
    assert LAST in preview
    return preview


async def test_an_answer_posted_twice_is_taken_once(moot: Moot, updates: Updates) -> None:
    async with telegram_adapter(moot, {(GROUP, ADMIN)}) as (api, _):
        await start_meeting_form(api, updates)
        title = updates.message(ADMIN, ADMIN, "Admin", "Repairs surgery")
        api.push(title)
        await api.wait_for(ADMIN, "When?")
        api.push(title)  # posted again: the question stays, and is asked again
        await wait_until(lambda: asked(api, "When?") == 2)
        for answer, question in MEETING[1:]:
            api.push(updates.message(ADMIN, ADMIN, "Admin", answer))
            await api.wait_for(ADMIN, question)
        api.push(updates.message(ADMIN, ADMIN, "Admin", LAST))
        await preview_of_the_meeting(api)
        assert asked(api, "Where?") == 1
        assert await meetings(moot) == 1


async def test_an_answer_whose_process_died_before_asking_on_gets_the_next_question(
    moot: Moot, updates: Updates
) -> None:
    async with telegram_adapter(moot, {(GROUP, ADMIN)}) as (api, _):
        await start_meeting_form(api, updates)
        title = updates.message(ADMIN, ADMIN, "Admin", "Repairs surgery")
        await taken_by_a_process_that_died(moot, title)
        assert asked(api, "When?") == 0
        api.push(title)  # Telegram posts it again, to a living process
        await api.wait_for(ADMIN, "When?")
        for answer, question in MEETING[1:]:
            api.push(updates.message(ADMIN, ADMIN, "Admin", answer))
            await api.wait_for(ADMIN, question)
        api.push(updates.message(ADMIN, ADMIN, "Admin", LAST))
        await preview_of_the_meeting(api)


async def test_a_last_answer_whose_process_died_before_submitting_submits_once(
    moot: Moot, updates: Updates
) -> None:
    async with telegram_adapter(moot, {(GROUP, ADMIN)}) as (api, _):
        await start_meeting_form(api, updates)
        await answer_all_but_the_last(api, updates)
        last = updates.message(ADMIN, ADMIN, "Admin", LAST)
        assert (await taken_by_a_process_that_died(moot, last)).done
        # Something else said meanwhile is no answer to the finished form.
        api.push(updates.message(ADMIN, ADMIN, "Admin", "Is it saved?"))
        await api.wait_for(ADMIN, NO_FORM)
        api.push(last)  # Telegram posts the last answer again
        await preview_of_the_meeting(api)
        assert await meetings(moot) == 1
        assert await forms_kept(moot) == 0
        api.push(last)  # and once more: the form is over
        await wait_until(lambda: api.texts_to(ADMIN).count(NO_FORM) == 2)
        assert await meetings(moot) == 1


async def test_a_last_answer_whose_process_died_after_submitting_is_already_handled(
    moot: Moot, updates: Updates
) -> None:
    async with telegram_adapter(moot, {(GROUP, ADMIN)}) as (api, _):
        await start_meeting_form(api, updates)
        await answer_all_but_the_last(api, updates)
        last = updates.message(ADMIN, ADMIN, "Admin", LAST)
        progress = await taken_by_a_process_that_died(moot, last)
        # ...after the core took the answers, before the answer reached the person.
        event = FormSubmitted(
            progress.actor,
            progress.place,
            progress.form.form_id,
            progress.values,
            update_id=str(last["update_id"]),
        )
        assert any("Draft meeting #1" in r.text for r in await moot.handle(event))
        api.push(last)
        await api.wait_for(ADMIN, "already handled")
        assert not any("Draft meeting" in t for t in api.texts_to(ADMIN))
        assert await meetings(moot) == 1
        await eventually(lambda: forms_kept(moot), 0)


async def held(moot: Moot) -> int:
    return int(
        await moot.read(lambda s: s.execute(text("SELECT count(*) FROM heldanswer")).one()[0])
    )


async def test_held_answers_released_by_a_process_that_died_arrive_once(
    moot: Moot, database_url: str, clock: ManualClock, updates: Updates
) -> None:
    start = updates.message(BOB, BOB, "Bob", "/start answers")
    async with another_process(database_url, clock) as first:
        async with telegram_adapter(first, {(GROUP, ADMIN)}) as (one, _):
            one.blocked.add(BOB)
            one.push(updates.message(GROUP, BOB, "Bob", "/whoami"))
            await one.wait_for(GROUP, "Tap the button below, then Start")
            one.push(updates.message(GROUP, BOB, "Bob", "/whoami"))
            await eventually(lambda: held(moot), 2)
            one.blocked.discard(BOB)  # he opens the chat, and presses Start
            one.fail_next("sendMessage", BOB, *(bad_gateway() for _ in range(5)))
            before = len(one.calls)
            one.push(start)
            await wait_until(lambda: any(not c.ok for c in one.calls[before:]))
            assert await held(moot) == 0
        # The process dies before any of them reached him.
        assert one.texts_to(BOB) == []
    async with telegram_adapter(moot, {(GROUP, ADMIN)}) as (two, _):
        await wait_until(lambda: len(two.texts_to(BOB)) == 3)
        said = two.texts_to(BOB)
        assert "Here is what I had for you" in said[0]
        assert all("You are Bob" in t for t in said[1:])
        two.push(start)  # Telegram posts the /start again: a plain hello, nothing twice
        await two.wait_for(BOB, "Hello! I'm Moot")
        assert sum("You are Bob" in t for t in two.texts_to(BOB)) == 2


async def test_start_for_answers_held_before_moot_met_them_is_a_welcome(
    moot: Moot, updates: Updates
) -> None:
    # Held for someone with no account yet (Moot was restarting when they first pressed).
    await hold(moot, TELEGRAM, str(BOB), Reply("Moot is restarting; try again."))
    async with telegram_adapter(moot) as (api, _):
        api.push(updates.message(BOB, BOB, "Bob", "/start answers"))
        await api.wait_for(BOB, "Hello! I'm Moot")
    assert await held(moot) == 0
