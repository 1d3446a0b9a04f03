"""Repairs on the web, for members (as `/repairs stats`, `/communal` and `/myreports` are): the
figures of `/repairs stats` month by month over the last year (median days to fix and the share
fixed within target, per priority), the open communal problems (their category, place and
status: no names, no homes), and the viewer's own reports with their timelines.

A month is the community's own: a repair fixed at 23:30 UTC on 31 January counts in February in
Auckland. The months' figures are one grouped statement over an index of fixes by date
(migration 0026); ranking a year of a large landlord's fixes for their medians takes a tenth of
a second, so the months that are over are kept once worked out (_FinishedMonths) and only the
month still going is counted on each request.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot import roles
from bot.access import ANYONE
from bot.dates import format_local, month_starts
from bot.pages import Page, Panel, Viewer
from bot.repairs import stats
from bot.repairs.access import OPEN_COMMUNAL
from bot.repairs.clocks import Priority
from bot.repairs.render import STATUS_WORDS, place, target
from bot.repairs.spec import AWAAB, LABELS
from bot.repairs.views import load, reference
from bot.webcharts import Chart, Row, bars
from storage.raw import raw_connection
from storage.repairs import COMMUNAL_OPEN, RepairCategory, RepairReport, RepairStatus
from storage.types import stored_moment

MONTHS = 12
COMMUNAL_SHOWN = 50
OWN_SHOWN = 5  # a tenant has a few; /myreports lists them all
# Open problems in shared places, by the partial index that holds only them (the hint is
# SQLite's alone: storage/raw.py drops it on PostgreSQL, whose planner finds it unaided).
_COMMUNAL = f"FROM repairreport INDEXED BY ix_repairreport_communal WHERE community_id = ? AND {COMMUNAL_OPEN}"
_COMMUNAL_LIST = (
    f"SELECT number, category, location, status {_COMMUNAL} ORDER BY number DESC "
    f"LIMIT {COMMUNAL_SHOWN}"
)
_COMMUNAL_COUNT = f"SELECT count(*) {_COMMUNAL}"
_FIXES = (
    "FROM repairreport INDEXED BY ix_repairreport_fixed_on "
    "WHERE community_id = ? AND fixed_at >= ? AND fixed_at < ? AND fix_hours IS NOT NULL"
)
# What would change a finished month's figures: a fix undone (a report reopened), a fixed
# report's priority changed, a report forgotten, or another store put in this one's place. A
# fix is always recorded at the moment it is made, so none is added to a month that is over.
_FINGERPRINT = (
    "SELECT count(*), count(*) FILTER (WHERE fixed_on_time), "
    + ", ".join(
        f"count(*) FILTER (WHERE priority = '{p}'), sum(fix_hours) FILTER (WHERE priority = '{p}')"
        for p in (*(priority.value for priority in Priority), AWAAB)
    )
    + " "
    + _FIXES
)


def _by_month(months: int) -> str:
    """Per priority and month: fixes, how many within target, and the median hours to fix (the
    average of the middle one or two). Months are numbered 0 (the earliest) to `months - 1`
    by the edges given before the community: newest first (the first and last edges bound
    the range, after the community)."""
    later = " ".join(f"WHEN fixed_at >= ? THEN {i}" for i in range(months - 1, 0, -1))
    month = f"CASE {later} ELSE 0 END" if later else "0"
    return (
        "SELECT priority, month, n, on_time, avg(fix_hours) FROM ("
        " SELECT priority, month, fix_hours,"
        "  row_number() OVER (PARTITION BY priority, month ORDER BY fix_hours) AS r,"
        "  count(*) OVER (PARTITION BY priority, month) AS n,"
        "  sum(CASE WHEN fixed_on_time THEN 1 ELSE 0 END)"
        "   OVER (PARTITION BY priority, month) AS on_time"
        f" FROM (SELECT priority, fix_hours, fixed_on_time, {month} AS month {_FIXES}) AS fixes"
        ") AS ranked WHERE 2 * r >= n AND 2 * r <= n + 2 "
        "GROUP BY priority, month, n, on_time"
    )


# Per priority, for each month: (fixed, within target, median hours or None).
Figures = dict[str, list[tuple[int, int, float | None]]]


class _FinishedMonths:
    """Finished months' figures, worked out once and kept while their fingerprint holds: a
    year of a large landlord's fixes takes a tenth of a second to rank, and the Repairs page
    must answer in milliseconds. Shared by the worker threads pages load on."""

    MOST = 256  # (store, community, months) kept

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[tuple[str, int, tuple[datetime, ...]], tuple[Any, Figures]] = {}

    def figures(self, session: Session, community_id: int, edges: list[datetime]) -> Figures:
        db = raw_connection(session)
        bounds = (community_id, stored_moment(edges[0]), stored_moment(edges[-1]))
        fingerprint = tuple(db.execute(_FINGERPRINT, bounds).fetchone())
        key = (str(session.get_bind().engine.url), community_id, tuple(edges))
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None and kept[0] == fingerprint:
            return kept[1]
        found = _ranked(session, community_id, edges)
        with self._lock:
            if len(self._kept) >= self.MOST:
                self._kept.pop(next(iter(self._kept)))
            self._kept[key] = (fingerprint, found)
        return found


_FINISHED = _FinishedMonths()


def _ranked(session: Session, community_id: int, edges: list[datetime]) -> Figures:
    months = len(edges) - 1
    newest_first = [stored_moment(edge) for edge in reversed(edges[1:-1])]
    rows = raw_connection(session).execute(
        _by_month(months),
        (*newest_first, community_id, stored_moment(edges[0]), stored_moment(edges[-1])),
    )
    found: Figures = {}
    for priority, month, count, on_time, hours in rows.fetchall():
        figures = found.setdefault(priority, [(0, 0, None)] * months)
        figures[int(month)] = (int(count), int(on_time), float(hours))
    return found


def monthly(session: Session, community_id: int, edges: list[datetime], now: datetime) -> Figures:
    """Per priority: for each month between the edges, (fixed, within target, median hours).
    The months that are over are kept (see _FinishedMonths); the one still going is counted
    afresh."""
    finished = [edge for edge in edges if edge <= now]
    done = _FINISHED.figures(session, community_id, finished) if len(finished) > 1 else {}
    if len(finished) == len(edges):
        return done
    going = _ranked(session, community_id, finished[-1:] + edges[len(finished) :])
    empty: list[tuple[int, int, float | None]] = [(0, 0, None)] * (len(finished) - 1)
    return {
        priority: done.get(priority, empty) + going.get(priority, [(0, 0, None)])
        for priority in {*done, *going}
    }


@dataclass(frozen=True)
class MonthFigures:
    month: str  # "Jan 2027"
    fixed: int
    on_time: int
    median_days: float | None  # None: nothing fixed that month

    @property
    def median(self) -> str:
        return "—" if self.median_days is None else stats.days_words(self.median_days)

    @property
    def within(self) -> str:
        return "—" if not self.fixed else f"{round(100 * self.on_time / self.fixed)}%"


@dataclass(frozen=True)
class PriorityTrend:
    priority: str  # as /repairs stats names it
    months: list[MonthFigures]
    median_chart: Chart
    within_chart: Chart


@dataclass(frozen=True)
class CommunalProblem:
    reference: str
    what: str
    where: str
    status: str


@dataclass(frozen=True)
class TimelineStep:
    when: str
    what: str
    detail: str


@dataclass(frozen=True)
class OwnReport:
    reference: str
    what: str
    where: str
    status: str
    target: str
    reported: str
    timeline: list[TimelineStep]


def trends(session: Session, viewer: Viewer) -> list[PriorityTrend]:
    edges = month_starts(viewer.now, viewer.timezone, MONTHS)
    names = [_month_name(edge, viewer.timezone) for edge in edges[:-1]]
    found = monthly(session, viewer.community_id, edges, viewer.now)
    result = []
    for priority in stats.by_priority(found):
        months = [
            MonthFigures(name, fixed, on_time, None if hours is None else hours / 24)
            for name, (fixed, on_time, hours) in zip(names, found[priority], strict=True)
        ]
        title = stats.priority_name(priority)
        result.append(
            PriorityTrend(
                title,
                months,
                bars(
                    f"Median days to fix, {title}, by month",
                    [Row(m.month, m.median_days or 0.0, m.median) for m in months],
                ),
                bars(
                    f"Share fixed within target, {title}, by month",
                    [
                        Row(m.month, m.on_time / m.fixed if m.fixed else 0.0, m.within)
                        for m in months
                    ],
                    most=1.0,
                ),
            )
        )
    return result


def _month_name(edge: datetime, zone: str) -> str:
    return f"{edge.astimezone(ZoneInfo(zone)):%b %Y}"  # "Jan 2027"


def communal(session: Session, community_id: int) -> tuple[list[CommunalProblem], int]:
    """Open problems in shared places, newest first: what, where and how it stands, as
    /communal lists them (no names, no descriptions)."""
    db = raw_connection(session)
    shown = [
        CommunalProblem(
            reference(number),
            LABELS[RepairCategory(category)],
            where,
            STATUS_WORDS[RepairStatus(status)],
        )
        for number, category, where, status in db.execute(_COMMUNAL_LIST, (community_id,))
    ]
    return shown, int(db.execute(_COMMUNAL_COUNT, (community_id,)).fetchone()[0])


def own_reports(session: Session, viewer: Viewer) -> tuple[list[OwnReport], bool]:
    """The viewer's own newest reports (as /myreports lists them), each with its timeline as
    the tenant sees it (no internal notes), and whether they have more."""
    if viewer.person_id is None:
        return [], False
    ids = session.exec(
        select(RepairReport.id)
        .where(
            RepairReport.community_id == viewer.community_id,
            RepairReport.reporter_person_id == viewer.person_id,
        )
        .order_by(col(RepairReport.number).desc())
        .limit(OWN_SHOWN + 1)
    ).all()
    reports = []
    for report_id in ids[:OWN_SHOWN]:
        view = load(session, report_id or 0)
        report = view.report
        reports.append(
            OwnReport(
                view.reference,
                LABELS[report.category],
                place(view),
                STATUS_WORDS[report.status],
                target(view),
                format_local(report.reported_at, viewer.timezone),
                [
                    TimelineStep(format_local(e.at, viewer.timezone), e.kind, e.detail)
                    for e in view.events
                    if not e.internal
                ],
            )
        )
    return reports, len(ids) > OWN_SHOWN


def repairs_page(session: Session, viewer: Viewer) -> Mapping[str, Any]:
    problems, problems_total = communal(session, viewer.community_id)
    if not roles.allows(viewer.role, OPEN_COMMUNAL.least):  # which and where: as /communal, in chat
        problems = []
    mine, more_of_mine = own_reports(session, viewer)
    return {
        "trends": trends(session, viewer),
        "communal": problems,
        "communal_total": problems_total,
        "mine": mine,
        "more_of_mine": more_of_mine,
        "signed_in": viewer.person_id is not None,
    }


@dataclass(frozen=True)
class LastMonth:
    priority: str
    fixed: int
    median: str
    within: str


def repairs_panel(session: Session, viewer: Viewer) -> Mapping[str, Any]:
    """Open communal problems, and last month's figures per priority."""
    edges = month_starts(viewer.now, viewer.timezone, 2)[:2]
    found = monthly(session, viewer.community_id, edges, viewer.now)
    last = []
    for priority in stats.by_priority(found):
        ((fixed, on_time, hours),) = found[priority]
        figures = MonthFigures("", fixed, on_time, None if hours is None else hours / 24)
        last.append(LastMonth(stats.priority_name(priority), fixed, figures.median, figures.within))
    db = raw_connection(session)
    return {
        "communal_total": int(db.execute(_COMMUNAL_COUNT, (viewer.community_id,)).fetchone()[0]),
        "month": _month_name(edges[0], viewer.timezone),
        "last_month": last,
    }


# The figures and the open communal problems carry no names, and a community that chooses
# `/web public` publishes them for anyone (a councillor asking how fast damp is fixed); in
# chat, `/repairs stats` and `/communal` are for members. A visitor's own reports need them
# signed in (own_reports).
REPAIRS = Page("repairs", "Repairs", ANYONE, "repairs/repairs.html", repairs_page)
REPAIRS_NOW = Panel("Repairs", ANYONE, "repairs/home.html", repairs_panel)
