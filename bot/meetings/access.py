"""Finding the meeting (or the finding a time) a command names, and who may change it.

A meeting is named by its number in the community the command acts in ("3"), or on buttons with
its community ("1.3": the core then acts in that community, and refuses outsiders). Drafts are
seen only by organisers; announced meetings by anyone in the community; only organisers change
them.
"""

from __future__ import annotations

from bot import refs, roles
from bot.commands import Param, ParamKind
from bot.context import Context
from bot.errors import NotAllowedError, UserError
from bot.meetings import findtime
from bot.meetings.findtime import FinderView
from bot.meetings.views import MeetingView, find
from storage.meetings import MeetingStatus
from storage.models import Role

MEETING = Param("meeting", "The meeting's number", ParamKind.REF)
FINDER = Param("finder", "Its number", ParamKind.REF)


async def meeting_named(ctx: Context) -> MeetingView:
    """The meeting the command names, in the community it acts in, if this person may see it."""
    number = refs.parse(ctx.args.text("meeting"), "meeting")[1]
    if ctx.community_id is None:
        raise UserError("Which community's meeting? Use this in your community's group chat.")
    community_id = ctx.community_id
    view = await ctx.runtime.read(lambda s: find(s, community_id, number))
    if view is None or (
        view.status is MeetingStatus.DRAFT and not roles.allows(ctx.role, Role.ORGANISER)
    ):
        raise UserError(f"There is no meeting #{number} here. /meetings lists what is coming up.")
    return view


def require_organiser(ctx: Context, view: MeetingView) -> None:
    if not roles.allows(ctx.role, Role.ORGANISER):
        raise NotAllowedError(f"Only organisers of {view.community.name} can do that.")


async def finder_named(ctx: Context) -> FinderView:
    number = refs.parse(ctx.args.text("finder"), "finder")[1]
    community_id = ctx.community
    view = await ctx.runtime.read(lambda s: findtime.find(s, community_id, number))
    if view is None:
        raise UserError(f"There is no finding a time #{number} here.")
    return view
