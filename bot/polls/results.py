"""From a tally to results: counts, shares, turnout, quorum, threshold, and the written rules."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.polls import counting
from bot.polls.counting import BudgetResult, Round, Threshold
from bot.polls.views import PollView, Tally
from storage.polls import PollKind, ThresholdBase

PROPOSAL_AGREE, PROPOSAL_DISAGREE, PROPOSAL_BLOCK = 1, 3, 4


@dataclass(frozen=True)
class Line:
    number: int
    label: str
    online: int
    paper: int
    share: float | None  # of ballots, where that means something

    @property
    def total(self) -> int:
        return self.online + self.paper


@dataclass
class Results:
    lines: list[Line]
    online: int
    paper: int
    electorate: int
    winner: int | None = None
    tied: list[int] = field(default_factory=list)
    quorum_met: bool | None = None
    passed: bool | None = None  # None when the poll has no pass rule (and while it is void)
    threshold: Threshold = Threshold.NONE  # the rule behind `passed`
    support: tuple[int, int] | None = None  # (for, out of) behind `passed`
    rounds: list[Round] = field(default_factory=list)
    budget: BudgetResult | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def turnout(self) -> int:
        return self.online + self.paper

    @property
    def void(self) -> bool:
        return self.quorum_met is False


def compute(view: PollView, tally: Tally) -> Results:
    poll, kind = view.poll, view.kind
    results = Results([], tally.online, tally.paper_ballots, tally.electorate)
    ballots = results.turnout
    if kind is PollKind.SCORE:
        scored = counting.score(tally.ballots, len(view.options))
        results.lines = [
            Line(o.number, o.label, scored.totals[o.number], 0, None) for o in view.options
        ]
        results.winner = scored.winner
        results.notes.append(counting.SCORE_TIES)
    elif kind is PollKind.RANKED:
        runoff = counting.instant_runoff(tally.ballots, len(view.options))
        first = runoff.rounds[0].counts if runoff.rounds else {}
        results.lines = [
            Line(
                o.number,
                o.label,
                first.get(o.number, 0),
                0,
                _share(first.get(o.number, 0), ballots),
            )
            for o in view.options
        ]
        results.rounds, results.winner = runoff.rounds, runoff.winner
        results.notes.append(counting.IRV_TIES)
    else:
        results.lines = [
            Line(
                o.number,
                o.label,
                tally.counts.get(o.number, 0),
                tally.paper_counts.get(o.number, 0),
                None,
            )
            for o in view.options
        ]
        results.lines = [
            Line(x.number, x.label, x.online, x.paper, _share(x.total, ballots))
            for x in results.lines
        ]
        totals = {x.number: x.total for x in results.lines}
        if kind is PollKind.BUDGET:
            costs = {o.number: o.cost or 0 for o in view.options}
            results.budget = counting.allocate_budget(totals, costs, poll.budget_cap or 0)
            results.notes.append(counting.BUDGET_RULE)
        elif kind is PollKind.PROPOSAL:
            blocks = totals.get(PROPOSAL_BLOCK, 0)
            if blocks:
                results.notes.append(
                    f"⚠ {blocks} block(s): someone has a fundamental objection to discuss."
                )
            results.notes.append(counting.PROPOSAL_RULE)
        else:
            results.winner, results.tied = counting.leader(totals)
            results.notes.append(counting.LISTED_FIRST)
    results.quorum_met = (
        counting.quorum_met(results.turnout, tally.electorate, poll.quorum_percent)
        if poll.quorum_percent
        else None
    )
    _threshold(view, results)
    return results


def has_pass_rule(view: PollView) -> bool:
    """A threshold, or a proposal (which always passes or does not)."""
    return view.kind is PollKind.PROPOSAL or Threshold(view.poll.threshold) is not Threshold.NONE


def _threshold(view: PollView, results: Results) -> None:
    """Whether the poll passed, for polls with a pass rule: a threshold, or any proposal (which
    passes on more agree than disagree when no threshold is set). A void poll decided nothing."""
    threshold = Threshold(view.poll.threshold)
    if view.kind is PollKind.PROPOSAL and threshold is Threshold.NONE:
        threshold = Threshold.MAJORITY
    if threshold is Threshold.NONE or results.void:
        return
    by_option = {x.number: x.total for x in results.lines}
    if view.kind is PollKind.PROPOSAL:
        support = by_option.get(PROPOSAL_AGREE, 0)
        cast = support + by_option.get(PROPOSAL_DISAGREE, 0)  # abstentions and blocks take no side
    elif view.kind is PollKind.RANKED:
        # The winner's votes in the final round, out of every ballot cast (exhausted ones too):
        # the base is the ballots cast, as the setting says, not the ballots still continuing.
        final = results.rounds[-1].counts if results.rounds else {}
        support = final.get(results.winner, 0) if results.winner is not None else 0
        cast = results.turnout
    else:
        support = by_option.get(results.winner, 0) if results.winner is not None else 0
        cast = results.turnout
    base = results.electorate if view.poll.threshold_base == ThresholdBase.ELECTORATE else cast
    results.threshold = threshold
    results.support = (support, base)
    results.passed = counting.passes(support, base, threshold)


def _share(count: int, of: int) -> float | None:
    return count / of if of else None
