"""The community feature's commands: /setup, /join, /members, /approve, /reject, /remove, /role,
/joinpolicy, /timezone and /import."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo, available_timezones

from bot import codes, refs, roles
from bot.community import importer, render, service
from bot.community.register import entries
from bot.context import Context
from bot.errors import UserError
from bot.events import FileOut
from bot.text import one_line
from storage.models import NAME_MAX, JoinPolicy, MembershipStatus, Role

MAX_DECISION_BUTTONS = 10


async def setup(ctx: Context) -> None:
    given = one_line(ctx.args.text("community"))
    code = codes.normalise(given) if codes.looks_like(service.CHAT_CODE, given) else None
    if code is None and len(given) > NAME_MAX:
        raise UserError(f"A community name can be at most {NAME_MAX} characters.")
    linked = await ctx.runtime.write(
        lambda s: service.link_chat(s, ctx.place, ctx.person_id, given, code, ctx.now)
    )
    if linked.created:
        ctx.reply(
            f"This chat is now the home of {linked.community_name}. Residents can send /join to "
            "become members; /help shows what Moot can do."
        )
    else:
        ctx.reply(f"This chat is now linked to {linked.community_name}. Residents can send /join.")
    ctx.reply_privately(
        f"To link another chat (Discord or Telegram) to {linked.community_name}, run this there as "
        f"its admin:\n/setup {linked.chat_code}\nKeep the code among admins."
        + (f"\n{render.ASK_FOR_TRIAGE}" if linked.created else "")
    )


async def join(ctx: Context) -> None:
    given = ctx.args.optional_text("code")
    if given is not None:
        code = codes.normalise(given)
        if not codes.looks_like(service.CLAIM_CODE, code):
            raise UserError(
                "Joining codes look like JOIN-ABCD-EFGH; check the code you were given."
            )
        _, name = await ctx.runtime.write(
            lambda s: service.claim_membership(s, code, ctx.person_id, ctx.now)
        )
        ctx.reply_privately(f"Welcome to {name}: your place on the register is now yours.")
        return
    if ctx.place.is_private or ctx.community_id is None:
        raise UserError(
            "Send /join in your community's group chat, or /join with the code an organiser gave you."
        )
    community_id = ctx.community_id
    outcome = await ctx.runtime.write(
        lambda s: service.request_membership(
            s, community_id, ctx.person_id, ctx.person_name, ctx.now
        )
    )
    if outcome.status == MembershipStatus.ACTIVE:
        ctx.reply(f"Welcome to {outcome.community_name}, {ctx.person_name}!")
        return
    if outcome.heard:
        ctx.reply_privately(  # true even if the organisers' messages fail later (see tell_someone)
            f"Your request to join {outcome.community_name} is with the organisers. "
            "I'll message you when they decide."
        )
        return
    ctx.reply_privately(
        f"Your request to join {outcome.community_name} is on the register, waiting for an "
        "organiser. Moot could not message any of them yet, so it asked in this chat for one to "
        "look at /members. I'll message you when they decide."
    )


def member_number(ctx: Context) -> int:
    """The member a command names ("12", or "3.12" from a button: the core has already put the
    command in community 3)."""
    return refs.parse(ctx.args.text("member"), "member")[1]


async def members(ctx: Context) -> None:
    community_id = ctx.community
    active = await ctx.runtime.read(lambda s: entries(s, community_id, (MembershipStatus.ACTIVE,)))
    pending = await ctx.runtime.read(
        lambda s: entries(s, community_id, (MembershipStatus.PENDING,))
    )
    buttons = [
        button
        for entry in pending[:MAX_DECISION_BUTTONS]
        for button in render.decision_buttons(community_id, entry.number)
    ]
    name = ctx.community_name or ""
    if len(active) + len(pending) <= render.LISTED_INLINE:
        ctx.reply_privately(render.register_text(name, active, pending), buttons=buttons)
        return
    # A register of thousands is one file, not a message no platform would carry.
    ctx.reply_privately(
        render.register_summary(name, active, pending[:MAX_DECISION_BUTTONS], len(pending)),
        buttons=buttons,
        file=FileOut("members.csv", render.register_csv(active + pending), "text/csv"),
    )


async def _decide(ctx: Context, approve: bool) -> None:
    community_id, member = ctx.community, member_number(ctx)
    decision = await ctx.runtime.write(
        lambda s: service.decide_request(s, community_id, member, approve, ctx.person_id, ctx.now)
    )
    said = (
        f"Approved: #{decision.number} {decision.person_name} is now a member."
        if approve
        else f"Rejected the request from #{decision.number} {decision.person_name}."
    )
    ctx.reply_privately(said + await _still_waiting(ctx, community_id), updating_pressed=True)


async def _still_waiting(ctx: Context, community_id: int) -> str:
    """Pressed on a message with decision buttons (a request's DM, or /members), that message
    becomes the answer: name the requests still waiting, whose buttons it no longer shows."""
    if not ctx.pressed:
        return ""
    pending = await ctx.runtime.read(
        lambda s: entries(s, community_id, (MembershipStatus.PENDING,))
    )
    if not pending:
        return ""
    named = ", ".join(f"#{e.number} {e.name}" for e in pending[:MAX_DECISION_BUTTONS])
    more = (
        f" and {len(pending) - MAX_DECISION_BUTTONS} more"
        if len(pending) > MAX_DECISION_BUTTONS
        else ""
    )
    return f"\nStill waiting: {named}{more}. /members shows them with their buttons."


async def approve(ctx: Context) -> None:
    await _decide(ctx, approve=True)


async def reject(ctx: Context) -> None:
    await _decide(ctx, approve=False)


async def remove(ctx: Context) -> None:
    community_id, member, role = ctx.community, member_number(ctx), ctx.role
    assert role is not None
    decision = await ctx.runtime.write(
        lambda s: service.remove_member(s, community_id, member, ctx.person_id, role, ctx.now)
    )
    ctx.reply_privately(f"Removed #{decision.number} {decision.person_name} from the register.")


async def role(ctx: Context) -> None:
    community_id, member = ctx.community, member_number(ctx)
    new_role = Role(ctx.args.text("role"))
    decision = await ctx.runtime.write(
        lambda s: service.set_role(s, community_id, member, new_role, ctx.person_id, ctx.now)
    )
    ctx.reply_privately(
        f"#{decision.number} {decision.person_name} is now {roles.as_title(new_role)}."
    )


async def joinpolicy(ctx: Context) -> None:
    community_id, policy = ctx.community, JoinPolicy(ctx.args.text("policy"))
    await ctx.runtime.write(
        lambda s: service.update_settings(
            s, community_id, ctx.person_id, ctx.now, join_policy=policy
        )
    )
    explained = (
        "anyone who sends /join becomes a member"
        if policy == JoinPolicy.OPEN
        else ("an organiser approves each /join")
    )
    ctx.reply(f"Joining {ctx.community_name} is now {policy}: {explained}.")


# Names the time zone database lists that are not places: "Factory" (a placeholder) and
# "localtime" (this machine's own zone). dateparser, which reads the times people type, knows
# neither, so a community keeping time in one could not read any time at all.
_NOT_PLACES = frozenset({"factory", "localtime"})


async def timezone(ctx: Context) -> None:
    community_id = ctx.community
    wanted = ctx.args.text("zone")
    matches = [
        z
        for z in available_timezones()
        if z.lower() == wanted.lower() and z.lower() not in _NOT_PLACES
    ]
    if not matches:
        raise UserError(
            f"{wanted[:40]!r} is not a time zone I know. Use a name like Europe/London."
        )
    zone = ZoneInfo(matches[0]).key
    await ctx.runtime.write(
        lambda s: service.update_settings(s, community_id, ctx.person_id, ctx.now, timezone=zone)
    )
    ctx.reply(f"{ctx.community_name} now keeps time in {zone}.")


async def import_members(ctx: Context) -> None:
    community_id = ctx.community
    rows = await asyncio.to_thread(importer.parse, ctx.args.attachment("file").data)
    imported = await ctx.runtime.write(
        lambda s: importer.import_rows(s, community_id, rows, ctx.person_id, ctx.now), long=True
    )
    ctx.reply_privately(
        f"Imported {len(imported)} member(s) into {ctx.community_name}. Each has a joining code in "
        "the attached file: give it to them, and they send /join CODE to me (here or privately) "
        "to claim their place.",
        file=FileOut("claim-codes.csv", importer.claim_codes_csv(imported), "text/csv"),
    )


async def claim_codes(ctx: Context) -> None:
    community_id = ctx.community
    waiting = await ctx.runtime.read(lambda s: importer.unclaimed(s, community_id))
    if not waiting:
        ctx.reply_privately(f"Everyone imported into {ctx.community_name} has claimed their place.")
        return
    ctx.reply_privately(
        f"{len(waiting)} imported member(s) of {ctx.community_name} have not claimed their place "
        "yet; their joining codes are in the attached file.",
        file=FileOut("claim-codes.csv", importer.claim_codes_csv(waiting), "text/csv"),
    )
