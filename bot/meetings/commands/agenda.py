"""Agenda commands: members propose items, organisers accept, decline and order them, and
anyone in the community reads the agenda."""

from __future__ import annotations

from sqlmodel import Session

from bot import roles
from bot.context import Context
from bot.errors import UserError
from bot.meetings import agenda
from bot.meetings.access import MEETING
from bot.meetings.views import load
from storage.meetings import MeetingStatus
from storage.models import Role


async def propose(ctx: Context) -> None:
    view = MEETING.of(ctx)
    meeting_id, text = view.id, ctx.args.text("item")
    number = await ctx.runtime.write(
        lambda s: agenda.propose(s, meeting_id, ctx.person_id, text, ctx.now)
    )
    ctx.reply_privately(
        f"Item {number} is proposed for meeting #{view.number}; the organisers decide what goes "
        "on the agenda, and you will hear which."
    )


async def show_agenda(ctx: Context) -> None:
    view = MEETING.of(ctx)
    if view.status is MeetingStatus.DRAFT:
        raise UserError(f"Meeting #{view.number} is still a draft.")
    meeting_id = view.id
    organiser = roles.allows(ctx.role, Role.ORGANISER)

    def read(session: Session) -> tuple[str, list[tuple[int, str]]]:
        current = load(session, meeting_id)
        text = agenda.agenda_text(current, agenda.accepted_items(session, meeting_id))
        waiting = agenda.proposed_items(session, meeting_id) if organiser else []
        return text, [(item.number, item.text) for item in waiting]

    text, waiting = await ctx.runtime.read(read)
    ctx.reply_privately(text)
    for number, item in waiting:  # organisers decide each proposal with its own buttons
        ctx.reply_privately(
            f"Proposed, item {number}: {item}", buttons=agenda.decision_buttons(view.ref, number)
        )


async def decide_item(ctx: Context) -> None:
    view = MEETING.of(ctx)
    meeting_id, number = view.id, ctx.args.integer("item")
    accept = ctx.args.text("decision").lower() == "accept"
    item = await ctx.runtime.write(
        lambda s: agenda.decide(s, meeting_id, number, accept, ctx.now, ctx.person_id)
    )
    done = "is on the agenda" if accept else "is declined"
    ctx.reply_privately(
        f"Item {number} ({item.text}) {done}; word is on its way to its proposer.",
        updating_pressed=True,
    )


async def order_agenda(ctx: Context) -> None:
    view = MEETING.of(ctx)
    words = ctx.args.text("order").replace(",", " ").split()
    if not words or not all(word.isascii() and word.isdecimal() for word in words):
        raise UserError(
            "Give the accepted items' numbers in the new order, e.g. /agendaorder 3 4 1 2"
        )
    numbers, meeting_id = [int(word) for word in words], view.id

    reordered = await ctx.runtime.write(lambda s: agenda.reorder(s, meeting_id, numbers))
    ctx.reply_privately(reordered)
