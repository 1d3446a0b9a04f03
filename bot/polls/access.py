"""Finding the poll a command names, and who may do what with it.

A poll is named by its number in the actor's community ("7"), or, on buttons, with its
community ("3.7"), so that a button in a direct message acts on the poll it was sent for
whatever community the presser used last. Each command's rule is one of those below (the
manifest, bot/polls/feature.py, says which); together:

- someone from another community (neither an active member nor speaking from one of its chats)
  learns nothing, not even that the number exists;
- a visitor in one of the community's chats sees its published polls, as the chat does, and is
  told to /join to vote;
- a draft is seen only by its creator and the community's organisers;
- members see published polls (results and votes as the poll's settings allow) and vote in
  them if they are in its electorate;
- the creator manages a quick poll (publish, post, close, extend); organisers manage any poll,
  add paper votes, record outcomes and export.
"""

from __future__ import annotations

from bot import refs, roles
from bot.access import ANYONE, MEMBERS, ORGANISERS, Asker, Subject
from bot.context import Context
from bot.errors import UserError
from bot.params import Args, Param, ParamKind
from bot.polls.live import state_of
from bot.polls.views import PollView, find
from storage.models import Role
from storage.polls import PollStatus


def parse_ref(ctx: Context, given: str) -> tuple[int, int]:
    """(community id, number) from "7", "#7" or "3.7"."""
    community, number = refs.parse(given, "poll")
    if community is not None:
        return community, number
    if ctx.community_id is None:
        raise UserError(
            "Which community's poll? Use this in your community's group chat, or /join one."
        )
    return ctx.community_id, number


def _hidden(number: int) -> UserError:
    return UserError(f"There is no poll #{number} here. /polls lists the open ones.")


async def poll_named(ctx: Context) -> PollView:
    """The poll the command names, as it stands now, if this person may see it. (The core has
    already refused outsiders: a poll named with its community, "3.7", acts in community 3.)"""
    community_id, number = parse_ref(ctx, ctx.args.text("poll"))
    view = await ctx.runtime.read(lambda s: find(s, community_id, number))
    if view is None:
        raise _hidden(number)
    if view.status is PollStatus.DRAFT and not (
        view.poll.created_by_person_id == ctx.person_id or roles.allows(ctx.role, Role.ORGANISER)
    ):
        raise _hidden(number)
    return view


async def definition_named(ctx: Context) -> PollView:
    """The poll for reading and checking ballots. Once published, a poll's question, options and
    rules never change, so voting reuses them instead of reading the store on every vote; whether
    the poll is still open is always checked by the write that counts the vote."""
    community_id, number = parse_ref(ctx, ctx.args.text("poll"))
    known = state_of(ctx.runtime).definitions
    view = known.get((community_id, number))
    if view is None:
        view = await poll_named(ctx)
        if view.status is not PollStatus.DRAFT:
            known[(community_id, number)] = view
    return view


def _manages(asker: Asker, view: PollView, args: Args) -> str | None:
    """The creator may manage a quick poll; binding ballots are the organisers' alone."""
    poll = view.poll
    if roles.allows(asker.role, Role.ORGANISER) or (
        poll.created_by_person_id == asker.person_id and not poll.binding
    ):
        return None
    whom = "organisers" if poll.binding else "its creator or organisers"
    return f"Only {whom} can do that to poll #{view.number}."


POLL = Subject(Param("poll", "The poll's number", ParamKind.REF), PollView, poll_named)
# The same poll for voting, read from its unchanging definition (see definition_named).
BALLOT = Subject(POLL.param, PollView, definition_named)

# Visitors to the community's chats see its published polls, as the chat does.
SEEN_IN_CHAT = ANYONE.on(POLL)
FOR_MEMBERS = MEMBERS.on(POLL)
FOR_MANAGERS = MEMBERS.on(POLL, _manages, note="only polls you started", always_for=Role.ORGANISER)
FOR_ORGANISERS = ORGANISERS.on(POLL)
# Ballots are filled in by anyone who sees the poll; whether their vote counts (the electorate
# when it is cast) is checked in the vote's own write (service.cast).
BALLOTS = ANYONE.on(BALLOT)
VOTING = MEMBERS.on(BALLOT)
