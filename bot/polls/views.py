"""Reading polls and their tallies from the store."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import text
from sqlmodel import Session, col, func, select

from bot import refs, roles
from bot.errors import UserError
from bot.polls.ballots import PollRules, decode
from storage.models import Community, Membership, MembershipStatus, Role
from storage.polls import (
    Electorate,
    PaperTally,
    Poll,
    PollElector,
    PollKind,
    PollOption,
    PollPost,
    PollStatus,
)


@dataclass(frozen=True)
class PollView:
    poll: Poll
    options: list[PollOption]
    community: Community
    posts: list[PollPost]

    @property
    def id(self) -> int:
        assert self.poll.id is not None
        return self.poll.id

    @property
    def number(self) -> int:
        """What people call it: the community's poll #7."""
        return self.poll.number

    @property
    def ref(self) -> str:
        """How buttons name it: with its community, so a press anywhere means this poll."""
        return refs.qualified(self.poll.community_id, self.poll.number)

    @property
    def kind(self) -> PollKind:
        return PollKind(self.poll.kind)

    @property
    def status(self) -> PollStatus:
        return PollStatus(self.poll.status)

    @cached_property
    def rules(self) -> PollRules:
        """Worked out once per view: voting reuses a published poll's view (access.definition_named)."""
        return PollRules(
            kind=self.kind,
            options=len(self.options),
            min_picks=self.poll.min_picks,
            max_picks=self.poll.max_picks,
            costs=tuple(o.cost or 0 for o in self.options),
            budget_cap=self.poll.budget_cap,
        )

    def label(self, number: int) -> str:
        return self.options[number - 1].label


def find(session: Session, community_id: int, number: int) -> PollView | None:
    """A community's poll by the number people know it by."""
    poll_id = session.exec(
        select(Poll.id).where(Poll.community_id == community_id, Poll.number == number)
    ).first()
    return None if poll_id is None else load(session, poll_id)


def load(session: Session, poll_id: int) -> PollView:
    poll = session.get(Poll, poll_id)
    if poll is None:
        raise UserError("That poll no longer exists.")
    options = list(
        session.exec(
            select(PollOption).where(PollOption.poll_id == poll_id).order_by(col(PollOption.number))
        )
    )
    posts = list(
        session.exec(select(PollPost).where(PollPost.poll_id == poll_id).order_by(col(PollPost.id)))
    )
    return PollView(poll, options, session.get_one(Community, poll.community_id), posts)


@dataclass(frozen=True)
class Tally:
    online: int  # people who voted online
    counts: dict[int, int]  # option -> online votes (single choice, proposals, and marks counted)
    ballots: list[tuple[int, ...]]  # every online ballot (kinds counted from marks)
    paper_ballots: int
    paper_counts: dict[int, int]
    electorate: int


_CHOICES = {
    False: text(
        "SELECT choice, votes FROM pollcount WHERE poll_id = :poll"
    ),  # kept up to date by each vote
    True: text("SELECT choice, count(*) FROM secretballot WHERE poll_id = :poll GROUP BY choice"),
}
_MARKS = {
    False: text("SELECT marks FROM vote WHERE poll_id = :poll"),
    True: text("SELECT marks FROM secretballot WHERE poll_id = :poll"),
}
_TURNOUT = {
    False: text("SELECT count(*) FROM vote WHERE poll_id = :poll"),
    True: text("SELECT count(*) FROM voterroll WHERE poll_id = :poll"),
}


def freeze(tally_: Tally) -> str:
    """A closed poll's tally as stored at the close (see `tally`)."""
    return json.dumps(
        {
            "online": tally_.online,
            "counts": sorted(tally_.counts.items()),
            "ballots": tally_.ballots,
            "paper_ballots": tally_.paper_ballots,
            "paper_counts": sorted(tally_.paper_counts.items()),
            "electorate": tally_.electorate,
        }
    )


def thaw(stored: str) -> Tally:
    data = json.loads(stored)
    return Tally(
        data["online"],
        {int(k): int(v) for k, v in data["counts"]},
        [tuple(b) for b in data["ballots"]],
        data["paper_ballots"],
        {int(k): int(v) for k, v in data["paper_counts"]},
        data["electorate"],
    )


