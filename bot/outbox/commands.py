"""The outbox feature's commands: admins see what waits or failed, and send a failed message
again."""

from __future__ import annotations

import time

from bot.context import Context
from bot.leases import sending
from bot.outbox import status
from storage.leases import holders


async def outbox(ctx: Context) -> None:
    community_id = ctx.community
    lines = await ctx.runtime.write(lambda s: status.numbered_listing(s, community_id, ctx.now))
    platforms = sending(await ctx.runtime.read(holders), time.time())
    said = "\n\nSending now, by platform:\n" + "\n".join(platforms) if platforms else ""
    if not lines:
        ctx.reply_privately(f"Everything Moot had to send for {ctx.community_name} has gone.{said}")
        return
    ctx.reply_privately(
        f"Messages for {ctx.community_name} that are waiting or failed (newest first):\n"
        + "\n".join(lines)
        + said
    )


async def resend(ctx: Context) -> None:
    community_id, number = ctx.community, ctx.args.integer("message")
    await ctx.runtime.write(
        lambda s: status.resend_numbered(s, community_id, number, ctx.person_id)
    )
