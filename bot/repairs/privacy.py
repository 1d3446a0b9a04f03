"""A tenant's repair data: their copy, and forgetting them. A forgotten tenant's reports stay
for the statistics (category, priority, status, times) with everything that described them or
their home removed, their photos deleted, and their timelines emptied of what was said. Two
accounts that become one person keep everything either had."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, text, update
from sqlmodel import Session, col, select

from bot.repairs import photos, render
from bot.repairs.service import COMMENT
from bot.repairs.spec import LABELS
from bot.repairs.views import load
from bot.runtime import Runtime
from storage.repairs import (
    Home,
    RepairEvent,
    RepairPhoto,
    RepairReport,
    RepairSupporter,
    Tenancy,
)

REMOVED = "(removed at the tenant's request)"


def export(session: Session, person_id: int) -> dict[str, Any]:
    made = set(
        session.exec(
            select(RepairReport.id).where(RepairReport.reporter_person_id == person_id)
        ).all()
    )
    followed = set(
        session.exec(
            select(RepairSupporter.report_id).where(RepairSupporter.person_id == person_id)
        ).all()
    )
    reports = []
    for report_id in sorted(i for i in made | followed if i is not None):
        view = load(session, report_id)
        mine = report_id in made
        reports.append(
            {
                "reference": view.reference,
                "community": view.community.name,
                "you": "reported it" if mine else "said me too",
                "category": LABELS[view.report.category],
                "where": render.place(view),
                "description": view.report.description,
                "access": view.report.access if mine else None,
                "vulnerability_note": view.report.vulnerability if mine else None,
                "status": render.STATUS_WORDS[view.report.status],
                "reported_at": view.report.reported_at.isoformat(),
                "photos": len(view.photos),
                "timeline": [
                    {"at": event.at.isoformat(), "what": event.kind, "detail": event.detail}
                    for event in view.events
                    if not event.internal
                ],
            }
        )
    homes = session.exec(
        select(Home.ref, Home.address)
        .join(Tenancy, col(Tenancy.home_id) == Home.id)
        .where(Tenancy.person_id == person_id)
    ).all()
    return {
        "reports": reports,
        "homes": [{"ref": ref, "address": address} for ref, address in homes],
    }


def forget(runtime: Runtime, session: Session, person_id: int, now: datetime) -> list[Path]:
    """Anonymise their reports and drop their photos, follows and homes; the photo files to
    delete once this commits (a photo another report also holds stays)."""
    own = [
        i
        for i in session.exec(
            select(RepairReport.id).where(RepairReport.reporter_person_id == person_id)
        ).all()
        if i is not None
    ]
    session.exec(
        update(RepairReport)
        .where(col(RepairReport.id).in_(own))
        .values(description=REMOVED, access=None, vulnerability=None, home_id=None)
    )
    session.exec(update(RepairEvent).where(col(RepairEvent.report_id).in_(own)).values(detail=""))
    # What they wrote on reports they said me too to.
    session.exec(
        update(RepairEvent)
        .where(
            col(RepairEvent.actor_person_id) == person_id,
            col(RepairEvent.kind) == COMMENT,
        )
        .values(detail="")
    )
    session.exec(
        update(RepairReport)
        .where(col(RepairReport.assignee_person_id) == person_id)
        .values(assignee_person_id=None)
    )
    gone = session.exec(select(RepairPhoto).where(col(RepairPhoto.report_id).in_(own))).all()
    session.exec(delete(RepairPhoto).where(col(RepairPhoto.report_id).in_(own)))
    session.exec(delete(RepairSupporter).where(col(RepairSupporter.person_id) == person_id))
    session.exec(delete(Tenancy).where(col(Tenancy.person_id) == person_id))
    still_held = set(session.exec(select(RepairPhoto.sha256)).all())
    unheld = [photo for photo in gone if photo.sha256 not in still_held]
    photos.drop(session, (photo.sha256 for photo in unheld))
    return photos.store(runtime).files(unheld)


def merge_people(session: Session, source_id: int, target_id: int, now: datetime) -> list[str]:
    """Two accounts becoming one person keep all their reports, steps, "me too"s and homes
    (one of each per report or home)."""
    run = session.connection().execute
    params = {"source": source_id, "target": target_id}
    for statement in (
        "UPDATE repairreport SET reporter_person_id = :target WHERE reporter_person_id = :source",
        "UPDATE repairreport SET assignee_person_id = :target WHERE assignee_person_id = :source",
        "UPDATE repairevent SET actor_person_id = :target WHERE actor_person_id = :source",
        "UPDATE repairphoto SET added_by_person_id = :target WHERE added_by_person_id = :source",
        "DELETE FROM repairsupporter WHERE person_id = :source AND report_id IN (SELECT report_id "
        "FROM repairsupporter WHERE person_id = :target)",
        "UPDATE repairsupporter SET person_id = :target WHERE person_id = :source",
        "DELETE FROM tenancy WHERE person_id = :source AND home_id IN (SELECT home_id "
        "FROM tenancy WHERE person_id = :target)",
        "UPDATE tenancy SET person_id = :target WHERE person_id = :source",
    ):
        run(text(statement), params)
    return []


# The statuses the team sets (a report starts reported; only its tenant withdraws it).
