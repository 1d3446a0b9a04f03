"""Fix: the repair commands, as tenants and the repairs team use them.

`/report` files a report privately (typed in one line, or as a guided form that continues in
private); the tenant gets its reference and target date at once and hears back at every step.
The repairs team works from a card per report in its triage chat (`/triagechat`), whose
buttons are `/repairstatus` and `/priority` with the report named.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, select

from bot import refs
from bot.commands import Command, Param, ParamKind, Where
from bot.context import Context
from bot.core import Moot
from bot.dates import format_moment, read_moment
from bot.errors import NotAllowedError, UserError
from bot.events import FileOut, Reply
from bot.feature import Feature, JobHandler
from bot.repairs import export, history, homes, photos, privacy, render, service, stats
from bot.repairs.access import REPORT, communal_named, is_team, report_named, require_team
from bot.repairs.clocks import DEFAULT_TARGETS, Counting, Nation, Priority, Target
from bot.repairs.repeats import with_repeats
from bot.repairs.spec import LABELS, build, parse_one_line
from bot.repairs.views import communal_open, find, load, reports_of, settings_of
from bot.text import clean, one_line
from storage.engine import sqlite_path
from storage.models import Membership, MembershipStatus, Role
from storage.repairs import DESCRIPTION_MAX, EMERGENCY_TEXT_MAX, RepairReport, RepairStatus


async def report(ctx: Context) -> None:
    community_id = ctx.community
    what = ctx.args.optional_text("what")
    if what is not None:  # the guided form: each answer in its own field
        spec = build(
            ctx.args.text("details"),
            what,
            ctx.args.optional_text("where"),
            ctx.args.optional_text("access"),
            ctx.args.optional_text("vulnerable"),
        )
    else:
        spec = parse_one_line(ctx.args.text("details"))
    platform = ctx.place.platform

    def file(session: Session) -> str:
        report_id = service.report(session, community_id, ctx.person_id, platform, spec, ctx.now)
        reached = service.team_reached(session, report_id)
        return render.receipt(load(session, report_id), team_reached=reached)

    receipt = await ctx.moot.write(file)
    if what is None:  # typed in one line, where the chat may see it
        _answer_privately(ctx, receipt)
    else:
        ctx.reply_privately(receipt)


def _answer_privately(ctx: Context, text: str) -> None:
    """A report or photo sent in a group chat is for the repairs team, not the group: the tenant
    alone gets the answer, and the message that asked is removed where the platform lets Moot."""
    if ctx.place.is_private:
        ctx.reply_privately(text)
    else:
        ctx.withdraw_request(f"{text}\n{render.KEEP_IT_PRIVATE}")


async def my_reports(ctx: Context) -> None:
    community_id = ctx.community
    views = await ctx.moot.read(lambda s: reports_of(s, community_id, ctx.person_id))
    ctx.reply_privately(render.listing(views))


async def repair(ctx: Context) -> None:
    view = await report_named(ctx)
    if is_team(ctx):  # repeat damp and mould at the same home, for the team
        view = await ctx.moot.read(lambda s: with_repeats(s, view))
    ctx.reply_privately(render.page(view, for_team=is_team(ctx)))


async def communal(ctx: Context) -> None:
    community_id = ctx.community
    views = await ctx.moot.read(lambda s: communal_open(s, community_id))
    words, buttons = render.communal(views)
    ctx.reply_privately(words, buttons=buttons)


async def me_too(ctx: Context) -> None:
    view = await communal_named(ctx)
    report_id, platform = view.id, ctx.place.platform
    following = await ctx.moot.write(
        lambda s: service.me_too(s, report_id, ctx.person_id, platform, ctx.now)
    )
    ctx.reply_privately(
        f"Noted: {following} people have this problem. You will hear every update on "
        f"{view.reference} ({LABELS[view.report.category]}, {view.report.location})."
    )


async def duplicate(ctx: Context) -> None:
    view = await report_named(ctx)
    require_team(ctx, view)
    number = refs.parse(ctx.args.text("of"), "report")[1]
    community_id = view.report.community_id
    kept = await ctx.moot.read(lambda s: find(s, community_id, number))
    if kept is None:
        raise UserError(f"There is no report R-{number:04d} here.")
    report_id, kept_id = view.id, kept.id
    await ctx.moot.write(
        lambda s: service.mark_duplicate(s, report_id, kept_id, ctx.person_id, ctx.now)
    )
    ctx.reply_privately(
        f"{view.reference} is closed as a duplicate of {kept.reference}; its tenants now hear "
        f"{kept.reference}'s updates."
    )


def _photo_folder(moot: Moot) -> Path:
    database = sqlite_path(moot.store.url)
    if database is None:
        raise UserError("Photos are kept next to a SQLite database file, and this store has none.")
    return photos.folder_for(database)


def _clean_and_keep(data: bytes, folder: Path) -> photos.CleanPhoto:
    cleaned = photos.clean(data)
    photos.keep(folder, cleaned)
    return cleaned


async def photo(ctx: Context) -> None:
    view = await report_named(ctx)
    folder = _photo_folder(ctx.moot)
    cleaned = await asyncio.to_thread(_clean_and_keep, ctx.args.attachment("photo").data, folder)
    report_id = view.id
    count = await ctx.moot.write(
        lambda s: service.add_photo(s, report_id, cleaned, ctx.person_id, ctx.now)
    )
    _answer_privately(
        ctx,
        f"The photo is on {view.reference} ({count} in all), with its location and camera "
        "details removed.",
    )


async def show_photos(ctx: Context) -> None:
    view = await report_named(ctx)
    if not view.photos:
        ctx.reply_privately(f"{view.reference} has no photos yet. Add one with /photo.")
        return
    folder = _photo_folder(ctx.moot)
    for number, kept in enumerate(view.photos, start=1):
        path = photos.path_of(folder, kept.sha256, kept.content_type)
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except OSError:
            ctx.reply_privately(f"Photo {number} of {view.reference} is missing from the disk.")
            continue
        ctx.reply_privately(
            f"{view.reference}, photo {number} of {len(view.photos)}",
            file=FileOut(path.name, data, kept.content_type),
        )


async def repair_export(ctx: Context) -> None:
    view = await report_named(ctx)
    document = render.evidence(view, for_team=is_team(ctx), exported_at=ctx.now)
    ctx.reply_privately(
        f"The full record of {view.reference}, to keep or send on (for example to the Housing "
        "Ombudsman).",
        file=FileOut(f"repair-{view.reference}.txt", document.encode(), "text/plain"),
    )


async def repair_status(ctx: Context) -> None:
    view = await report_named(ctx)
    require_team(ctx, view)
    status = RepairStatus(ctx.args.text("status"))
    said = (ctx.args.optional_text("message") or "").strip() or None
    report_id = view.id
    await ctx.moot.write(
        lambda s: service.change_status(s, report_id, status, said, ctx.person_id, ctx.now)
    )
    ctx.reply_privately(
        f"{view.reference} is now {render.STATUS_WORDS[status]}; the news is on its way to "
        f"{view.reporter}."
    )


async def is_fixed(ctx: Context) -> None:
    view = await report_named(ctx)
    if not view.may_follow(ctx.person_id):
        raise NotAllowedError(f"Only the tenants who reported {view.reference} can answer that.")
    fixed, report_id = ctx.args.text("answer") == "yes", view.id
    await ctx.moot.write(lambda s: service.confirm_fixed(s, report_id, fixed, ctx.now))
    ctx.reply_privately(
        f"Thank you: {view.reference} is closed."
        if fixed
        else f"Sorry to hear it. {view.reference} is reopened; the news is on its way to the "
        "repairs team.",
        updating_pressed=True,
    )


async def priority(ctx: Context) -> None:
    view = await report_named(ctx)
    require_team(ctx, view)
    chosen = Priority(ctx.args.text("priority"))
    report_id = view.id
    await ctx.moot.write(
        lambda s: service.set_priority(s, report_id, chosen, ctx.person_id, ctx.now)
    )
    updated = await ctx.moot.read(lambda s: load(s, report_id))
    ctx.reply_privately(f"{view.reference} is {chosen.value}: target {render.target(updated)}.")


async def visit(ctx: Context) -> None:
    view = await report_named(ctx)
    require_team(ctx, view)
    reading = read_moment(ctx.args.text("when"), view.community.timezone, ctx.now)
    if reading.alternative is not None:
        zone = view.community.timezone
        raise UserError(
            f"That could be {format_moment(reading.moment, zone)} or "
            f"{format_moment(reading.alternative, zone)}; write the date as 2026-12-05 or 5 Dec."
        )
    report_id, visit_at = view.id, reading.moment
    await ctx.moot.write(
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


async def digest_job(moot: Moot, payload: Mapping[str, Any]) -> None:
    community_id, due, now = int(payload["community"]), str(payload["due"]), moot.clock.now()
    await moot.write(lambda s: service.post_digest(s, community_id, due, now))


async def visit_reminder_job(moot: Moot, payload: Mapping[str, Any]) -> None:
    report_id, when, now = int(payload["report"]), str(payload["visit"]), moot.clock.now()
    await moot.write(lambda s: service.remind_visit(s, report_id, when, now))


async def assign(ctx: Context) -> None:
    view = await report_named(ctx)
    require_team(ctx, view)
    given = ctx.args.text("member").strip().lower()
    if given == "me":  # the card's Take it button
        community_id, person_id = view.report.community_id, ctx.person_id
        mine = await ctx.moot.read(
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
    name = await ctx.moot.write(
        lambda s: service.assign(s, report_id, member, ctx.person_id, ctx.now)
    )
    ctx.reply_privately(f"{view.reference} is assigned to {name}; the news is on its way to them.")


def alert_job(overdue: bool) -> JobHandler:
    async def run(moot: Moot, payload: Mapping[str, Any]) -> None:
        report_id, due, now = int(payload["report"]), str(payload["due"]), moot.clock.now()
        await moot.write(lambda s: service.alert(s, report_id, due, overdue, now))

    return run


async def investigated(ctx: Context) -> None:
    view = await report_named(ctx)
    require_team(ctx, view)
    findings, report_id = ctx.args.text("findings"), view.id
    await ctx.moot.write(
        lambda s: service.investigated(s, report_id, findings, ctx.person_id, ctx.now)
    )
    updated = await ctx.moot.read(lambda s: load(s, report_id))
    ctx.reply_privately(
        f"{view.reference} is investigated; the news is on its way to {view.reporter}. Next: "
        f"{updated.clock.what}, "
        f"target {render.target(updated)}."
    )


async def summary(ctx: Context) -> None:
    view = await report_named(ctx)
    require_team(ctx, view)
    text, report_id = ctx.args.text("summary"), view.id
    await ctx.moot.write(lambda s: service.send_summary(s, report_id, text, ctx.person_id, ctx.now))
    ctx.reply_privately(
        f"The written summary of {view.reference} is on its way to {view.reporter}."
    )


async def repair_comment(ctx: Context) -> None:
    view = await report_named(ctx)
    if not view.may_follow(ctx.person_id):
        n = view.report.number
        raise NotAllowedError(
            f"Only the tenants who reported {view.reference} (or said me too) add to it this way: "
            f"write to them with /repairstatus {n} <status> <message>; /repairnote {n} is for the "
            "team."
        )
    report_id, comment = view.id, ctx.args.text("comment")
    resumed = await ctx.moot.write(
        lambda s: service.tenant_comment(s, report_id, ctx.person_id, comment, ctx.now)
    )
    back = f" It is back to {render.STATUS_WORDS[resumed]}." if resumed is not None else ""
    _answer_privately(ctx, f"Added to {view.reference}; the repairs team has it.{back}")


async def withdraw(ctx: Context) -> None:
    view = await report_named(ctx)
    reason = one_line(ctx.args.optional_text("reason") or "") or None
    report_id = view.id
    await ctx.moot.write(lambda s: service.withdraw(s, report_id, ctx.person_id, reason, ctx.now))
    _answer_privately(
        ctx,
        f"{view.reference} is withdrawn: the repairs team is told, and nothing more is due on "
        "it. If the problem comes back, /report it again.",
    )


async def emergency_hazard(ctx: Context) -> None:
    view = await report_named(ctx)
    require_team(ctx, view)
    hazard, report_id = one_line(ctx.args.text("hazard")), view.id
    if not hazard:
        raise UserError(f"Say what the hazard is: /emergencyhazard {view.report.number} …")
    await ctx.moot.write(
        lambda s: service.emergency_hazard(s, report_id, hazard, ctx.person_id, ctx.now)
    )
    updated = await ctx.moot.read(lambda s: load(s, report_id))
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
    view = await report_named(ctx)
    require_team(ctx, view)
    done, report_id = clean(ctx.args.text("done")).strip(), view.id
    if not done:
        raise UserError(f"Say what was done: /madesafe {view.report.number} …")
    await ctx.moot.write(lambda s: service.made_safe(s, report_id, done, ctx.person_id, ctx.now))
    updated = await ctx.moot.read(lambda s: load(s, report_id))
    ctx.reply_privately(
        f"{view.reference} is made safe; the news is on its way to {view.reporter}. The repair "
        f"goes on: target {render.target(updated)}."
    )


async def emergency_info(ctx: Context) -> None:
    community_id = ctx.community
    given = clean(ctx.args.optional_text("text") or "").strip()
    if given:
        chosen = None if given.lower() == "default" else given
        await ctx.moot.write(lambda s: service.set_emergency_text(s, community_id, chosen))
    own = await ctx.moot.read(lambda s: settings_of(s, community_id).emergency_text)
    lines = [
        f"Tenants in {ctx.community_name} are told this when they report a leak, heating, "
        "electrics, structural or door problem, when a report is made an emergency, and when "
        "it is an emergency hazard:",
        render.emergency(own),
    ]
    if own:
        lines.append(
            "/emergencyinfo default puts back the national numbers (999; gas 0800 111 999; "
            "power cut 105)."
        )
    else:
        lines.append(
            "Change it with /emergencyinfo and your own words (your landlord's out-of-hours "
            "line, say); keep the national numbers in it."
        )
    ctx.reply_privately("\n".join(lines))


async def repair_note(ctx: Context) -> None:
    view = await report_named(ctx)
    require_team(ctx, view)
    note, report_id = ctx.args.text("note"), view.id
    await ctx.moot.write(lambda s: service.add_note(s, report_id, note, ctx.person_id, ctx.now))
    ctx.reply_privately(
        f"Noted on {view.reference} for the repairs team (the tenant does not see it)."
    )


async def repairs(ctx: Context) -> None:
    if ctx.args.optional_text("what") == "export":
        await export.export_all(ctx)
        return
    community_id = ctx.community
    gathered = await ctx.moot.read(lambda s: stats.gather(s, community_id, ctx.now))
    ctx.reply_privately(stats.render(gathered))


async def import_homes(ctx: Context) -> None:
    community_id = ctx.community
    rows = await asyncio.to_thread(homes.parse, ctx.args.attachment("file").data)
    added, updated = await ctx.moot.write(
        lambda s: homes.import_homes(s, community_id, rows), long=True
    )
    ctx.reply_privately(
        f"The homes register of {ctx.community_name}: {added} home(s) added, {updated} address(es) "
        "updated. Link tenants to their homes with /tenant <member> <home>."
    )


async def tenant(ctx: Context) -> None:
    community_id = ctx.community
    number = refs.member_numbers([ctx.args.text("member")])[0]
    ref = ctx.args.text("home")
    name, home = await ctx.moot.write(lambda s: homes.link_tenant(s, community_id, number, ref))
    if home is None:
        ctx.reply_privately(f"{name} is no longer linked to any home here.")
    else:
        ctx.reply_privately(f"{name} is a tenant of {home.ref} ({home.address}).")


async def list_homes(ctx: Context) -> None:
    community_id = ctx.community
    listed = await ctx.moot.read(lambda s: homes.register(s, community_id))
    if not listed:
        ctx.reply_privately(
            "The homes register is empty. /importhomes takes a CSV with columns ref, address."
        )
        return
    lines = [f"Homes in {ctx.community_name} (tenants by member number):"]
    for home, tenants in listed[:100]:
        who = ", ".join(f"#{n}" for n in tenants) or "no tenant linked"
        lines.append(f"{home.ref}: {home.address} · {who}")
    if len(listed) > 100:
        lines.append(f"… and {len(listed) - 100} more")
    ctx.reply_privately("\n".join(lines))


async def triage_chat(ctx: Context) -> None:
    community_id, place = ctx.community, ctx.place
    waiting = await ctx.moot.write(
        lambda s: service.set_triage_chat(
            s, community_id, place.platform, place.chat_id, place.thread_id, ctx.person_id, ctx.now
        )
    )
    posted = (
        f" The {waiting} open report{'' if waiting == 1 else 's'} that had no card yet "
        f"{'is' if waiting == 1 else 'are'} posted here now."
        if waiting
        else ""
    )
    ctx.reply_privately(
        f"New repair reports for {ctx.community_name} now come to this chat as cards.{posted} "
        "Keep it to the repairs team: reports name tenants and their homes."
    )


_LENGTH = re.compile(r"(\d{1,3})\s*(hours?|working[ -]days?|days?)", re.IGNORECASE)
_LONGEST = {Counting.HOURS: 720, Counting.WORKING_DAYS: 260, Counting.DAYS: 365}


async def repair_target(ctx: Context) -> None:
    community_id, chosen = ctx.community, Priority(ctx.args.text("priority"))
    given = ctx.args.text("length").strip().lower()
    target: Target | None = None
    if given != "default":
        match = _LENGTH.fullmatch(given)
        if match is None:
            raise UserError("Give the target as 24 hours, 5 working days or 28 days (or default).")
        counting = (
            Counting.HOURS
            if match.group(2).startswith("hour")
            else Counting.WORKING_DAYS
            if match.group(2).startswith("working")
            else Counting.DAYS
        )
        amount = int(match.group(1))
        if not 1 <= amount <= _LONGEST[counting]:
            raise UserError(f"Give 1 to {_LONGEST[counting]} {counting.value}.")
        target = Target(amount, counting)
    moved, overdue = await ctx.moot.write(
        lambda s: service.set_target(s, community_id, chosen, target, ctx.now)
    )
    now_is = (target or DEFAULT_TARGETS[chosen]).describe()
    late = (
        f" {len(overdue)} of them are now overdue; the triage chat has the list." if overdue else ""
    )
    ctx.reply_privately(
        f"{chosen.value.capitalize()} repairs in {ctx.community_name} are now due within "
        f"{now_is}; {moved} open report(s) moved to match.{late}"
    )


async def repair_nation(ctx: Context) -> None:
    community_id, nation = ctx.community, Nation(ctx.args.text("nation"))
    await ctx.moot.write(lambda s: service.set_nation(s, community_id, nation))
    ctx.reply_privately(
        f"Repair targets in {ctx.community_name} now skip the bank holidays of "
        f"{nation.value.replace('-', ' ').title()}."
    )


async def card(moot: Moot, key: str) -> Reply | None:
    """A report's card as it stands when sent (a live outbox message)."""

    def build_card(session: Session) -> Reply | None:
        if session.get(RepairReport, int(key)) is None:
            return None
        words, buttons = render.card(with_repeats(session, load(session, int(key))))
        return Reply(words, buttons=tuple(buttons))

    return await moot.read(build_card)


