"""Finding a time: an organiser offers candidate slots, members say for each whether they can
come (yes, if need be, no), and the organiser picks one: the meeting is made at that time and
announced where the question was asked, and everyone who answered is told."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from bot.dates import Reading, format_moment, read_moment
from bot.errors import UserError
from bot.events import Button, ButtonStyle, Place, Reply, moment_marker
from bot.meetings import render, service
from bot.meetings.spec import MeetingSpec
from bot.meetings.views import is_active_member, load
from bot.numbers import next_number
from bot.outbox import queue as outbox
from bot.outbox.queue import Message
from bot.refs import qualified
from bot.text import one_line
from storage.locking import locked_one
from storage.meetings import TITLE_MAX, Availability, SlotAnswer, TimeFinder, TimeSlot
from storage.models import Community
from storage.outbox import OutboxEntry

NUMBERS = "findtime"
CARD = "findtime-card"
MOST_SLOTS = 8  # three buttons a slot: Discord shows at most 25 on a message
SYMBOLS = {Availability.YES: "✅", Availability.IF_NEED_BE: "🤷", Availability.NO: "❌"}
_WORDS = {
    "yes": Availability.YES,
    "y": Availability.YES,
    "maybe": Availability.IF_NEED_BE,
    "ifneedbe": Availability.IF_NEED_BE,
    "if-need-be": Availability.IF_NEED_BE,
    "no": Availability.NO,
    "n": Availability.NO,
}


@dataclass(frozen=True)
class FinderView:
    finder: TimeFinder
    community: Community
    slots: list[TimeSlot]
    tallies: dict[int, Counter[Availability]]
    people: int

    @property
    def ref(self) -> str:
        return qualified(self.finder.community_id, self.finder.number)


def read_slots(text: str, zone: str, now: datetime) -> tuple[str, list[datetime]]:
    """`title | slot | slot …`"""
    parts = [part.strip() for part in text.split("|")]
    title = one_line(parts[0])
    if not title or len(parts) < 3:
        raise UserError(
            "Write it as: /findtime title | first time | second time …, e.g. /findtime AGM | "
            "Tuesday 19:00 | Wednesday 19:00"
        )
    if len(title) > TITLE_MAX:
        raise UserError(f"The title can be up to {TITLE_MAX} characters.")
    if len(parts) - 1 > MOST_SLOTS:
        raise UserError(f"Offer at most {MOST_SLOTS} times.")
    slots = []
    for part in parts[1:]:
        reading = read_moment(part, zone, now)
        if reading.alternative is not None:
            raise UserError(f"{part[:30]!r} could be read two ways; write it as 2026-12-01 19:00.")
        slots.append(reading.moment)
    if len(set(slots)) != len(slots):
        raise UserError("Each time is offered once.")
    return title, slots  # numbered as typed: "time 2" is the second one the organiser wrote


def create(
    session: Session,
    community_id: int,
    person_id: int,
    place: Place,
    title: str,
    slots: list[datetime],
    now: datetime,
) -> TimeFinder:
    finder = TimeFinder(
        community_id=community_id,
        number=next_number(session, community_id, NUMBERS),
        title=title,
        created_by_person_id=person_id,
        origin_platform=place.platform,
        origin_chat_id=place.chat_id,
        origin_thread_id=place.thread_id,
        created_at=now,
    )
    session.add(finder)
    session.flush()
    assert finder.id is not None
    for number, moment in enumerate(slots, start=1):
        session.add(TimeSlot(finder_id=finder.id, number=number, starts_at=moment))
    entry = outbox.post(
        session,
        platform=place.platform,
        chat_id=place.chat_id,
        thread_id=place.thread_id,
        message=Message(f"finding a time #{finder.number}", live=f"{CARD}:{finder.id}"),
        now=now,
        community_id=community_id,
        requested_by=person_id,
    )
    session.flush()
    finder.outbox_id = entry.id
    return finder


def load_finder(session: Session, finder_id: int) -> FinderView:
    finder = session.get_one(TimeFinder, finder_id)
    slots = list(
        session.exec(
            select(TimeSlot).where(TimeSlot.finder_id == finder_id).order_by(col(TimeSlot.number))
        )
    )
    tallies: dict[int, Counter[Availability]] = {slot.number: Counter() for slot in slots}
    people = set()
    for answer in session.exec(select(SlotAnswer).where(SlotAnswer.finder_id == finder_id)):
        tallies[answer.number][Availability(answer.answer)] += 1
        people.add(answer.person_id)
    community = session.get_one(Community, finder.community_id)
    return FinderView(finder, community, slots, tallies, len(people))


def find(session: Session, community_id: int, number: int) -> FinderView | None:
    finder_id = session.exec(
        select(TimeFinder.id).where(
            TimeFinder.community_id == community_id, TimeFinder.number == number
        )
    ).first()
    return load_finder(session, finder_id) if finder_id is not None else None


def read_answers(words: list[str], slots: int) -> dict[int, Availability]:
    """`yes no maybe` (one per slot, in order) or `2=yes 3=no`."""
    answers: dict[int, Availability] = {}
    pairs: list[tuple[str, str]]
    if words and all("=" not in word for word in words):
        if len(words) != slots:
            raise UserError(f"Give one answer for each of the {slots} times, e.g. yes no maybe.")
        pairs = [(str(n), word) for n, word in enumerate(words, start=1)]
    else:
        pairs = [(word.partition("=")[0], word.partition("=")[2]) for word in words]
    for slot, word in pairs:
        if not (slot.isascii() and slot.isdecimal()) or not 1 <= int(slot) <= slots:
            raise UserError(f"The times are numbered 1 to {slots}.")
        if word.lower() not in _WORDS:
            raise UserError(
                f"Answer each time with yes, maybe (if need be) or no; not {word[:20]!r}."
            )
        answers[int(slot)] = _WORDS[word.lower()]
    if not answers:
        raise UserError("Say which times you can make, e.g. /available 2 yes no maybe.")
    return answers


def answer(
    session: Session,
    finder_id: int,
    person_id: int,
    answers: dict[int, Availability],
    platform: str,
    now: datetime,
) -> None:
    finder = locked_one(session, TimeFinder, finder_id)  # answers wait for a pick being made
    if finder.meeting_id is not None:
        raise UserError(f"A time has been picked for #{finder.number} already; see /meetings.")
    if not is_active_member(session, finder.community_id, person_id):
        raise UserError("Only members can answer; send /join in the community's group chat.")
    for slot, said in answers.items():
        existing = session.get(SlotAnswer, (finder_id, slot, person_id))
        if existing is None:
            session.add(
                SlotAnswer(
                    finder_id=finder_id,
                    number=slot,
                    person_id=person_id,
                    answer=said,
                    platform=platform,
                )
            )
        else:
            existing.answer, existing.platform = said, platform
    _edit_card(session, finder, now)


def pick(
    session: Session, finder_id: int, slot: int, actor_id: int, now: datetime
) -> tuple[int, int]:
    """Make the meeting at the picked slot, announce it where the question was asked and tell
    everyone who answered; (meeting id, people told). The finder stays locked until the write
    commits, so two organisers picking at once make one meeting."""
    locked_one(session, TimeFinder, finder_id)
    view = load_finder(session, finder_id)
    finder = view.finder
    if finder.meeting_id is not None:
        raise UserError(f"A time has been picked for #{finder.number} already.")
    chosen = next((s for s in view.slots if s.number == slot), None)
    if chosen is None:
        raise UserError(f"#{finder.number} offers times 1 to {len(view.slots)}.")
    if chosen.starts_at <= now:
        raise UserError("That time has passed; pick another, or start again.")
    place = Place(finder.origin_platform, finder.origin_chat_id, "", False, finder.origin_thread_id)
    spec = MeetingSpec(finder.title, Reading(chosen.starts_at))
    meeting_id = service.create_draft(session, finder.community_id, actor_id, place, spec, now)
    service.announce(session, meeting_id, actor_id, now)
    service.add_post(
        session, meeting_id, place.platform, place.chat_id, place.thread_id, actor_id, now
    )
    finder.meeting_id = meeting_id
    meeting = load(session, meeting_id)
    answered = {
        a.person_id: a.platform
        for a in session.exec(select(SlotAnswer).where(SlotAnswer.finder_id == finder_id))
    }
    outbox.tell(
        session,
        sorted(answered),
        Message(
            f"the time picked for #{finder.number}",
            reply=Reply(
                f"{finder.title}: the time is {render.when(meeting)} (meeting #{meeting.number}). "
                "Will you come?",
                buttons=tuple(render.answer_buttons(meeting)),
            ),
        ),
        now,
        community_id=finder.community_id,
        requested_by=actor_id,
        prefer=answered,
    )
    _edit_card(session, finder, now)
    return meeting_id, len(answered)


def _edit_card(session: Session, finder: TimeFinder, now: datetime) -> None:
    if finder.outbox_id is None:
        return
    outbox.edit(
        session,
        of=session.get_one(OutboxEntry, finder.outbox_id),
        message=Message(f"finding a time #{finder.number}", live=f"{CARD}:{finder.id}"),
        now=now,
    )


def card(view: FinderView) -> tuple[str, list[Button]]:
    zone = view.community.timezone
    finder = view.finder
    lines = [f"🗓 Finding a time #{finder.number}: {finder.title}"]
    for slot in view.slots:
        tally = view.tallies[slot.number]
        counts = " ".join(f"{SYMBOLS[a]} {tally[a]}" for a in Availability)
        shown = moment_marker(slot.starts_at, format_moment(slot.starts_at, zone))
        lines.append(f"{slot.number}. {shown} — {counts}")
    lines.append(f"{view.people} answered.")
    if finder.meeting_id is not None:
        lines.append("A time has been picked: see /meetings.")
        return "\n".join(lines), []
    lines.append(
        f"Press ✅ (can come), 🤷 (if need be) or ❌ for each time, or type /available "
        f"{finder.number} yes maybe no … (one per time)."
    )
    buttons = [
        Button(
            f"{slot.number} {SYMBOLS[a]}",
            f"available {view.ref} {slot.number}={a.value}",
            ButtonStyle.PRIMARY if a is Availability.YES else ButtonStyle.SECONDARY,
        )
        for slot in view.slots
        for a in Availability
    ]
    return "\n".join(lines), buttons
