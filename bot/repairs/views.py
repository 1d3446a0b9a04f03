"""A repair report as the screens need it: the report, its community's clock settings, its
timeline and pauses, and when it is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.repairs.clocks import (
    AWAAB_TARGETS,
    DEFAULT_TARGETS,
    AwaabStep,
    Nation,
    Pause,
    Priority,
    RepairClock,
)
from bot.repairs.spec import AWAAB, HOME
from storage.models import Community, Person
from storage.repairs import (
    Home,
    RepairEvent,
    RepairPause,
    RepairPhoto,
    RepairReport,
    RepairSettings,
    RepairStatus,
    RepairSupporter,
)

# Nothing is due any more once a report is in one of these.
SETTLED = (
    RepairStatus.FIXED,
    RepairStatus.CLOSED,
    RepairStatus.DUPLICATE,
    RepairStatus.NOT_OURS,
)


def reference(number: int) -> str:
    return f"R-{number:04d}"


def settings_of(session: Session, community_id: int) -> RepairSettings:
    return session.get(RepairSettings, community_id) or RepairSettings(community_id=community_id)


@dataclass(frozen=True)
class ReportView:
    report: RepairReport
    community: Community
    reporter: str
    assignee: str | None
    events: tuple[RepairEvent, ...]
    clock: RepairClock
    nation: Nation
    supporters: dict[int, str]  # person -> the platform they said "me too" from
    home: Home | None  # from the register, when the report is about a home in it
    photos: tuple[RepairPhoto, ...]

    def may_follow(self, person_id: int) -> bool:
        """The reporter, or someone who said "me too"."""
        return person_id == self.report.reporter_person_id or person_id in self.supporters

    @property
    def id(self) -> int:
        assert self.report.id is not None
        return self.report.id

    @property
    def reference(self) -> str:
        return reference(self.report.number)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.community.timezone)

    @property
    def due(self) -> datetime | None:
        return self.clock.due(self.nation, self.zone)


def clock_of(session: Session, report: RepairReport) -> RepairClock:
    pauses = session.exec(
        select(RepairPause)
        .where(RepairPause.report_id == report.id)
        .order_by(col(RepairPause.began))
    ).all()
    if report.priority == AWAAB:
        what, target = "Investigate (Awaab's Law)", AWAAB_TARGETS[AwaabStep.INVESTIGATE]
    else:
        priority = Priority(report.priority)
        what, target = f"{priority.value.capitalize()} repair", DEFAULT_TARGETS[priority]
    return RepairClock(
        what,
        report.reported_at,
        target,
        tuple(Pause(p.began, p.ended, p.reason) for p in pauses),
    )


def load(session: Session, report_id: int) -> ReportView:
    report = session.get_one(RepairReport, report_id)
    events = session.exec(
        select(RepairEvent)
        .where(RepairEvent.report_id == report_id)
        .order_by(col(RepairEvent.at), col(RepairEvent.id))
    ).all()
    return ReportView(
        report,
        session.get_one(Community, report.community_id),
        session.get_one(Person, report.reporter_person_id).name,
        (
            session.get_one(Person, report.assignee_person_id).name
            if report.assignee_person_id is not None
            else None
        ),
        tuple(events),
        clock_of(session, report),
        Nation(settings_of(session, report.community_id).nation),
        {
            supporter.person_id: supporter.platform
            for supporter in session.exec(
                select(RepairSupporter).where(RepairSupporter.report_id == report_id)
            )
        },
        session.get(Home, report.home_id) if report.home_id is not None else None,
        tuple(
            session.exec(
                select(RepairPhoto)
                .where(RepairPhoto.report_id == report_id)
                .order_by(col(RepairPhoto.id))
            )
        ),
    )


def find(session: Session, community_id: int, number: int) -> ReportView | None:
    report_id = session.exec(
        select(RepairReport.id).where(
            RepairReport.community_id == community_id, RepairReport.number == number
        )
    ).first()
    return load(session, report_id) if report_id is not None else None


def communal_open(session: Session, community_id: int) -> list[ReportView]:
    """Open reports about shared places, which any member may say "me too" to."""
    ids = session.exec(
        select(RepairReport.id)
        .where(
            RepairReport.community_id == community_id,
            RepairReport.location != HOME,
            col(RepairReport.status).not_in(list(SETTLED)),
        )
        .order_by(col(RepairReport.number))
    ).all()
    return [load(session, report_id) for report_id in ids if report_id is not None]


def reports_of(session: Session, community_id: int, person_id: int) -> list[ReportView]:
    ids = session.exec(
        select(RepairReport.id)
        .where(
            RepairReport.community_id == community_id,
            RepairReport.reporter_person_id == person_id,
        )
        .order_by(col(RepairReport.number).desc())
    ).all()
    return [load(session, report_id) for report_id in ids if report_id is not None]
