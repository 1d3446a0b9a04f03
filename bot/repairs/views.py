"""A repair report as the screens need it: the report, its community's clock settings, its
timeline and pauses, and when it is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.repairs import statuses
from bot.repairs.clocks import (
    AWAAB_TARGETS,
    AwaabStep,
    Nation,
    Pause,
    Priority,
    RepairClock,
    read_targets,
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

# Nothing is due any more once a report is in one of these (the transition table says which).
SETTLED = statuses.SETTLED


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
    clock: RepairClock  # the one that sets the target now
    priority_clock: RepairClock | None  # its priority's own (none under Awaab's Law)
    pauses: tuple[Pause, ...]
    nation: Nation
    supporters: dict[int, str]  # person -> the platform they said "me too" from
    home: Home | None  # from the register, when the report is about a home in it
    photos: tuple[RepairPhoto, ...]
    emergency_text: str | None  # the community's own out-of-hours message, if it set one
    # Damp and mould: the same home's other damp and mould reports within 12 months of it, for
    # the team's card and page (bot.repairs.repeats.with_repeats).
    repeats: tuple[RepairReport, ...] = ()

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
    def steps_met(self) -> bool:
        """Under Awaab's Law, every step is met (an emergency hazard made safe too): nothing is
        due any more."""
        emergency = emergency_step(self.report)
        return (
            self.report.priority == AWAAB
            and all(met for _, met in awaab_steps(self.report, self.pauses))
            and (emergency is None or emergency[1])
        )

    @property
    def due(self) -> datetime | None:
        """When the report's target falls due; None while paused or once every step is met."""
        if self.steps_met:
            return None
        return self.clock.due(self.nation, self.zone)

    def steps_met_in_time(self, now: datetime) -> bool:
        """Under Awaab's Law, whether each step was met by its own date (the safety work by the
        first step that started it, or `now` if that is the step being recorded)."""
        report = self.report
        started = next(
            (
                event.at
                for event in self.events
                if event.kind in WORK_STARTED_STEPS
                and report.investigated_at is not None
                and event.at >= report.investigated_at
            ),
            now,
        )
        met_at = (report.investigated_at, report.summary_at, started)
        for (clock, _), at in zip(awaab_steps(report, self.pauses), met_at, strict=True):
            due = clock.due(self.nation, self.zone)
            if at is not None and due is not None and at > due:
                return False
        return True


# Once the work has started, Awaab's Law's safety-work step is met.
WORK_STARTED = (RepairStatus.IN_PROGRESS, *SETTLED)
WORK_STARTED_STEPS = frozenset(status.value for status in WORK_STARTED)  # timeline event kinds


EMERGENCY_STEP = "Make the emergency hazard safe (Awaab's Law)"


def emergency_step(report: RepairReport) -> tuple[RepairClock, bool] | None:
    """An emergency hazard's clock, whatever the report's category, and whether it is made safe:
    within 24 hours of the report (when the landlord became aware), never paused."""
    if report.emergency_at is None:
        return None
    clock = RepairClock(EMERGENCY_STEP, report.reported_at, AWAAB_TARGETS[AwaabStep.EMERGENCY])
    return clock, report.made_safe_at is not None


def awaab_steps(report: RepairReport, pauses: tuple[Pause, ...]) -> list[tuple[RepairClock, bool]]:
    """Damp and mould's clocks so far, each with whether it is met: investigate from the
    report; once investigated, the written summary and the safety work from then."""
    investigate = RepairClock(
        "Investigate (Awaab's Law)",
        report.reported_at,
        AWAAB_TARGETS[AwaabStep.INVESTIGATE],
        pauses,
    )
    if report.investigated_at is None:
        return [(investigate, False)]
    later = tuple(p for p in pauses if p.began >= report.investigated_at)
    return [
        (investigate, True),
        (
            RepairClock(
                "Written summary (Awaab's Law)",
                report.investigated_at,
                AWAAB_TARGETS[AwaabStep.SUMMARY],
                later,
            ),
            report.summary_at is not None,
        ),
        (
            RepairClock(
                "Start the safety work (Awaab's Law)",
                report.investigated_at,
                AWAAB_TARGETS[AwaabStep.SAFETY_WORK],
                later,
            ),
            report.status in WORK_STARTED,
        ),
    ]


def priority_clock(
    report: RepairReport, pauses: tuple[Pause, ...], settings: RepairSettings
) -> RepairClock | None:
    """The clock of the report's priority; None under Awaab's Law, which has its steps."""
    if report.priority == AWAAB:
        return None
    priority = Priority(report.priority)
    return RepairClock(
        f"{priority.value.capitalize()} repair",
        report.reported_at,
        read_targets(settings.targets)[priority],
        pauses,
    )


def clock_of(
    report: RepairReport,
    pauses: tuple[Pause, ...],
    settings: RepairSettings,
    zone: ZoneInfo,
) -> RepairClock:
    """The clock that sets the report's target now: its priority's, or under Awaab's Law the
    step due soonest among those not yet met; an emergency hazard not yet made safe comes first
    unless another is due sooner."""
    emergency = emergency_step(report)
    waiting = [emergency[0]] if emergency is not None and not emergency[1] else []
    own = priority_clock(report, pauses, settings)
    if own is not None:
        waiting.append(own)
    else:
        steps = awaab_steps(report, pauses)
        waiting += [clock for clock, met in steps if not met]
        if not waiting:
            return steps[-1][0]
    far = datetime.max.replace(tzinfo=UTC)
    nation = Nation(settings.nation)
    return min(waiting, key=lambda clock: clock.due(nation, zone) or far)


def load(session: Session, report_id: int) -> ReportView:
    report = session.get_one(RepairReport, report_id)
    community = session.get_one(Community, report.community_id)
    settings = settings_of(session, report.community_id)
    nation = Nation(settings.nation)
    zone = ZoneInfo(community.timezone)
    pauses = tuple(
        Pause(p.began, p.ended, p.reason)
        for p in session.exec(
            select(RepairPause)
            .where(RepairPause.report_id == report_id)
            .order_by(col(RepairPause.began))
        )
    )
    events = session.exec(
        select(RepairEvent)
        .where(RepairEvent.report_id == report_id)
        .order_by(col(RepairEvent.at), col(RepairEvent.id))
    ).all()
    return ReportView(
        report,
        community,
        session.get_one(Person, report.reporter_person_id).name,
        (
            session.get_one(Person, report.assignee_person_id).name
            if report.assignee_person_id is not None
            else None
        ),
        tuple(events),
        clock_of(report, pauses, settings, zone),
        priority_clock(report, pauses, settings),
        pauses,
        nation,
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
        settings.emergency_text,
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
