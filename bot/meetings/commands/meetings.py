"""Meeting commands: organisers draft, announce, move and cancel meetings; members answer them,
list what is coming up, take a calendar file and choose their own reminders.

Who may do what: organisers create, announce, move and cancel meetings; members answer
(Going / Maybe / Can't come); anyone in the community sees its announced meetings and their
calendar files. Who answered what (/whosgoing) is seen by organisers, and by members where the
meeting's organisers share it. A draft is seen only by organisers. A meeting is named by its
number in the community ("3"), or on buttons with its community ("1.3").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from bot import paging, roles
from bot.context import Context
from bot.dates import length, read_duration, read_moment
from bot.errors import UserError
from bot.events import FileOut
from bot.meetings import reminders, render, service
from bot.meetings.access import MEETING
from bot.meetings.spec import LATEST_REMINDER, SHORTEST, build, parse_one_line
from bot.meetings.views import MeetingView, guest_list, load, upcoming
from bot.text import one_line
from storage.meetings import Answer, MeetingStatus
from storage.models import Chat, Community, Role

REASON_MAX = 300


# --- organisers ------------------------------------------------------------------------------


async def meeting(ctx: Context) -> None:
    community_id = ctx.community
    zone = await ctx.runtime.read(lambda s: s.get_one(Community, community_id).timezone)
    when = ctx.args.optional_text("when")
    if when is not None:  # the guided form: each answer in its own field
        settings = [
            (key, value)
            for key in ("place", "link", "about")
            if (value := (ctx.args.optional_text(key) or "").strip())
        ]
        spec = build(ctx.args.text("definition"), when, settings, zone, ctx.now)
    else:
        spec = parse_one_line(ctx.args.text("definition"), zone, ctx.now)
    meeting_id = await ctx.runtime.write(
        lambda s: service.create_draft(s, community_id, ctx.person_id, ctx.place, spec, ctx.now)
    )
    await show_preview(ctx, meeting_id)


async def show_preview(ctx: Context, meeting_id: int) -> None:
    view = await ctx.runtime.read(lambda s: load(s, meeting_id))
    text, buttons = render.preview(view)
    ctx.reply_privately(text, buttons=buttons, updating_pressed=True)


async def meeting_time(ctx: Context) -> None:
    view = MEETING.of(ctx)
    try:
        chosen = datetime.fromisoformat(ctx.args.text("time").strip())
        if chosen.tzinfo is None:  # the buttons' times carry +00:00; no guessing a local zone
            raise ValueError("a time without its offset")
        chosen = chosen.astimezone(UTC)
    except (ValueError, OverflowError) as error:  # OverflowError: year 1 or 9999 moved to UTC
        raise UserError("Use the buttons on the preview to choose the time.") from error
    meeting_id = view.id
    await ctx.runtime.write(
        lambda s: service.choose_start(s, meeting_id, chosen, ctx.person_id, ctx.now)
    )
    await show_preview(ctx, meeting_id)


async def discard_meeting(ctx: Context) -> None:
    view = MEETING.of(ctx)
    meeting_id = view.id
    await ctx.runtime.write(lambda s: service.discard(s, meeting_id, ctx.person_id, ctx.now))
    ctx.reply_privately(f"Draft meeting #{view.number} discarded.", updating_pressed=True)


async def announce(ctx: Context) -> None:
    view = MEETING.of(ctx)
    where = ctx.args.optional_text("where")
    meeting_id, n, meeting_ = view.id, view.number, view.meeting
    chats: list[tuple[str, str, str | None]]
    if where is not None and where.lower() != "all":
        raise UserError(f"/announce {n} posts here; /announce {n} all posts in every chat.")
    if view.status is MeetingStatus.CANCELLED:
        raise UserError(f"Meeting #{n} was cancelled.")
    if where is not None:
        rows = await ctx.runtime.read(
            lambda s: list(s.exec(select(Chat).where(Chat.community_id == meeting_.community_id)))
        )
        chats = [(c.platform, c.platform_chat_id, None) for c in rows]
    elif view.status is MeetingStatus.DRAFT and not ctx.pressed and ctx.place.is_private:
        raise UserError(f"Announce it in a group chat, or everywhere with /announce {n} all.")
    elif view.status is MeetingStatus.DRAFT:  # where it was drafted
        chats = [(meeting_.origin_platform, meeting_.origin_chat_id, meeting_.origin_thread_id)]
    elif ctx.place.is_private:
        raise UserError(f"Run /announce {n} in a group chat of {view.community.name}.")
    else:
        chats = [(ctx.place.platform, ctx.place.chat_id, ctx.place.thread_id)]

    posted = await ctx.runtime.write(
        lambda s: service.announce_in(s, meeting_id, chats, ctx.person_id, ctx.now)
    )
    if view.status is MeetingStatus.DRAFT:
        ctx.reply_privately(
            f"Meeting #{n} is announced; reminders go out "
            f"{_reminder_words(meeting_.reminders)}. Move it with /movemeeting {n} <when>, "
            f"cancel it with /cancelmeeting {n}.",
            updating_pressed=True,
        )
    elif not posted:
        ctx.reply_privately(f"Meeting #{n} is already there.")


def _reminder_words(stored: str) -> str:
    minutes = [int(m) for m in stored.split(",") if m]
    if not minutes:
        return "never (remind: none)"
    return " and ".join(f"{length(timedelta(minutes=m))} before" for m in minutes)


async def move_meeting(ctx: Context) -> None:
    view = MEETING.of(ctx)
    reading = read_moment(ctx.args.text("when"), view.community.timezone, ctx.now)
    if reading.alternative is not None:
        raise UserError("That date could be read two ways; write it as 2026-12-01 19:00.")
    meeting_id = view.id
    told = await ctx.runtime.write(
        lambda s: service.move(s, meeting_id, reading.moment, ctx.person_id, ctx.now)
    )
    moved = await ctx.runtime.read(lambda s: load(s, meeting_id))
    ctx.reply_privately(
        f"Meeting #{view.number} now starts {render.when(moved)}; {_word_goes(told)}."
    )


async def end_series(ctx: Context) -> None:
    view, told = await _cancelled(ctx, service.cancel_series)
    ctx.reply_privately(
        f"The series ends: meeting #{view.number} and every later one are cancelled; "
        f"{_word_goes(told)}."
    )


async def cancel_meeting(ctx: Context) -> None:
    view, told = await _cancelled(ctx, service.cancel)
    ctx.reply_privately(f"Meeting #{view.number} is cancelled; {_word_goes(told)}.")


async def _cancelled(
    ctx: Context, cancel: Callable[[Session, int, str | None, int, datetime], int]
) -> tuple[MeetingView, int]:
    """Cancel the named meeting (or its series) with the reason given; how many were told."""
    view = MEETING.of(ctx)
    reason = one_line(ctx.args.optional_text("reason") or "")
    if len(reason) > REASON_MAX:
        raise UserError(f"Keep the reason to {REASON_MAX} characters.")
    meeting_id = view.id
    told = await ctx.runtime.write(
        lambda s: cancel(s, meeting_id, reason or None, ctx.person_id, ctx.now)
    )
    return view, told


def _people(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"


def _word_goes(count: int) -> str:
    """What the organiser can truthfully say at once: the news is sent. Anyone it does not
    reach is named under this (the outbox's delivery report), or later by direct message."""
    if count == 0:
        return "nobody had answered, so nobody is sent word"
    return f"word is on its way to the {_people(count)} who answered"


# --- everyone --------------------------------------------------------------------------------


async def rsvp(ctx: Context) -> None:
    view = MEETING.of(ctx)
    answer = Answer(ctx.args.text("answer").lower())
    meeting_id = view.id
    platform = ctx.place.platform

    answered = await ctx.runtime.write(
        lambda s: service.answer(s, meeting_id, ctx.person_id, answer, platform, ctx.now)
    )
    ctx.reply_privately(render.answered(view, answered.answer, answered.place_in_line))


async def whos_going(ctx: Context) -> None:
    """Who is going, maybe going, waiting or can't come: for organisers, and for members when
    the meeting's organisers share it (`guests: members`). Organisers also choose that here."""
    view = MEETING.of(ctx)
    organiser = roles.allows(ctx.role, Role.ORGANISER)
    choice = (ctx.args.optional_text("who") or "").lower()
    meeting_id, n = view.id, view.number
    if choice:
        visible = choice == "members"
        changed = await ctx.runtime.write(
            lambda s: service.set_guests_visible(s, meeting_id, visible, ctx.person_id, ctx.now)
        )
        later = " and its series' later meetings" if changed > 1 else ""
        ctx.reply_privately(
            f"Every member can now see who is going to meeting #{n}{later} (/whosgoing {n})."
            if visible
            else f"Now only organisers see who is going to meeting #{n}{later}."
        )
        return
    guests = await ctx.runtime.read(lambda s: guest_list(s, meeting_id))
    text, shortened = render.guest_list(view, guests, organiser=organiser)
    ctx.reply_privately(
        text,
        file=FileOut(f"meeting-{n}-guests.csv", render.guest_csv(guests), "text/csv")
        if shortened
        else None,
    )


async def meetings(ctx: Context) -> None:
    community_id, page = ctx.community, paging.requested(ctx, "meetings")
    found, total = await ctx.runtime.read(
        lambda s: upcoming(s, community_id, ctx.now, skip=page.skip, most=paging.PER_PAGE)
    )
    if total == 0:
        ctx.reply_privately("No meetings are coming up. Organisers start one with /meeting.")
        return
    pages = paging.count(page, total)
    views = await ctx.runtime.read(lambda s: [load(s, m.id or 0) for m in found])
    lines = [
        f"#{v.number} {v.meeting.title} — {render.when(v)} · {render.counts(v)}" for v in views
    ]
    n = page.number
    heading = "Coming up:" if pages == 1 else f"Coming up ({total}), page {n} of {pages}:"
    ctx.reply_privately(
        "\n".join([heading, *lines]), buttons=paging.buttons(page, pages, community_id)
    )


async def ics(ctx: Context) -> None:
    view = MEETING.of(ctx)
    if view.status is MeetingStatus.DRAFT:
        raise UserError(f"Meeting #{view.number} is still a draft.")
    # Imported here: icalendar is only needed for calendar files (start-up stays fast).
    from bot.meetings.calendar import calendar_file, meeting_events

    data = await ctx.runtime.read(
        lambda s: calendar_file(meeting_events(s, view, ctx.now), view.community.name)
    )
    ctx.reply_privately(
        f"Meeting #{view.number} for your calendar (Google Calendar, Outlook, Apple Calendar).",
        file=FileOut(f"meeting-{view.number}.ics", data, "text/calendar"),
    )


async def my_reminders(ctx: Context) -> None:
    community_id, said = ctx.community, (ctx.args.optional_text("choice") or "").strip().lower()
    if not said:
        choice = await ctx.runtime.read(
            lambda s: reminders.choice_of(s, ctx.person_id, community_id)
        )
        ctx.reply_privately(
            f"You get {reminders.describe_choice(choice)}. Change it with /myreminders off, "
            "/myreminders on (each meeting's times) or /myreminders 2h (your own time)."
        )
        return
    direct, before = said != "off", None
    if said not in ("on", "off"):
        before = read_duration(said)
        if not SHORTEST <= before <= LATEST_REMINDER:
            raise UserError(
                f"Choose a time {length(SHORTEST)} to {length(LATEST_REMINDER)} before, e.g. 2h."
            )
    upcoming = await ctx.runtime.write(
        lambda s: reminders.set_choice(s, ctx.person_id, community_id, direct, before, ctx.now)
    )
    choice = await ctx.runtime.read(lambda s: reminders.choice_of(s, ctx.person_id, community_id))
    ctx.reply_privately(
        f"From now on you get {reminders.describe_choice(choice)} in {ctx.community_name} "
        f"({upcoming} meeting{'' if upcoming == 1 else 's'} you are going to so far)."
    )
