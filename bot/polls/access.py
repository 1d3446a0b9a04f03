"""Finding the poll a command names, and who may do what with it.

A poll is named by its number in the actor's community ("7"), or, on buttons, with its
community ("3.7"), so that a button in a direct message acts on the poll it was sent for
whatever community the presser used last. The rule, one per role:

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

from sqlmodel import Session, select

from bot import refs, roles
from bot.commands import Param, ParamKind
from bot.context import Context
from bot.errors import NotAllowedError, UserError
from bot.polls.live import state_of
from bot.polls.views import PollView, find
from storage.models import Membership, MembershipStatus, Role
from storage.polls import PollStatus

# The parameter naming the poll a command acts on (see poll_named).
POLL = Param("poll", "The poll's number", ParamKind.REF)


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


async def role_in(ctx: Context, community_id: int) -> Role | None:
    """The person's role in a community (the chat's, or another they belong to)."""
    if community_id == ctx.community_id:
        return ctx.role
    person = ctx.person_id

    def read(session: Session) -> Role | None:
        row = session.exec(
            select(Membership).where(
                Membership.community_id == community_id, Membership.person_id == person
            )
        ).first()
        return Role(row.role) if row is not None and row.status == MembershipStatus.ACTIVE else None

    return await ctx.runtime.read(read)


def _hidden(number: int) -> UserError:
    return UserError(f"There is no poll #{number} here. /polls lists the open ones.")


async def _role_if_inside(ctx: Context, community_id: int, number: int) -> Role | None:
    """The person's role there; refused as if the poll did not exist if they are outside."""
    role = await role_in(ctx, community_id)
    if role is None and ctx.community_id != community_id:
        raise _hidden(number)
    return role


async def poll_named(ctx: Context, param: str = "poll") -> PollView:
    """The poll the command names, as it stands now, if this person may see it."""
    community_id, number = parse_ref(ctx, ctx.args.text(param))
    role = await _role_if_inside(ctx, community_id, number)
    view = await ctx.runtime.read(lambda s: find(s, community_id, number))
    if view is None:
        raise _hidden(number)
    if view.status is PollStatus.DRAFT and not (
        view.poll.created_by_person_id == ctx.person_id or roles.allows(role, Role.ORGANISER)
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
    else:
        await _role_if_inside(ctx, community_id, number)
    return view


async def require_manager(ctx: Context, view: PollView) -> None:
    """The creator may manage a quick poll; binding ballots are the organisers' alone."""
    role = await role_in(ctx, view.poll.community_id)
    is_organiser = roles.allows(role, Role.ORGANISER)
    if is_organiser or (view.poll.created_by_person_id == ctx.person_id and not view.poll.binding):
        return
    raise NotAllowedError(
        f"Only {'organisers' if view.poll.binding else 'its creator or organisers'} can do that "
        f"to poll #{view.number}."
    )


async def require_organiser(ctx: Context, view: PollView) -> None:
    if not roles.allows(await role_in(ctx, view.poll.community_id), Role.ORGANISER):
        raise NotAllowedError(f"Only organisers of {view.community.name} can do that.")


async def require_member(ctx: Context, view: PollView, what: str = "see that") -> None:
    """For the community's members, not visitors to its chat (how named people voted; a secret
    ballot to confirm)."""
    if await role_in(ctx, view.poll.community_id) is None:
        raise NotAllowedError(f"Only members of {view.community.name} can {what}; /join first.")
