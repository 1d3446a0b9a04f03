"""Commands for finding a time: offer slots, answer for each, pick one."""

from __future__ import annotations

from bot.context import Context
from bot.meetings import findtime
from bot.meetings.access import FINDER
from storage.models import Community


async def find_time(ctx: Context) -> None:
    community_id = ctx.community
    zone = await ctx.runtime.read(lambda s: s.get_one(Community, community_id).timezone)
    title, slots = findtime.read_slots(ctx.args.text("definition"), zone, ctx.now)
    finder = await ctx.runtime.write(
        lambda s: findtime.create(s, community_id, ctx.person_id, ctx.place, title, slots, ctx.now)
    )
    ctx.reply_privately(
        f"Finding a time #{finder.number} is posted. When people have answered, pick a time with "
        f"/picktime {finder.number} <time number>."
    )


async def available(ctx: Context) -> None:
    view = FINDER.of(ctx)
    answers = findtime.read_answers(ctx.args.text("answers").split(), len(view.slots))
    finder_id, platform = view.finder.id or 0, ctx.place.platform
    await ctx.runtime.write(
        lambda s: findtime.answer(s, finder_id, ctx.person_id, answers, platform, ctx.now)
    )
    said = ", ".join(
        f"{slot} {findtime.SYMBOLS[answer]}" for slot, answer in sorted(answers.items())
    )
    ctx.reply_privately(f"Noted for #{view.finder.number}: {said}.")


async def pick_time(ctx: Context) -> None:
    view = FINDER.of(ctx)  # organisers only: declared in feature.py
    finder_id, slot = view.finder.id or 0, ctx.args.integer("time")
    _, told = await ctx.runtime.write(
        lambda s: findtime.pick(s, finder_id, slot, ctx.person_id, ctx.now)
    )
    ctx.reply_privately(
        "The meeting is made and announced; "
        + (
            f"word is on its way to the {told} {'person' if told == 1 else 'people'} who answered."
            if told
            else "nobody had answered, so nobody is sent word."
        )
    )
