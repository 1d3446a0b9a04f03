"""Column types shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def naive_utc(value: datetime) -> datetime:
    """How the store keeps a moment: UTC without a zone (for hand-written SQL too)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the store; use the clock's aware time")
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None)


def stored_moment(value: datetime) -> str:
    """A moment as SQLAlchemy stores a `UTCDateTime` in SQLite, for statements that bypass it.
    Stored moments compare as strings in the same order as the moments themselves; PostgreSQL
    reads the same text as a timestamp."""
    return naive_utc(value).isoformat(" ", "microseconds")


def stored_to_aware(value: str | datetime) -> datetime:
    """A stored moment read by a statement that bypasses SQLAlchemy (text from SQLite, a naive
    UTC datetime from PostgreSQL), as an aware datetime."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as naive UTC and hands them back aware.

    SQLite keeps no time zone, so every timestamp is normalised to UTC on the way in; callers
    never see a naive datetime.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else naive_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)
