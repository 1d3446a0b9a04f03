"""Fix as tenants use it: `/report` files a report privately (typed in one line, or as a
guided form that continues in private); the tenant gets its reference and target date at once
and hears back at every step. Tenants see their reports, add photos and comments, say "me too" to
a communal problem, confirm a fix or withdraw; the repairs team may read any report here too."""

from __future__ import annotations

import asyncio

from sqlmodel import Session

from bot.context import Context
from bot.events import FileOut
from bot.repairs import photos, render, service
from bot.repairs.access import COMMUNAL, REPORT, is_team
from bot.repairs.repeats import with_repeats
from bot.repairs.spec import LABELS, build, parse_one_line
from bot.repairs.views import communal_open, reports_of
from bot.text import one_line


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

    receipt = await ctx.runtime.write(
        lambda s: service.report(s, community_id, ctx.person_id, platform, spec, ctx.now)
    )
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
    views = await ctx.runtime.read(lambda s: reports_of(s, community_id, ctx.person_id))
    ctx.reply_privately(render.listing(views))


async def repair(ctx: Context) -> None:
    view = REPORT.of(ctx)
    if is_team(ctx):  # repeat damp and mould at the same home, for the team
        view = await ctx.runtime.read(lambda s: with_repeats(s, view))
    ctx.reply_privately(render.page(view, for_team=is_team(ctx)))


async def communal(ctx: Context) -> None:
    community_id = ctx.community
    views = await ctx.runtime.read(lambda s: communal_open(s, community_id))
    words, buttons = render.communal(views)
    ctx.reply_privately(words, buttons=buttons)


async def me_too(ctx: Context) -> None:
    view = COMMUNAL.of(ctx)
    report_id, platform = view.id, ctx.place.platform
    following = await ctx.runtime.write(
        lambda s: service.me_too(s, report_id, ctx.person_id, platform, ctx.now)
    )
    ctx.reply_privately(
        f"Noted: {following} people have this problem. You will hear every update on "
        f"{view.reference} ({LABELS[view.report.category]}, {view.report.location})."
    )


def _clean_and_prepare(data: bytes, kept: photos.PhotoStore) -> photos.CleanPhoto:
    cleaned = photos.clean(data)
    kept.prepare(cleaned)
    return cleaned


async def photo(ctx: Context) -> None:
    view = REPORT.of(ctx)
    kept = photos.store(ctx.runtime)
    cleaned = await asyncio.to_thread(_clean_and_prepare, ctx.args.attachment("photo").data, kept)
    report_id = view.id

    def attach(session: Session) -> int:
        count = service.add_photo(session, report_id, cleaned, ctx.person_id, ctx.now)
        kept.add(session, cleaned)
        return count

    count = await ctx.runtime.write(attach)
    _answer_privately(
        ctx,
        f"The photo is on {view.reference} ({count} in all), with its location and camera "
        "details removed.",
    )


async def show_photos(ctx: Context) -> None:
    view = REPORT.of(ctx)
    if not view.photos:
        ctx.reply_privately(f"{view.reference} has no photos yet. Add one with /photo.")
        return
    kept = photos.store(ctx.runtime)
    found = await ctx.runtime.read(
        lambda s: [kept.read(s, photo.sha256, photo.content_type) for photo in view.photos]
    )
    for number, (photo, data) in enumerate(zip(view.photos, found, strict=True), start=1):
        if data is None:
            ctx.reply_privately(f"Photo {number} of {view.reference} is missing.")
            continue
        ctx.reply_privately(
            f"{view.reference}, photo {number} of {len(view.photos)}",
            file=FileOut(
                photos.file_name(photo.sha256, photo.content_type), data, photo.content_type
            ),
        )


async def repair_export(ctx: Context) -> None:
    view = REPORT.of(ctx)
    document = render.evidence(view, for_team=is_team(ctx), exported_at=ctx.now)
    ctx.reply_privately(
        f"The full record of {view.reference}, to keep or send on (for example to the Housing "
        "Ombudsman).",
        file=FileOut(f"repair-{view.reference}.txt", document.encode(), "text/plain"),
    )


async def is_fixed(ctx: Context) -> None:
    view = REPORT.of(ctx)
    fixed, report_id = ctx.args.text("answer") == "yes", view.id
    await ctx.runtime.write(lambda s: service.confirm_fixed(s, report_id, fixed, ctx.now))
    ctx.reply_privately(
        f"Thank you: {view.reference} is closed."
        if fixed
        else f"Sorry to hear it. {view.reference} is reopened; the news is on its way to the "
        "repairs team.",
        updating_pressed=True,
    )


async def repair_comment(ctx: Context) -> None:
    view = REPORT.of(ctx)
    report_id, comment = view.id, ctx.args.text("comment")
    resumed = await ctx.runtime.write(
        lambda s: service.tenant_comment(s, report_id, ctx.person_id, comment, ctx.now)
    )
    back = f" It is back to {render.STATUS_WORDS[resumed]}." if resumed is not None else ""
    _answer_privately(ctx, f"Added to {view.reference}; the repairs team has it.{back}")


async def withdraw(ctx: Context) -> None:
    view = REPORT.of(ctx)
    reason = one_line(ctx.args.optional_text("reason") or "") or None
    report_id = view.id
    await ctx.runtime.write(
        lambda s: service.withdraw(s, report_id, ctx.person_id, reason, ctx.now)
    )
    _answer_privately(
        ctx,
        f"{view.reference} is withdrawn: the repairs team is told, and nothing more is due on "
        "it. If the problem comes back, /report it again.",
    )
