"""Repair reports: what a tenant reported, where it stands, and every step on its timeline."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlmodel import Field

from storage.table import Table
from storage.types import UTCDateTime

DESCRIPTION_MAX = 2000
LOCATION_MAX = 100
ACCESS_MAX = 300
VULNERABILITY_MAX = 500
DETAIL_MAX = 2000
EMERGENCY_TEXT_MAX = 1000


class RepairCategory(StrEnum):
    LEAK = "leak"
    HEATING = "heating"
    ELECTRICS = "electrics"
    DAMP = "damp"
    STRUCTURAL = "structural"
    SECURITY = "security"
    PESTS = "pests"
    COMMUNAL = "communal"
    OTHER = "other"


class RepairStatus(StrEnum):
    REPORTED = "reported"
    ACKNOWLEDGED = "acknowledged"
    INVESTIGATING = "investigating"
    VISIT = "visit-scheduled"
    IN_PROGRESS = "in-progress"
    FIXED = "fixed"
    CLOSED = "closed"
    NEEDS_INFO = "needs-info"
    NO_ACCESS = "no-access"
    DUPLICATE = "duplicate"
    NOT_OURS = "not-ours"
    WITHDRAWN = "withdrawn"  # by the tenant, who no longer needs it


# Reports about a shared place (not someone's home) that are still open: the condition of the
# partial index of open communal problems, written out as queries must repeat it to use it.
OPEN_STATUSES = (
    RepairStatus.REPORTED,
    RepairStatus.ACKNOWLEDGED,
    RepairStatus.INVESTIGATING,
    RepairStatus.VISIT,
    RepairStatus.IN_PROGRESS,
    RepairStatus.NEEDS_INFO,
    RepairStatus.NO_ACCESS,
)
COMMUNAL_OPEN = (
    "location <> 'home' AND status IN ("
    + ", ".join(f"'{status.value}'" for status in OPEN_STATUSES)
    + ")"
)

HOME_REF_MAX = 40
ADDRESS_MAX = 200


class Home(Table, table=True):
    """A home in the community's register (imported by organisers), by its own reference."""

    __table_args__ = (UniqueConstraint("community_id", "ref"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    ref: str = Field(sa_type=String(HOME_REF_MAX))  # "12A", "Flat 3"
    address: str = Field(sa_type=String(ADDRESS_MAX))


class Tenancy(Table, table=True):
    """A member who lives in a home: they may report repairs there."""

    home_id: int = Field(foreign_key="home.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True, index=True)


class RepairSettings(Table, table=True):
    """A community's repairs settings: whose bank holidays count, and where the team triages."""

    community_id: int = Field(foreign_key="community.id", primary_key=True)
    nation: str = Field(default="england", sa_type=String(24))
    triage_platform: str | None = Field(default=None, sa_type=String(16))
    triage_chat_id: str | None = Field(default=None, sa_type=String(64))
    triage_thread_id: str | None = Field(default=None, sa_type=String(64))
    # The community's own targets, where they differ from the usual ones: JSON such as
    # {"urgent": [7, "working days"]} (see bot.repairs.clocks).
    targets: str | None = Field(default=None, sa_type=String(500))
    # When the next monthly digest is due, once the community has had a report.
    next_digest_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # What tenants are told to do in an emergency out of hours, in the community's own words;
    # None: the national numbers (bot.repairs.render.DEFAULT_EMERGENCY).
    emergency_text: str | None = Field(default=None, sa_type=String(EMERGENCY_TEXT_MAX))


class RepairReport(Table, table=True):
    __table_args__ = (
        UniqueConstraint("community_id", "number"),
        Index("ix_repairreport_stats", "community_id", "status", "priority"),
        Index("ix_repairreport_targets", "community_id", "target_at"),
        Index("ix_repairreport_fixes", "community_id", "priority", "fix_hours", "fixed_on_time"),
        # The web's figures month by month: fixes by date, with what they are counted by.
        Index(
            "ix_repairreport_fixed_on",
            "community_id",
            "fixed_at",
            "priority",
            "fix_hours",
            "fixed_on_time",
        ),
        # Open problems in shared places, newest first (the web's Repairs page and home).
        Index(
            "ix_repairreport_communal",
            "community_id",
            "number",
            sqlite_where=text(COMMUNAL_OPEN),
            postgresql_where=text(COMMUNAL_OPEN),
        ),
        # A tenant's own reports, newest first.
        Index("ix_repairreport_reporter", "community_id", "reporter_person_id", "number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    number: int  # shown as R-0042, per community, never reused
    reporter_person_id: int = Field(foreign_key="person.id", index=True)
    platform: str = Field(sa_type=String(16))  # where the tenant reported it: where they hear back
    category: RepairCategory = Field(sa_type=String(16))
    location: str = Field(sa_type=String(LOCATION_MAX))  # "home" or a communal area
    home_id: int | None = Field(default=None, foreign_key="home.id")  # from the register
    description: str = Field(sa_type=Text)
    access: str | None = Field(default=None, sa_type=String(ACCESS_MAX))
    # Seen only by the repairs team.
    vulnerability: str | None = Field(default=None, sa_type=String(VULNERABILITY_MAX))
    priority: str = Field(sa_type=String(16))  # a Priority, or "awaab" for damp and mould
    status: RepairStatus = Field(default=RepairStatus.REPORTED, sa_type=String(16))
    reported_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # Kept with every change so that statistics over many reports are a query, not a recount
    # of each clock: when an open report is due (None while paused, and once settled), and,
    # once fixed, how long that took and whether it was within target.
    target_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    fix_hours: float | None = None
    fixed_on_time: bool | None = None
    assignee_person_id: int | None = Field(default=None, foreign_key="person.id")
    visit_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # Damp and mould under Awaab's Law: when it was investigated, and the written summary sent.
    investigated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    summary_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # An emergency hazard under Awaab's Law (any category): when the team said so, and when it
    # was made safe (due within 24 hours of the report).
    emergency_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    made_safe_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    fixed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    card_delivery_id: int | None = Field(default=None, foreign_key="outbox.id")
    # The targets the team was last alerted about ("one working day left", "overdue"): each
    # alert goes once per target, however often the target is planned again.
    due_soon_told_for: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    overdue_told_for: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class RepairSupporter(Table, table=True):
    """Someone else with the same (communal) problem: they hear every update the reporter does,
    on the platform they said "me too" from."""

    report_id: int = Field(foreign_key="repairreport.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    platform: str = Field(sa_type=String(16))
    added_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class RepairPhoto(Table, table=True):
    """A photo of the problem, kept on disk by the hash of its cleaned content (metadata such
    as GPS removed before anyone else sees it)."""

    __table_args__ = (UniqueConstraint("report_id", "sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="repairreport.id", index=True)
    sha256: str = Field(sa_type=String(64))
    content_type: str = Field(sa_type=String(32))
    size: int
    added_by_person_id: int = Field(foreign_key="person.id")
    added_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class RepairPhotoData(Table, table=True):
    """A cleaned photo's bytes, by their hash, where the store is a server every Moot process
    reaches (PostgreSQL); beside a SQLite file they are kept in a folder (bot.repairs.photos)."""

    sha256: str = Field(sa_type=String(64), primary_key=True)
    data: bytes = Field(sa_type=LargeBinary)


class RepairPause(Table, table=True):
    """A stretch when the report's clock stood still (no access at a visit)."""

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="repairreport.id", index=True)
    began: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ended: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    reason: str = Field(sa_type=String(200))


class RepairEvent(Table, table=True):
    """One step on a report's timeline. Internal notes are for the repairs team only."""

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="repairreport.id", index=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    actor_person_id: int | None = Field(default=None, foreign_key="person.id")
    kind: str = Field(sa_type=String(24))
    detail: str = Field(default="", sa_type=String(DETAIL_MAX))
    internal: bool = False
