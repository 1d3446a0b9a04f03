"""A community's repairs settings, for its admins: the triage chat, each priority's target, the
bank holidays targets skip, and what tenants are told to do in an emergency out of hours."""

from __future__ import annotations

import re

from bot.context import Context
from bot.errors import UserError
from bot.repairs import render, service
from bot.repairs.clocks import DEFAULT_TARGETS, Counting, Nation, Priority, Target
from bot.repairs.views import settings_of
from bot.text import clean


async def triage_chat(ctx: Context) -> None:
    community_id, place = ctx.community, ctx.place
    waiting = await ctx.runtime.write(
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
    moved, overdue = await ctx.runtime.write(
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
    await ctx.runtime.write(lambda s: service.set_nation(s, community_id, nation))
    ctx.reply_privately(
        f"Repair targets in {ctx.community_name} now skip the bank holidays of "
        f"{nation.value.replace('-', ' ').title()}."
    )


async def emergency_info(ctx: Context) -> None:
    community_id = ctx.community
    given = clean(ctx.args.optional_text("text") or "").strip()
    if given:
        chosen = None if given.lower() == "default" else given
        await ctx.runtime.write(lambda s: service.set_emergency_text(s, community_id, chosen))
    own = await ctx.runtime.read(lambda s: settings_of(s, community_id).emergency_text)
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
