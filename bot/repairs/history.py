"""A home's repair history for the repairs team (`/homerepairs 12A`): every report about a home
in the register, newest first, with repeat damp and mould flagged. Homes and their reports are
private to the team, so organisers who are not on it do not see this."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.repairs import homes
from bot.repairs.render import STATUS_WORDS
from bot.repairs.repeats import recent_damp
from bot.repairs.spec import LABELS
from bot.repairs.views import reference
from storage.models import Community
from storage.repairs import Home, RepairReport

SHOWN = 50


@dataclass(frozen=True)
class HomeHistory:
    home: Home
    reports: list[RepairReport]  # every report about the home, newest first
    zone: ZoneInfo


def of_home(session: Session, community_id: int, ref: str) -> HomeHistory | None:
    """The home `ref` in the register and its reports; None when there is no such home."""
    home = homes.find_home(session, community_id, ref)
    if home is None:
        return None
    reports = session.exec(
        select(RepairReport)
        .where(RepairReport.community_id == community_id, RepairReport.home_id == home.id)
        .order_by(col(RepairReport.number).desc())
    ).all()
    zone = ZoneInfo(session.get_one(Community, community_id).timezone)
    return HomeHistory(home, list(reports), zone)


def _day(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%a %d %b %Y")


def line(report: RepairReport, zone: ZoneInfo) -> str:
    """R-0031 · damp and mould · reported Thu 03 Sep 2026 · fixed Mon 21 Sep 2026 (within
    target) · closed"""
    parts = [
        reference(report.number),
        LABELS[report.category],
        f"reported {_day(report.reported_at, zone)}",
    ]
    if report.fixed_at is not None:
        within = {True: " (within target)", False: " (late)", None: ""}[report.fixed_on_time]
        parts.append(f"fixed {_day(report.fixed_at, zone)}{within}")
    elif report.target_at is not None:
        parts.append(f"due {_day(report.target_at, zone)}")
    parts.append(STATUS_WORDS[report.status])
    return " · ".join(parts)


def render(history: HomeHistory, now: datetime) -> str:
    home, reports = history.home, history.reports
    if not reports:
        return f"No repairs have been reported at {home.ref} ({home.address})."
    count = len(reports)
    lines = [
        f"Repairs at {home.ref} ({home.address}): {count} report{'' if count == 1 else 's'}, "
        "newest first"
    ]
    lines += [line(report, history.zone) for report in reports[:SHOWN]]
    if count > SHOWN:
        lines.append(f"… and {count - SHOWN} earlier")
    damp = recent_damp(reports, now)
    if len(damp) >= 2:
        lines.append(
            f"⚠ Repeat damp and mould: {len(damp)} reports in the last 12 months "
            f"({', '.join(reference(r.number) for r in damp)})"
        )
    return "\n".join(lines)
