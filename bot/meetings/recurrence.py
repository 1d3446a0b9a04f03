"""Recurring meetings: `repeat:` as people say it, stored as an RFC 5545 rule and evaluated with
dateutil's rrule on local wall-clock times in the community's zone, so a weekly 19:00 meeting is
at 19:00 before and after the clocks change."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from bot.errors import UserError

_DAYS = {
    "monday": "MO",
    "tuesday": "TU",
    "wednesday": "WE",
    "thursday": "TH",
    "friday": "FR",
    "saturday": "SA",
    "sunday": "SU",
}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
_NTH_DAY = re.compile(
    r"(?:monthly on the |every |on the |the )?(first|second|third|fourth|last) "
    r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?"
    r"(?: of (?:the|each|every) month)?"
)
REPEAT_HELP = "repeat: weekly, fortnightly, monthly, or e.g. first tuesday (of each month)"
# A time of day after the rule: "first tuesday 19:00", "weekly at 7pm".
_AT_TIME = re.compile(
    r"(?P<rule>.+?)(?:\s+at|\s*,)?\s+(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<half>am|pm)?"
)


def read_repeat_at(value: str) -> tuple[str, time | None]:
    """The rule for what an organiser typed, and the time of day they gave with it, if any."""
    said = " ".join(value.lower().split())
    match = _AT_TIME.fullmatch(said)
    if match is None or not (match.group("minute") or match.group("half")):
        return read_repeat(said), None
    hour, minute = int(match.group("hour")), int(match.group("minute") or 0)
    if match.group("half"):
        if not 1 <= hour <= 12:
            raise UserError(f"{value[:40]!r}: give a time such as 7pm or 19:00.")
        hour = hour % 12 + (12 if match.group("half") == "pm" else 0)
    if hour > 23 or minute > 59:
        raise UserError(f"{value[:40]!r}: give a time such as 7pm or 19:00.")
    return read_repeat(match.group("rule")), time(hour, minute)


def read_repeat(value: str) -> str:
    """The RFC 5545 rule for what an organiser typed."""
    said = " ".join(value.lower().split())
    if said in ("weekly", "every week"):
        return "FREQ=WEEKLY"
    if said in ("fortnightly", "every 2 weeks", "every two weeks"):
        return "FREQ=WEEKLY;INTERVAL=2"
    if said in ("monthly", "every month"):
        return "FREQ=MONTHLY"
    match = _NTH_DAY.fullmatch(said)
    if match is None:
        raise UserError(f"{value[:40]!r} is not a repeat I know. Use {REPEAT_HELP}.")
    ordinal, day = _ORDINALS[match.group(1)], _DAYS[match.group(2)]
    return f"FREQ=MONTHLY;BYDAY={ordinal:+d}{day}"


def describe(rule: str) -> str:
    """The rule as people say it."""
    parts = dict(part.split("=", 1) for part in rule.split(";"))
    if parts.get("FREQ") == "WEEKLY":
        return "every two weeks" if parts.get("INTERVAL") == "2" else "every week"
    byday = parts.get("BYDAY")
    if byday is None:
        return "every month"
    ordinal = int(byday[:-2])
    day = next(name for name, code in _DAYS.items() if code == byday[-2:]).title()
    which = next(name for name, n in _ORDINALS.items() if n == ordinal)
    return f"the {which} {day} of each month"


def occurrences(rule: str, first: datetime, zone: str) -> Iterator[datetime]:
    """Every occurrence from `first` (UTC) on, in UTC, at the same local time of day. dateutil
    is imported here, not at the top: only a community with a series needs it."""
    from dateutil.rrule import rrulestr

    local = ZoneInfo(zone)
    start = first.astimezone(local).replace(tzinfo=None)
    for moment in rrulestr(rule, dtstart=start):
        yield moment.replace(tzinfo=local).astimezone(UTC)


def first_fits(rule: str, first: datetime, zone: str) -> None:
    """Refuse a first date the rule would not give (a "first Tuesday" series starting on the
    second Tuesday), so the series never starts with a date the rule contradicts."""
    if next(occurrences(rule, first, zone)) != first:
        raise UserError(
            f"The first meeting's date is not {describe(rule)}; give a date that is, or another "
            "repeat."
        )
