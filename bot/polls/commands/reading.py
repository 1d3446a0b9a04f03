"""Seeing polls: the open ones, their results, how people voted, and exports."""

from __future__ import annotations

from bot import paging
from bot.context import Context
from bot.errors import UserError
from bot.events import FileOut
from bot.polls import export, render
from bot.polls.access import POLL
from bot.polls.chart import results_chart
from bot.polls.commands.voting import describe_ballot
from bot.polls.live import results_of
from bot.polls.views import open_polls, voters
from storage.models import Community
from storage.polls import PollStatus, ResultsShown


async def results(ctx: Context) -> None:
    poll_id, n = (named := POLL.of(ctx)).id, named.number
    view, outcome = await results_of(ctx.runtime, poll_id)
    closed = view.status is PollStatus.CLOSED
    shown = ResultsShown(view.poll.results_shown)
    if not closed and shown is ResultsShown.AFTER_CLOSE:
        ctx.reply_privately(f"Poll #{n} shows results after it closes. {render.turnout(outcome)}.")
        return
    if not closed and shown is ResultsShown.AFTER_VOTE:
        voted = ctx.person_id in await ctx.runtime.read(lambda s: voters(s, view))
        if not voted:
            ctx.reply_privately(
                f"Poll #{n} shows results once you have voted. {render.turnout(outcome)}."
            )
            return
    chart = FileOut(f"poll-{n}-results.png", await results_chart(view, outcome), "image/png")
    ctx.reply_privately(render.results_text(view, outcome, final=closed), file=chart)


async def polls(ctx: Context) -> None:
    community_id, page = ctx.community, paging.requested(ctx, "polls")
    found, total = await ctx.runtime.read(
        lambda s: open_polls(s, community_id, skip=page.skip, most=paging.PER_PAGE)
    )
    if total == 0:
        ctx.reply_privately("No polls are open right now. Start one with /poll.")
        return
    pages = paging.count(page, total, " of open polls")
    zone = await ctx.runtime.read(lambda s: s.get_one(Community, community_id).timezone)
    lines = [
        f"#{p.number} {p.question} ({p.status}, closes {render.when(p.closes_at, zone)})"
        for p in found
    ]
    n = page.number
    heading = "Open polls:" if pages == 1 else f"Open polls ({total}), page {n} of {pages}:"
    if n < pages:
        lines.append(f"More: /polls {n + 1}")
    ctx.reply_privately(
        "\n".join([heading, *lines]), buttons=paging.buttons(page, pages, community_id)
    )


async def who_voted(ctx: Context) -> None:
    view = POLL.of(ctx)
    poll_id, n = view.id, view.number
    if view.poll.secret:
        _, counted = await results_of(ctx.runtime, poll_id)
        ctx.reply_privately(
            f"Poll #{n} is a secret ballot: {render.turnout(counted)}. Choices are never shown."
        )
        return
    if view.poll.results_shown != ResultsShown.LIVE and view.status is not PollStatus.CLOSED:
        raise UserError(f"Poll #{n} shows how people voted only once its results are shown.")
    table = await ctx.runtime.read(lambda s: export.open_ballots(s, view))
    lines = [f"{name}: {describe_ballot(view, ballot)}" for name, ballot in table] or [
        "No votes yet."
    ]
    ctx.reply_privately(f"How people voted in poll #{n}:\n" + "\n".join(lines))


async def export_poll(ctx: Context) -> None:
    view = POLL.of(ctx)
    poll_id, n = view.id, view.number
    csv_text, json_text = await ctx.runtime.read(lambda s: export.poll_files(s, [poll_id]))
    level = (
        "one row per ballot"
        if not view.poll.secret
        else "totals only (secret ballot)"
        if view.status is PollStatus.CLOSED
        else "no totals until it closes (secret ballot)"
    )
    ctx.reply_privately(
        f"Poll #{n}, {level}: CSV",
        file=FileOut(f"poll-{n}.csv", csv_text.encode(), "text/csv"),
    )
    ctx.reply_privately(
        f"Poll #{n}: JSON",
        file=FileOut(f"poll-{n}.json", json_text.encode(), "application/json"),
    )
