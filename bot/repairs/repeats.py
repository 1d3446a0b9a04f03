"""Repeat damp and mould: damp and mould reported again at the same home within 12 months is a
sign its cause was never put right, so the repairs team sees the earlier reports on the card,
the report's page and the home's history (`/homerepairs`).

Looked up only where the team reads them (the card as it is sent, the page), never in the
single writer: there is no index on a report's home, so it walks the community's reports
(about 40 ms over 100,000 on a worker thread)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bot.repairs.spec import HOME
from bot.repairs.views import ReportView
from storage.repairs import RepairCategory, RepairReport, RepairStatus

WINDOW = timedelta(days=365)


def damp_repeats(session: Session, report: RepairReport) -> tuple[RepairReport, ...]:
    """The other damp and mould reports about the same home reported within 12 months either
    side of this one, oldest first (duplicates left out: they are the same report). The home is
    the register's, when the report names one; without a register, the same tenant's home."""
    if (
        report.category != RepairCategory.DAMP
        or report.location != HOME
        or report.status == RepairStatus.DUPLICATE
    ):
        return ()
    query = select(RepairReport).where(
        RepairReport.community_id == report.community_id,
        RepairReport.category == RepairCategory.DAMP,
        RepairReport.location == HOME,
        RepairReport.status != RepairStatus.DUPLICATE,
        RepairReport.id != report.id,
        col(RepairReport.reported_at) > report.reported_at - WINDOW,
        col(RepairReport.reported_at) < report.reported_at + WINDOW,
    )
    if report.home_id is not None:
        query = query.where(RepairReport.home_id == report.home_id)
    else:
        query = query.where(
            RepairReport.reporter_person_id == report.reporter_person_id,
            col(RepairReport.home_id).is_(None),
        )
    return tuple(session.exec(query.order_by(col(RepairReport.number))))


def with_repeats(session: Session, view: ReportView) -> ReportView:
    """The view with its repeats filled in (only damp and mould has any)."""
    return dataclasses.replace(view, repeats=damp_repeats(session, view.report))


def recent_damp(reports: list[RepairReport], now: datetime) -> list[RepairReport]:
    """Of a home's reports, the damp and mould reported in the last 12 months, oldest first."""
    return sorted(
        (
            r
            for r in reports
            if r.category == RepairCategory.DAMP
            and r.status != RepairStatus.DUPLICATE
            and r.reported_at > now - WINDOW
        ),
        key=lambda r: r.number,
    )
