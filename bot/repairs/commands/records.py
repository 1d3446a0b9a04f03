"""A community's repair records: how fast repairs get fixed (`/repairs stats`, and the CSV
export), the homes register and its tenants, and a home's repair history for the team."""

from __future__ import annotations

import asyncio

from bot import refs
from bot.context import Context
from bot.errors import UserError
from bot.repairs import export, history, homes, stats
from bot.text import one_line


async def repairs(ctx: Context) -> None:
    if ctx.args.optional_text("what") == "export":
        await export.export_all(ctx)
        return
    community_id = ctx.community
    gathered = await ctx.runtime.read(lambda s: stats.gather(s, community_id, ctx.now))
    ctx.reply_privately(stats.render(gathered))


async def import_homes(ctx: Context) -> None:
    community_id = ctx.community
    rows = await asyncio.to_thread(homes.parse, ctx.args.attachment("file").data)
    added, updated = await ctx.runtime.write(
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
    name, home = await ctx.runtime.write(lambda s: homes.link_tenant(s, community_id, number, ref))
    if home is None:
        ctx.reply_privately(f"{name} is no longer linked to any home here.")
    else:
        ctx.reply_privately(f"{name} is a tenant of {home.ref} ({home.address}).")


async def list_homes(ctx: Context) -> None:
    community_id = ctx.community
    listed = await ctx.runtime.read(lambda s: homes.register(s, community_id))
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


async def home_repairs(ctx: Context) -> None:
    community_id, ref, now = ctx.community, ctx.args.text("home"), ctx.now
    found = await ctx.runtime.read(lambda s: history.of_home(s, community_id, ref))
    if found is None:
        raise UserError(
            f"There is no home {one_line(ref)[:40]} in the register of {ctx.community_name}."
        )
    ctx.reply_privately(history.render(found, now))
