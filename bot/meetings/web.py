"""Meetings on the web: the Meetings page (coming up and past, each as its card shows it to the
chat: time, place, answers so far, cancelled ones marked) and the home page's next meetings.

Members (who may /rsvp, /propose and read the minutes posted in their chats) also see each
meeting's online link, agenda, minutes and action items. Someone who is not a member sees what
a meeting's card shows a visitor, less the link to join and the place (which may be someone's
home): on a public page that would be anyone on the internet, not a visitor to the community's
chat. Drafts are never listed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from bot.access import ANYONE, MEMBERS
from bot.dates import format_day, format_local, is_end_of_day, length
from bot.meetings import render
from bot.meetings.recurrence import describe
from bot.meetings.views import LONGEST_MEETING, MeetingView
from bot.pages import Page, Panel, Viewer
from bot.webcharts import Chart, Row, bars
from storage.meetings import (
    ActionItem,
    AgendaItem,
    Answer,
    ItemStatus,
    Meeting,
    MeetingResponse,
    MeetingSeries,
    MeetingStatus,
)
from storage.models import Community, Person

COMING_SHOWN = 20
PAST_SHOWN = 20
PANEL_SHOWN = 3


@dataclass(frozen=True)
class ActionLine:
    number: int
    text: str
    owner: str
    due: str
    done: bool


@dataclass(frozen=True)
class MeetingCard:
    number: int
    title: str
    when: str  # in the community's zone
    length: str
    repeats: str | None
    place: str | None  # members only
    link: str | None  # members only
    about: str | None
    cancelled: bool
    counts: str  # "Going 4 · Maybe 1 · Can't come 0", as the card says it
    answers: list[tuple[str, int]]  # (answer, how many), for the table beside the chart
    chart: Chart
    # Members only: the agenda, the minutes and the action items.
    agenda: list[str]
    minutes: str | None
    actions: list[ActionLine]


def meetings_page(session: Session, viewer: Viewer) -> Mapping[str, Any]:
    coming, coming_total = _coming(session, viewer, COMING_SHOWN)
    past_where = (
        Meeting.community_id == viewer.community_id,
        Meeting.status != MeetingStatus.DRAFT,
        col(Meeting.starts_at) <= viewer.now,
    )
    past = [
        m
        for m in session.exec(
            select(Meeting)
            .where(*past_where)
            .order_by(col(Meeting.starts_at).desc(), col(Meeting.number).desc())
            .limit(PAST_SHOWN + len(coming))  # those still going on are listed as coming
        )
        if not _still_on(m, viewer.now)
    ][:PAST_SHOWN]
    past_total = session.exec(
        select(func.count()).select_from(Meeting).where(*past_where)
    ).one() - sum(1 for m in coming if m.starts_at <= viewer.now)
    member = viewer.may_see(MEMBERS)
    cards = _cards(session, viewer, [*coming, *past], member=member)
    return {
        "coming": cards[: len(coming)],
        "coming_total": coming_total,
        "past": cards[len(coming) :],
        "past_total": past_total,
        "member": member,
    }


def next_panel(session: Session, viewer: Viewer) -> Mapping[str, Any]:
    coming, total = _coming(session, viewer, PANEL_SHOWN)
    return {"meetings": _cards(session, viewer, coming, member=False), "total": total}


def _still_on(meeting: Meeting, now: datetime) -> bool:
    return meeting.starts_at + timedelta(minutes=meeting.duration_minutes) > now


def _coming(session: Session, viewer: Viewer, most: int) -> tuple[list[Meeting], int]:
    """Announced meetings not yet over (cancelled ones too, marked), soonest first, and how
    many there are: those under way, read apart from those to come, so that a community with
    thousands of meetings ahead reads only the few it shows."""
    mine = (Meeting.community_id == viewer.community_id, Meeting.status != MeetingStatus.DRAFT)
    under_way = [
        m
        for m in session.exec(
            select(Meeting)
            .where(
                *mine,
                col(Meeting.starts_at) > viewer.now - LONGEST_MEETING,
                col(Meeting.starts_at) <= viewer.now,
            )
            .order_by(col(Meeting.starts_at), col(Meeting.number))
        )
        if _still_on(m, viewer.now)
    ]
    ahead = (*mine, col(Meeting.starts_at) > viewer.now)
    later = session.exec(
        select(Meeting)
        .where(*ahead)
        .order_by(col(Meeting.starts_at), col(Meeting.number))
        .limit(most)
    )
    total = (
        len(under_way) + session.exec(select(func.count()).select_from(Meeting).where(*ahead)).one()
    )
    return [*under_way, *later][:most], total


def _cards(
    session: Session, viewer: Viewer, meetings: list[Meeting], *, member: bool
) -> list[MeetingCard]:
    if not meetings:
        return []
    community = session.get_one(Community, viewer.community_id)
    ids = [m.id or 0 for m in meetings]
    answers: dict[int, Counter[Answer]] = {m.id or 0: Counter() for m in meetings}
    for meeting_id, answer, count in session.exec(
        select(MeetingResponse.meeting_id, MeetingResponse.answer, func.count())
        .where(col(MeetingResponse.meeting_id).in_(ids))
        .group_by(col(MeetingResponse.meeting_id), col(MeetingResponse.answer))
    ):
        answers[meeting_id][Answer(answer)] = count
    series_ids = {m.series_id for m in meetings if m.series_id is not None}
    rules = {
        s.id: s.rule
        for s in (
            session.exec(select(MeetingSeries).where(col(MeetingSeries.id).in_(series_ids)))
            if series_ids
            else ()
        )
        if s.ended_at is None
    }
    agendas = _agendas(session, ids) if member else {}
    actions = _actions(session, ids, viewer.timezone) if member else {}
    return [
        _card(
            viewer,
            MeetingView(m, community, answers[m.id or 0], (), rules.get(m.series_id)),
            member=member,
            agenda=agendas.get(m.id or 0, []),
            actions=actions.get(m.id or 0, []),
        )
        for m in meetings
    ]


def _agendas(session: Session, meeting_ids: list[int]) -> dict[int, list[str]]:
    """Each meeting's accepted agenda items, in order (agenda.accepted_items), in one query."""
    found: dict[int, list[str]] = defaultdict(list)
    for meeting_id, text in session.exec(
        select(AgendaItem.meeting_id, AgendaItem.text)
        .where(
            col(AgendaItem.meeting_id).in_(meeting_ids), AgendaItem.status == ItemStatus.ACCEPTED
        )
        .order_by(col(AgendaItem.meeting_id), col(AgendaItem.position))
    ):
        found[meeting_id].append(text)
    return found


