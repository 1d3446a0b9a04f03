"""Random commands, arguments and button presses from residents and organisers: Moot answers each
with something other than "something went wrong", and a refusal changes nothing in the store.

Bounded so that it runs in `make test` within a minute. The inputs mix ordinary words with the
kinds of input that broke Moot before: overflowing durations and dates, digits that are not ASCII,
markup and mathematics in labels, control characters, over-long text.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine
from sqlmodel import SQLModel

from bot.clock import ManualClock
from bot.core import OUR_FAULT, Moot
from bot.errors import UserError
from bot.events import ButtonPressed, DirectAddress, Reply
from bot.features import ALL_FEATURES
from bot.repairs.clocks import Nation, Priority
from storage.copy import PROCESS_STATE
from storage.repairs import RepairStatus
from storage.store import Store
from tests.conftest import START
from tests.helpers import RecordingOutlet, Resident, group, jobs_run


def examples(on_sqlite: int, database_url: str) -> int:
    """How many examples to try. On PostgreSQL a fifth as many: every command there waits on the
    server, and what differs between the stores is the statements, which a fifth of the inputs
    still reach; the whole count would add minutes to every run."""
    return on_sqlite if database_url.startswith("sqlite") else on_sqlite // 5


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


# What merely arriving changes: the replay guard, accounts' last-seen times, the community a
# person last used.
UNCHANGED_BY_REFUSALS = sorted(
    # The running process renews its leases every few seconds, whatever anyone says.
    set(SQLModel.metadata.tables) - {"processedupdate", "account", "person"} - PROCESS_STATE
)


def state(database: Engine) -> list[tuple[str, list[str]]]:
    """The store's rows, leaving out what merely arriving changes."""
    with database.connect() as db:
        return [
            (table, sorted(map(repr, db.exec_driver_sql(f"SELECT * FROM {table}"))))
            for table in UNCHANGED_BY_REFUSALS
        ]