def merge_people(session: Session, source_id: int, target_id: int, now: datetime) -> list[str]:
    """Two accounts becoming one person keep all their reports, steps, "me too"s and homes
    (one of each per report or home)."""
    run = session.connection().execute
    params = {"source": source_id, "target": target_id}
    for statement in (
        "UPDATE repairreport SET reporter_person_id = :target WHERE reporter_person_id = :source",
        "UPDATE repairreport SET assignee_person_id = :target WHERE assignee_person_id = :source",
        "UPDATE repairevent SET actor_person_id = :target WHERE actor_person_id = :source",
        "UPDATE repairphoto SET added_by_person_id = :target WHERE added_by_person_id = :source",
        "DELETE FROM repairsupporter WHERE person_id = :source AND report_id IN (SELECT report_id "
        "FROM repairsupporter WHERE person_id = :target)",
        "UPDATE repairsupporter SET person_id = :target WHERE person_id = :source",
        "DELETE FROM tenancy WHERE person_id = :source AND home_id IN (SELECT home_id "
        "FROM tenancy WHERE person_id = :target)",
        "UPDATE tenancy SET person_id = :target WHERE person_id = :source",
    ):
        run(text(statement), params)
    return []


# The statuses the team sets (a report starts reported; only its tenant withdraws it).
STATUSES = tuple(
    status.value
    for status in RepairStatus
    if status not in (RepairStatus.REPORTED, RepairStatus.WITHDRAWN)
)

