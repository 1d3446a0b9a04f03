"""How meetings read in a chat: the card with its answer buttons, a draft's preview, reminders
and the news of a change."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.dates import format_moment, length
from bot.events import Button, ButtonStyle, moment_marker
from bot.meetings.recurrence import describe
from bot.meetings.spec import read_stored_reminders
from bot.meetings.views import GuestList, MeetingView
from bot.spreadsheet import csv_bytes
from storage.meetings import Answer, MeetingStatus

ANSWER_LABELS = {Answer.GOING: "Going", Answer.MAYBE: "Maybe", Answer.CANT: "Can't come"}
ANSWER_WORDS = {
    Answer.GOING: "going",
    Answer.MAYBE: "maybe",
    Answer.CANT: "can't come",
    Answer.WAITING: "waiting for a place",
}
# Beyond this many names in one answer, /whosgoing sends the whole list as a file too.
GUESTS_INLINE = 60
GUEST_HEADINGS = {
    Answer.GOING: "Going",
    Answer.MAYBE: "Maybe",
    Answer.WAITING: "Waiting for a place, in order",
    Answer.CANT: "Can't come",
}


def when(view: MeetingView) -> str:
    """The start, which each reader sees in their own time where the platform can."""
    meeting, zone = view.meeting, view.community.timezone
    return moment_marker(meeting.starts_at, format_moment(meeting.starts_at, zone))


def details(view: MeetingView) -> list[str]:
    meeting = view.meeting
    lines = [f"🗓 {when(view)} · {length(timedelta(minutes=meeting.duration_minutes))}"]
    if view.repeats is not None:
        lines[0] += f" · repeats {describe(view.repeats)}"
    where = []
    if meeting.place:
        where.append(f"Where: {meeting.place}")
    if meeting.link:
        where.append(f"Online: {meeting.link}")
    if where:
        lines.append(" · ".join(where))
    if meeting.about:
        lines.append(meeting.about)
    return lines


def counts(view: MeetingView) -> str:
    answers = view.answers
    parts = [
        f"Going {answers[Answer.GOING]}",
        f"Maybe {answers[Answer.MAYBE]}",
        f"Can't come {answers[Answer.CANT]}",
    ]
    if view.meeting.capacity is not None:
        parts.append(f"{view.places_left} of {view.meeting.capacity} places left")
    if answers[Answer.WAITING]:
        parts.append(f"{answers[Answer.WAITING]} waiting for a place")
    return " · ".join(parts)


def card(view: MeetingView, calendar_url: str | None = None) -> tuple[str, list[Button]]:
    """The message posted in each chat, kept up to date as people answer; `calendar_url` is
    the meeting's own calendar file on the web (bot.web.addresses.meeting_url), when known."""
    n = view.number
    if view.status is MeetingStatus.CANCELLED:
        lines = [f"❌ Cancelled · Meeting #{n}: {view.meeting.title}", *details(view)]
        return "\n".join(lines), []
    lines = [f"📅 Meeting #{n}: {view.meeting.title}", *details(view), "", counts(view)]
    lines.append(f"Answer with the buttons, or /rsvp {n} going|maybe|cant")
    if calendar_url is None:
        lines.append(f"Add it to your calendar: /ics {n}")
    else:
        lines.append(f"Add to calendar: {calendar_url} (or /ics {n})")
    buttons = answer_buttons(view)
    if view.meeting.guests_visible:
        lines.append(f"Who is going: /whosgoing {n}")
        buttons.append(Button("Who's going", f"whosgoing {view.ref}"))
    return "\n".join(lines), buttons


def answer_buttons(view: MeetingView) -> list[Button]:
    return [
        Button(label, f"rsvp {view.ref} {answer.value}", style)
        for (answer, label), style in zip(
            ANSWER_LABELS.items(),
            (ButtonStyle.PRIMARY, ButtonStyle.SECONDARY, ButtonStyle.SECONDARY),
            strict=True,
        )
    ]


def guest_list(view: MeetingView, guests: GuestList, *, organiser: bool) -> tuple[str, bool]:
    """Who answered, by answer; and whether some list was too long to show whole (the file
    has it all)."""
    n, shortened = view.number, False
    lines = [f"Who answered meeting #{n}, {view.meeting.title} ({when(view)}):"]
    for answer, heading in GUEST_HEADINGS.items():
        total = guests.total(answer)
        if answer is Answer.WAITING and total == 0:
            continue
        names = [guest.label for guest in guests.named[answer]]
        if len(names) > GUESTS_INLINE:
            names, shortened = names[:GUESTS_INLINE], True
        shown = ", ".join(names)
        others = total - len(names)
        if others and names:
            shown += f" and {others} more"
        elif others:
            shown = f"{others} no longer on the register"
        lines.append(f"{heading} ({total}): {shown or 'nobody'}")
    if any(guests.unnamed.values()):
        lines.append("People no longer on the register are counted, not named.")
    if shortened:
        lines.append("Every name is in the attached file.")
    if organiser:
        lines.append(
            f"Every member can see this list; /whosgoing {n} organisers keeps it to organisers."
            if view.meeting.guests_visible
            else f"This list is for organisers; /whosgoing {n} members shows it to every member."
        )
    return "\n".join(lines), shortened


