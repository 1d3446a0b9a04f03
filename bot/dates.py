"""Reading times people type ("Friday 6pm", "in 3 days", "03/04 10:00") in a community's zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import UserError

_DURATION = re.compile(r"^(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?$")
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})\b")
_CLOCK_TIME = re.compile(r"\b(\d{1,2}):(\d{2})\b")
# Words that give a time of day; a deadline without any ("Friday") means the end of that day.
_TIME_OF_DAY = re.compile(
    r"\d:\d{2}|\d\s*[ap]\.?m\b|\b(?:noon|midday|midnight|morning|afternoon|evening|tonight|"
    r"now|hours?|hrs?|minutes?|mins?)\b",
    re.IGNORECASE,
)
END_OF_DAY = time(23, 59)
# Nothing Moot schedules is further off than this: a poll's notice, deadline or reminder.
FURTHEST = timedelta(days=730)


@dataclass(frozen=True)
class Reading:
    moment: datetime
    # A second way to read the same words (day/month against month/day), to be confirmed.
    alternative: datetime | None = None


def read_moment(text: str, zone: str, now: datetime, *, by_day: bool = False) -> Reading:
    """Read a moment in the future; raise UserError saying why not. With `by_day` (deadlines),
    a day given without a time of day ("Friday", "in 3 days", "5 Dec") means its end, 23:59."""
    cleaned = text.strip()
    whole_day = by_day and not _TIME_OF_DAY.search(cleaned)
    if not cleaned:
        raise UserError("Say when, for example: Friday 18:00, in 3 days, 2026-12-01 18:00.")
    for hour, minute in _CLOCK_TIME.findall(cleaned):
        if int(hour) > 23 or int(minute) > 59:
            raise UserError(f"{hour}:{minute} is not a time of day; use 00:00 to 23:59.")
    first = _parse(cleaned, zone, now, "DMY")
    if whole_day and first is not None:
        first = _end_of_day(first, zone)
    if first is None:
        raise UserError(
            f"I couldn't read {cleaned[:60]!r} as a time. Try: Friday 18:00, in 3 days, 2026-12-01 18:00."
        )
    if first <= now:
        raise UserError(f"{format_moment(first, zone)} is in the past; give a time still to come.")
    if first > now + FURTHEST:
        raise UserError(
            f"{format_moment(first, zone)} is more than two years away; give a time within two years."
        )
    alternative = None
    match = _NUMERIC_DATE.search(cleaned)
    if (
        match
        and not re.search(r"\d{4}-\d{1,2}-\d{1,2}", cleaned)
        and match.group(1) != match.group(2)
    ):
        try:
            other = _parse(cleaned, zone, now, "MDY")
        except UserError:  # the other reading is off the calendar: there is only one
            other = None
        if whole_day and other is not None:
            other = _end_of_day(other, zone)
        if other is not None and other != first and now < other <= now + FURTHEST:
            alternative = other
    return Reading(first, alternative)


def _end_of_day(moment: datetime, zone: str) -> datetime:
    local = ZoneInfo(zone)
    try:
        day = moment.astimezone(local).date()
        return datetime.combine(day, END_OF_DAY, local).astimezone(UTC)
    except OverflowError as error:  # the end of 31 Dec 9999 west of UTC, say
        raise UserError("That day is too far from today; give one within two years.") from error


def is_end_of_day(moment: datetime, zone: str) -> bool:
    try:
        return moment.astimezone(ZoneInfo(zone)).time() == END_OF_DAY
    except OverflowError:
        return False


def format_due(moment: datetime, zone: str) -> str:
    """A deadline: "Fri 04 Dec 2026, end of the day (Europe/London)" for one given as a day."""
    if is_end_of_day(moment, zone):
        return f"{moment.astimezone(ZoneInfo(zone)):%a %d %b %Y}, end of the day ({zone})"
    return format_moment(moment, zone)


def _parse(text: str, zone: str, now: datetime, order: str) -> datetime | None:
    import dateparser  # here, not at the top: its import costs start-up a twentieth of a second

    local_now = now.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    try:
        parsed = dateparser.parse(
            text,
            settings={
                "TIMEZONE": zone,
                "RETURN_AS_TIMEZONE_AWARE": True,
                "PREFER_DATES_FROM": "future",
                "RELATIVE_BASE": local_now,
                "DATE_ORDER": order,
            },
        )
        return parsed.astimezone(UTC) if parsed is not None else None
    except (OverflowError, ValueError) as error:
        # At the edge of the calendar (year 9999 west of UTC, year 1 east of it) the moment in
        # UTC falls outside the years 1 to 9999 Python can hold.
        raise UserError(
            f"{text[:60]!r} is too far from today; give a time within two years."
        ) from error


def read_duration(text: str) -> timedelta:
    """`14d`, `2h`, `90m`, `1d 12h`: a length of time."""
    match = _DURATION.match(text.strip().lower())
    if not text.strip() or match is None or not any(match.groups()):
        raise UserError(
            f"{text[:30]!r} is not a length of time; use d, h and m, e.g. 14d, 2h, 1d 12h."
        )
    too_long = UserError(f"{text.strip()[:30]!r} is longer than two years; give a shorter time.")
    if any(len(g or "") > 6 for g in match.groups()):
        raise too_long
    days, hours, minutes = (int(g or 0) for g in match.groups())
    length = timedelta(days=days) + timedelta(hours=hours) + timedelta(minutes=minutes)
    if length > FURTHEST:
        raise too_long
    return length


def format_moment(moment: datetime, zone: str) -> str:
    try:
        local = moment.astimezone(ZoneInfo(zone))
    except OverflowError:  # local time in that zone is outside years 1 to 9999: say it in UTC
        return f"{moment.astimezone(UTC):%a %d %b %Y, %H:%M} (UTC)"
    return f"{local:%a %d %b %Y, %H:%M} ({zone})"


def length(span: timedelta) -> str:
    """A length of time as people say it: "14 days", "36 hours", "1 day 12 hours", "90 minutes"."""
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [
        f"{n} {unit}{'' if n == 1 else 's'}"
        for n, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"))
        if n
    ]
    return " ".join(parts) or "no time"


def format_local(moment: datetime, zone: str) -> str:
    """A moment as a web page shows it, in the community's zone: "Tue 8 Dec 2026, 19:00"."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"


def format_day(moment: datetime, zone: str) -> str:
    """The day a moment falls on in the community's zone: "Tue 8 Dec 2026"."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local:%a} {local.day} {local:%b %Y}"


def month_starts(now: datetime, zone: str, months: int) -> list[datetime]:
    """The starts (in UTC) of the last `months` months in the community's zone, this one last,
    and then the start of the next month: `months + 1` edges, so that month i runs from edge i
    to edge i + 1."""
    local = ZoneInfo(zone)
    here = now.astimezone(local)
    index = here.year * 12 + here.month - 1 - (months - 1)
    edges = []
    for step in range(months + 1):
        year, month = divmod(index + step, 12)
        edges.append(datetime(year, month + 1, 1, tzinfo=local).astimezone(UTC))
    return edges
