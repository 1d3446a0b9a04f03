"""Random commands, arguments and button presses from residents and organisers: Moot answers each
with something other than "something went wrong", and a refusal changes nothing in the store.

Bounded so that it runs in `make test` within a minute. The inputs mix ordinary words with the
kinds of input that broke Moot before: overflowing durations and dates, digits that are not ASCII,
markup and mathematics in labels, control characters, over-long text.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock import ManualClock
from bot.core import OUR_FAULT, Moot
from bot.errors import UserError
from bot.events import ButtonPressed
from bot.features import ALL_FEATURES
from storage.engine import sqlite_path
from storage.migrate import upgrade
from storage.store import Store
from tests.conftest import START
from tests.helpers import RecordingOutlet, Resident, group

NAMES = sorted(c.name for feature in ALL_FEATURES for c in feature.commands)
NUMBERS = ("1", "2", "3", "0", "-1", "99999999999", "²", "٣", "1.5", "1.2", "3.1", "#1", "agree")
MOMENTS = (
    "14d",
    "36h",
    "90m",
    "99999999999d",
    "1000000000d",
    "0m",
    "tomorrow 25:00",
    "9999-12-31 12:00",
    "2030-01-01 10:00",
    "yesterday",
    "Friday 18:00",
    "in 3 days",
    "31/02 10:00",
)
OTHERS = (
    # poll settings and separators
    "|",
    ">",
    ",",
    "notice:",
    "remind:",
    "opens:",
    "closes:",
    "kind: ranked",
    "kind: budget",
    "kind: proposal",
    "kind: score",
    "threshold: 75%",
    "threshold: majority",
    "quorum: 50%",
    "max: 2",
    "min: 9",
    "voters: register",
    "secret",
    "ballot",
    "results: after-close",
    "cost: 5",
    # words, markup, mentions and control characters
    "Yes",
    "No",
    "Elm Court",
    "organiser",
    "admin",
    "member",
    "open",
    "approval",
    "agree",
    "block",
    "$x^2$",
    "$\\foo$",
    "<b>bold</b>",
    "@everyone",
    "\x00",
    "\u202e",
    "\x1b[31m",
    "🏠",
    "住宅",
    "مرحبا",
    "x" * 3000,
)
WORDS = NUMBERS + MOMENTS + OTHERS
# Most commands take a poll or member number first: start with one most of the time, so the
# words after it reach the code that reads them.
generic = st.tuples(
    st.sampled_from(NAMES),
    st.sampled_from(("1", "1", "1", "2", "")),
    st.lists(st.sampled_from(WORDS), max_size=6),
).map(lambda parts: f"{parts[0]} {' '.join((parts[1], *parts[2]))}".strip())
KEYS = (
    "closes",
    "opens",
    "notice",
    "remind",
    "kind",
    "threshold",
    "quorum",
    "max",
    "min",
    "voters",
    "results",
    "budget",
    "cost",
)
setting = st.tuples(st.sampled_from(KEYS), st.sampled_from(NUMBERS + MOMENTS)).map(": ".join)
definition = st.tuples(
    st.sampled_from(WORDS),
    st.lists(st.sampled_from(WORDS), min_size=2, max_size=4, unique=True),
    st.lists(st.one_of(setting, st.sampled_from(WORDS)), max_size=3),
).map(lambda parts: "poll " + " | ".join((parts[0], *parts[1], *parts[2])))
vote = st.tuples(
    st.sampled_from(("vote", "pick", "cast", "pollset", "extend", "paper", "outcome")),
    st.sampled_from(("1", "1.1", "2", "3")),
    st.lists(st.one_of(setting, st.sampled_from(NUMBERS)), max_size=3),
).map(lambda parts: f"{parts[0]} {parts[1]} {' '.join(parts[2])}".strip())
command = st.one_of(generic, definition, vote)


@contextmanager
def refusals_noticed() -> Iterator[list[str]]:
    """Every UserError raised while handling an event: a refusal to check for changes."""
    seen: list[str] = []
    original = UserError.__init__

    def noticing(self: UserError, *args: object) -> None:
        seen.append(str(args[0]) if args else "")
        original(self, *args)

    UserError.__init__ = noticing  # type: ignore[assignment,method-assign]
    try:
        yield seen
    finally:
        UserError.__init__ = original  # type: ignore[method-assign]


def state(database: Path) -> list[tuple[str, list[str]]]:
    """The store's rows, leaving out what merely arriving changes (the replay guard, accounts'
    last-seen times, the community a person last used)."""
    db = sqlite3.connect(database)
    try:
        tables = [
            name
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if name not in ("processedupdate", "account", "person", "alembic_version")
        ]
        return [(t, sorted(map(repr, db.execute(f"SELECT * FROM {t}")))) for t in tables]
    finally:
        db.close()


class World:
    """One Moot with a community, an admin and two residents, reused across examples."""

    def __init__(self, folder: Path) -> None:
        self.loop = asyncio.new_event_loop()
        url = f"sqlite:///{folder / 'fuzz.db'}"
        upgrade(url)
        path = sqlite_path(url)
        assert path is not None
        self.database = path
        self.moot = Moot(Store(url), ManualClock(START), ALL_FEATURES)
        self.run(self._start())
        self.host = Resident(self.moot, "console", "host", "Host", chat_admin=True)
        self.people = [
            self.host,
            Resident(self.moot, "console", "alice", "Alice"),
            Resident(self.moot, "console", "bob", "Bob"),
        ]
        self.run(self.host.say("/setup Elm Court"))
        self.run(self.host.say("/joinpolicy open"))
        for person in self.people[1:]:
            self.run(person.say("/join"))
        self.run(self.host.say("/poll Chair? | Ann | Raj"))
        self.run(self.host.say("/publish 1"))

    async def _start(self) -> None:
        await self.moot.start()
        self.moot.attach(RecordingOutlet("console"))

    def run(self, work: object) -> object:
        return self.loop.run_until_complete(work)  # type: ignore[arg-type]

    def close(self) -> None:
        self.run(self.moot.stop())
        self.loop.close()


def test_no_input_reaches_something_went_wrong_and_refusals_change_nothing(
    tmp_path: Path,
) -> None:
    world = World(tmp_path)

    @settings(
        max_examples=1000,
        derandomize=True,  # the same inputs on every run, so CI is repeatable
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(who=st.integers(0, 2), line=command, privately=st.booleans(), pressed=st.booleans())
    def one_event(who: int, line: str, privately: bool, pressed: bool) -> None:
        person = world.people[who]
        before = state(world.database)
        with refusals_noticed() as refused:
            if pressed:
                event = ButtonPressed(person.actor(), group(), line)
                replies = world.run(world.moot.handle(event))
                world.run(world.moot.drain())
            elif privately:
                replies = world.run(person.privately(f"/{line}"))
            else:
                replies = world.run(person.say(f"/{line}"))
        said = "\n".join(r.text for r in replies)  # type: ignore[attr-defined]
        assert OUR_FAULT not in said, f"/{line!r}"
        if refused:
            assert state(world.database) == before, f"/{line!r} was refused: {refused}"

    try:
        one_event()
    finally:
        world.close()
