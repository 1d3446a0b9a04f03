"""Polls on the web: the Decisions page (closed polls with their results, verdicts and
outcomes, newest first; open polls with their turnout) and the home page's open polls.

What is shown follows /results exactly: anyone who may see the community's published polls
sees a closed poll's results; an open poll's choices only when its results are live, or shown
after a vote and the viewer has voted; never a secret ballot's before it closes (a secret
ballot shows results only after the close, bot/polls/spec.py). Drafts are never listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, func, select

from bot.access import ANYONE
from bot.dates import format_local
from bot.pages import Page, Panel, Viewer
from bot.polls import render
from bot.polls.counting import Threshold
from bot.polls.results import PROPOSAL_AGREE, Results, compute
from bot.polls.tallies import tallies, voted_in
from bot.polls.views import PollView, Tally, open_polls
from bot.webcharts import Chart, Row, bars
from storage.models import Community
from storage.polls import Poll, PollKind, PollOption, PollStatus, ResultsShown

# The newest closed polls shown: a community may have ten thousand.
CLOSED_SHOWN = 50
OPEN_SHOWN = 20
PANEL_SHOWN = 5
_SHARE_NEEDED = {
    Threshold.MAJORITY: 1 / 2,
    Threshold.TWO_THIRDS: 2 / 3,
    Threshold.THREE_QUARTERS: 3 / 4,
}


@dataclass(frozen=True)
class OptionResult:
    label: str  # "2. Paint it green"
    words: str  # "12 votes (40%)", as /results says it


@dataclass(frozen=True)
class Decision:
    """A closed poll, as the Decisions page shows it."""

    number: int
    question: str
    rules: list[str]  # secret or open, kind, voters, quorum, threshold
    closed: str  # when, in the community's zone
    verdict: str  # "Passed", "Did not pass", "Quorum not met", or "Decided"
    verdict_css: str  # "verdict-passed", "verdict-failed", "verdict-void", "verdict-decided"
    verdict_lines: list[str]  # what the count decided, as /results says it
    turnout: str
    options: list[OptionResult]
    chart: Chart
    notes: list[str]  # the runoff's rounds, how ties are broken
    outcome: str | None  # what organisers said will happen ("you said, we did")
    review: str | None  # when it is to be reviewed


@dataclass(frozen=True)
class OpenPoll:
    """An open (or scheduled) poll: its turnout so far; its choices only where /results would
    show them to this viewer."""

    number: int
    question: str
    rules: list[str]
    closes: str
    opens: str | None  # a scheduled poll: when voting opens
    turnout: str | None  # None before it opens
    hidden: str | None  # why the choices are not shown ("shown after it closes")
    options: list[OptionResult]
    chart: Chart | None


def decisions(session: Session, viewer: Viewer) -> Mapping[str, Any]:
    community = session.get_one(Community, viewer.community_id)
    closed_where = (Poll.community_id == viewer.community_id, Poll.status == PollStatus.CLOSED)
    closed = list(
        session.exec(
            select(Poll)
            .where(*closed_where)
            .order_by(col(Poll.closed_at).desc(), col(Poll.number).desc())
            .limit(CLOSED_SHOWN)
        )
    )
    closed_total = session.exec(select(func.count()).select_from(Poll).where(*closed_where)).one()
    current, open_total = open_polls(session, viewer.community_id, most=OPEN_SHOWN)
    views = _views(session, community, [*closed, *current])
    counted = tallies(session, [v for v in views if v.status is not PollStatus.SCHEDULED])
    voted = voted_in(session, [v.id for v in views[len(closed) :]], viewer.person_id)
    return {
        "closed": [_decision(v, compute(v, counted[v.id]), viewer) for v in views[: len(closed)]],
        "closed_total": closed_total,
        "open": [_open(v, counted.get(v.id), viewer, v.id in voted) for v in views[len(closed) :]],
        "open_total": open_total,
    }


def open_panel(session: Session, viewer: Viewer) -> Mapping[str, Any]:
    community = session.get_one(Community, viewer.community_id)
    current, total = open_polls(session, viewer.community_id, most=PANEL_SHOWN)
    views = _views(session, community, current)
    counted = tallies(session, [v for v in views if v.status is not PollStatus.SCHEDULED])
    voted = voted_in(session, [v.id for v in views], viewer.person_id)
    return {
        "polls": [_open(v, counted.get(v.id), viewer, v.id in voted, choices=False) for v in views],
        "total": total,
    }


def _views(session: Session, community: Community, polls: list[Poll]) -> list[PollView]:
    """The polls with their options, read in one query (their posts are not needed here)."""
    ids = [p.id for p in polls]
    options: dict[int, list[PollOption]] = {poll_id: [] for poll_id in ids if poll_id is not None}
    for option in session.exec(
        select(PollOption)
        .where(col(PollOption.poll_id).in_(ids))
        .order_by(col(PollOption.poll_id), col(PollOption.number))
    ):
        options[option.poll_id].append(option)
    return [PollView(p, options[p.id or 0], community, []) for p in polls]


def _decision(view: PollView, results: Results, viewer: Viewer) -> Decision:
    poll = view.poll
    if results.void:
        verdict, css = "Quorum not met", "verdict-void"
    elif results.passed is True:
        verdict, css = "Passed", "verdict-passed"
    elif results.passed is False:
        verdict, css = "Did not pass", "verdict-failed"
    else:
        verdict, css = "Decided", "verdict-decided"
    return Decision(
        number=view.number,
        question=poll.question,
        rules=render.describe(view)[:2],
        closed=format_local(poll.closed_at or poll.closes_at, viewer.timezone),
        verdict=verdict,
        verdict_css=css,
        verdict_lines=render.verdict(view, results, final=True),
        turnout=render.turnout(results),
        options=_options(view, results),
        chart=_chart(view, results),
        notes=[*render.runoff_rounds(view, results), *results.notes],
        outcome=poll.outcome,
        review=format_local(poll.review_at, viewer.timezone) if poll.review_at else None,
    )


def _open(
    view: PollView, counted: Tally | None, viewer: Viewer, voted: bool, *, choices: bool = True
) -> OpenPoll:
    """An open poll; `counted` is None for a scheduled one, `voted` whether the viewer has."""
    poll = view.poll
    scheduled = view.status is PollStatus.SCHEDULED
    results = None if counted is None else compute(view, counted)
    hidden = _why_hidden(view, counted, voted)
    shown = results if choices and hidden is None else None
    return OpenPoll(
        number=view.number,
        question=poll.question,
        rules=render.describe(view)[:2],
        closes=format_local(poll.closes_at, viewer.timezone),
        opens=format_local(poll.opens_at, viewer.timezone) if scheduled and poll.opens_at else None,
        turnout=None if results is None else render.turnout(results),
        hidden=hidden,
        options=[] if shown is None else _options(view, shown),
        chart=None if shown is None else _chart(view, shown),
    )


def _why_hidden(view: PollView, counted: Tally | None, voted: bool) -> str | None:
    """Why an open poll's choices are not shown to this viewer (as /results decides), or
    None when they are."""
    if counted is None:
        return "Voting has not opened yet."
    shown = ResultsShown(view.poll.results_shown)
    if view.poll.secret or shown is ResultsShown.AFTER_CLOSE:
        return "Results are shown after it closes."
    if shown is ResultsShown.AFTER_VOTE and not voted:
        return "Results are shown once you have voted."
    return None


def _options(view: PollView, results: Results) -> list[OptionResult]:
    return [
        OptionResult(f"{o.number}. {o.label}", render.count_words(view, results, o.number))
        for o in view.options
    ]


def _chart(view: PollView, results: Results) -> Chart:
    """Each option's votes (first preferences for a ranked poll, points for a score poll),
    with the threshold marked where there is one."""
    funded = set(results.budget.funded) if results.budget is not None else set()
    won = {results.winner} if results.passed is not False and not results.void else set()
    if view.kind is PollKind.PROPOSAL:
        won = {PROPOSAL_AGREE} if results.passed else set()
    target = None
    if results.support is not None and results.threshold in _SHARE_NEEDED:
        target = _SHARE_NEEDED[results.threshold] * results.support[1]
    unit = "points" if view.kind is PollKind.SCORE else "votes"
    rows = [
        Row(
            f"{line.number}. {line.label}",
            line.total,
            str(line.total),
            winner=line.number in (funded or won),
        )
        for line in results.lines
    ]
    return bars(f"Poll #{view.number}: {unit} for each option", rows, target=target)


DECISIONS = Page("decisions", "Decisions", ANYONE, "polls/decisions.html", decisions)
OPEN_POLLS = Panel("Open polls", ANYONE, "polls/home.html", open_panel)
