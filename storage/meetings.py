"""The tables of Meet: meetings, who answered and how, and where each meeting was announced.

A meeting's reminders are `ScheduledJob` rows (bot.meetings.service), so they survive restarts
like everything else Moot does later.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field

from storage.table import Table
from storage.types import UTCDateTime

TITLE_MAX = 200
PLACE_MAX = 200
LINK_MAX = 500
ABOUT_MAX = 1000
ITEM_MAX = 300
MINUTES_MAX = 4000


def _utc(*, nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


CALENDAR_UID_MAX = 80


def new_calendar_uid() -> str:
    """An RFC 5545 UID no other installation of Moot will give: calendars that import feeds
    from two Moots keep both meetings. Meetings made before 0023 keep `meeting-<id>@moot`."""
    return f"{uuid.uuid4()}@moot"


class MeetingStatus(StrEnum):
    DRAFT = "draft"  # seen by its organiser until announced
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Answer(StrEnum):
    GOING = "going"
    MAYBE = "maybe"
    CANT = "cant"  # apologies
    WAITING = "waiting"  # wanted to go when it was full: first in line for a place


class Meeting(Table, table=True):
    __table_args__ = (
        UniqueConstraint("community_id", "number"),
        # The web's Meetings page: meetings by start, both ways from now.
        Index("ix_meeting_community_starts", "community_id", "starts_at", "number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    number: int  # per community, never reused
    created_by_person_id: int = Field(foreign_key="person.id")
    title: str = Field(sa_type=String(TITLE_MAX))
    starts_at: datetime = Field(sa_column=_utc())
    # Another reading of an ambiguous date (03/04), until the organiser picks one.
    starts_alternative: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    duration_minutes: int = 60
    place: str | None = Field(default=None, sa_type=String(PLACE_MAX))
    link: str | None = Field(default=None, sa_type=String(LINK_MAX))
    about: str | None = Field(default=None, sa_type=Text)
    capacity: int | None = None  # places; more who want to go wait in line
    reminders: str = Field(default="1440,60", sa_type=String(64))  # minutes before, comma list
    nudge_minutes: int | None = None  # this long before, members who have not answered are asked
    status: MeetingStatus = Field(default=MeetingStatus.DRAFT, sa_type=String(16), index=True)
    sequence: int = 0  # bumped at each change calendars must pick up (RFC 5545 SEQUENCE)
    origin_platform: str = Field(sa_type=String(16))
    origin_chat_id: str = Field(sa_type=String(64))
    origin_thread_id: str | None = Field(default=None, sa_type=String(64))
    created_at: datetime = Field(sa_column=_utc())
    cancelled_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    minutes: str | None = Field(default=None, sa_type=Text)  # recorded after it, then posted
    minutes_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    # One of a recurring series: when the rule put it (moving it keeps this; calendars call it
    # the occurrence's RECURRENCE-ID).
    series_id: int | None = Field(default=None, foreign_key="meetingseries.id", index=True)
    occurrence_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    # Whether every member may see who is going (/whosgoing); organisers always may.
    guests_visible: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    # Its calendar UID, kept through moves and cancellations (an occurrence of a series uses
    # the series' one). Set on every row (0023 gave older ones `meeting-<id>@moot`); nullable
    # only because SQLite adds a column to a table in place only so.
    calendar_uid: str | None = Field(
        default_factory=new_calendar_uid, sa_type=String(CALENDAR_UID_MAX), index=True
    )


class MeetingSeries(Table, table=True):
    """A recurring meeting: an RFC 5545 rule evaluated in the community's zone, so that a weekly
    19:00 meeting stays at 19:00 local time across clock changes. Occurrences are `Meeting` rows,
    made a few weeks ahead; each can be moved or cancelled on its own."""

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    rule: str = Field(sa_type=String(100))  # e.g. FREQ=MONTHLY;BYDAY=+1TU
    timezone: str = Field(sa_type=String(64))
    ended_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    calendar_uid: str | None = Field(  # as Meeting's (0021 gave older ones `series-<id>@moot`)
        default_factory=new_calendar_uid, sa_type=String(CALENDAR_UID_MAX), index=True
    )


class MeetingResponse(Table, table=True):
    """One person's answer, whichever platform they gave it on (that one hears of changes)."""

    meeting_id: int = Field(foreign_key="meeting.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    answer: Answer = Field(sa_type=String(16))
    platform: str = Field(sa_type=String(16))
    responded_at: datetime = Field(sa_column=_utc())


class MeetingPost(Table, table=True):
    """Each chat (or thread) a meeting was announced in; `outbox_id` delivers its card."""

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    platform: str = Field(sa_type=String(16))
    chat_id: str = Field(sa_type=String(64))
    thread_id: str | None = Field(default=None, sa_type=String(64))
    outbox_id: int = Field(foreign_key="outbox.id")


class ItemStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class AgendaItem(Table, table=True):
    """An item a member proposed for a meeting's agenda; organisers accept and order them."""

    __table_args__ = (UniqueConstraint("meeting_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    number: int  # per meeting, in the order proposed
    text: str = Field(sa_type=String(ITEM_MAX))
    proposed_by_person_id: int = Field(foreign_key="person.id")
    status: ItemStatus = Field(default=ItemStatus.PROPOSED, sa_type=String(16))
    position: int | None = None  # on the agenda, once accepted
    proposed_at: datetime = Field(sa_column=_utc())


class Attendance(Table, table=True):
    """Someone who was there: checked in themselves, or marked by an organiser."""

    meeting_id: int = Field(foreign_key="meeting.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    marked_by_person_id: int = Field(foreign_key="person.id")
    at: datetime = Field(sa_column=_utc())


class ActionItem(Table, table=True):
    """Something someone agreed to do at a meeting, by a date; numbered per community."""

    __table_args__ = (UniqueConstraint("community_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    number: int
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    owner_person_id: int = Field(foreign_key="person.id", index=True)
    text: str = Field(sa_type=String(ITEM_MAX))
    due_at: datetime = Field(sa_column=_utc())
    created_by_person_id: int = Field(foreign_key="person.id")
    created_at: datetime = Field(sa_column=_utc())
    done_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class MeetingQuorum(Table, table=True):
    """A community's rule for a quorate meeting: a number of members, or a share of them."""

    community_id: int = Field(foreign_key="community.id", primary_key=True)
    members: int | None = None
    percent: int | None = None


class ReminderChoice(Table, table=True):
    """How one person wants meeting reminders by direct message in one community: none, or at
    their own time before each meeting they are going (or might go) to."""

    person_id: int = Field(foreign_key="person.id", primary_key=True)
    community_id: int = Field(foreign_key="community.id", primary_key=True)
    direct: bool = True
    before_minutes: int | None = None  # instead of the meeting's own reminder times


class Availability(StrEnum):
    YES = "yes"
    IF_NEED_BE = "ifneedbe"
    NO = "no"


class TimeFinder(Table, table=True):
    """Finding a time: candidate slots people say they can make; the organiser picks one and
    the meeting is made from it. Numbered per community."""

    __table_args__ = (UniqueConstraint("community_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    number: int
    title: str = Field(sa_type=String(TITLE_MAX))
    created_by_person_id: int = Field(foreign_key="person.id")
    origin_platform: str = Field(sa_type=String(16))
    origin_chat_id: str = Field(sa_type=String(64))
    origin_thread_id: str | None = Field(default=None, sa_type=String(64))
    created_at: datetime = Field(sa_column=_utc())
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")  # once a slot is picked
    outbox_id: int | None = Field(default=None, foreign_key="outbox.id")  # its card


class TimeSlot(Table, table=True):
    finder_id: int = Field(foreign_key="timefinder.id", primary_key=True)
    number: int = Field(primary_key=True)
    starts_at: datetime = Field(sa_column=_utc())


class SlotAnswer(Table, table=True):
    finder_id: int = Field(foreign_key="timefinder.id", primary_key=True)
    number: int = Field(primary_key=True)  # the slot
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    answer: Availability = Field(sa_type=String(16))
    platform: str = Field(sa_type=String(16))


class MeetingEvent(Table, table=True):
    """A meeting mirrored as a platform's own calendar event (Discord's scheduled events)."""

    meeting_id: int = Field(foreign_key="meeting.id", primary_key=True)
    platform: str = Field(sa_type=String(16), primary_key=True)
    chat_id: str = Field(sa_type=String(64), primary_key=True)
    event_id: str = Field(sa_type=String(64))
