"""Fix as the repairs team works a report: from a card per report in its triage chat, whose
buttons are `/repairstatus` and `/priority` with the report named, and the Awaab's Law steps
(investigated, written summary, emergency hazard made safe)."""

from __future__ import annotations

from sqlmodel import select

from bot import refs
from bot.context import Context
from bot.dates import format_moment, read_moment
from bot.errors import UserError
from bot.repairs import render, service
from bot.repairs.access import REPORT
from bot.repairs.clocks import Priority
from bot.repairs.views import find, load
from bot.text import clean, one_line
from storage.models import Membership, MembershipStatus
from storage.repairs import RepairStatus


async def duplicate(ctx: Context) -> None:
    view = REPORT.of(ctx)
    number = refs.parse(ctx.args.text("of"), "report")[1]
    community_id = view.report.community_id
    kept = await ctx.runtime.read(lambda s: find(s, community_id, number))
    if kept is None:
        raise UserError(f"There is no report R-{number:04d} here.")
    report_id, kept_id = view.id, kept.id
    await ctx.runtime.write(
        lambda s: service.mark_duplicate(s, report_id, kept_id, ctx.person_id, ctx.now)
    )
    ctx.reply_privately(
        f"{view.reference} is closed as a duplicate of {kept.reference}; its tenants now hear "
        f"{kept.reference}'s updates."
    )


async def repair_status(ctx: Context) -> None:
    view = REPORT.of(ctx)
    status = RepairStatus(ctx.args.text("status"))
    said = (ctx.args.optional_text("message") or "").strip() or None
    report_id = view.id
    await ctx.runtime.write(
        lambda s: service.change_status(s, report_id, status, said, ctx.person_id, ctx.now)
    )
    ctx.reply_privately(
        f"{view.reference} is now {render.STATUS_WORDS[status]}; the news is on its way to "
        f"{view.reporter}."
    )


async def priority(ctx: Context) -> None:
    view = REPORT.of(ctx)
    chosen = Priority(ctx.args.text("priority"))
    report_id = view.id
    await ctx.runtime.write(
        lambda s: service.set_priority(s, report_id, chosen, ctx.person_id, ctx.now)
    )
    updated = await ctx.runtime.read(lambda s: load(s, report_id))
    ctx.reply_privately(f"{view.reference} is {chosen.value}: target {render.target(updated)}.")


async def visit(ctx: Context) -> None:
    view = REPORT.of(ctx)
    reading = read_moment(ctx.args.text("when"), view.community.timezone, ctx.now)
    if reading.alternative is not None:
        zone = view.community.timezone
        raise UserError(
            f"That could be {format_moment(reading.moment, zone)} or "
            f"{format_moment(reading.alternative, zone)}; write the date as 2026-12-05 or 5 Dec."
        )
    report_id, visit_at = view.id, reading.moment
    await ctx.runtime.write(
        lambda s: service.schedule_visit(s, report_id, visit_at, ctx.person_id, ctx.now)
    )
    ctx.reply_privately(
        f"The visit for {view.reference} is booked for "
        f"{format_moment(visit_at, view.community.timezone)}; the news is on its way to "
        f"{view.reporter}"
        + (
            ", who is reminded the day before."
            if visit_at - service.VISIT_NOTICE > ctx.now
            else " (too soon for a reminder the day before)."
        )
    )


async def assign(ctx: Context) -> None:
    view = REPORT.of(ctx)
    given = ctx.args.text("member").strip().lower()
    if given == "me":  # the card's Take it button
        community_id, person_id = view.report.community_id, ctx.person_id
        mine = await ctx.runtime.read(
            lambda s: s.exec(
                select(Membership.number).where(
                    Membership.community_id == community_id,
                    Membership.person_id == person_id,
                    Membership.status == MembershipStatus.ACTIVE,
                )
            ).first()
        )
        if mine is None:  # a chat's platform admin acts as an admin without being on the register
            raise UserError(
                f"You are not on {view.community.name}'s register, so a report can't be yours "
                f"to fix: send /join first (an admin then gives you the role with /role N "
                f"repairs), or give it to someone on the team with /assign {view.reference} N."
            )
        member = mine
    else:
        member = refs.member_numbers([given])[0]
    report_id = view.id
    name = await ctx.runtime.write(
        lambda s: service.assign(s, report_id, member, ctx.person_id, ctx.now)
    )
    ctx.reply_privately(f"{view.reference} is assigned to {name}; the news is on its way to them.")


async def investigated(ctx: Context) -> None:
    view = REPORT.of(ctx)
    findings, report_id = ctx.args.text("findings"), view.id
    await ctx.runtime.write(
        lambda s: service.investigated(s, report_id, findings, ctx.person_id, ctx.now)
    )
    updated = await ctx.runtime.read(lambda s: load(s, report_id))
    ctx.reply_privately(
        f"{view.reference} is investigated; the news is on its way to {view.reporter}. Next: "
        f"{updated.clock.what}, "
        f"target {render.target(updated)}."
    )


async def summary(ctx: Context) -> None:
    view = REPORT.of(ctx)
    text, report_id = ctx.args.text("summary"), view.id
    await ctx.runtime.write(
        lambda s: service.send_summary(s, report_id, text, ctx.person_id, ctx.now)
    )
    ctx.reply_privately(
        f"The written summary of {view.reference} is on its way to {view.reporter}."
    )


async def emergency_hazard(ctx: Context) -> None:
    view = REPORT.of(ctx)
    hazard, report_id = one_line(ctx.args.text("hazard")), view.id
    if not hazard:
        raise UserError(f"Say what the hazard is: /emergencyhazard {view.report.number} …")
    await ctx.runtime.write(
        lambda s: service.emergency_hazard(s, report_id, hazard, ctx.person_id, ctx.now)
    )
    updated = await ctx.runtime.read(lambda s: load(s, report_id))
    due = service.emergency_due(updated)
    assert due is not None
    late = (
        " That is past already, so it is overdue now: make it safe at once, or offer the tenant "
        "somewhere safe to stay."
        if due <= ctx.now
        else ""
    )
    ctx.reply_privately(
        f"{view.reference} is an emergency hazard: under Awaab's Law it must be made safe by "
        f"{render.when(due, updated)}, 24 hours from the report.{late} The news is on its way to "
        f"{view.reporter}. Record it with /madesafe {view.report.number} what was done."
    )


async def made_safe(ctx: Context) -> None:
    view = REPORT.of(ctx)
    done, report_id = clean(ctx.args.text("done")).strip(), view.id
    if not done:
        raise UserError(f"Say what was done: /madesafe {view.report.number} …")
    await ctx.runtime.write(lambda s: service.made_safe(s, report_id, done, ctx.person_id, ctx.now))
    updated = await ctx.runtime.read(lambda s: load(s, report_id))
    ctx.reply_privately(
        f"{view.reference} is made safe; the news is on its way to {view.reporter}. The repair "
        f"goes on: target {render.target(updated)}."
    )


async def repair_note(ctx: Context) -> None:
    view = REPORT.of(ctx)
    note, report_id = ctx.args.text("note"), view.id
    await ctx.runtime.write(lambda s: service.add_note(s, report_id, note, ctx.person_id, ctx.now))
    ctx.reply_privately(
        f"Noted on {view.reference} for the repairs team (the tenant does not see it)."
    )
