"""Repair clocks: when a repair is due, in the community's own time and working days.

A target is a length counted in one of three ways: hours on the clock (emergencies: made safe
within 24 hours), working days (urgent: 5) or calendar days (routine: 28, planned: 90).
Working days skip weekends and the bank holidays of the community's UK nation, which the
`holidays` package knows offline. Damp and mould follows Awaab's Law's own clocks.

A clock can be paused (a visit where the tenant could not give access): the time it stood
still is added back, counted the same way as its target, and `explain` says so, so the tenant
and the team see why a date stands where it does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo


class Nation(StrEnum):
    """The UK nations, whose bank holidays differ."""

    ENGLAND = "england"
    WALES = "wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern-ireland"


_SUBDIVISION = {
    Nation.ENGLAND: "ENG",
    Nation.WALES: "WLS",
    Nation.SCOTLAND: "SCT",
    Nation.NORTHERN_IRELAND: "NIR",
}


class Counting(StrEnum):
    HOURS = "hours"
    WORKING_DAYS = "working days"
    DAYS = "days"


@dataclass(frozen=True)
class Target:
    """How long something may take, and how that length is counted."""

    amount: int
    counting: Counting

    def describe(self) -> str:
        unit = self.counting.value
        if self.amount == 1:
            unit = unit.removesuffix("s")
        return f"{self.amount} {unit}"


class Priority(StrEnum):
    EMERGENCY = "emergency"
    URGENT = "urgent"
    ROUTINE = "routine"
    PLANNED = "planned"


# What landlords commonly use in the UK; a community can set its own.
DEFAULT_TARGETS = {
    Priority.EMERGENCY: Target(24, Counting.HOURS),
    Priority.URGENT: Target(5, Counting.WORKING_DAYS),
    Priority.ROUTINE: Target(28, Counting.DAYS),
    Priority.PLANNED: Target(90, Counting.DAYS),
}


def read_targets(stored: str | None) -> dict[Priority, Target]:
    """The usual targets, with a community's own (stored as JSON) in their place."""
    targets = dict(DEFAULT_TARGETS)
    for name, (amount, counting) in json.loads(stored or "{}").items():
        targets[Priority(name)] = Target(int(amount), Counting(counting))
    return targets


def store_targets(targets: dict[Priority, Target]) -> str | None:
    changed = {
        priority.value: [target.amount, target.counting.value]
        for priority, target in targets.items()
        if DEFAULT_TARGETS[priority] != target
    }
    return json.dumps(changed) if changed else None


class AwaabStep(StrEnum):
    """Awaab's Law (SI 2025/1042) for damp and mould, each step counted from the one before."""

    EMERGENCY = "make an emergency hazard safe"
    INVESTIGATE = "investigate"
    SUMMARY = "send the written summary"
    SAFETY_WORK = "start the safety work"


AWAAB_TARGETS = {
    AwaabStep.EMERGENCY: Target(24, Counting.HOURS),
    AwaabStep.INVESTIGATE: Target(10, Counting.WORKING_DAYS),  # from the report
    AwaabStep.SUMMARY: Target(3, Counting.WORKING_DAYS),  # from the investigation
    AwaabStep.SAFETY_WORK: Target(5, Counting.WORKING_DAYS),  # from the investigation
}


@cache
def _bank_holidays(nation: Nation, year: int) -> frozenset[date]:
    return frozenset(_country_holidays(nation, [year]))


def _country_holidays(nation: Nation, years: Iterable[int]) -> dict[date, str]:
    """The nation's bank holidays by day, with their names. `holidays` is imported here, not
    at the top: its calendars cost start-up 3 MiB and a fiftieth of a second, and only a
    community with repairs in hand needs them."""
    import holidays

    return dict(holidays.country_holidays("GB", subdiv=_SUBDIVISION[nation], years=years))


def is_working_day(day: date, nation: Nation) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(nation, day.year)


def add_working_days(start: datetime, days: int, nation: Nation, zone: ZoneInfo) -> datetime:
    """The same local time of day on the `days`th working day after `start`'s day: the day
    of the report never counts, so five working days from Saturday end on Friday."""
    local = start.astimezone(zone)
    day, counted = local.date(), 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, nation):
            counted += 1
    return datetime.combine(day, local.timetz().replace(tzinfo=None), zone).astimezone(start.tzinfo)


