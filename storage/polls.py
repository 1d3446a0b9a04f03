"""The tables of Decide: polls, their options, where they were posted, votes and ballots.

Open polls keep one `Vote` row per person (and, for single choices, running totals). Secret
ballots are split in two: `VoterRoll` says who has voted, `SecretBallot` holds what was chosen
under a random key, in a table without rowids and without timestamps. Ballots reach
`SecretBallot` in shuffled batches (see bot.polls.sealing), so that neither a key, a position in
the file nor the order of writes links a ballot to its voter.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, LargeBinary, String, Text, UniqueConstraint
from sqlmodel import Field

from storage.table import Table
from storage.types import UTCDateTime

QUESTION_MAX = 300
OPTION_MAX = 100
OUTCOME_MAX = 1000


def _utc(*, nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class PollKind(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    APPROVAL = "approval"
    RANKED = "ranked"
    SCORE = "score"
    PROPOSAL = "proposal"
    BUDGET = "budget"


class PollStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"


class Electorate(StrEnum):
    MEMBERS = "members"  # every active member, as members come and go
    ROLE = "role"  # active members with a role
    REGISTER = "register"  # the register as it stood when the poll opened


class ResultsShown(StrEnum):
    LIVE = "live"
    AFTER_VOTE = "after-vote"
    AFTER_CLOSE = "after-close"


class ThresholdBase(StrEnum):
    CAST = "cast"
    ELECTORATE = "electorate"


class Poll(Table, table=True):
    __table_args__ = (
        UniqueConstraint("community_id", "number"),
        # The web's Decisions page: closed polls newest first, open ones soonest to close first.
        Index("ix_poll_community_closed", "community_id", "status", "closed_at", "number"),
        Index("ix_poll_community_closes", "community_id", "status", "closes_at", "number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    number: int  # what people call it: Elm Court's poll #7 (see bot/numbers.py)
    created_by_person_id: int = Field(foreign_key="person.id")
    question: str = Field(sa_type=String(QUESTION_MAX))
    kind: PollKind = Field(sa_type=String(16))
    binding: bool = False
    secret: bool = False
    min_picks: int | None = None
    max_picks: int | None = None
    budget_cap: int | None = None  # in pence
    electorate: Electorate = Field(default=Electorate.MEMBERS, sa_type=String(16))
    electorate_role: str | None = Field(default=None, sa_type=String(16))
    results_shown: ResultsShown = Field(default=ResultsShown.LIVE, sa_type=String(16))
    quorum_percent: int | None = None
    threshold: str = Field(default="none", sa_type=String(16))
    threshold_base: ThresholdBase = Field(default=ThresholdBase.CAST, sa_type=String(16))
    opens_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    notice_minutes: int | None = None  # announced at least this long before it opens
    closes_at: datetime = Field(sa_column=_utc())
    # Another reading of an ambiguous deadline, until the creator picks one.
    closes_alternative: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    reminder_minutes: int | None = None
    status: PollStatus = Field(default=PollStatus.DRAFT, sa_type=String(16), index=True)
    origin_platform: str = Field(sa_type=String(16))
    origin_chat_id: str = Field(sa_type=String(64))
    # The thread (a Discord thread or forum post, a Telegram topic) it was started in, if any.
    origin_thread_id: str | None = Field(default=None, sa_type=String(64))
    created_at: datetime = Field(sa_column=_utc())
    opened_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    closed_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    electorate_size: int | None = None  # fixed when the poll closes
    # The tally as it stood at the close (JSON, see bot.polls.views.freeze): closed results
    # never change.
    final_tally: str | None = Field(default=None, sa_type=Text)
    outcome: str | None = Field(default=None, sa_type=Text)
    review_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class PollOption(Table, table=True):
    poll_id: int = Field(foreign_key="poll.id", primary_key=True)
    number: int = Field(primary_key=True)
    label: str = Field(sa_type=String(OPTION_MAX))
    cost: int | None = None  # in pence, for budget polls


class PollPost(Table, table=True):
    """Each chat a poll was posted to. `outbox_id` is the delivery that posts its card there; the
    card's message id is that delivery's, once sent, and edits replace it."""

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="poll.id", index=True)
    platform: str = Field(sa_type=String(16))
    chat_id: str = Field(sa_type=String(64))
    thread_id: str | None = Field(default=None, sa_type=String(64))
    outbox_id: int = Field(foreign_key="outbox.id")


class PollElector(Table, table=True):
    """The register as it stood when a poll with a fixed electorate opened."""

    poll_id: int = Field(foreign_key="poll.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True)


class Vote(Table, table=True):
    """One person's current vote in an open (not secret) poll.

    Stored in its primary key's b-tree (no rowid, no other index): each vote then touches one
    b-tree, which keeps group commits small when voters arrive in any order. Totals come from
    `PollCount`, not from scanning this table."""

    __table_args__ = ({"sqlite_with_rowid": False},)

    poll_id: int = Field(foreign_key="poll.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    choice: int | None = None  # single choice and proposals
    marks: str | None = Field(default=None, sa_type=Text)  # other kinds, see bot.polls.ballots
    cast_at: datetime = Field(sa_column=_utc())


class PollCount(Table, table=True):
    """Running totals per option of an open single-choice poll or proposal, kept in the same
    transaction as each vote, so live results never recount. (Secret ballots keep none: a total
    that ticks as someone is added to the roll would say how they voted.)"""

    poll_id: int = Field(foreign_key="poll.id", primary_key=True)
    choice: int = Field(primary_key=True)
    votes: int = 0


class VoterRoll(Table, table=True):
    """Who has voted in a secret ballot. Until a ballot is sealed with others, its voter's entry
    also holds it, encrypted to a key whose private half exists only in Moot's memory, and
    its place in the queue of ballots waiting (see bot.polls.sealing); both are cleared when it
    is sealed. No rowid: after the close nothing here records the order of voting."""

    __table_args__ = ({"sqlite_with_rowid": False},)

    poll_id: int = Field(foreign_key="poll.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    waiting: int | None = None
    held: bytes | None = Field(default=None, sa_type=LargeBinary)


class BallotDraft(Table, table=True):
    """A ballot someone is filling in by pressing options (ranked, approval, budget) in a poll
    that is not secret: `marks` as a vote stores them ("3,1,2"). A secret ballot in progress is
    never stored (bot/polls/carried.py)."""

    poll_id: int = Field(foreign_key="poll.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    marks: str = Field(sa_type=Text)
    changed_at: datetime = Field(sa_column=_utc())


class BallotKey(Table, table=True):
    """The public key secret ballots are sealed to now (one row). Its private half exists only
    in the memory of the Moot process that seals (bot.polls.sealing): a ballot cast on any
    process is written encrypted to it, and dies with that process if it is not sealed first."""

    id: int = Field(default=1, primary_key=True)
    key_id: bytes = Field(sa_type=LargeBinary)
    public_key: bytes = Field(sa_type=LargeBinary)


class SecretBallot(Table, table=True):
    """What was chosen in a secret ballot: a random key, no person, no time, no rowid."""

    __table_args__ = (
        Index("ix_secretballot_tally", "poll_id", "choice"),
        {"sqlite_with_rowid": False},
    )

    key: str = Field(primary_key=True, sa_type=String(36))
    poll_id: int = Field(foreign_key="poll.id")
    choice: int | None = None
    marks: str | None = Field(default=None, sa_type=Text)


class PaperTally(Table, table=True):
    """Votes cast on paper or in a meeting, added by an organiser."""

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="poll.id", index=True)
    ballots: int
    counts: str = Field(sa_type=Text)  # JSON: option number -> votes
    added_by_person_id: int = Field(foreign_key="person.id")
    added_at: datetime = Field(sa_column=_utc())


class PaperVoter(Table, table=True):
    """A member an organiser marked on the register as having voted on paper or in the room:
    they cannot also vote online, and paper ballots never outnumber these marks."""

    poll_id: int = Field(foreign_key="poll.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    marked_by_person_id: int = Field(foreign_key="person.id")
    marked_at: datetime = Field(sa_column=_utc())
