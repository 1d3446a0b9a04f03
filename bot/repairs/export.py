"""Every repair report of a community as a CSV file (`/repairs export`, for organisers and the
repairs team): for board papers and the Regulator of Social Housing's tenant satisfaction
measures. The reply gives RP02, the share of repairs completed within the landlord's own target
over the TSM year (1 April to 31 March), emergency and non-emergency apart as the regulator asks.

RP01 (homes that do not meet the Decent Homes Standard) comes from stock-condition surveys, not
repair reports, so it is not given. The file names no tenant and no home, and holds no
description, note or vulnerability note: a row is a reference, what kind of problem, whether it
was in a home or a shared place (which is named, as `/communal` names it), its priority and
target, its dates and whether it was fixed in time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.context import Context
from bot.events import FileOut
from bot.repairs.clocks import Priority, read_targets
from bot.repairs.spec import AWAAB, HOME, LABELS
from bot.repairs.views import SETTLED, reference, settings_of
from bot.spreadsheet import csv_bytes
from storage.models import Community
from storage.raw import raw_connection
from storage.repairs import RepairCategory
from storage.types import stored_moment, stored_to_aware

HEADER = (
    "reference",
    "category",
    "where",
    "communal_place",
    "priority",
    "emergency",
    "status",
    "reported",
    "target",
    "due",
    "overdue",
    "fixed",
    "days_to_fix",
    "fixed_within_target",
    "closed",
    "investigated",
    "summary_sent",
    "emergency_hazard",
    "made_safe",
    "me_too",
    "photos",
)
_REPORTS = (
    "SELECT id, number, category, location, priority, status, reported_at, target_at, "
    "fixed_at, fix_hours, fixed_on_time, closed_at, investigated_at, summary_at, "
    "emergency_at, made_safe_at "
    "FROM repairreport WHERE community_id = ? ORDER BY number"
)
_COUNTS = (
    "SELECT t.report_id, count(*) FROM {table} t JOIN repairreport r ON r.id = t.report_id "
    "WHERE r.community_id = ? GROUP BY t.report_id"
)
# Completed (marked fixed, and not reopened since) in a stretch of time, by emergency or not.
_RP02 = (
    "SELECT priority = 'emergency', count(*), count(*) FILTER (WHERE fixed_on_time) "
    "FROM repairreport "
    "WHERE community_id = ? AND fixed_at >= ? AND fixed_at < ? GROUP BY priority = 'emergency'"
)
_SETTLED = {status.value for status in SETTLED}


def _yes(value: object) -> str:
    return "" if value is None else "yes" if value else "no"


def csv_file(session: Session, community_id: int, now: datetime) -> bytes:
    """One row per report, in the community's local time."""
    db = raw_connection(session)
    zone = ZoneInfo(session.get_one(Community, community_id).timezone)
    targets = read_targets(settings_of(session, community_id).targets)
    me_too = dict(db.execute(_COUNTS.format(table="repairsupporter"), (community_id,)).fetchall())
    photos = dict(db.execute(_COUNTS.format(table="repairphoto"), (community_id,)).fetchall())

    def local(stored: str | datetime | None) -> str:
        if stored is None:
            return ""
        return stored_to_aware(stored).astimezone(zone).strftime("%Y-%m-%d %H:%M")

    def rows() -> Iterator[list[object]]:
        for (
            report_id,
            number,
            category,
            location,
            priority,
            status,
            reported,
            due,
            fixed,
            fix_hours,
            on_time,
            closed,
            investigated,
            summary,
            hazard,
            made_safe,
        ) in db.execute(_REPORTS, (community_id,)):
            home = location == HOME
            yield [
                reference(number),
                LABELS[RepairCategory(category)],
                "home" if home else "communal",
                "" if home else location,
                "Awaab's Law" if priority == AWAAB else priority,
                _yes(priority == Priority.EMERGENCY),
                status,
                local(reported),
                "Awaab's Law steps"
                if priority == AWAAB
                else targets[Priority(priority)].describe(),
                local(due),
                "" if status in _SETTLED else _yes(due is not None and stored_to_aware(due) < now),
                local(fixed),
                "" if fix_hours is None else round(fix_hours / 24, 1),
                _yes(on_time),
                local(closed),
                local(investigated),
                local(summary),
                local(hazard),
                local(made_safe),
                me_too.get(report_id, 0),
                photos.get(report_id, 0),
            ]

    return csv_bytes(HEADER, rows())


def _year_start(now: datetime, zone: ZoneInfo) -> datetime:
    """The start of the TSM year (1 April, local time) that `now` falls in."""
    local = now.astimezone(zone)
    return datetime(local.year if local.month >= 4 else local.year - 1, 4, 1, tzinfo=zone)


def _share(within: int, count: int) -> str:
    if not count:
        return "none completed"
    return f"{within} of {count} within target ({round(100 * within / count)}%)"


def rp02(session: Session, community_id: int, now: datetime) -> str:
    """RP02 for the TSM year so far, and for the year before when it had completed repairs."""
    db = raw_connection(session)
    zone = ZoneInfo(session.get_one(Community, community_id).timezone)
    start = _year_start(now, zone)
    before = start.replace(year=start.year - 1)
    lines = ["RP02, repairs completed within target (fixed as the repairs team marked them):"]
    for begin, end, named in (
        (
            start,
            start.replace(year=start.year + 1),
            f"{start.year}/{(start.year + 1) % 100:02d} so far",
        ),
        (before, start, f"{before.year}/{start.year % 100:02d}"),
    ):
        counts = {
            bool(emergency): (count, int(within))
            for emergency, count, within in db.execute(
                _RP02, (community_id, stored_moment(begin), stored_moment(end))
            )
        }
        if not counts and begin == before:
            continue
        emergency, other = counts.get(True, (0, 0)), counts.get(False, (0, 0))
        lines.append(
            f"· {named}: emergency {_share(emergency[1], emergency[0])}; "
            f"non-emergency {_share(other[1], other[0])}"
        )
    return "\n".join(lines)


async def export_all(ctx: Context) -> None:
    """`/repairs export` (organisers and the team: access.RECORDS)."""
    community_id, now = ctx.community, ctx.now
    data, figures, zone = await ctx.runtime.read(
        lambda s: (
            csv_file(s, community_id, now),
            rp02(s, community_id, now),
            s.get_one(Community, community_id).timezone,
        )
    )
    ctx.reply_privately(
        f"Every repair report in {ctx.community_name}, one row each, in {zone} time: no names, "
        f"homes, descriptions or notes.\n{figures}",
        file=FileOut(f"repairs-{now.astimezone(ZoneInfo(zone)):%Y-%m-%d}.csv", data, "text/csv"),
    )