def working_day_before(moment: datetime, nation: Nation, zone: ZoneInfo) -> datetime:
    """The same local time on the working day before `moment`'s day."""
    local = moment.astimezone(zone)
    day = local.date() - timedelta(days=1)
    while not is_working_day(day, nation):
        day -= timedelta(days=1)
    return datetime.combine(day, local.timetz().replace(tzinfo=None), zone).astimezone(
        moment.tzinfo
    )


def working_days_between(start: datetime, end: datetime, nation: Nation, zone: ZoneInfo) -> int:
    """Whole working days after `start`'s day up to and including `end`'s day."""
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    return sum(
        is_working_day(first + timedelta(days=n), nation) for n in range(1, (last - first).days + 1)
    )


def add(start: datetime, target: Target, nation: Nation, zone: ZoneInfo) -> datetime:
    """When a target that starts at `start` falls due."""
    if target.counting is Counting.HOURS:
        return start + timedelta(hours=target.amount)
    if target.counting is Counting.WORKING_DAYS:
        return add_working_days(start, target.amount, nation, zone)
    local = start.astimezone(zone)
    later = datetime.combine(
        local.date() + timedelta(days=target.amount), local.timetz().replace(tzinfo=None), zone
    )
    return later.astimezone(start.tzinfo)


@dataclass(frozen=True)
class Pause:
    began: datetime
    ended: datetime | None  # None: still paused
    reason: str


@dataclass(frozen=True)
class RepairClock:
    """One clock on a report: what must happen, by when, and why the date stands there."""

    what: str
    started: datetime
    target: Target
    pauses: tuple[Pause, ...] = field(default=())

    def due(self, nation: Nation, zone: ZoneInfo) -> datetime | None:
        """When it falls due; None while it is paused."""
        if any(pause.ended is None for pause in self.pauses):
            return None
        due = add(self.started, self.target, nation, zone)
        for pause in self.pauses:
            assert pause.ended is not None
            due = _extend(due, pause.began, pause.ended, self.target.counting, nation, zone)
        return due

    def explain(self, nation: Nation, zone: ZoneInfo) -> list[str]:
        """The clock's timeline in words, for the report's page."""
        first_due = add(self.started, self.target, nation, zone)
        skipped = ""
        if self.target.counting is Counting.WORKING_DAYS:
            skipped = _holidays_between(self.started, first_due, nation, zone)
        lines = [
            f"{self.what}: within {self.target.describe()} of {_when(self.started, zone)}, "
            f"so by {_when(first_due, zone)}{skipped}"
        ]
        for pause in self.pauses:
            if pause.ended is None:
                lines.append(f"paused since {_when(pause.began, zone)}: {pause.reason}")
            else:
                lines.append(
                    f"paused {_when(pause.began, zone)} to {_when(pause.ended, zone)} "
                    f"({pause.reason}): the time it stood still is added back"
                )
        due = self.due(nation, zone)
        if due is not None and self.pauses:
            lines.append(f"now due by {_when(due, zone)}")
        return lines


def _extend(
    due: datetime,
    began: datetime,
    ended: datetime,
    counting: Counting,
    nation: Nation,
    zone: ZoneInfo,
) -> datetime:
    """Move `due` on by the time between `began` and `ended`, counted like the target."""
    if counting is Counting.WORKING_DAYS:
        return add_working_days(due, working_days_between(began, ended, nation, zone), nation, zone)
    return due + (ended - began)


def _when(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return local.strftime("%a %d %b %Y, %H:%M")


def _holidays_between(start: datetime, end: datetime, nation: Nation, zone: ZoneInfo) -> str:
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    names = _country_holidays(nation, range(first.year, last.year + 1))
    skipped = [
        f"{day.strftime('%a %d %b')} ({names[day]})"
        for day in sorted(names)
        if first < day <= last and day.weekday() < 5
    ]
    return f" (bank holidays skipped: {', '.join(skipped)})" if skipped else ""
