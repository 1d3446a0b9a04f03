"""The outbox feature's commands: admins see what waits or failed, and send a failed message
again."""

from __future__ import annotations

from bot.context import Context
from bot.outbox import status


async def outbox(ctx: Context) -> None:
    community_id = ctx.community
    lines = await ctx.runtime.write(lambda s: status.numbered_listing(s, community_id, ctx.now))
    if not lines:
        ctx.reply_privately(f"Everything Moot had to send for {ctx.community_name} has gone.")
        return
    ctx.reply_privately(
        f"Messages for {ctx.community_name} that are waiting or failed (newest first):\n"
        + "\n".join(lines)
    )


async def resend(ctx: Context) -> None:
    community_id, number = ctx.community, ctx.args.integer("message")
    await ctx.runtime.write(
        lambda s: status.resend_numbered(s, community_id, number, ctx.person_id)
    )
