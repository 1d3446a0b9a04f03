"""Write operations on polls. Each runs inside one writer transaction and raises `UserError`
(changing nothing) when the request cannot be met."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, delete, select

from bot import audit, roles
from bot.community.service import members_numbered
from bot.dates import Reading
from bot.errors import NotAllowedError, UserError
from bot.events import Place, Reply
from bot.numbers import next_number
from bot.outbox import queue as outbox
from bot.outbox.queue import Message
from bot.polls import batching, render, sealing
from bot.polls.ballots import CHOICE_KINDS, Ballot
from bot.polls.counting import Threshold
from bot.polls.sealing import Sealer
from bot.polls.spec import PollSpec
from bot.polls.views import PollView, electorate, electorate_size, freeze, load, tally, voters
from bot.scheduler import reschedule, schedule, unschedule
from storage.locking import locked, locked_one
from storage.models import Community, MembershipStatus, PollsBy, Role
from storage.polls import (
    Electorate,
    PaperTally,
    PaperVoter,
    Poll,
    PollCount,
    PollElector,
    PollOption,
    PollPost,
    PollStatus,
    ResultsShown,
    ThresholdBase,
)
from storage.raw import raw_connection
from storage.types import stored_moment, stored_to_aware
from storage.votes import VoteRow

OPEN_JOB, CLOSE_JOB, REMIND_JOB, REVIEW_JOB = (
    "polls.open",
    "polls.close",
    "polls.remind",
    "polls.review",
)
# A close only the process that seals secret ballots can make (bot.polls.sealing), handed to it.
CLOSE_NOW_JOB = "polls.close-now"
NUMBERS = "poll"  # the kind of thing polls are numbered as, per community
# Live messages the outbox renders when it sends them (bot/polls/cards.py).
CARD, RESULTS = "poll-card", "poll-results"


def check_may_start(session: Session, community_id: int, role: Role | None, spec: PollSpec) -> None:
    """Binding ballots are the organisers' to start, and all polls where the community says so
    (checked as the draft is written, against the setting as it is then)."""
    community = session.get_one(Community, community_id)
    if (spec.binding or community.polls_by == PollsBy.ORGANISERS) and not roles.allows(
        role, Role.ORGANISER
    ):
        what = "binding ballots" if spec.binding else "polls"
        raise NotAllowedError(f"In {community.name}, only organisers start {what}.")


def start_draft(
    session: Session,
    community_id: int,
    person_id: int,
    role: Role | None,
    place: Place,
    spec: PollSpec,
    now: datetime,
) -> int:
    """Draft a poll, where this person may start it (`check_may_start`); its id."""
    check_may_start(session, community_id, role, spec)
    return create_draft(session, community_id, person_id, place, spec, now)


def create_draft(
    session: Session, community_id: int, person_id: int, place: Place, spec: PollSpec, now: datetime
) -> int:
    poll = Poll(
        community_id=community_id,
        number=next_number(session, community_id, NUMBERS),
        created_by_person_id=person_id,
        question=spec.question,
        kind=spec.kind,
        origin_platform=place.platform,
        origin_chat_id=place.chat_id,
        origin_thread_id=place.thread_id,
        created_at=now,
        closes_at=now,  # set by _write_spec
    )
    session.add(poll)
    session.flush()
    assert poll.id is not None
    _write_spec(session, poll, spec)
    audit.record(
        session,
        community_id=community_id,
        actor_person_id=person_id,
        action="poll.drafted",
        detail=f"#{poll.number}",
        at=now,
    )
    return poll.id


def replace_spec(
    session: Session, poll_id: int, spec: PollSpec, actor_id: int, now: datetime
) -> None:
    poll = _poll_in(session, poll_id, PollStatus.DRAFT)
    _write_spec(session, poll, spec)
    audit.record(
        session,
        community_id=poll.community_id,
        actor_person_id=actor_id,
        action="poll.edited",
        detail=f"#{poll.number}",
        at=now,
    )


def _write_spec(session: Session, poll: Poll, spec: PollSpec) -> None:
    assert spec.closes is not None
    poll.question, poll.kind, poll.secret, poll.binding = (
        spec.question,
        spec.kind,
        spec.secret,
        spec.binding,
    )
    poll.min_picks, poll.max_picks, poll.budget_cap = (
        spec.min_picks,
        spec.max_picks,
        spec.budget_cap,
    )
    poll.electorate, poll.electorate_role = spec.electorate, spec.electorate_role
    poll.results_shown = spec.results_shown
    poll.quorum_percent, poll.threshold, poll.threshold_base = (
        spec.quorum_percent,
        spec.threshold,
        spec.threshold_base,
    )
    poll.opens_at = spec.opens.moment if spec.opens else None
    poll.notice_minutes = int(spec.notice.total_seconds() // 60) if spec.notice else None
    poll.closes_at, poll.closes_alternative = spec.closes.moment, spec.closes.alternative
    poll.reminder_minutes = int(spec.reminder.total_seconds() // 60) if spec.reminder else None
    session.exec(delete(PollOption).where(col(PollOption.poll_id) == poll.id))
    for number, (label, cost) in enumerate(spec.options, start=1):
        assert poll.id is not None
        session.add(PollOption(poll_id=poll.id, number=number, label=label, cost=cost))


def spec_of(view: PollView) -> PollSpec:
    """The definition behind a draft, to change one setting and check it again."""
    poll = view.poll
    return PollSpec(
        question=poll.question,
        options=[(o.label, o.cost) for o in view.options],
        kind=view.kind,
        closes=Reading(poll.closes_at, poll.closes_alternative),
        opens=Reading(poll.opens_at) if poll.opens_at else None,
        notice=timedelta(minutes=poll.notice_minutes) if poll.notice_minutes else None,
        reminder=timedelta(minutes=poll.reminder_minutes) if poll.reminder_minutes else None,
        secret=poll.secret,
        binding=poll.binding,
        min_picks=poll.min_picks,
        max_picks=poll.max_picks,
        budget_cap=poll.budget_cap,
        electorate=Electorate(poll.electorate),
        electorate_role=Role(poll.electorate_role) if poll.electorate_role else None,
        results_shown=ResultsShown(poll.results_shown),
        quorum_percent=poll.quorum_percent,
        threshold=Threshold(poll.threshold),
        threshold_base=ThresholdBase(poll.threshold_base),
    )


def discard(session: Session, poll_id: int, actor_id: int, now: datetime) -> None:
    poll = _poll_in(session, poll_id, PollStatus.DRAFT)
    session.exec(delete(PollOption).where(col(PollOption.poll_id) == poll_id))
    session.delete(poll)
    audit.record(
        session,
        community_id=poll.community_id,
        actor_person_id=actor_id,
        action="poll.discarded",
        detail=f"#{poll.number}",
        at=now,
    )


def publish(session: Session, poll_id: int, actor_id: int, now: datetime) -> PollStatus:
    """Open the poll now, or schedule its opening; arm its close and reminder either way."""
    poll = _poll_in(session, poll_id, PollStatus.DRAFT)
    if poll.closes_alternative is not None:
        raise UserError("Choose which closing time you meant first (the buttons on the preview).")
    if poll.closes_at <= now:
        raise UserError(
            "The closing time has passed while this was a draft; set a new one: /pollset closes …"
        )
    if poll.opens_at is not None and poll.opens_at > now:
        poll.status = PollStatus.SCHEDULED
        schedule(session, OPEN_JOB, poll.opens_at, {"poll": poll_id})
    else:
        poll.opens_at = None
        _open(session, poll, now)
    _arm_close(session, poll, now)
    audit.record(
        session,
        community_id=poll.community_id,
        actor_person_id=actor_id,
        action="poll.published",
        detail=f"#{poll.number} {poll.status}",
        at=now,
    )
    return PollStatus(poll.status)


def publish_where_drafted(
    session: Session, poll_id: int, actor_id: int, now: datetime
) -> PollStatus:
    """Publish the draft (`publish`) and post its card in the chat, and thread, it was
    drafted in."""
    status = publish(session, poll_id, actor_id, now)
    poll = session.get_one(Poll, poll_id)
    add_post(
        session,
        poll_id,
        poll.origin_platform,
        poll.origin_chat_id,
        actor_id,
        now,
        thread_id=poll.origin_thread_id,
    )
    return status


def open_scheduled(session: Session, poll_id: int, now: datetime) -> bool:
    poll = locked(session, Poll, poll_id)
    if poll is None or poll.status != PollStatus.SCHEDULED:
        return False
    _open(session, poll, now)
    audit.record(
        session,
        community_id=poll.community_id,
        actor_person_id=None,
        action="poll.opened",
        detail=f"#{poll.number}",
        at=now,
    )
    return True


def _open(session: Session, poll: Poll, now: datetime) -> None:
    if poll.electorate == Electorate.REGISTER:  # the turnout denominator is fixed from now on
        view = load(session, poll.id or 0)
        for person in sorted(electorate(session, view)):
            session.add(PollElector(poll_id=view.id, person_id=person))
    if poll.kind in CHOICE_KINDS and not poll.secret:
        for number in range(1, len(load(session, poll.id or 0).options) + 1):
            session.add(PollCount(poll_id=poll.id or 0, choice=number, votes=0))
    poll.status, poll.opened_at = PollStatus.OPEN, now


def _arm_close(session: Session, poll: Poll, now: datetime) -> None:
    """(Re)plan the close and its reminder. A reminder whose moment has passed already (a
    poll extended to close soon after) is not sent at once: voters were reminded, or the
    deadline is too near for one."""
    due = {"poll": poll.id, "closes_at": poll.closes_at.isoformat()}
    subject = f"poll:{poll.id}"
    reschedule(session, CLOSE_JOB, subject, poll.closes_at, due)
    reminder_at = poll.closes_at - timedelta(minutes=poll.reminder_minutes or 0)
    if poll.reminder_minutes and reminder_at > now:
        reschedule(session, REMIND_JOB, subject, reminder_at, due)
    else:
        unschedule(session, REMIND_JOB, subject)


def add_post(
    session: Session,
    poll_id: int,
    platform: str,
    chat_id: str,
    actor_id: int | None,
    now: datetime,
    thread_id: str | None = None,
) -> bool:
    """Post the poll's card in a chat (or a thread of it), unless it is there already (or on its
    way). A card whose post failed is posted again."""
    poll = locked_one(session, Poll, poll_id)  # one card per chat, however many post it at once
    existing = session.exec(
        select(PollPost).where(
            PollPost.poll_id == poll_id,
            PollPost.platform == platform,
            PollPost.chat_id == chat_id,
            PollPost.thread_id == thread_id,
        )
    ).first()
    placed = outbox.place_card(
        session,
        existing,
        lambda delivery: PollPost(
            poll_id=poll_id,
            platform=platform,
            chat_id=chat_id,
            thread_id=thread_id,
            outbox_id=delivery,
        ),
        platform=platform,
        chat_id=chat_id,
        thread_id=thread_id,
        message=Message(f"poll #{poll.number}", live=f"{CARD}:{poll_id}"),
        now=now,
        community_id=poll.community_id,
        requested_by=actor_id,
    )
    if not placed:
        return False
    audit.record(
        session,
        community_id=poll.community_id,
        actor_person_id=actor_id,
        action="poll.posted",
        detail=f"#{poll.number} {platform} chat {chat_id}",
        at=now,
    )
    return True


def post_in(
    session: Session,
    poll_id: int,
    chats: Iterable[tuple[str, str, str | None]],
    actor_id: int,
    now: datetime,
) -> int:
    """Post the poll's card in each chat (platform, chat id, thread); how many cards were not
    there already."""
    return sum(
        add_post(session, poll_id, platform, chat_id, actor_id, now, thread)
        for platform, chat_id, thread in chats
    )


def edit_cards(session: Session, poll_id: int, now: datetime) -> None:
    """Bring the poll's card up to date wherever it was posted (rendered when sent; an edit
    already waiting covers this change too, see bot.outbox.queue.edit_cards)."""
    poll = session.get_one(Poll, poll_id)
    _edit_cards(session, poll_id, poll.number, now)


_POSTS = "SELECT outbox_id FROM pollpost WHERE poll_id = ?"
# Polls whose cards a vote in this transaction has already brought up to date.
_CARDS_EDITED = "polls.cards_edited"


def _edit_cards(session: Session, poll_id: int, number: int, now: datetime) -> None:
    session.flush()  # the statement below goes straight to the driver
    posts = [row[0] for row in raw_connection(session).execute(_POSTS, (poll_id,))]
    message = Message(f"poll #{number}", live=f"{CARD}:{poll_id}")
    outbox.edit_cards(session, posts, message, now)


def _voted(session: Session, poll_id: int, number: int, now: datetime) -> None:
    """A vote changed the poll's card: queue its edit in the vote's own transaction, once per
    poll per group of writes (storage/writer.py) however many votes the group holds. What a
    write queues inside a savepoint (its group redone one write at a time, so that one can roll
    back alone) is not remembered: it may not stay, so the next vote asks the outbox again."""
    edited = session.info.get(_CARDS_EDITED)
    if edited is not None and poll_id in edited:
        return
    _edit_cards(session, poll_id, number, now)
    if not session.in_nested_transaction():
        session.info.setdefault(_CARDS_EDITED, set()).add(poll_id)


def post_everywhere(
    session: Session, poll_id: int, message: Message, now: datetime, requested_by: int | None
) -> None:
    """Post a message about the poll in every chat where its card was posted."""
    poll = session.get_one(Poll, poll_id)
    for post in session.exec(select(PollPost).where(PollPost.poll_id == poll_id)):
        outbox.post(
            session,
            platform=post.platform,
            chat_id=post.chat_id,
            message=message,
            now=now,
            community_id=poll.community_id,
            requested_by=requested_by,
            thread_id=post.thread_id,
        )


def move_posts(session: Session, platform: str, old_chat_id: str, new_chat_id: str) -> None:
    """A chat changed its id: the cards posted there are now under the new one."""
    session.exec(
        update(PollPost)
        .where(col(PollPost.platform) == platform, col(PollPost.chat_id) == old_chat_id)
        .values(chat_id=new_chat_id)
    )


# A vote is Moot's hottest write: its statements are prebuilt, one module per store, and the
# votes of a writer group are read and written together (bot.polls.batching, storage.votes).
_ON_ROLL = "SELECT 1 FROM voterroll WHERE poll_id = ? AND person_id = ?"


@dataclass(frozen=True)
class Cast:
    first: bool  # False when an open vote replaced an earlier one
    waiting: int = 0  # secret ballots: how many (this one too) wait to be sealed


def cast(
    session: Session, poll_id: int, person_id: int, ballot: Ballot, now: datetime, sealer: Sealer
) -> Cast:
    """Count one person's vote, exactly once. A secret ballot is held until `sealer` seals it
    with others. Run it as a write marked `batching.vote(poll_id, person_id)` so that it is
    read and written with the other votes of its group."""
    if batching.running(session):
        return _cast(session, poll_id, person_id, ballot, now, sealer)
    batching.VOTES.prepare(session, [(poll_id, person_id)])  # a run of one
    try:
        outcome = _cast(session, poll_id, person_id, ballot, now, sealer)
    except BaseException:
        batching.discard(session)
        raise
    batching.VOTES.finish(session)
    return outcome


def _cast(
    session: Session, poll_id: int, person_id: int, ballot: Ballot, now: datetime, sealer: Sealer
) -> Cast:
    state = batching.state(session, poll_id, person_id)
    if state is None:
        raise UserError("That poll no longer exists.")
    number = state.number
    if state.status in (PollStatus.SCHEDULED, PollStatus.DRAFT):
        raise UserError(f"Poll #{number} is not open yet.")
    if state.status == PollStatus.CLOSED or stored_to_aware(state.closes_at) <= now:
        raise UserError(f"Poll #{number} has closed; votes are no longer counted.")
    needed, role = state.electorate_role, Role(state.role) if state.role else None
    if state.electorate == Electorate.REGISTER:
        if not state.on_register:
            raise UserError(
                f"Only people on the register when poll #{number} opened can vote in it."
            )
    elif state.standing != MembershipStatus.ACTIVE:
        raise UserError(
            f"Only members of this community can vote in poll #{number}; send /join in its group chat."
        )
    elif state.electorate == Electorate.ROLE and needed and not roles.allows(role, Role(needed)):
        raise UserError(f"Poll #{number} is for {roles.describe(Role(needed))} only.")
    if state.on_paper:
        raise UserError(
            f"An organiser has marked you as voting on paper in poll #{number}, so you cannot also "
            "vote online. If that is wrong, ask them to take the mark off."
        )
    if state.secret:
        db = raw_connection(session)
        if db.execute(_ON_ROLL, (poll_id, person_id)).fetchone() is not None:
            raise UserError(
                f"You have already cast your secret ballot in poll #{number}; it is final."
            )
        waiting = sealer.hold(session, poll_id, person_id, ballot, now)
        _voted(session, poll_id, number, now)
        return Cast(first=True, waiting=waiting)
    first = not state.voted
    row = VoteRow(poll_id, person_id, ballot.choice, ballot.stored_marks, stored_moment(now))
    batching.record(session, row, counted=state.kind in CHOICE_KINDS)  # updates `state` too
    _voted(session, poll_id, number, now)
    return Cast(first=first)


def close(
    session: Session, poll_id: int, actor_id: int | None, now: datetime, sealer: Sealer
) -> bool:
    """Close an open poll; False if it was closed already (a late timer, a second click). A
    secret ballot's waiting ballots are sealed first, and its rows rewritten in key order (the
    caller then compacts the store: see bot.polls.sealing). The poll's row stays locked until
    the close commits: on PostgreSQL a vote in another process waits for the close and then
    finds the poll closed, or the close waits for that vote's commit and counts it
    (storage/votes/postgresql.py)."""
    poll = locked(session, Poll, poll_id)
    if poll is None:
        raise UserError("That poll no longer exists.")
    if poll.status == PollStatus.CLOSED:
        return False
    if poll.status != PollStatus.OPEN:
        raise UserError(f"Poll #{poll.number} is {poll.status}, not open.")
    if poll.secret:
        sealer.seal(session, poll_id, now)
        sealing.rebuild(session, poll_id)
    view = load(session, poll_id)
    poll.electorate_size = electorate_size(session, view)
    poll.final_tally = freeze(tally(session, view))
    poll.status, poll.closed_at = PollStatus.CLOSED, now
    early = actor_id is not None and now < poll.closes_at
    audit.record(
        session,
        community_id=poll.community_id,
        actor_person_id=actor_id,
        action="poll.closed",
        detail=f"#{poll.number} {'early' if early else 'at its deadline'}",
        at=now,
    )
    return True


def extend(
    session: Session, poll_id: int, closes_at: datetime, actor_id: int, now: datetime
) -> None:
    poll = locked(session, Poll, poll_id)
    if poll is None:
        raise UserError("That poll no longer exists.")
    if poll.status not in (PollStatus.OPEN, PollStatus.SCHEDULED):
        raise UserError(f"Poll #{poll.number} is not open, so it cannot be extended.")
    if closes_at <= poll.closes_at:
        raise UserError("An extension must close later than the poll does now.")
    previous, poll.closes_at = poll.closes_at, closes_at
    _arm_close(session, poll, now)  # the timers for the old deadline find it changed and do nothing
    edit_cards(session, poll_id, now)
    audit.record(
        session,
        community_id=poll.community_id,
        actor_person_id=actor_id,
        action="poll.extended",
        detail=f"#{poll.number} {previous.isoformat()} -> {closes_at.isoformat()}",
        at=now,
    )


@dataclass(frozen=True)
class PaperMarks:
    marked: list[str]  # "Ann (#3)", newly marked by this command
    already: list[str]  # marked before
    total: int  # members marked as voting on paper in this poll
    counted: int  # paper ballots added so far


def mark_paper_voters(
    session: Session, poll_id: int, numbers: list[int], actor_id: int, now: datetime
) -> PaperMarks:
    """Mark members on the register as having voted on paper or in the room. Each must be able
    to vote in the poll and not have voted online; once marked, they cannot vote online."""
    poll = _taking_paper(session, poll_id)
    view = load(session, poll_id)
    eligible, online = electorate(session, view), voters(session, view)
    marked_before = set(
        session.exec(select(PaperVoter.person_id).where(PaperVoter.poll_id == poll_id))
    )
    # Not only active members: someone on a poll's register may have left since it opened.
    people = members_numbered(session, poll.community_id, numbers, active_only=False)
    marked, already, marked_numbers = [], [], []
    for member in people:
        number, person_id, who = member.number, member.person_id, member.label
        if person_id not in eligible:
            raise UserError(f"{who} may not vote in poll #{poll.number}; nobody was marked.")
        if person_id in online:
            raise UserError(
                f"{who} has already voted online in poll #{poll.number}, so they cannot also "
                "vote on paper; nobody was marked."
            )
        if person_id in marked_before:
            already.append(who)
            continue
        marked_before.add(person_id)
        marked.append(who)
        marked_numbers.append(number)
        session.add(
            PaperVoter(
                poll_id=poll_id, person_id=person_id, marked_by_person_id=actor_id, marked_at=now
            )
        )
    if marked:
        audit.record(
            session,
            community_id=poll.community_id,
            actor_person_id=actor_id,
            action="poll.paper_voters",
            detail=f"#{poll.number} marked {_members(marked_numbers)}",
            at=now,
        )
    return PaperMarks(marked, already, len(marked_before), _paper_ballots(session, poll_id))


def _members(numbers: list[int]) -> str:
    """Members as the audit log names them: by number, never by name (names can be forgotten)."""
    return "members " + ", ".join(f"#{n}" for n in numbers)


def unmark_paper_voters(
    session: Session, poll_id: int, numbers: list[int], actor_id: int, now: datetime
) -> PaperMarks:
    """Take marks off, as long as the paper ballots counted still have a voter each."""
    poll = _taking_paper(session, poll_id)
    removed, removed_numbers = [], []
    for member in members_numbered(session, poll.community_id, numbers, active_only=False):
        mark = session.get(PaperVoter, (poll_id, member.person_id))
        if mark is not None:
            session.delete(mark)
            removed.append(member.label)
            removed_numbers.append(member.number)
    session.flush()
    total = len(
        session.exec(select(PaperVoter.person_id).where(PaperVoter.poll_id == poll_id)).all()
    )
    counted = _paper_ballots(session, poll_id)
    if total < counted:
        raise UserError(
            f"{counted} paper ballot(s) are counted in poll #{poll.number}, so at least {counted} "
            "member(s) must stay marked as voting on paper; no mark was taken off."
        )
    if removed:
        audit.record(
            session,
            community_id=poll.community_id,
            actor_person_id=actor_id,
            action="poll.paper_voters",
            detail=f"#{poll.number} unmarked {_members(removed_numbers)}",
            at=now,
        )
    return PaperMarks(removed, [], total, counted)


def _taking_paper(session: Session, poll_id: int) -> Poll:
    """Paper votes and marks are taken only while the poll is open: never once it has closed.
    The poll stays locked until the write commits: a close waits for the paper, and marks and
    the paper ballots they allow are counted one change at a time."""
    poll = locked(session, Poll, poll_id)
    if poll is None:
        raise UserError("That poll no longer exists.")
    if poll.status == PollStatus.CLOSED:
        raise UserError(f"Poll #{poll.number} has closed; its results are final.")
    if poll.status != PollStatus.OPEN:
        raise UserError(f"Poll #{poll.number} is not open yet; paper votes wait for the opening.")
    return poll


def _paper_ballots(session: Session, poll_id: int) -> int:
    added = session.exec(select(PaperTally.ballots).where(PaperTally.poll_id == poll_id))
    return sum(added)


def add_paper(
    session: Session,
    poll_id: int,
    ballots: int,
    counts: dict[int, int],
    actor_id: int,
    now: datetime,
) -> None:
    """Add paper ballots, never more than the members marked as voting on paper, so no one
    counts twice and turnout never exceeds the electorate."""
    poll = _taking_paper(session, poll_id)
    marks = len(
        session.exec(select(PaperVoter.person_id).where(PaperVoter.poll_id == poll_id)).all()
    )
    counted = _paper_ballots(session, poll_id)
    if counted + ballots > marks:
        left = marks - counted
        raise UserError(
            f"{marks} member(s) are marked as voting on paper in poll #{poll.number} and "
            f"{counted} paper ballot(s) are counted already, so at most {left} more can be added. "
            f"Mark who voted on paper first: /papervoters {poll.number} 3 7 12-20 (member numbers)."
        )
    session.add(
        PaperTally(
            poll_id=poll_id,
            ballots=ballots,
            counts=json.dumps(counts),
            added_by_person_id=actor_id,
            added_at=now,
        )
    )
    audit.record(
        session,
        community_id=poll.community_id,
        actor_person_id=actor_id,
        action="poll.paper",
        detail=f"#{poll.number} {ballots} ballots {json.dumps(counts)}",
        at=now,
    )
    edit_cards(session, poll_id, now)


def record_outcome(
    session: Session,
    poll_id: int,
    outcome: str,
    review_at: datetime | None,
    actor_id: int,
    now: datetime,
) -> None:
    """Record what will happen after a closed poll (and when to review it), and post it
    wherever the poll ran."""
    poll = locked_one(session, Poll, poll_id)
    if poll.status != PollStatus.CLOSED:
        raise UserError(
            f"Poll #{poll.number} has not closed yet; record its outcome after the close."
        )
    poll.outcome, poll.review_at = outcome, review_at
    subject = f"poll:{poll_id}"
    if review_at is None:
        unschedule(session, REVIEW_JOB, subject)
    else:
        payload = {"poll": poll_id, "review_at": review_at.isoformat()}
        reschedule(session, REVIEW_JOB, subject, review_at, payload)
    audit.record(
        session,
        community_id=poll.community_id,
        actor_person_id=actor_id,
        action="poll.outcome",
        detail=f"#{poll.number}",
        at=now,
    )
    zone = session.get_one(Community, poll.community_id).timezone
    note = render.outcome_note(poll.number, poll.question, outcome, review_at, zone)
    post_everywhere(
        session,
        poll_id,
        Message(f"the outcome of poll #{poll.number}", reply=Reply(note)),
        now,
        actor_id,
    )


def set_polls_by(
    session: Session, community_id: int, who: PollsBy, actor_id: int, now: datetime
) -> None:
    """Who may start quick polls in the community (binding ballots stay the organisers')."""
    session.get_one(Community, community_id).polls_by = who
    audit.record(
        session,
        community_id=community_id,
        actor_person_id=actor_id,
        action="community.polls_by",
        detail=str(who),
        at=now,
    )


def _poll_in(session: Session, poll_id: int, status: PollStatus) -> Poll:
    """The poll, locked for the change its status allows (publishing, editing a draft)."""
    poll = locked(session, Poll, poll_id)
    if poll is None:
        raise UserError("That poll no longer exists.")
    if poll.status != status:
        raise UserError(f"Poll #{poll.number} is {poll.status}, so that can't be done now.")
    return poll
