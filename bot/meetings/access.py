"""Finding the meeting (or the finding a time) a command names, and who may change it.

A meeting is named by its number in the community the command acts in ("3"), or on buttons with
its community ("1.3": the core then acts in that community, and refuses outsiders). Drafts are
seen only by organisers; announced meetings by anyone in the community; only organisers change
them. Each command's rule is one of those below (bot/meetings/feature.py says which).
"""

from __future__ import annotations

from bot import refs, roles
from bot.access import ANYONE, MEMBERS, ORGANISERS, Asker, Subject
from bot.context import Context
from bot.errors import UserError
from bot.meetings import findtime
from bot.meetings.findtime import FinderView
from bot.meetings.views import MeetingView, find
from bot.params import Args, Param, ParamKind
from storage.meetings import MeetingStatus
from storage.models import Role


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


async def finder_named(ctx: Context) -> FinderView:
    number = refs.parse(ctx.args.text("finder"), "finder")[1]
    community_id = ctx.community
    view = await ctx.runtime.read(lambda s: findtime.find(s, community_id, number))
    if view is None:
        raise UserError(f"There is no finding a time #{number} here.")
    return view


def _sees_guests(asker: Asker, view: MeetingView, args: Args) -> str | None:
    """Organisers see who is going, and choose whether members may too (`guests: members`)."""
    if roles.allows(asker.role, Role.ORGANISER):
        return None
    if args.optional_text("who"):
        return f"Only organisers of {asker.community_name} choose who sees who is going."
    if not view.meeting.guests_visible:
        return f"Only organisers see who is going to meeting #{view.number}."
    return None


MEETING = Subject(
    Param("meeting", "The meeting's number", ParamKind.REF), MeetingView, meeting_named
)
FINDER = Subject(Param("finder", "Its number", ParamKind.REF), FinderView, finder_named)

SEEN_BY_ALL = ANYONE.on(MEETING)  # an announced meeting, as its card shows it to the chat
FOR_MEMBERS = MEMBERS.on(MEETING)
FOR_ORGANISERS = ORGANISERS.on(MEETING)
GUEST_LIST = MEMBERS.on(
    MEETING, _sees_guests, note="where its organisers share it", always_for=Role.ORGANISER
)
ANSWERING_FINDER = MEMBERS.on(FINDER)
PICKING_FROM_FINDER = ORGANISERS.on(FINDER)


def _all_for_organisers(asker: Asker, found: None, args: Args) -> str | None:
    if (args.optional_text("whose") or "").lower() == "all" and not roles.allows(
        asker.role, Role.ORGANISER
    ):
        return "Only organisers see everyone's actions; /actions shows yours."
    return None


ACTIONS = MEMBERS.checking(_all_for_organisers)
