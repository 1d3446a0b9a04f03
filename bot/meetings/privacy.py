"""A person's meeting data: their answers and reminder choices, and forgetting the choices
(answers stay, nameless, so that past meetings still add up)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from storage.meetings import Meeting, MeetingResponse, ReminderChoice
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


def forget(session: Session, person_id: int, now: datetime) -> list[Path]:
    session.exec(delete(ReminderChoice).where(col(ReminderChoice.person_id) == person_id))
    return []
