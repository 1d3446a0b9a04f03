"""Commands for finding a time: offer slots, answer for each, pick one."""

from __future__ import annotations

from sqlmodel import Session

from bot import refs
from bot.commands import Command, Param, ParamKind, Where
from bot.context import Context
from bot.core import Moot
from bot.errors import UserError
from bot.events import Reply
from bot.meetings import findtime
from bot.meetings.findtime import FinderView
from storage.models import Community, Role

FINDER = Param("finder", "Its number", ParamKind.REF)


async def finder_named(ctx: Context) -> FinderView:
    number = refs.parse(ctx.args.text("finder"), "finder")[1]
    community_id = ctx.community
    view = await ctx.moot.read(lambda s: findtime.find(s, community_id, number))
    if view is None:
        raise UserError(f"There is no finding a time #{number} here.")
    return view


async def find_time(ctx: Context) -> None:
    community_id = ctx.community
    zone = await ctx.moot.read(lambda s: s.get_one(Community, community_id).timezone)
    title, slots = findtime.read_slots(ctx.args.text("definition"), zone, ctx.now)
    finder = await ctx.moot.write(
        lambda s: findtime.create(s, community_id, ctx.person_id, ctx.place, title, slots, ctx.now)
    )
    ctx.reply_privately(
        f"Finding a time #{finder.number} is posted. When people have answered, pick a time with "
        f"/picktime {finder.number} <time number>."
    )


async def available(ctx: Context) -> None:
    view = await finder_named(ctx)
    answers = findtime.read_answers(ctx.args.text("answers").split(), len(view.slots))
    finder_id, platform = view.finder.id or 0, ctx.place.platform
    await ctx.moot.write(
        lambda s: findtime.answer(s, finder_id, ctx.person_id, answers, platform, ctx.now)
    )
    said = ", ".join(
        f"{slot} {findtime.SYMBOLS[answer]}" for slot, answer in sorted(answers.items())
    )
    ctx.reply_privately(f"Noted for #{view.finder.number}: {said}.")


async def pick_time(ctx: Context) -> None:
    view = await finder_named(ctx)  # organisers only: declared below
    finder_id, slot = view.finder.id or 0, ctx.args.integer("time")
    _, told = await ctx.moot.write(
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


async def card(moot: Moot, key: str) -> Reply | None:
    def build(session: Session) -> Reply:
        text, buttons = findtime.card(findtime.load_finder(session, int(key)))
        return Reply(text, buttons=tuple(buttons))

    return await moot.read(build)


FINDTIME_COMMANDS = (
    Command(
        "findtime",
        "Find a time for a meeting: title | time | time …",
        find_time,
        params=(Param("definition", "title | time | time …", ParamKind.TEXT),),
        role=Role.ORGANISER,
        where=Where.GROUP,
        needs_community=True,
    ),
    Command(
        "available",
        "Say which offered times you can make",
        available,
        params=(FINDER, Param("answers", "yes, maybe or no for each time", ParamKind.TEXT)),
        role=Role.MEMBER,
        needs_community=True,
        scope="finder",
    ),
    Command(
        "picktime",
        "Pick the time: the meeting is made",
        pick_time,
        params=(FINDER, Param("time", "The time's number", ParamKind.INTEGER)),
        role=Role.ORGANISER,
        needs_community=True,
        scope="finder",
    ),
)
