"""Every counting method against an independent, deliberately plain reference, on random ballots
(ties included: small option counts and small electorates make them common)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.polls.counting import (
    Threshold,
    allocate_budget,
    count_marks,
    instant_runoff,
    leader,
    passes,
    quorum_met,
    score,
)

OPTIONS = st.integers(min_value=1, max_value=6)


def rankings(options: int) -> st.SearchStrategy[list[list[int]]]:
    ranking = st.permutations(list(range(1, options + 1))).flatmap(
        lambda order: st.integers(min_value=0, max_value=options).map(lambda n: list(order[:n]))
    )
    return st.lists(ranking, max_size=40)


# --- references --------------------------------------------------------------------------------


def reference_irv(ballots: Sequence[Sequence[int]], options: int) -> tuple[int | None, list[int]]:
    """Winner and elimination order, recounting every round from scratch."""
    remaining = list(range(1, options + 1))
    history: list[dict[int, int]] = []
    eliminated: list[int] = []
    while remaining:
        tally = {o: 0 for o in remaining}
        for ballot in ballots:
            for choice in ballot:
                if choice in tally:
                    tally[choice] += 1
                    break
        total = sum(tally.values())
        if total == 0:
            return None, eliminated
        top = max(tally.values())
        if 2 * top > total or len(remaining) == 1:
            return next(o for o in remaining if tally[o] == top), eliminated
        low = min(tally.values())
        candidates = [o for o in remaining if tally[o] == low]
        for past in history[::-1]:
            if len(candidates) > 1:
                past_low = min(past[o] for o in candidates)
                candidates = [o for o in candidates if past[o] == past_low]
        loser = sorted(candidates)[-1]
        history.append(tally)
        eliminated.append(loser)
        remaining.remove(loser)
    return None, eliminated


def reference_budget(
    votes: dict[int, int], costs: dict[int, int], cap: int
) -> tuple[list[int], int]:
    funded, money = [], cap
    for project in sorted(votes, key=lambda p: (-votes[p], costs[p], p)):
        if votes[project] and costs[project] <= money:
            funded.append(project)
            money -= costs[project]
    return funded, money


# --- properties --------------------------------------------------------------------------------


@given(OPTIONS.flatmap(lambda n: st.tuples(st.just(n), rankings(n))))
@settings(max_examples=300)
def test_instant_runoff_matches_the_reference(case: tuple[int, list[list[int]]]) -> None:
    options, ballots = case
    result = instant_runoff(ballots, options)
    winner, eliminated = reference_irv(ballots, options)
    assert result.winner == winner
    assert [r.eliminated for r in result.rounds if r.eliminated is not None] == eliminated
    for round_ in result.rounds:
        assert sum(round_.counts.values()) + round_.exhausted == len(ballots)


@given(OPTIONS.flatmap(lambda n: st.tuples(st.just(n), st.lists(st.integers(1, n), max_size=60))))
def test_single_choice_leader_matches_a_plain_count(case: tuple[int, list[int]]) -> None:
    options, choices = case
    counts = count_marks(([c] for c in choices), options)
    assert counts == {o: choices.count(o) for o in range(1, options + 1)}
    winner, tied = leader(counts)
    if choices:
        best = max(choices.count(o) for o in range(1, options + 1))
        assert tied == [o for o in range(1, options + 1) if choices.count(o) == best]
        assert winner == tied[0]
    else:
        assert winner is None


@given(
    OPTIONS.flatmap(
        lambda n: st.tuples(st.just(n), st.lists(st.sets(st.integers(1, n)), max_size=40))
    )
)
def test_approvals_count_each_ballot_once_per_option(case: tuple[int, list[set[int]]]) -> None:
    options, ballots = case
    counts = count_marks(ballots, options)
    for option in range(1, options + 1):
        assert counts[option] == sum(option in b for b in ballots)


@given(
    OPTIONS.flatmap(
        lambda n: st.tuples(
            st.just(n), st.lists(st.lists(st.integers(0, 5), min_size=n, max_size=n), max_size=40)
        )
    )
)
def test_score_winner_matches_the_reference(case: tuple[int, list[list[int]]]) -> None:
    options, ballots = case
    result = score(ballots, options)
    totals = {o: sum(b[o - 1] for b in ballots) for o in range(1, options + 1)}
    fives = {o: sum(b[o - 1] == 5 for b in ballots) for o in range(1, options + 1)}
    assert result.totals == totals
    if max(totals.values()) == 0:
        assert result.winner is None
    else:
        ranked = sorted(totals, key=lambda o: (totals[o], fives[o], -o), reverse=True)
        assert result.winner == ranked[0]


@given(
    st.integers(1, 8).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.integers(0, 30), min_size=n, max_size=n),
            st.lists(st.integers(1, 3000), min_size=n, max_size=n),
            st.integers(0, 8000),
        )
    )
)
def test_budget_allocation_matches_the_reference(
    case: tuple[int, list[int], list[int], int],
) -> None:
    projects, votes, costs, cap = case
    by_project = {p: votes[p - 1] for p in range(1, projects + 1)}
    cost_of = {p: costs[p - 1] for p in range(1, projects + 1)}
    result = allocate_budget(by_project, cost_of, cap)
    funded, left = reference_budget(by_project, cost_of, cap)
    assert result.funded == funded
    assert result.left == left
    assert sum(cost_of[p] for p in result.funded) + result.left == cap
    assert sorted(result.funded + result.unfunded) == list(range(1, projects + 1))


@given(st.integers(0, 200), st.integers(1, 200), st.integers(0, 100))
def test_quorum_matches_exact_fractions(turnout: int, electorate: int, percent: int) -> None:
    assert quorum_met(turnout, electorate, percent) == (
        Fraction(turnout, electorate) >= Fraction(percent, 100)
    )


def test_thresholds_at_their_edges() -> None:
    assert passes(51, 100, Threshold.MAJORITY)
    assert not passes(50, 100, Threshold.MAJORITY)
    assert passes(2, 3, Threshold.TWO_THIRDS)
    assert not passes(66, 100, Threshold.TWO_THIRDS)
    assert passes(75, 100, Threshold.THREE_QUARTERS)
    assert not passes(74, 100, Threshold.THREE_QUARTERS)
    assert not passes(0, 0, Threshold.MAJORITY)