FEATURE = Feature(
    name="repairs",
    commands=(
        Command(
            "report",
            "Report a repair privately: category | what is wrong",
            report,
            params=(
                Param(
                    "details",
                    "category | what is wrong | where: … | access: … | vulnerable: …",
                    ParamKind.TEXT,
                    max_length=DESCRIPTION_MAX + 1000,
                    label="Category (leak, heating, damp …)",
                ),
            ),
            form_title="Report a repair",
            form_only=(
                Param(
                    "what",
                    "What is wrong?",
                    ParamKind.TEXT,
                    max_length=DESCRIPTION_MAX,
                    multiline=True,
                ),
                Param("where", "Where? home, or a communal area", ParamKind.TEXT, required=False),
                Param(
                    "access",
                    "When can you let someone in? (optional)",
                    ParamKind.TEXT,
                    required=False,
                    max_length=300,
                ),
                Param(
                    "vulnerable",
                    "Anything the team should know? (optional)",
                    ParamKind.TEXT,
                    required=False,
                    max_length=500,
                ),
            ),
            role=Role.MEMBER,
            needs_community=True,
            guided=True,
            form_in_private=True,
        ),
        Command(
            "myreports",
            "Your repair reports, where they stand and their targets",
            my_reports,
            role=Role.MEMBER,
            needs_community=True,
        ),
        Command(
            "repair",
            "A repair report and its timeline",
            repair,
            params=(REPORT,),
            scope="report",
            listed_for=Role.MEMBER,
            own_note="only reports you made",
        ),
        Command(
            "photo",
            "Add a photo to a repair report (sent as a photo or a file)",
            photo,
            params=(REPORT, Param("photo", "The photo", ParamKind.ATTACHMENT)),
            scope="report",
            listed_for=Role.MEMBER,
            own_note="only reports you made",
        ),
        Command(
            "photos",
            "The photos of a repair report",
            show_photos,
            params=(REPORT,),
            scope="report",
            listed_for=Role.MEMBER,
            own_note="only reports you made",
        ),
        Command(
            "repairexport",
            "The full record of a repair report as a file",
            repair_export,
            params=(REPORT,),
            scope="report",
            listed_for=Role.MEMBER,
            own_note="only reports you made",
        ),
        Command(
            "communal",
            "Open communal problems, to say me too",
            communal,
            role=Role.MEMBER,
            needs_community=True,
        ),
        Command(
            "metoo",
            "You have the same communal problem: hear its updates",
            me_too,
            params=(REPORT,),
            role=Role.MEMBER,
            needs_community=True,
            scope="report",
        ),
        Command(
            "duplicate",
            "Close a report as the same as another: R-N R-M",
            duplicate,
            params=(REPORT, Param("of", "The report it repeats", ParamKind.REF)),
            scope="report",
            listed_for=Role.REPAIRS,
        ),
        Command(
            "repairstatus",
            "Move a report on and tell the tenant: R-N status message",
            repair_status,
            params=(
                REPORT,
                Param("status", "The new status", ParamKind.CHOICE, choices=STATUSES),
                Param("message", "What to tell the tenant", ParamKind.TEXT, required=False),
            ),
            scope="report",
            listed_for=Role.REPAIRS,
        ),
        Command(
            "isfixed",
            "Answer whether your repair is really fixed: yes or no",
            is_fixed,
            params=(
                REPORT,
                Param("answer", "yes or no", ParamKind.CHOICE, choices=("yes", "no")),
            ),
            scope="report",
            listed_for=Role.MEMBER,
            own_note="only reports you made",
        ),
        Command(
            "repaircomment",
            "Add to your repair report, or answer the team: R-N what to add",
            repair_comment,
            params=(
                REPORT,
                Param("comment", "What to add", ParamKind.TEXT, max_length=2000, multiline=True),
            ),
            scope="report",
            listed_for=Role.MEMBER,
            own_note="only reports you made",
        ),
        Command(
            "withdraw",
            "Withdraw a repair report you no longer need: R-N why",
            withdraw,
            params=(
                REPORT,
                Param("reason", "Why (optional)", ParamKind.TEXT, required=False, max_length=300),
            ),
            scope="report",
            listed_for=Role.MEMBER,
            own_note="only reports you made",
        ),
        Command(
            "priority",
            "Set a report's priority: emergency, urgent, routine or planned",
            priority,
            params=(
                REPORT,
                Param(
                    "priority",
                    "The priority",
                    ParamKind.CHOICE,
                    choices=tuple(p.value for p in Priority),
                ),
            ),
            scope="report",
            listed_for=Role.REPAIRS,
        ),
        Command(
            "visit",
            "Book a visit; the tenant is told and reminded: R-N when",
            visit,
            params=(REPORT, Param("when", "When (e.g. Thursday 10:00)", ParamKind.TEXT)),
            scope="report",
            listed_for=Role.REPAIRS,
        ),
        Command(
            "assign",
            "Give a report to a member of the repairs team: R-N member",
            assign,
            params=(REPORT, Param("member", "The member's number, or me")),
            scope="report",
            listed_for=Role.REPAIRS,
        ),
        Command(
            "investigated",
            "Damp and mould investigated (Awaab's Law): R-N what was found",
            investigated,
            params=(REPORT, Param("findings", "What was found", ParamKind.TEXT, max_length=2000)),
            scope="report",
            listed_for=Role.REPAIRS,
        ),
        Command(
            "summary",
            "Send the tenant the written summary (Awaab's Law): R-N text",
            summary,
            params=(REPORT, Param("summary", "The summary", ParamKind.TEXT, max_length=3000)),
            scope="report",
            listed_for=Role.REPAIRS,
        ),
        Command(
            "emergencyhazard",
            "An emergency hazard (Awaab's Law): make safe within 24 hours: R-N what",
            emergency_hazard,
            params=(
                REPORT,
                Param("hazard", "What the hazard is", ParamKind.TEXT, max_length=1000),
            ),
            scope="report",
            listed_for=Role.REPAIRS,
        ),
        Command(
            "madesafe",
            "The emergency hazard is made safe (Awaab's Law): R-N what was done",
            made_safe,
            params=(REPORT, Param("done", "What was done", ParamKind.TEXT, max_length=2000)),
            scope="report",
            listed_for=Role.REPAIRS,
        ),
        Command(
            "repairnote",
            "An internal note on a report (the tenant never sees it)",
            repair_note,
            params=(REPORT, Param("note", "The note", ParamKind.TEXT, max_length=2000)),
            scope="report",
            listed_for=Role.REPAIRS,
        ),
        Command(
            "repairs",
            "How fast repairs get fixed here: /repairs stats (organisers and the team: export)",
            repairs,
            params=(
                Param(
                    "what",
                    "stats, or export (every report as a CSV file)",
                    ParamKind.CHOICE,
                    required=False,
                    choices=("stats", "export"),
                ),
            ),
            role=Role.MEMBER,
            needs_community=True,
        ),
        Command(
            "importhomes",
            "Import the homes register from a CSV file (columns: ref, address)",
            import_homes,
            params=(Param("file", "The CSV file", ParamKind.ATTACHMENT),),
            role=Role.ORGANISER,
            needs_community=True,
        ),
        Command(
            "tenant",
            "Link a member to their home: /tenant 7 12A (or none)",
            tenant,
            params=(
                Param("member", "The member's number"),
                Param("home", "The home's ref, or none", ParamKind.TEXT, max_length=40),
            ),
            role=Role.ORGANISER,
            needs_community=True,
        ),
        Command(
            "homes",
            "The homes register and who lives where",
            list_homes,
            role=Role.ORGANISER,
            needs_community=True,
        ),
        Command(
            "triagechat",
            "Make this chat the repairs team's: new reports arrive here",
            triage_chat,
            role=Role.ADMIN,
            where=Where.GROUP,
            needs_community=True,
        ),
        Command(
            "repairtarget",
            "Set a priority's target here: urgent 7 working days (or default)",
            repair_target,
            params=(
                Param(
                    "priority",
                    "The priority",
                    ParamKind.CHOICE,
                    choices=tuple(p.value for p in Priority),
                ),
                Param("length", "24 hours, 5 working days, 28 days or default", ParamKind.TEXT),
            ),
            role=Role.ADMIN,
            needs_community=True,
        ),
        Command(
            "emergencyinfo",
            "What tenants are told to do in an emergency out of hours: text, or default",
            emergency_info,
            params=(
                Param(
                    "text",
                    "Who to call out of hours (or default)",
                    ParamKind.TEXT,
                    required=False,
                    max_length=EMERGENCY_TEXT_MAX,
                    multiline=True,
                ),
            ),
            role=Role.ADMIN,
            needs_community=True,
        ),
        Command(
            "repairnation",
            "Whose bank holidays repair targets skip",
            repair_nation,
            params=(
                Param(
                    "nation",
                    "The UK nation",
                    ParamKind.CHOICE,
                    choices=tuple(n.value for n in Nation),
                ),
            ),
            role=Role.ADMIN,
            needs_community=True,
        ),
        Command(
            "homerepairs",
            "A home's repair history, repeat damp and mould flagged: /homerepairs 12A",
            history.home_repairs,
            params=(Param("home", "The home's ref", ParamKind.TEXT, max_length=40),),
            role=Role.REPAIRS,
            needs_community=True,
        ),
    ),
    jobs={
        service.DUE_SOON_JOB: alert_job(overdue=False),
        service.OVERDUE_JOB: alert_job(overdue=True),
        service.VISIT_JOB: visit_reminder_job,
        service.DIGEST_JOB: digest_job,
    },
    merge_people=merge_people,
    renderers={service.CARD: card},
    move_chat=service.move_chat,
    undelivered={
        service.TENANT_NEWS: service.tenant_unreachable,
        service.TEAM_NEWS: service.team_unreachable,
    },
    export_person=privacy.export,
    forget_person=privacy.forget,
)
