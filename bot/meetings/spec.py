"""Reading a meeting from what an organiser types: `title | when | setting: value | …`.

Every problem is one sentence that states the limit, raised before anything is stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.dates import Reading, length, read_duration, read_moment
from bot.errors import UserError
from bot.meetings.recurrence import first_fits, read_repeat_at
from bot.text import clean, one_line
from storage.meetings import ABOUT_MAX, LINK_MAX, PLACE_MAX, TITLE_MAX

DEFAULT_LENGTH = timedelta(hours=1)
DEFAULT_REMINDERS = (timedelta(hours=24), timedelta(hours=1))
SHORTEST, LONGEST = timedelta(minutes=5), timedelta(hours=24)
MOST_REMINDERS = 3
LATEST_REMINDER = timedelta(days=14)
MOST_PLACES = 10_000
SETTINGS_HELP = (
    "Settings: place: …, link: https://…, length: 90m, capacity: 30, remind: 24h 1h (or none), "
    "repeat: weekly|fortnightly|monthly|first tuesday, nudge: 2d, guests: members, about: …"
)
GUESTS_SEEN_BY = ("members", "organisers")  # who sees who is going (/whosgoing)
_SETTING = re.compile(r"^\s*([a-z]+)\s*:\s*(.*)$", re.IGNORECASE | re.DOTALL)
_WHOLE = re.compile(r"\d{1,6}", re.ASCII)
_LINK = re.compile(r"https://\S+", re.ASCII | re.IGNORECASE)


@dataclass
class MeetingSpec:
    title: str
    starts: Reading
    length: timedelta = DEFAULT_LENGTH
    place: str | None = None
    link: str | None = None
    about: str | None = None
    capacity: int | None = None
    reminders: tuple[timedelta, ...] = DEFAULT_REMINDERS
    repeat: str | None = None  # an RFC 5545 rule (bot.meetings.recurrence)
    repeat_at: time | None = None  # a time of day given with it ("first tuesday 19:00")
    nudge: timedelta | None = None  # ask members who have not answered, this long before
    guests_visible: bool = False  # every member sees who is going (not only organisers)


def parse_one_line(text: str, zone: str, now: datetime) -> MeetingSpec:
    """`Residents' AGM | Tuesday 19:00 | place: Community hall | capacity: 40`"""
    parts = [part.strip() for part in text.split("|")]
    if len(parts) < 2 or not parts[0] or not parts[1] or _SETTING.match(parts[1]):
        raise UserError(
            "Write a meeting as: title | when | settings, e.g. /meeting Residents' AGM | "
            f"Tuesday 19:00 | place: Community hall. {SETTINGS_HELP}"
        )
    settings: list[tuple[str, str]] = []
    for setting in parts[2:]:
        if not setting:
            continue
        match = _SETTING.match(setting)
        if match is None:
            raise UserError(f"{setting[:40]!r} is not a setting. {SETTINGS_HELP}")
        settings.append((match.group(1).lower(), match.group(2).strip()))
    return build(parts[0], parts[1], settings, zone, now)


def build(
    title: str, when: str, settings: list[tuple[str, str]], zone: str, now: datetime
) -> MeetingSpec:
    """A meeting from its title, its time and `key: value` settings (typed or from a form)."""
    title = one_line(title)
    if not title:
        raise UserError("Give the meeting a title.")
    if len(title) > TITLE_MAX:
        raise UserError(f"A meeting's title can be up to {TITLE_MAX} characters.")
    spec = MeetingSpec(title, read_moment(when, zone, now))
    seen: set[str] = set()
    for key, value in settings:
        if key in seen:
            raise UserError(f"{key}: is given twice; give it once.")
        seen.add(key)
        apply(spec, key, value)
    if spec.repeat is not None:
        first_fits(spec.repeat, spec.starts.moment, zone)
        starts = spec.starts.moment.astimezone(ZoneInfo(zone)).time().replace(tzinfo=None)
        if spec.repeat_at is not None and spec.repeat_at != starts:
            raise UserError(
                f"repeat: says {spec.repeat_at:%H:%M} but the meeting starts at {starts:%H:%M}; "
                "give the same time in both, or leave it out of repeat:."
            )
    return spec


def apply(spec: MeetingSpec, key: str, value: str) -> None:
    """One `key: value` setting onto the spec."""
    if key == "place":
        spec.place = _text(value, PLACE_MAX, "place") or None
    elif key == "link":
        if len(value) > LINK_MAX or not _LINK.fullmatch(value):
            raise UserError(
                f"link: give the web address people join from, starting https:// (up to "
                f"{LINK_MAX} characters)."
            )
        spec.link = value
    elif key == "about":
        about = clean(value).strip()
        if len(about) > ABOUT_MAX:
            raise UserError(f"about: can be up to {ABOUT_MAX} characters.")
        spec.about = about or None
    elif key == "length":
        spec.length = read_duration(value)
        if not SHORTEST <= spec.length <= LONGEST:
            raise UserError(
                f"length: a meeting lasts from {length(SHORTEST)} to {length(LONGEST)}."
            )
    elif key == "capacity":
        if not _WHOLE.fullmatch(value) or not 1 <= int(value) <= MOST_PLACES:
            raise UserError(f"capacity: give the number of places, from 1 to {MOST_PLACES:,}.")
        spec.capacity = int(value)
    elif key == "remind":
        spec.reminders = _reminders(value)
    elif key == "repeat":
        spec.repeat, spec.repeat_at = read_repeat_at(value)
    elif key == "nudge":
        spec.nudge = read_duration(value)
        if not SHORTEST <= spec.nudge <= LATEST_REMINDER:
            raise UserError(
                f"nudge: ask {length(SHORTEST)} to {length(LATEST_REMINDER)} before the meeting."
            )
    elif key == "guests":
        said = value.strip().lower()
        if said not in GUESTS_SEEN_BY:
            raise UserError(
                "guests: members (every member sees who is going) or organisers (only they do)."
            )
        spec.guests_visible = said == "members"
    else:
        raise UserError(f"{key}: is not a meeting setting. {SETTINGS_HELP}")


def _text(value: str, most: int, name: str) -> str:
    text = one_line(value)
    if len(text) > most:
        raise UserError(f"{name}: can be up to {most} characters.")
    return text


def _reminders(value: str) -> tuple[timedelta, ...]:
    if value.strip().lower() in ("none", "no", "off"):
        return ()
    words = value.replace(",", " ").split()
    if not words or len(words) > MOST_REMINDERS:
        raise UserError(f"remind: give up to {MOST_REMINDERS} times before, e.g. 24h 1h, or none.")
    before = sorted({read_duration(word) for word in words}, reverse=True)
    if any(not SHORTEST <= b <= LATEST_REMINDER for b in before):
        raise UserError(
            f"remind: each reminder comes {length(SHORTEST)} to {length(LATEST_REMINDER)} before."
        )
    return tuple(before)


def stored_reminders(reminders: tuple[timedelta, ...]) -> str:
    return ",".join(str(int(b.total_seconds() // 60)) for b in reminders)


def read_stored_reminders(stored: str) -> tuple[timedelta, ...]:
    return tuple(timedelta(minutes=int(m)) for m in stored.split(",") if m)
