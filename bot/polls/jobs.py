"""The polls' scheduled jobs (opening, closing, reminders, reviews) and, at start-up, the
secret ballots an earlier process left unsealed. Closing is shared with /close."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Any

from sqlmodel import Session

from bot.community.service import organisers
from bot.events import Reply
from bot.outbox import queue as outbox
from bot.outbox.queue import Message
from bot.polls import render, service
from bot.polls.live import state_of
from bot.polls.sealing import NotSealingError
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
    """Two batches of secret ballots cast on other processes are waiting: seal them."""
    poll_id, now, sealer = int(payload["poll"]), runtime.clock.now(), state_of(runtime).sealer
    await runtime.write(lambda s: sealer.seal_batches(s, poll_id, now))


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
    (bot.polls.sealing)."""
    now, sealer = runtime.clock.now(), state_of(runtime).sealer

    def take_up(session: Session) -> int:
        sealer.take_up(session)
        return sealer.recover(session, now)

    lost = await runtime.write(take_up)
    if lost:
        log.warning(
            "%d secret ballot(s) were waiting to be sealed at the last stop; their voters are asked to cast again",
            lost,
        )
