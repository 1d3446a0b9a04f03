"""How each kind of poll is counted. Pure functions over ballots, with written tie rules.

Options are numbered from 1 in the order they are listed; every tie rule falls back to that order
so the same ballots always give the same result.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

LISTED_FIRST = "Ties are broken in favour of the option listed first."
IRV_TIES = (
    "If options tie for fewest votes, the one with fewer votes in the latest earlier round where "
    "they differed is eliminated; if they never differed, the one listed last is eliminated."
)
SCORE_TIES = "Ties on total score go to the option with more top (5) scores, then to the option listed first."
PROPOSAL_RULE = (
    "A proposal is decided on agree ÷ (agree + disagree): abstentions and blocks take no side, and "
    "without a threshold it passes when more agree than disagree (an even split does not pass)."
)
BUDGET_RULE = (
    "Projects are funded in order of votes (ties: the cheaper first, then the one listed first); a "
    "project that does not fit the money left is skipped and the next one considered; a project "
    "with no votes is never funded."
)
MAX_SCORE = 5


class Threshold(StrEnum):
    NONE = "none"
    MAJORITY = "majority"  # more than half
    TWO_THIRDS = "two-thirds"
    THREE_QUARTERS = "75%"


def count_marks(ballots: Iterable[Iterable[int]], options: int) -> dict[int, int]:
    """How many ballots mark each option (a single choice, approvals, projects, stances)."""
    counts = dict.fromkeys(range(1, options + 1), 0)
    for ballot in ballots:
        for option in set(ballot):
            counts[option] += 1
    return counts


def leader(counts: Mapping[int, int]) -> tuple[int | None, list[int]]:
    """The option with the most votes (listed first among equals) and everything tied with it."""
    if not counts or max(counts.values()) == 0:
        return None, []
    best = max(counts.values())
    tied = sorted(option for option, votes in counts.items() if votes == best)
    return tied[0], tied


@dataclass(frozen=True)
class Round:
    counts: dict[int, int]  # continuing options only
    exhausted: int
    eliminated: int | None


@dataclass(frozen=True)
class RunoffResult:
    rounds: list[Round]
    winner: int | None


def instant_runoff(ballots: Sequence[Sequence[int]], options: int) -> RunoffResult:
    """Instant-runoff voting: eliminate the weakest option until one has a majority of the
    ballots still in play. Ballots rank options best first and may rank only some."""
    continuing = set(range(1, options + 1))
    # Identical rankings are counted together: real ballots repeat a great deal.
    groups = Counter(tuple(ballot) for ballot in ballots)
    rounds: list[Round] = []
    while continuing:
        counts = dict.fromkeys(sorted(continuing), 0)
        exhausted = 0
        for ranking, weight in groups.items():
            top = next((option for option in ranking if option in continuing), None)
            if top is None:
                exhausted += weight
            else:
                counts[top] += weight
        live = sum(counts.values())
        if live == 0:
            rounds.append(Round(counts, exhausted, None))
            return RunoffResult(rounds, None)
        best = max(counts.values())
        if best * 2 > live or len(continuing) == 1:
            winner = min(o for o, v in counts.items() if v == best)
            rounds.append(Round(counts, exhausted, None))
            return RunoffResult(rounds, winner)
        loser = _weakest(counts, rounds)
        rounds.append(Round(counts, exhausted, loser))
        continuing.discard(loser)
    return RunoffResult(rounds, None)


def _weakest(counts: Mapping[int, int], earlier: Sequence[Round]) -> int:
    fewest = min(counts.values())
    tied = [option for option, votes in counts.items() if votes == fewest]
    for past in reversed(earlier):
        if len(tied) == 1:
            break
        lowest = min(past.counts[option] for option in tied)
        tied = [option for option in tied if past.counts[option] == lowest]
    return max(tied)


@dataclass(frozen=True)
class ScoreResult:
    totals: dict[int, int]
    top_scores: dict[int, int]
    winner: int | None


def score(ballots: Iterable[Sequence[int]], options: int) -> ScoreResult:
    """Score voting: each ballot gives every option 0 to 5; the highest total wins."""
    totals = dict.fromkeys(range(1, options + 1), 0)
    tops = dict.fromkeys(range(1, options + 1), 0)
    for ballot in ballots:
        for option, given in enumerate(ballot, start=1):
            totals[option] += given
            tops[option] += given == MAX_SCORE
    if not totals or max(totals.values()) == 0:
        return ScoreResult(totals, tops, None)
    winner = min(totals, key=lambda option: (-totals[option], -tops[option], option))
    return ScoreResult(totals, tops, winner)


@dataclass(frozen=True)
class BudgetResult:
    funded: list[int]
    unfunded: list[int]
    left: int


def allocate_budget(votes: Mapping[int, int], costs: Mapping[int, int], cap: int) -> BudgetResult:
    """Greedy participatory budgeting: most-voted first while the money lasts."""
    order = sorted(votes, key=lambda project: (-votes[project], costs[project], project))
    funded: list[int] = []
    left = cap
    for project in order:
        if votes[project] > 0 and costs[project] <= left:
            funded.append(project)
            left -= costs[project]
    unfunded = [project for project in order if project not in funded]
    return BudgetResult(funded, unfunded, left)


def quorum_met(turnout: int, electorate: int, quorum_percent: int | None) -> bool:
    if not quorum_percent:
        return True
    return turnout * 100 >= quorum_percent * electorate


def passes(support: int, base: int, threshold: Threshold) -> bool:
    """Whether `support` out of `base` clears the threshold (integers only: no rounding)."""
    if threshold is Threshold.NONE or base == 0:
        return threshold is Threshold.NONE
    if threshold is Threshold.MAJORITY:
        return support * 2 > base
    if threshold is Threshold.TWO_THIRDS:
        return support * 3 >= base * 2
    return support * 4 >= base * 3
