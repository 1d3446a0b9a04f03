"""Starting a poll: the draft and its preview, its settings, publishing or discarding it, and
posting it in more chats."""

from __future__ import annotations

import re

from sqlmodel import select

from bot.context import Context
from bot.errors import UserError
from bot.polls import render, service
from bot.polls.access import POLL
from bot.polls.live import state_of
from bot.polls.spec import SETTINGS_HELP, build, parse_one_line, with_setting
from bot.polls.views import load
from storage.models import Chat, Community
from storage.polls import PollStatus


async def poll(ctx: Context) -> None:
    community_id = ctx.community
    community = await ctx.runtime.read(lambda s: s.get_one(Community, community_id))
    options = ctx.args.optional_text("options")
    if options is not None:  # the guided form
        settings = (
            [f"closes: {ctx.args.text('closes')}"] if ctx.args.optional_text("closes") else []
        )
        lines = re.split(r"\n|\|", options)
        spec = build(ctx.args.text("question"), lines, settings, community.timezone, ctx.now)
    else:
        spec = parse_one_line(ctx.args.text("question"), community.timezone, ctx.now)

    poll_id = await ctx.runtime.write(
        lambda s: service.start_draft(
            s, community_id, ctx.person_id, ctx.role, ctx.place, spec, ctx.now
        )
    )
    await show_preview(ctx, poll_id)


async def show_preview(ctx: Context, poll_id: int) -> None:
    view = await ctx.runtime.read(lambda s: load(s, poll_id))
    kept = state_of(ctx.runtime).sealer.batch if ctx.runtime.keeps_seal_batches else None
    text, buttons = render.preview(view, batches_kept=kept)
    ctx.reply_privately(
        text, buttons=buttons, menus=render.setting_menus(view), updating_pressed=True
    )


async def pollset(ctx: Context) -> None:
    view, setting = POLL.of(ctx), ctx.args.text("setting")
    poll_id, n = view.id, view.number
    if view.status is not PollStatus.DRAFT:
        raise UserError(
            f"Poll #{n} is published; only drafts can be changed (/extend changes the deadline)."
        )
    if ":" not in setting and setting.split()[0].lower() not in ("secret", "ballot"):
        raise UserError(f"Write the setting as name: value. {SETTINGS_HELP}")
    spec = with_setting(service.spec_of(view), setting, view.community.timezone, ctx.now)
    await ctx.runtime.write(
        lambda s: service.replace_spec(s, poll_id, spec, ctx.person_id, ctx.now)
    )
    await show_preview(ctx, poll_id)


async def publish(ctx: Context) -> None:
    view = POLL.of(ctx)
    poll_id, n = view.id, view.number
    status = await ctx.runtime.write(
        lambda s: service.publish_where_drafted(s, poll_id, ctx.person_id, ctx.now)
    )
    # Pressed on the draft's preview: the preview becomes this, so its buttons are gone.
    if status is PollStatus.SCHEDULED:
        ctx.reply_privately(
            f"Poll #{n} is announced and will open at the time shown.", updating_pressed=True
        )
    else:
        ctx.reply_privately(
            f"Poll #{n} is open. Post it in another chat of {view.community.name} with /post {n}.",
            updating_pressed=True,
        )


async def discard(ctx: Context) -> None:
    view = POLL.of(ctx)
    poll_id, n = view.id, view.number
    await ctx.runtime.write(lambda s: service.discard(s, poll_id, ctx.person_id, ctx.now))
    ctx.reply_privately(f"Draft poll #{n} discarded.", updating_pressed=True)


async def post(ctx: Context) -> None:
    view, where = POLL.of(ctx), ctx.args.optional_text("where")
    poll_id, n = view.id, view.number
    if view.status not in (PollStatus.OPEN, PollStatus.SCHEDULED):
        raise UserError(f"Poll #{n} is {view.status}; only open or announced polls can be posted.")
    if where is not None and where.lower() != "all":
        raise UserError(
            f"/post {n} posts here; /post {n} all posts in every chat of {view.community.name}."
        )
    if where is None:
        if ctx.community_id != view.poll.community_id or ctx.place.is_private:
            raise UserError(f"Run /post {n} in a group chat of {view.community.name}.")
        chats = [(ctx.place.platform, ctx.place.chat_id, ctx.place.thread_id)]
    else:
        rows = await ctx.runtime.read(
            lambda s: list(s.exec(select(Chat).where(Chat.community_id == view.poll.community_id)))
        )
        chats = [(c.platform, c.platform_chat_id, None) for c in rows]
    posted = await ctx.runtime.write(
        lambda s: service.post_in(s, poll_id, chats, ctx.person_id, ctx.now)
    )
    if not posted:
        ctx.reply_privately(f"Poll #{n} is already there.")
