"""The polls' live messages, rendered when the outbox sends them (so they show the count as it
is then): a poll's card, and a closed poll's results with their chart."""

from __future__ import annotations

from sqlmodel import Session

from bot.events import FileOut, Reply
from bot.polls import render
from bot.polls.chart import results_chart
from bot.polls.live import results_of
from bot.polls.results import compute
from bot.polls.views import load, tally
from bot.runtime import Runtime
from storage.polls import Poll, PollStatus, ResultsShown


async def card(runtime: Runtime, key: str) -> Reply | None:
    """The poll's card as it stands at this moment (a live outbox message)."""

    def build(session: Session) -> Reply | None:
        if session.get(Poll, int(key)) is None:
            return None
        view = load(session, int(key))
        results = compute(view, tally(session, view))
        shown = view.poll.results_shown == ResultsShown.LIVE or view.status is PollStatus.CLOSED
        text, buttons = render.poll_message(view, results, show_counts=shown)
        return Reply(text, buttons=tuple(buttons))

    return await runtime.read(build)


async def final_results(runtime: Runtime, key: str) -> Reply | None:
    """A closed poll's results with their chart (a live outbox message: drawn when sent)."""
    view, counted = await results_of(runtime, int(key))
    if view.status is not PollStatus.CLOSED:
        return None
    chart = FileOut(f"poll-{view.id}-results.png", await results_chart(view, counted), "image/png")
    return Reply(render.results_text(view, counted, final=True), file=chart)
