"""Reading meetings: one meeting with its community and answers, and lists of them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from bot.refs import qualified
from storage.meetings import (
    Answer,
    Meeting,
    MeetingPost,
    MeetingResponse,
    MeetingSeries,
    MeetingStatus,
)
from storage.models import Community, Membership, MembershipStatus, Person

LONGEST_MEETING = timedelta(hours=24)


@dataclass(frozen=True)
class MeetingView:
    meeting: Meeting
    community: Community
    answers: Counter[Answer] = field(default_factory=Counter)
    posts: tuple[MeetingPost, ...] = ()
    repeats: str | None = None  # the series' rule, for an occurrence of a series still going

    @property
    def id(self) -> int:
        assert self.meeting.id is not None
        return self.meeting.id

    @property
    def number(self) -> int:
        return self.meeting.number

    @property
    def ref(self) -> str:
        """How buttons name it: with its community, so a press in a DM acts on this one."""
        return qualified(self.meeting.community_id, self.meeting.number)

    @property
    def status(self) -> MeetingStatus:
        return MeetingStatus(self.meeting.status)

    @property
    def ends_at(self) -> datetime:
        return self.meeting.starts_at + timedelta(minutes=self.meeting.duration_minutes)

    @property
    def places_left(self) -> int | None:
        if self.meeting.capacity is None:
            return None
        return max(0, self.meeting.capacity - self.answers[Answer.GOING])


def load(session: Session, meeting_id: int) -> MeetingView:
    meeting = session.get_one(Meeting, meeting_id)
    answers = Counter(
        {
            Answer(answer): count
            for answer, count in session.exec(
                select(MeetingResponse.answer, func.count())
                .where(MeetingResponse.meeting_id == meeting_id)
                .group_by(col(MeetingResponse.answer))
            )
        }
    )
    posts = tuple(session.exec(select(MeetingPost).where(MeetingPost.meeting_id == meeting_id)))
    community = session.get_one(Community, meeting.community_id)
    series = session.get(MeetingSeries, meeting.series_id) if meeting.series_id else None
    repeats = series.rule if series is not None and series.ended_at is None else None
    return MeetingView(meeting, community, answers, posts, repeats)


def find(session: Session, community_id: int, number: int) -> MeetingView | None:
    meeting_id = session.exec(
        select(Meeting.id).where(Meeting.community_id == community_id, Meeting.number == number)
    ).first()
    return load(session, meeting_id) if meeting_id is not None else None


def upcoming(
    session: Session, community_id: int, now: datetime, *, skip: int = 0, most: int = 10
) -> tuple[list[Meeting], int]:
    """A page of the community's announced meetings not yet over, soonest first, and how many
    there are in all."""
    recent = session.exec(
        select(Meeting)
        .where(
            Meeting.community_id == community_id,
            Meeting.status == MeetingStatus.SCHEDULED,
            col(Meeting.starts_at) > now - LONGEST_MEETING,
        )
        .order_by(col(Meeting.starts_at), col(Meeting.number))
    )
    current = [m for m in recent if m.starts_at + timedelta(minutes=m.duration_minutes) > now]
    return current[skip : skip + most], len(current)


def is_active_member(session: Session, community_id: int, person_id: int) -> bool:
    membership = session.exec(
        select(Membership).where(
            Membership.community_id == community_id, Membership.person_id == person_id
        )
    ).first()
    return membership is not None and membership.status == MembershipStatus.ACTIVE


def responders(session: Session, meeting_id: int, *answers: Answer) -> dict[int, str]:
    """Person → the platform they answered on, for everyone who gave one of `answers` (any
    answer when none are named)."""
    query = select(MeetingResponse.person_id, MeetingResponse.platform).where(
        MeetingResponse.meeting_id == meeting_id
    )
    if answers:
        query = query.where(col(MeetingResponse.answer).in_(answers))
    return dict(session.exec(query).all())


@dataclass(frozen=True)
class Guest:
    number: int  # on the community's register
    name: str  # as the register has it (never a platform's display name)

    @property
    def label(self) -> str:
        return f"{self.name} (#{self.number})"


@dataclass(frozen=True)
class GuestList:
    """Who answered a meeting, by answer, in the order they answered (for WAITING, the order
    of the waiting list). Only active members are named: someone who left, was removed or
    asked Moot to forget them is only counted."""

    named: dict[Answer, list[Guest]]
    unnamed: Counter[Answer]

    def total(self, answer: Answer) -> int:
        return len(self.named[answer]) + self.unnamed[answer]


def guest_list(session: Session, meeting_id: int) -> GuestList:
    community_id = session.get_one(Meeting, meeting_id).community_id
    register = {
        person_id: Guest(number, name)
        for person_id, number, name in session.exec(
            select(Membership.person_id, Membership.number, Person.name)
            .join(Person, col(Person.id) == Membership.person_id)
            .where(
                Membership.community_id == community_id,
                Membership.status == MembershipStatus.ACTIVE,
            )
        )
    }
    named: dict[Answer, list[Guest]] = {answer: [] for answer in Answer}
    unnamed: Counter[Answer] = Counter()
    for person_id, answer in session.exec(
        select(MeetingResponse.person_id, MeetingResponse.answer)
        .where(MeetingResponse.meeting_id == meeting_id)
        .order_by(col(MeetingResponse.responded_at), col(MeetingResponse.person_id))
    ):
        guest = register.get(person_id)
        if guest is None:
            unnamed[Answer(answer)] += 1
        else:
            named[Answer(answer)].append(guest)
    return GuestList(named, unnamed)