def tally(session: Session, view: PollView) -> Tally:
    """The votes as they stand; for a closed poll, as they stood at the close. Nothing after the
    close (linking two accounts, someone leaving, a late paper tally) changes a closed result."""
    if view.poll.final_tally is not None:
        return thaw(view.poll.final_tally)
    run = session.connection().execute
    secret, key = bool(view.poll.secret), {"poll": view.id}
    ballots: list[tuple[int, ...]] = []
    if view.kind in (PollKind.SINGLE, PollKind.PROPOSAL):
        counts = {
            int(choice): int(n) for choice, n in run(_CHOICES[secret], key) if choice is not None
        }
        # A secret ballot's turnout counts the ballots still waiting to be sealed, too.
        online = int(run(_TURNOUT[True], key).scalar() or 0) if secret else sum(counts.values())
    else:
        ballots = [decode(None, marks) for (marks,) in run(_MARKS[secret], key)]
        online = int(run(_TURNOUT[secret], key).scalar() or 0)
        counts = (
            dict(Counter(o for b in ballots for o in set(b)))
            if view.kind is not PollKind.SCORE
            else {}
        )
    paper_ballots, paper_counts = 0, Counter[int]()
    for entry in session.exec(select(PaperTally).where(PaperTally.poll_id == view.id)):
        paper_ballots += entry.ballots
        paper_counts.update({int(k): v for k, v in json.loads(entry.counts).items()})
    return Tally(
        online, counts, ballots, paper_ballots, dict(paper_counts), electorate_size(session, view)
    )


def electorate_size(session: Session, view: PollView) -> int:
    """How many may vote: those who may now, and those who voted while they could. A vote stays
    counted when its voter leaves, so they stay in the turnout's base too (never "3 of 2")."""
    if view.poll.electorate_size is not None:  # fixed at the close
        return view.poll.electorate_size
    eligible = electorate(session, view)
    return len(eligible) + len(_voted_outside(session, view, eligible))


# Members who voted in a poll, read from the members' side (CROSS JOIN keeps that order): a
# community has thousands of members at most, a poll may have a million votes.
_MEMBERS_WHO_VOTED = {
    secret: text(
        f"SELECT m.person_id FROM membership m CROSS JOIN {table} v "
        "WHERE v.poll_id = :poll AND v.person_id = m.person_id "
        "AND m.community_id = :community AND (m.status != :active OR :by_role)"
    )
    for secret, table in ((False, "vote"), (True, "voterroll"))
}


def _voted_outside(session: Session, view: PollView, eligible: set[int]) -> set[int]:
    """Voters no longer in the electorate (they left, or their role changed): their votes still
    count. A register's voters are all on it, so only other electorates have any."""
    if view.poll.electorate == Electorate.REGISTER:
        return set()
    rows = session.connection().execute(
        _MEMBERS_WHO_VOTED[bool(view.poll.secret)],
        {
            "poll": view.id,
            "community": view.poll.community_id,
            "active": MembershipStatus.ACTIVE.value,
            "by_role": view.poll.electorate == Electorate.ROLE,
        },
    )
    return {int(person) for (person,) in rows} - eligible


def electorate(session: Session, view: PollView) -> set[int]:
    """The people who may vote in this poll now."""
    poll = view.poll
    if poll.electorate == Electorate.REGISTER and view.status in (
        PollStatus.OPEN,
        PollStatus.CLOSED,
    ):
        return set(
            session.exec(select(PollElector.person_id).where(PollElector.poll_id == view.id))
        )
    rows = session.exec(
        select(Membership.person_id, Membership.role).where(
            Membership.community_id == poll.community_id,
            Membership.status == MembershipStatus.ACTIVE,
        )
    )
    needed = (
        Role(poll.electorate_role)
        if poll.electorate == Electorate.ROLE and poll.electorate_role
        else None
    )
    return {person for person, role in rows if roles.allows(Role(role), needed)}


def voters(session: Session, view: PollView) -> set[int]:
    table = "voterroll" if view.poll.secret else "vote"
    rows = session.connection().execute(
        text(f"SELECT person_id FROM {table} WHERE poll_id = :poll"), {"poll": view.id}
    )
    return {int(person) for (person,) in rows}


def has_voted(session: Session, view: PollView, person_id: int) -> bool:
    table = "voterroll" if view.poll.secret else "vote"
    found = session.connection().execute(
        text(f"SELECT 1 FROM {table} WHERE poll_id = :poll AND person_id = :person"),
        {"poll": view.id, "person": person_id},
    )
    return found.first() is not None


def open_polls(
    session: Session, community_id: int, *, skip: int = 0, most: int = 10
) -> tuple[list[Poll], int]:
    """A page of the community's open and scheduled polls, soonest to close first, and how many
    there are in all."""
    current = (
        Poll.community_id == community_id,
        col(Poll.status).in_([PollStatus.OPEN, PollStatus.SCHEDULED]),
    )
    page = session.exec(
        select(Poll)
        .where(*current)
        .order_by(col(Poll.closes_at), col(Poll.number))
        .offset(skip)
        .limit(most)
    )
    total = session.exec(select(func.count()).select_from(Poll).where(*current)).one()
    return list(page), total
