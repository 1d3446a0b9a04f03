"""Running a poll once it is out: closing or extending it, paper votes, its outcome, and who
may start polls in a community."""

from __future__ import annotations

import re

from bot import refs
from bot.context import Context
from bot.dates import read_moment
from bot.errors import UserError
from bot.polls import ballots, render, service
from bot.polls.access import POLL
from bot.polls.jobs import Closing, close_poll
from bot.text import one_line
from storage.models import PollsBy
from storage.polls import OUTCOME_MAX, PollKind

_REVIEW = re.compile(r"\|\s*review\s*:", re.IGNORECASE)


async def close(ctx: Context) -> None:
    view = POLL.of(ctx)
    poll_id, n = view.id, view.number
    closing = await close_poll(ctx.runtime, poll_id, ctx.person_id, ctx.now)
    if closing is Closing.ALREADY:
        raise UserError(f"Poll #{n} has already closed.")
    if closing is Closing.HANDED_OVER:
        ctx.reply_privately(f"Poll #{n} is closing; its results go where it ran in a moment.")
        return
    ctx.reply_privately(f"Poll #{n} is closed; its results are going where it ran.")


async def extend(ctx: Context) -> None:
    view = POLL.of(ctx)
    poll_id, n = view.id, view.number
    reading = read_moment(ctx.args.text("until"), view.community.timezone, ctx.now)
    if reading.alternative is not None:
        raise UserError("That date could be read two ways; write it as 2026-12-01 18:00.")
    await ctx.runtime.write(
        lambda s: service.extend(s, poll_id, reading.moment, ctx.person_id, ctx.now)
    )
    ctx.reply_privately(
        f"Poll #{n} now closes {render.when(reading.moment, view.community.timezone)}."
    )


async def paper(ctx: Context) -> None:
    view = POLL.of(ctx)
    poll_id, n = view.id, view.number
    if view.kind in (PollKind.RANKED, PollKind.SCORE):
        raise UserError(
            f"Paper tallies are counts per option; a {view.kind} poll needs whole ballots, so enter each with its voter online."
        )
    count_ballots = ctx.args.integer("ballots")
    counts: dict[int, int] = {}
    for item in ctx.args.text("counts").replace(",", " ").split():
        match = re.fullmatch(r"(\d{1,2})=(\d{1,7})", item)
        if match is None:
            raise UserError(f"Write counts as option=votes, e.g. 1=25 2=15; {item[:20]!r} is not.")
        option, votes = int(match.group(1)), int(match.group(2))
        if not 1 <= option <= len(view.options) or option in counts:
            raise UserError(f"Options are numbered 1 to {len(view.options)}, each once.")
        counts[option] = votes
    if any(v > count_ballots for v in counts.values()):
        raise UserError("No option can have more votes than there were paper ballots.")
    if view.kind in ballots.CHOICE_KINDS and sum(counts.values()) > count_ballots:
        raise UserError(
            f"Each paper ballot has one choice here, so the counts can add up to {count_ballots} at most."
        )
    await ctx.runtime.write(
        lambda s: service.add_paper(s, poll_id, count_ballots, counts, ctx.person_id, ctx.now)
    )
    ctx.reply_privately(
        f"Added {count_ballots} paper ballot(s) to poll #{n}; the audit log records that you did."
    )


async def paper_voters(ctx: Context) -> None:
    view = POLL.of(ctx)
    poll_id, n = view.id, view.number
    words = ctx.args.text("members").replace(",", " ").split()
    removing = bool(words) and words[0].lower() == "remove"
    numbers = refs.member_numbers(words[1:] if removing else words)
    change = service.unmark_paper_voters if removing else service.mark_paper_voters
    marks = await ctx.runtime.write(lambda s: change(s, poll_id, numbers, ctx.person_id, ctx.now))
    lines = []
    if marks.marked:
        done = "Took the paper mark off" if removing else "Marked as voting on paper"
        lines.append(f"{done} in poll #{n}: {', '.join(marks.marked)}.")
    if marks.already:
        lines.append(f"Already marked: {', '.join(marks.already)}.")
    if not marks.marked and not marks.already:
        lines.append(f"None of them was marked as voting on paper in poll #{n}.")
    lines.append(
        f"{marks.total} member(s) marked on paper, {marks.counted} paper ballot(s) counted: "
        f"/paper {n} can add up to {marks.total - marks.counted} more."
    )
    ctx.reply_privately("\n".join(lines))


async def outcome(ctx: Context) -> None:
    view = POLL.of(ctx)
    poll_id, n = view.id, view.number
    # "| review: …", however it is spaced or capitalised ("|review:", "| Review :").
    statement, *rest = _REVIEW.split(ctx.args.text("outcome"), maxsplit=1)
    review = rest[0] if rest else ""
    statement = one_line(statement)
    if not statement or len(statement) > OUTCOME_MAX:
        raise UserError(f"Say what will happen, in up to {OUTCOME_MAX} characters.")
    review_at = (
        read_moment(review, view.community.timezone, ctx.now).moment if review.strip() else None
    )
    await ctx.runtime.write(
        lambda s: service.record_outcome(s, poll_id, statement, review_at, ctx.person_id, ctx.now)
    )
    ctx.reply_privately(f"Recorded the outcome of poll #{n}.")


async def polls_by(ctx: Context) -> None:
    community_id, who = ctx.community, PollsBy(ctx.args.text("who"))
    await ctx.runtime.write(
        lambda s: service.set_polls_by(s, community_id, who, ctx.person_id, ctx.now)
    )
    ctx.reply(
        f"Quick polls in {ctx.community_name} can now be started by {who}. Binding ballots are always for organisers."
    )
