"""Commands for what happened at a meeting: check-in and attendance, the community's quorum rule,
minutes, and action items (their owners see and close their own)."""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from bot import refs
from bot.context import Context
from bot.dates import format_due, read_moment
from bot.errors import UserError
from bot.meetings import record
from bot.meetings.access import MEETING
from storage.meetings import ActionItem
from storage.models import Community, Person

_DUE = re.compile(r"^\s*due\s*:\s*(.+)$", re.IGNORECASE | re.DOTALL)
_QUORUM = re.compile(r"(\d{1,5})(%?)", re.ASCII)


async def check_in(ctx: Context) -> None:
    view = MEETING.of(ctx)
    meeting_id = view.id
    await ctx.runtime.write(lambda s: record.check_in(s, meeting_id, ctx.person_id, ctx.now))
    ctx.reply_privately(f"You are checked in at meeting #{view.number}. Welcome!")


async def attended(ctx: Context) -> None:
    view = MEETING.of(ctx)
    numbers = refs.member_numbers(ctx.args.text("members").replace(",", " ").split())
    meeting_id = view.id

    names, counted = await ctx.runtime.write(
        lambda s: record.mark_attended(s, meeting_id, numbers, ctx.person_id, ctx.now)
    )
    lines = [f"Marked as there: {', '.join(names)}.", f"{len(counted.attended)} there in all."]
    if counted.quorum:
        lines.append(counted.quorum)
    ctx.reply_privately("\n".join(lines))


async def meeting_quorum(ctx: Context) -> None:
    community_id, given = ctx.community, ctx.args.text("rule").strip().lower()
    members: int | None = None
    percent: int | None = None
    if given != "none":
        match = _QUORUM.fullmatch(given)
        if (
            match is None
            or int(match.group(1)) == 0
            or (match.group(2) and int(match.group(1)) > 100)
        ):
            raise UserError("Give the quorum as a number of members (10), a share (25%), or none.")
        if match.group(2):
            percent = int(match.group(1))
        else:
            members = int(match.group(1))
    await ctx.runtime.write(
        lambda s: record.set_quorum(s, community_id, members, percent, ctx.person_id, ctx.now)
    )
    rule = f"{members} members" if members else f"{percent}% of members" if percent else "none"
    ctx.reply_privately(f"Meetings of {ctx.community_name} are quorate with: {rule}.")


async def minutes(ctx: Context) -> None:
    view = MEETING.of(ctx)
    meeting_id, body = view.id, ctx.args.text("minutes")
    await ctx.runtime.write(
        lambda s: record.record_minutes(s, meeting_id, body, ctx.person_id, ctx.now)
    )
    where = len(view.posts)
    ctx.reply_privately(
        f"The minutes of meeting #{view.number} are recorded and going to the "
        f"{where} chat{'' if where == 1 else 's'} it was announced in."
    )


async def action_item(ctx: Context) -> None:
    view = MEETING.of(ctx)
    parts = [part.strip() for part in ctx.args.text("action").split("|")]
    due = _DUE.match(parts[-1]) if len(parts) == 3 else None
    if len(parts) != 3 or due is None:
        raise UserError(
            f"Write it as: /actionitem {view.number} <member number> | what | due: Friday"
        )
    owner = refs.member_numbers([parts[0]])
    if len(owner) != 1:
        raise UserError("An action has one owner: give one member number.")
    reading = read_moment(due.group(1), view.community.timezone, ctx.now, by_day=True)
    if reading.alternative is not None:
        raise UserError("That date could be read two ways; write it as 2026-12-01 or 1 Dec.")
    meeting_id = view.id
    item = await ctx.runtime.write(
        lambda s: record.add_action(
            s, meeting_id, owner[0], parts[1], reading.moment, ctx.person_id, ctx.now
        )
    )
    reminded = record.reminder_at(reading.moment, view.community.timezone) > ctx.now
    ctx.reply_privately(
        f"Action #{item.number} is set; word is on its way to its owner"
        + (
            ", who is reminded the day before it is due."
            if reminded
            else " (it is due too soon for a reminder the day before)."
        )
    )


async def actions(ctx: Context) -> None:
    community_id = ctx.community
    everyone = (ctx.args.optional_text("whose") or "").lower() == "all"
    person = None if everyone else ctx.person_id

    def read(session: Session) -> tuple[str, list[tuple[ActionItem, str]]]:
        query = (
            select(ActionItem, Person.name)
            .join(Person, col(Person.id) == ActionItem.owner_person_id)
            .where(ActionItem.community_id == community_id, col(ActionItem.done_at).is_(None))
        )
        if person is not None:
            query = query.where(ActionItem.owner_person_id == person)
        zone = session.get_one(Community, community_id).timezone
        return zone, list(session.exec(query.order_by(col(ActionItem.due_at))).all())

    zone, open_items = await ctx.runtime.read(read)
    if not open_items:
        ctx.reply_privately("No open actions." if everyone else "You have no open actions.")
        return
    lines = [
        f"#{a.number} {a.text} — {f'{name}, ' if everyone else ''}due {format_due(a.due_at, zone)}"
        for a, name in open_items
    ]
    heading = "Everyone's open actions:" if everyone else "Your open actions:"
    ctx.reply_privately("\n".join([heading, *lines]))


async def done(ctx: Context) -> None:
    community_id = ctx.community
    number = refs.parse(ctx.args.text("action"), "action")[1]
    item = await ctx.runtime.write(
        lambda s: record.finish(s, community_id, number, ctx.person_id, ctx.role, ctx.now)
    )
    ctx.reply_privately(f"Action #{number} ({item.text}) is done. Thank you!")