class World:
    """One Moot with a community, an admin and two residents, reused across examples."""

    def __init__(self, url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.database = create_engine(url)  # for looking at the rows between commands
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
        self.database.dispose()


def one_command(
    world: World, person: Resident, line: str, *, privately: bool, pressed: bool
) -> None:
    """`line` as a typed command (in the group or privately) or a button press: never "something
    went wrong", and a refusal changes nothing in the store."""
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


def test_no_input_reaches_something_went_wrong_and_refusals_change_nothing(
    database_url: str,
) -> None:
    world = World(database_url)

    @settings(
        max_examples=examples(1000, database_url),
        derandomize=True,  # the same inputs on every run, so CI is repeatable
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(who=st.integers(0, 2), line=command, privately=st.booleans(), pressed=st.booleans())
    def one_event(who: int, line: str, privately: bool, pressed: bool) -> None:
        one_command(world, world.people[who], line, privately=privately, pressed=pressed)

    try:
        one_event()
    finally:
        world.close()


# --- meetings and repairs ----------------------------------------------------------------------

MEET_AND_REPAIR = sorted(
    c.name
    for feature in ALL_FEATURES
    if feature.name in ("meetings", "repairs")
    for c in feature.commands
)
REFS = ("1", "1", "2", "3", "1.1", "1.2", "R-0001", "R-1", "R-0002", "R-9999", "0", "-1", "٣", "")
# Dates at the edge of the calendar: year 9999 west of UTC, year 1 east of it, in typed and in
# button (ISO, with an offset) form.
EDGES = (
    "9999-12-31 23:00",
    "9999-12-31T23:00:00-08:00",
    "0001-01-01 00:30",
    "0001-01-01T00:30+14:00",
    "2026-11-24T19:00+00:00",
    "tomorrow 19:00",
    "in 3 days",
    "03/04 10:00",
    "yesterday 10:00",
    "25:61",
)
MEET_AND_REPAIR_WORDS = (
    "|",
    "going",
    "maybe",
    "cant",
    "all",
    "me",
    "yes",
    "no",
    "accept",
    "decline",
    "none",
    "stats",
    "on",
    "off",
    "2h",
    "10",
    "25%",
    "3 7 12-20",
    "3 1 2",
    "yes maybe no",
    "place: Community hall",
    "link: https://meet.example/agm",
    "link: http://meet.example/agm",
    "link: javascript:alert(1)",
    "length: 90m",
    "length: 25h",
    "capacity: 0",
    "capacity: 40",
    "remind: 24h 1h",
    "remind: none",
    "repeat: weekly",
    "repeat: first tuesday",
    "nudge: 2d",
    "about: Budget and bins",
    "due: in 5 days",
    "due: 9999-12-31 23:00",
    "due: 9999-12-31",
    "due: 0001-01-01",
    "due: 0001-01-01 00:30",
    *(status.value for status in RepairStatus),
    *(p.value for p in Priority),
    *(n.value for n in Nation),
    "leak",
    "damp",
    "communal",
    "hot water",
    "where: lift",
    "access: weekdays after 3pm",
    "vulnerable: I use a wheelchair",
    "5 working days",
    "24 hours",
    "28 days",
    "default",
    "12A",
    "\u200e",
    "\u200f",
    "\u061c",
    "\u202e",
    "\x1b[31m",
    "x" * 3000,
)
ZONES = ("America/Los_Angeles", "Asia/Tokyo", "Etc/GMT-14", "Pacific/Kiritimati", "Factory")
any_word = st.one_of(st.sampled_from(MEET_AND_REPAIR_WORDS), st.sampled_from(EDGES))
meet_or_repair = st.tuples(
    st.sampled_from(MEET_AND_REPAIR), st.sampled_from(REFS), st.lists(any_word, max_size=5)
).map(lambda parts: f"{parts[0]} {' '.join((parts[1], *parts[2]))}".strip())
dated = st.tuples(
    st.sampled_from(
        (
            "meeting T | {}",
            "meeting T | {} | repeat: weekly",
            "findtime T | {} | tomorrow 18:00",
            "movemeeting 1 {}",
            "meetingtime 2 {}",
            "actionitem 1 2 | Chairs | due: {}",
            "visit R-0001 {}",
            "poll Q | a | b | closes: {}",
            "timezone {}",
        )
    ),
    st.one_of(st.sampled_from(EDGES), st.sampled_from(ZONES)),
).map(lambda parts: parts[0].format(parts[1]))
# What the cards' buttons send, and lines that once broke Moot, pressed or typed by anyone.
KNOWN = (
    "assign 1.1 me",
    "assign R-0001 me",
    "repairstatus 1.1 acknowledged",
    "priority 1.1 emergency",
    "metoo 1.2",
    "rsvp 1.1 going",
    "rsvp 1.1 cant",
    "meetingtime 1.2 9999-12-31T23:00+00:00",
    "available 1.1 yes maybe",
    "picktime 1.1 1",
    "checkin 1.1",
    "done 1.1",
    "timezone Factory",
    "timezone localtime",
)
meet_or_repair_command = st.one_of(meet_or_repair, dated, st.sampled_from(KNOWN))
# Time passing between commands, so that reminders, nudges, visits and alerts fall due.
ticks = st.sampled_from(
    (
        None,
        None,
        None,
        None,
        timedelta(minutes=1),
        timedelta(hours=1),
        timedelta(hours=23),
        timedelta(days=1),
    )
)


class KeyedOutlet(RecordingOutlet):
    """Also remembers each delivery's key (one per outbox entry): a key seen twice is a message
    sent twice."""

    def __init__(self) -> None:
        super().__init__("console")
        self.keys: list[str] = []

    async def send_to_chat(
        self, chat_id: str, reply: Reply, *, thread_id: str | None, key: str
    ) -> str:
        self.keys.append(key)
        return await super().send_to_chat(chat_id, reply, thread_id=thread_id, key=key)

    async def send_direct(self, address: DirectAddress, reply: Reply, *, key: str) -> str:
        self.keys.append(key)
        return await super().send_direct(address, reply, key=key)


class MeetingsWorld(World):
    """The same community with a repairs member, a chat admin who is not on the register, a
    triage chat, two repair reports (one at home,
    one communal), an announced meeting with an answer, an action and an agenda proposal, a
    draft whose date reads two ways, and a time being found."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        fixer = Resident(self.moot, "console", "fixer", "Fixer")
        # An admin of the group chat on its platform who never joined the register.
        carol = Resident(self.moot, "console", "carol", "Carol", chat_admin=True)
        self.people += [fixer, carol]
        alice = self.people[1]
        self.run(fixer.say("/join"))
        for line in (
            "/role 4 repairs",
            "/triagechat",
            "/meeting AGM | in 3 days 19:00 | place: Community hall | nudge: 2d",
            "/announce 1",
            "/meeting Draft | 03/04 10:00",
            "/findtime Garden day | tomorrow 18:00 | in 2 days 18:00",
            "/actionitem 1 2 | Bring chairs | due: in 5 days",
        ):
            self.run(self.host.say(line))
        self.run(alice.privately("/report leak | Water through the kitchen ceiling"))
        self.run(alice.privately("/report communal | The lift is broken | where: lift"))
        self.run(alice.say("/rsvp 1 going"))
        self.run(alice.say("/propose 1 Bins"))

    async def _start(self) -> None:
        await self.moot.start()
        self.outlet = KeyedOutlet()
        self.moot.attach(self.outlet)


def sent_twice(database: Engine) -> list[tuple[object, ...]]:
    """Scheduled messages (a moment to leave at) delivered more than once to the same place."""
    with database.connect() as db:
        return list(
            db.exec_driver_sql(
                "SELECT kind, person_id, chat_id, about, not_before, count(*) FROM outbox "
                "WHERE status = 'sent' AND not_before IS NOT NULL "
                "GROUP BY kind, person_id, chat_id, about, not_before, content HAVING count(*) > 1"
            )
        )


def test_meetings_and_repairs_never_reach_something_went_wrong_nor_send_twice(
    database_url: str,
) -> None:
    world = MeetingsWorld(database_url)
    clock = world.moot.clock
    assert isinstance(clock, ManualClock)

    @settings(
        max_examples=examples(500, database_url),
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        who=st.integers(0, 4),
        line=meet_or_repair_command,
        privately=st.booleans(),
        pressed=st.booleans(),
        tick=ticks,
    )
    def one_event(
        who: int, line: str, privately: bool, pressed: bool, tick: timedelta | None
    ) -> None:
        if tick is not None:  # time passes: what falls due goes out, once
            world.run(clock.advance(tick))
            world.run(world.moot.drain())
        one_command(world, world.people[who], line, privately=privately, pressed=pressed)
        keys = world.outlet.keys
        assert len(keys) == len(set(keys)), f"sent twice after /{line!r}"
        assert sent_twice(world.database) == [], f"after /{line!r}"
        repeated = [job for job, count in Counter(claimed).items() if count > 1]
        assert repeated == [], f"scheduled work ran twice after /{line!r}"

    try:
        with jobs_run() as claimed:
            one_event()
    finally:
        world.close()
