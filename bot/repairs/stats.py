"""How fast a community fixes things, for everyone in it to see (`/repairs stats`): open reports
by priority, the median time to fix and the share fixed within target per priority, and what is
overdue. Nothing names a tenant or their home.

Each report keeps its open target and, once fixed, how long it took and whether that was
within target, all indexed: the figures are index walks, not a recount of every report's clock
(bench/repairs.py times 100,000 reports)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.repairs.spec import AWAAB, HOME, LABELS
from bot.repairs.views import SETTLED, reference
from storage.models import Community
from storage.raw import raw_connection
from storage.repairs import RepairCategory, RepairStatus
from storage.types import stored_moment, stored_to_aware

OVERDUE_SHOWN = 10
_OPEN_STATUSES = ", ".join(repr(s.value) for s in RepairStatus if s not in SETTLED)
# Named, because without statistics on the table SQLite picks the index of fixes (the hint is
# SQLite's alone: storage/raw.py drops it on PostgreSQL, whose planner keeps statistics).
_OPEN = (
    "SELECT priority, count(*) FROM repairreport INDEXED BY ix_repairreport_stats "
    f"WHERE community_id = ? AND status IN ({_OPEN_STATUSES}) GROUP BY priority"
)
_FIXED = (
    "SELECT priority, count(*), count(*) FILTER (WHERE fixed_on_time) FROM repairreport "
    "WHERE community_id = ? AND fix_hours IS NOT NULL GROUP BY priority"
)
# The middle one or two of a priority's times, walking its index.
_MIDDLE = (
    "SELECT avg(fix_hours) FROM (SELECT fix_hours FROM repairreport "
    "WHERE community_id = ? AND priority = ? AND fix_hours IS NOT NULL "
    "ORDER BY fix_hours LIMIT ? OFFSET ?) AS middle"
)
# Only open reports keep a target.
_OVERDUE = (
    "SELECT number, category, location, target_at FROM repairreport "
    f"WHERE community_id = ? AND target_at < ? ORDER BY target_at LIMIT {OVERDUE_SHOWN}"
)
_OVERDUE_COUNT = "SELECT count(*) FROM repairreport WHERE community_id = ? AND target_at < ?"
_ORDER = ("emergency", "urgent", AWAAB, "routine", "planned")


@dataclass(frozen=True)
class Fixed:
    count: int
    on_time: int
    median_days: float


@dataclass(frozen=True)
class Overdue:
    number: int
    category: RepairCategory
    location: str
    target_at: datetime


@dataclass(frozen=True)
class RepairStats:
    community: str
    zone: ZoneInfo
    open_by_priority: dict[str, int]
    fixed_by_priority: dict[str, Fixed]
    overdue: list[Overdue]
    overdue_count: int


def gather(session: Session, community_id: int, now: datetime) -> RepairStats:
    db = raw_connection(session)
    community = session.get_one(Community, community_id)
    opened = dict(db.execute(_OPEN, (community_id,)).fetchall())
    fixed = {}
    for priority, count, on_time in db.execute(_FIXED, (community_id,)).fetchall():
        middle = (community_id, priority, 2 - count % 2, (count - 1) // 2)
        hours = db.execute(_MIDDLE, middle).fetchone()[0]
        fixed[priority] = Fixed(count, int(on_time), hours / 24)
    moment = (community_id, stored_moment(now))
    late = db.execute(_OVERDUE, moment).fetchall()
    return RepairStats(
        community.name,
        ZoneInfo(community.timezone),
        opened,
        fixed,
        [Overdue(n, RepairCategory(c), where, stored_to_aware(t)) for n, c, where, t in late],
        db.execute(_OVERDUE_COUNT, moment).fetchone()[0],
    )


def priority_name(priority: str) -> str:
    return "damp and mould (Awaab's Law)" if priority == AWAAB else priority


def by_priority(priorities: Iterable[str]) -> list[str]:
    return sorted(priorities, key=lambda p: _ORDER.index(p) if p in _ORDER else len(_ORDER))


def render(stats: RepairStats) -> str:
    lines = [f"Repairs in {stats.community}"]
    open_total = sum(stats.open_by_priority.values())
    open_parts = " · ".join(
        f"{priority_name(p)} {stats.open_by_priority[p]}"
        for p in by_priority(stats.open_by_priority)
    )
    lines.append(f"Open: {open_total}" + (f" ({open_parts})" if open_total else ""))
    fixed_total = sum(f.count for f in stats.fixed_by_priority.values())
    if fixed_total:
        on_time = sum(f.on_time for f in stats.fixed_by_priority.values())
        lines.append(
            f"Fixed within target: {round(100 * on_time / fixed_total)}% "
            f"({on_time} of {fixed_total})"
        )
        for priority in by_priority(stats.fixed_by_priority):
            fixed = stats.fixed_by_priority[priority]
            lines.append(
                f"· {priority_name(priority)}: median {days_words(fixed.median_days)} to fix, "
                f"{round(100 * fixed.on_time / fixed.count)}% within target ({fixed.count} fixed)"
            )
    else:
        lines.append("Nothing fixed yet.")
    if stats.overdue_count:
        lines.append(f"Overdue now: {stats.overdue_count}")
        for late in stats.overdue:
            where = "in a tenant's home" if late.location == HOME else late.location
            due = late.target_at.astimezone(stats.zone).strftime("%a %d %b %Y")
            lines.append(f"· {reference(late.number)} {LABELS[late.category]}, {where}: due {due}")
        if stats.overdue_count > len(stats.overdue):
            lines.append(f"… and {stats.overdue_count - len(stats.overdue)} more")
    else:
        lines.append("Nothing is overdue.")
    return "\n".join(lines)


def days_words(days: float) -> str:
    if days < 1:
        hours = round(days * 24)
        return f"{hours} hour{'' if hours == 1 else 's'}"
    rounded = round(days, 1)
    return f"{rounded:g} day{'' if rounded == 1 else 's'}"
