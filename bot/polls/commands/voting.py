"""Voting: a vote typed or pressed, ballots filled in option by option, and secret ballots
confirmed before they are cast. A secret ballot in progress rides in its own buttons
(bot/polls/carried.py); other ballots in progress are in the store (bot/polls/drafts.py)."""

from __future__ import annotations

from sqlmodel import Session

from bot.context import Context
from bot.errors import UserError
from bot.events import Button, ButtonStyle
from bot.polls import ballots, batching, carried, drafts, render, service
from bot.polls.access import BALLOT
from bot.polls.live import results_of, state_of
from bot.polls.views import PollView, has_voted
from storage.polls import PollKind, ResultsShown


async def vote(ctx: Context) -> None:
    view = BALLOT.of(ctx)
    if view.poll.secret and _typed_in_a_group(ctx, view):
        return
    ballot = ballots.read(view.rules, ctx.args.text("choices"))
    if view.poll.secret:
        await confirm_secret(
            ctx, view, (ballot.choice,) if ballot.choice is not None else ballot.marks
        )
        return
    await record(ctx, view, ballot)


async def _not_cast_yet(ctx: Context, view: PollView) -> None:
    """A secret ballot is final once cast: refuse to fill in another."""
    if await ctx.runtime.read(lambda s: has_voted(s, view, ctx.person_id)):
        raise UserError(
            f"You have already cast your secret ballot in poll #{view.number}; it is final."
        )


async def confirm_secret(ctx: Context, view: PollView, marks: carried.Marks) -> None:
    await _not_cast_yet(ctx, view)
    chosen = (
        ", ".join(view.label(m) for m in marks)
        if view.kind is not PollKind.SCORE
        else " ".join(map(str, marks))
    )
    ctx.reply_privately(
        f"Your secret ballot in poll #{view.number}: {chosen}.\nOnce cast it cannot be changed. Cast it?",
        buttons=[
            Button(
                "Cast my ballot", f"cast {view.ref} {carried.written(marks)}", ButtonStyle.PRIMARY
            ),
            Button("Start again", f"clearballot {view.ref}"),
        ],
        holds_secret=True,
    )


async def record(ctx: Context, view: PollView, ballot: ballots.Ballot) -> None:
    poll_id, n = view.id, view.number
    state, person_id, drafted = state_of(ctx.runtime), ctx.person_id, drafts.may_have_one(view)

    def write(session: Session) -> service.Cast:
        outcome = service.cast(session, poll_id, person_id, ballot, ctx.now, state.sealer)
        if drafted:  # the ballot in progress is cast: it goes in the same commit
            drafts.discard(session, poll_id, person_id)
        return outcome

    outcome = await ctx.runtime.write(write, batched=batching.vote(poll_id, person_id))
    ctx.runtime.counts.voted()  # committed: a vote the store holds
    if view.poll.secret:
        # No receipt: nothing after the cast restates the choice.
        ctx.reply_privately(render.secret_ballot_cast(n, state.sealer.batch), updating_pressed=True)
        return
    chosen = describe_ballot(view, ballot)
    verb = "is counted" if outcome.first else "replaces your earlier vote"
    text = f"Your vote in poll #{n} ({chosen}) {verb}. You can change it until the poll closes."
    if view.poll.results_shown == ResultsShown.AFTER_VOTE:
        _, results = await results_of(ctx.runtime, poll_id)
        text += "\n\n" + render.results_text(view, results, final=False)
    # Pressed on a ballot being filled in ("Cast my vote"): the ballot becomes the receipt.
    ctx.reply_privately(text, updating_pressed=True)


def describe_ballot(view: PollView, ballot: ballots.Ballot) -> str:
    if ballot.choice is not None:
        return view.label(ballot.choice)
    if view.kind is PollKind.SCORE:
        return ", ".join(f"{o.label}: {s}" for o, s in zip(view.options, ballot.marks, strict=True))
    joiner = " > " if view.kind is PollKind.RANKED else ", "
    return joiner.join(view.label(m) for m in ballot.marks)


async def open_ballot(ctx: Context) -> None:
    view = BALLOT.of(ctx)
    if view.kind in ballots.CHOICE_KINDS or view.kind is PollKind.SCORE:
        raise UserError(render.how_to_vote(view))
    marks: carried.Marks = ()
    if view.poll.secret:
        await _not_cast_yet(ctx, view)
    else:
        marks = await drafts.marks_of(ctx.runtime, view.id, ctx.person_id) or ()
    text, buttons = render.ballot_message(view, marks)
    ctx.reply_privately(text, buttons=buttons)


async def pick(ctx: Context) -> None:
    view, option = BALLOT.of(ctx), ctx.args.integer("option")
    given = ctx.args.optional_text("choices")
    if view.poll.secret and _typed_in_a_group(ctx, view):
        return
    if view.kind in ballots.CHOICE_KINDS or view.kind is PollKind.SCORE:
        raise UserError(render.how_to_vote(view))
    if view.poll.secret:
        await _not_cast_yet(ctx, view)
        marks = carried.toggled(view, carried.read(view, given), option)
    elif given:
        raise UserError(
            f"Your ballot in poll #{view.number} so far is kept for you: send /pick "
            f"{view.number} {option}, without choices."
        )
    else:
        marks = await drafts.toggle(ctx.runtime, view, ctx.person_id, option)
    text, buttons = render.ballot_message(view, marks)
    ctx.reply_privately(text, buttons=buttons, updating_pressed=True, holds_secret=view.poll.secret)


async def clear_ballot(ctx: Context) -> None:
    view = BALLOT.of(ctx)
    if not view.poll.secret:  # a secret one was never stored: its message is all there is
        await drafts.drop(ctx.runtime, view.id, ctx.person_id)
    ctx.reply_privately(
        f"Your unsent ballot for poll #{view.number} is cleared.", updating_pressed=True
    )


async def cast(ctx: Context) -> None:
    view, given = BALLOT.of(ctx), ctx.args.optional_text("choices")
    if view.poll.secret and given and _typed_in_a_group(ctx, view):
        return
    marks: carried.Marks | None = carried.read(view, given) or None
    if marks is None and not view.poll.secret:
        marks = await drafts.marks_of(ctx.runtime, view.id, ctx.person_id)
    if marks is None and ctx.pressed:  # Cast on a ballot with nothing marked
        raise UserError("Pick at least one option.")
    if marks is None:
        raise UserError(
            f"You have nothing waiting to cast in poll #{view.number}: " + render.how_to_vote(view)
        )
    await record(ctx, view, carried.ballot(view, marks))


def _typed_in_a_group(ctx: Context, view: PollView) -> bool:
    """A secret ballot's marks typed where others read them: not taken, and removed where the
    platform lets Moot."""
    if ctx.place.is_private or ctx.pressed:
        return False
    ctx.withdraw_request(render.typed_secret_vote(view.number))
    return True