def _actions(session: Session, meeting_ids: list[int], zone: str) -> dict[int, list[ActionLine]]:
    """Each meeting's action items with their owners (record.actions_of), in one query."""
    found: dict[int, list[ActionLine]] = defaultdict(list)
    for item, owner in session.exec(
        select(ActionItem, Person.name)
        .join(Person, col(Person.id) == ActionItem.owner_person_id)
        .where(col(ActionItem.meeting_id).in_(meeting_ids))
        .order_by(col(ActionItem.meeting_id), col(ActionItem.number))
    ):
        found[item.meeting_id].append(
            ActionLine(
                item.number, item.text, owner, _due(item.due_at, zone), item.done_at is not None
            )
        )
    return found


def _card(
    viewer: Viewer,
    view: MeetingView,
    *,
    member: bool,
    agenda: list[str],
    actions: list[ActionLine],
) -> MeetingCard:
    """A meeting's card; `agenda` and `actions` are read only for members."""
    meeting, zone = view.meeting, viewer.timezone
    counted = [
        (render.ANSWER_WORDS[answer].capitalize(), view.answers[answer])
        for answer in (Answer.GOING, Answer.MAYBE, Answer.CANT, Answer.WAITING)
        if answer is not Answer.WAITING or view.answers[answer]
    ]
    return MeetingCard(
        number=view.number,
        title=meeting.title,
        when=format_local(meeting.starts_at, zone),
        length=length(timedelta(minutes=meeting.duration_minutes)),
        repeats=describe(view.repeats) if view.repeats else None,
        place=meeting.place if member else None,
        link=meeting.link if member else None,
        about=meeting.about,
        cancelled=view.status is MeetingStatus.CANCELLED,
        counts=render.counts(view),
        answers=counted,
        chart=bars(
            f"Meeting #{view.number}: answers so far",
            [Row(label, count, str(count)) for label, count in counted],
        ),
        agenda=agenda,
        minutes=meeting.minutes if member else None,
        actions=actions,
    )


def _due(moment: datetime, zone: str) -> str:
    """A deadline as /actions says it (a day's end for one given as a day), on the web's clock."""
    if is_end_of_day(moment, zone):
        return f"{format_day(moment, zone)}, end of the day"
    return format_local(moment, zone)


MEETINGS = Page("meetings", "Meetings", ANYONE, "meetings/meetings.html", meetings_page)
NEXT_MEETINGS = Panel("Coming up", ANYONE, "meetings/home.html", next_panel)
