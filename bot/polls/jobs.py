"""The polls' scheduled jobs (opening, closing, reminders, reviews) and, at start-up, the
secret ballots an earlier process left unsealed. Closing is shared with /close."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Any

from sqlmodel import Session

from bot.community.service import organisers
from bot.events import Reply
from bot.leases import HANDOVER_LOOK_SECONDS
from bot.outbox import queue as outbox
from bot.outbox.queue import Message
from bot.polls import render, service
from bot.polls.live import state_of
from bot.polls.sealing import NotSealingError, handing_over
from bot.polls.views import PollView, electorate, load, voters
from bot.runtime import Runtime
from bot.scheduler import schedule
from storage.locking import locked
from storage.polls import Poll, PollStatus

log = logging.getLogger(__name__)


class Closing(Enum):
    """What asking for a close did."""

    CLOSED = "closed"
    ALREADY = "closed already"
    HANDED_OVER = "handed to the process that seals"  # a secret poll, closed there at once


async def close_poll(
    runtime: Runtime,
    poll_id: int,
    actor_id: int | None,
    now: datetime,
    *,
    due: Mapping[str, Any] | None = None,
    hand_over: bool = True,
) -> Closing:
    """Close the poll (only if still `due`, for a timer), post its results where it ran and
    update its cards, in one write. Whoever closed it, or else its creator, hears about any post
    that does not arrive. A secret ballot's file is then compacted, so that nothing in it keeps
    the order of voting (bot.polls.sealing); and only the process that seals secret ballots can
    close a secret poll: another hands the close to it, as a job it runs at once."""
    sealer = state_of(runtime).sealer
    await _handed_over(runtime)  # a ballot still being handed over would be lost

    def close_and_announce(session: Session) -> bool:
        locked(session, Poll, poll_id)  # the deadline checked is the one the close acts on
        view = load(session, poll_id)
        if due is not None and not _still_due(view, due):
            return False
        if not service.close(session, poll_id, actor_id, now, sealer):
            return False
        tell = actor_id if actor_id is not None else view.poll.created_by_person_id
        announce_close(session, poll_id, view.number, now, tell)
        return True

    try:
        closed = await runtime.write(close_and_announce)
    except NotSealingError:
        if not hand_over:
            raise
        payload = {"poll": poll_id, "actor": actor_id}
        await runtime.write(lambda s: schedule(s, service.CLOSE_NOW_JOB, now, payload))
        return Closing.HANDED_OVER
    if not closed:
        return Closing.ALREADY
    if (await runtime.read(lambda s: load(s, poll_id))).poll.secret:
        await runtime.compact()
    return Closing.CLOSED


async def close_now_job(runtime: Runtime, payload: Mapping[str, Any]) -> None:
    """A close asked for on a process that does not seal secret ballots (`close_poll`). Were
    this process not sealing either (it lost the role a moment ago), the job fails and is
    tried again later, by whichever process runs jobs then."""
    actor = payload["actor"]
    await close_poll(
        runtime,
        int(payload["poll"]),
        None if actor is None else int(actor),
        runtime.clock.now(),
        hand_over=False,
    )


async def seal_job(runtime: Runtime, payload: Mapping[str, Any]) -> None:
    """Two batches of secret ballots cast on other processes (or handed over) are waiting:
    seal batches while two wait, each in a write of its own."""
    poll_id, now, sealer = int(payload["poll"]), runtime.clock.now(), state_of(runtime).sealer
    while await runtime.write(lambda s: sealer.seal_batch(s, poll_id, now)):
        pass


def announce_close(
    session: Session, poll_id: int, number: int, now: datetime, tell: int | None
) -> None:
    service.post_everywhere(
        session,
        poll_id,
        Message(f"the results of poll #{number}", live=f"{service.RESULTS}:{poll_id}"),
        now,
        tell,
    )
    service.edit_cards(session, poll_id, now)


def _still_due(view: PollView, payload: Mapping[str, Any]) -> bool:
    """A close or reminder timer belongs to the deadline it was set for (extensions move it)."""
    return (
        view.status is PollStatus.OPEN and view.poll.closes_at.isoformat() == payload["closes_at"]
    )


async def open_job(runtime: Runtime, payload: Mapping[str, Any]) -> None:
    poll_id, now = int(payload["poll"]), runtime.clock.now()

    def open_and_announce(session: Session) -> None:
        if not service.open_scheduled(session, poll_id, now):
            return
        poll = load(session, poll_id).poll
        service.post_everywhere(
            session,
            poll_id,
            Message(
                f"the opening of poll #{poll.number}",
                reply=Reply(f"Poll #{poll.number} is now open: {poll.question}"),
            ),
            now,
            poll.created_by_person_id,
        )
        service.edit_cards(session, poll_id, now)

    await runtime.write(open_and_announce)


async def close_job(runtime: Runtime, payload: Mapping[str, Any]) -> None:
    await close_poll(runtime, int(payload["poll"]), None, runtime.clock.now(), due=payload)


async def remind_job(runtime: Runtime, payload: Mapping[str, Any]) -> None:
    poll_id, now = int(payload["poll"]), runtime.clock.now()

    def remind(session: Session) -> None:
        view = load(session, poll_id)
        if not _still_due(view, payload):
            return
        text = (
            f"Reminder: poll #{view.number} in {view.community.name} closes {render.when(view.poll.closes_at, view.community.timezone)} "
            f"and you have not voted yet.\n{view.poll.question}\n{render.how_to_vote(view)}"
        )
        outbox.tell(
            session,
            sorted(electorate(session, view) - voters(session, view)),
            Message(
                f"a reminder to vote in poll #{view.number}",
                reply=Reply(text, buttons=tuple(render.vote_buttons(view))),
            ),
            now,
            community_id=view.poll.community_id,
        )

    await runtime.write(remind)


async def review_job(runtime: Runtime, payload: Mapping[str, Any]) -> None:
    poll_id, now = int(payload["poll"]), runtime.clock.now()

    def remind(session: Session) -> None:
        view = load(session, poll_id)
        review_at = view.poll.review_at
        if "review_at" in payload and (  # armed for a review date since changed or dropped
            review_at is None or review_at.isoformat() != payload["review_at"]
        ):
            return
        people = {*organisers(session, view.poll.community_id), view.poll.created_by_person_id}
        text = f"Review due: poll #{view.number} ({view.poll.question}) decided: {view.poll.outcome}. Has it happened?"
        outbox.tell(
            session,
            sorted(people),
            Message(f"the review reminder for poll #{view.number}", reply=Reply(text)),
            now,
            community_id=view.poll.community_id,
        )

    await runtime.write(remind)


async def recover_ballots(runtime: Runtime) -> None:
    """This process now runs the scheduler, so it seals secret ballots: it publishes a fresh
    key, and the ballots held for a key it cannot read are lost with the process that held
    that key: their voters are taken off the roll and asked to cast again
    (bot.polls.sealing). While the process that sealed before hands its ballots over, that
    waits until it is done."""
    now, sealer = runtime.clock.now(), state_of(runtime).sealer

    def take_up(session: Session) -> int | None:
        sealer.take_up(session)
        return None if handing_over(session) else sealer.recover(session, now)

    lost = await runtime.write(take_up)
    if lost is None:
        runtime.spawn(_recover_after_handover(runtime))
    else:
        _report(lost)


async def _recover_after_handover(runtime: Runtime) -> None:
    """The process that sealed before stops and hands its ballots over: once it is done (or
    has died), whatever it did not hand over is lost (`recover_ballots`)."""
    await _handed_over(runtime)
    now, sealer = runtime.clock.now(), state_of(runtime).sealer
    _report(await runtime.write(lambda s: sealer.recover(s, now) if sealer.seals(s) else 0))


async def _handed_over(runtime: Runtime) -> None:
    """Wait while a process that stopped hands its held ballots over (at most until its
    `HANDOVER` lease, no longer renewed, runs out). Looked for rather than heard of: a lease
    that runs out says nothing."""
    while True:
        if not await runtime.read(handing_over):
            return
        await asyncio.sleep(HANDOVER_LOOK_SECONDS)


def _report(lost: int) -> None:
    if lost:
        log.warning(
            "%d secret ballot(s) were waiting to be sealed at the last stop; their voters are asked to cast again",
            lost,
        )


async def hand_over_ballots(runtime: Runtime, within: float) -> None:
    """This process stops and another has taken the scheduler's role: once that one has
    published its key (within `within` seconds), hold the ballots waiting for this process's
    keys for that key instead, so none is lost (bot.polls.sealing). If it does not, they are
    reported when it does, as after a crash."""
    now, sealer = runtime.clock.now(), state_of(runtime).sealer
    deadline = time.monotonic() + within
    while not await runtime.read(sealer.successor):
        if time.monotonic() > deadline:
            held = await runtime.read(sealer.mine)
            log.warning(
                "the next sealer published no key in time; %d secret ballot(s) held here are reported lost",
                held,
            )
            return
        await asyncio.sleep(HANDOVER_LOOK_SECONDS)
    handed = await runtime.write(lambda s: sealer.hand_over(s, now))
    log.info("handed %d secret ballot(s) over to the process that seals now", handed)