def guest_csv(guests: GuestList) -> bytes:
    return csv_bytes(
        ["answer", "member", "name"],
        (
            [ANSWER_WORDS[answer], f"#{guest.number}", guest.name]
            for answer in GUEST_HEADINGS
            for guest in guests.named[answer]
        ),
    )


def preview(view: MeetingView) -> tuple[str, list[Button]]:
    """A draft, as its organiser checks it before announcing it."""
    meeting, zone = view.meeting, view.community.timezone
    reminders = read_stored_reminders(meeting.reminders)
    remind = ", ".join(f"{length(b)} before" for b in reminders) or "none"
    lines = [
        f"Draft meeting #{view.number}: {meeting.title}",
        *details(view),
        f"Places: {meeting.capacity or 'no limit'} · Reminders: {remind}"
        + (
            f" · Nudge: {length(timedelta(minutes=meeting.nudge_minutes))} before"
            if meeting.nudge_minutes
            else ""
        )
        + (" · Who is going: members see it" if meeting.guests_visible else ""),
        "",
    ]
    buttons: list[Button] = []
    if meeting.starts_alternative is not None:
        lines.append(
            f"I read the time as {format_moment(meeting.starts_at, zone)}, but it could be "
            f"{format_moment(meeting.starts_alternative, zone)}. Which did you mean?"
        )
        for moment in (meeting.starts_at, meeting.starts_alternative):
            exact = moment.strftime("%Y-%m-%dT%H:%M+00:00")
            buttons.append(
                Button(format_moment(moment, zone)[:40], f"meetingtime {view.ref} {exact}")
            )
    else:
        lines.append(
            f"Check the time above, then announce it here (/announce {view.number}) — or in "
            f"every chat of {view.community.name} with /announce {view.number} all."
        )
        buttons.append(Button("Announce", f"announce {view.ref}", ButtonStyle.PRIMARY))
    buttons.append(Button("Discard", f"discardmeeting {view.ref}", ButtonStyle.DANGER))
    return "\n".join(lines), buttons


def answered(view: MeetingView, answer: Answer, place_in_line: int) -> str:
    n = view.number
    if answer is Answer.WAITING:
        return (
            f"Meeting #{n} is full, so you are number {place_in_line} on the waiting list. "
            "If a place frees up it is yours, and I will tell you."
        )
    said = {
        Answer.GOING: "you are going",
        Answer.MAYBE: "you might go",
        Answer.CANT: "you can't come (your apologies are noted)",
    }[answer]
    return f"Meeting #{n}: {said}. Change your answer any time before it starts."


def nudge(view: MeetingView) -> str:
    return (
        f"Will you come to meeting #{view.number}, {view.meeting.title} ({when(view)})? "
        "Answering helps the organisers plan — and if you can't come, your apologies are noted."
    )


def place_freed(view: MeetingView) -> str:
    return (
        f"A place came free at meeting #{view.number}, {view.meeting.title} ({when(view)}), and "
        "it is yours: you are now going. If you can't make it after all, press Can't come."
    )


def reminder(view: MeetingView, before: timedelta, late: timedelta) -> str:
    lines = [
        f"⏰ Reminder: meeting #{view.number}, {view.meeting.title}, starts in {length(before)}."
    ]
    if late >= timedelta(minutes=1):
        lines[0] += (
            f" (This reminder is {length(late)} late: Moot was not running when it was due.)"
        )
    lines += details(view)
    return "\n".join(lines)


def cancelled_notice(view: MeetingView, reason: str | None) -> str:
    why = f" Reason: {reason}" if reason else ""
    return f"Meeting #{view.number}, {view.meeting.title} ({when(view)}), is cancelled.{why}"


def moved_notice(view: MeetingView, before: datetime) -> str:
    zone = view.community.timezone
    return (
        f"Meeting #{view.number}, {view.meeting.title}, has moved from "
        f"{format_moment(before, zone)} to {when(view)}. Your answer still stands; change it "
        f"with /rsvp {view.number} going|maybe|cant."
    )
