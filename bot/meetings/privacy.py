"""A person's meeting data: their answers and reminder choices, forgetting the choices (answers
stay, nameless, so that past meetings still add up), and merging two accounts' data when they
become one person."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, text
from sqlmodel import Session, col, select

from bot.meetings import render
from bot.meetings.service import edit_cards
from bot.runtime import Runtime
from storage.meetings import Answer, Meeting, MeetingResponse, ReminderChoice
from storage.models import Community


def export(session: Session, person_id: int) -> dict[str, Any]:
    answers = session.exec(
        select(MeetingResponse, Meeting, Community)
        .join(Meeting, col(Meeting.id) == MeetingResponse.meeting_id)
        .join(Community, col(Community.id) == Meeting.community_id)
        .where(MeetingResponse.person_id == person_id)
    ).all()
    choices = session.exec(select(ReminderChoice).where(ReminderChoice.person_id == person_id))
    return {
        "answers": [
            {
                "community": community.name,
                "meeting": f"#{meeting.number} {meeting.title}",
                "answer": response.answer,
                "at": response.responded_at.isoformat(),
            }
            for response, meeting, community in answers
        ],
        "reminder_choices": [
            {"direct": choice.direct, "minutes_before": choice.before_minutes} for choice in choices
        ],
    }


def forget(runtime: Runtime, session: Session, person_id: int, now: datetime) -> list[Path]:
    session.exec(delete(ReminderChoice).where(col(ReminderChoice.person_id) == person_id))
    return []


def merge_responses(session: Session, source_id: int, target_id: int, now: datetime) -> list[str]:
    """Two accounts becoming one person keep one answer (and one attendance, one availability
    per offered time, one reminder choice per community): the account that asked for the link
    code keeps its own; everything else moves across."""
    run = session.connection().execute
    params = {"source": source_id, "target": target_id}
    both = run(
        text(
            "SELECT t.meeting_id, t.answer, s.answer FROM meetingresponse t JOIN meetingresponse s "
            "ON s.meeting_id = t.meeting_id AND s.person_id = :source "
            "WHERE t.person_id = :target"
        ),
        params,
    ).all()
    for table, per in (
        ("meetingresponse", "meeting_id"),
        ("attendance", "meeting_id"),
        ("slotanswer", "finder_id || '.' || number"),
        ("reminderchoice", "community_id"),
    ):
        run(
            text(
                f"DELETE FROM {table} WHERE person_id = :source AND {per} IN "
                f"(SELECT {per} FROM {table} WHERE person_id = :target)"
            ),
            params,
        )
        run(text(f"UPDATE {table} SET person_id = :target WHERE person_id = :source"), params)
    for table, column in (
        ("attendance", "marked_by_person_id"),
        ("meeting", "created_by_person_id"),
        ("agendaitem", "proposed_by_person_id"),
        ("actionitem", "owner_person_id"),
        ("actionitem", "created_by_person_id"),
        ("timefinder", "created_by_person_id"),
    ):
        run(text(f"UPDATE {table} SET {column} = :target WHERE {column} = :source"), params)
    notes = []
    for meeting_id, kept, dropped in both:
        edit_cards(session, meeting_id, now)  # one answer fewer in the counts
        number = session.get_one(Meeting, meeting_id).number
        notes.append(
            f"Meeting #{number}: both accounts had answered; the answer of the account that asked "
            f"for the link code is kept ({render.ANSWER_WORDS[Answer(kept)]}), not "
            f"{render.ANSWER_WORDS[Answer(dropped)]}."
        )
    return notes
