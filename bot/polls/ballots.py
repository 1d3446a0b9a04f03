"""What a vote is for each kind of poll, how a typed vote is read, and how it is stored.

Stored form: single choice and proposals keep the option number in `choice` (indexed, so a tally
of a million votes is one GROUP BY); the other kinds keep `marks`, a short text: "1,3,4" for the
options picked (approval, multiple, budget), "3,1,2" for a ranking, best first, and "5,3,0,4"
for scores, one per option.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import UserError
from bot.polls.counting import MAX_SCORE
from storage.polls import PollKind

SET_KINDS = (PollKind.MULTIPLE, PollKind.APPROVAL, PollKind.BUDGET)
CHOICE_KINDS = (PollKind.SINGLE, PollKind.PROPOSAL)
STANCES = {"agree": 1, "abstain": 2, "disagree": 3, "block": 4}


@dataclass(frozen=True)
class PollRules:
    """What a ballot must satisfy."""

    kind: PollKind
    options: int
    min_picks: int | None = None
    max_picks: int | None = None
    costs: tuple[int, ...] = ()  # per option, budget polls
    budget_cap: int | None = None


@dataclass(frozen=True)
class Ballot:
    choice: int | None = None
    marks: tuple[int, ...] = ()

    @property
    def stored_marks(self) -> str | None:
        return ",".join(map(str, self.marks)) if self.choice is None else None


def read(rules: PollRules, text: str) -> Ballot:
    """A typed vote, e.g. `2`, `agree`, `1 3`, `3>1>2`, `5 3 0 4`."""
    return check(rules, parse(rules, text))


def parse(rules: PollRules, text: str) -> Ballot:
    """A typed vote's form, not yet checked against the poll (a ballot in progress need not be
    a whole vote yet)."""
    words = [w for w in re.split(r"[\s,>]+", text.strip().lower()) if w]
    if not words:
        raise UserError("Say what you vote for: the option numbers shown on the poll.")
    if rules.kind is PollKind.PROPOSAL and words[0] in STANCES:
        return Ballot(choice=STANCES[words[0]])
    if not all(w.isdecimal() and len(w) <= 3 for w in words):  # not "²", which isdigit()
        raise UserError("Votes are option numbers, e.g. 2, or 3 1 2 to rank.")
    numbers = tuple(int(w) for w in words)
    if rules.kind in CHOICE_KINDS:
        if len(numbers) != 1:
            raise UserError("This poll takes one choice.")
        return Ballot(choice=numbers[0])
    if rules.kind in SET_KINDS:
        return Ballot(marks=tuple(sorted(numbers)))
    return Ballot(marks=numbers)


def check_options(rules: PollRules, picked: tuple[int, ...]) -> None:
    """Options the poll has, each once (a ballot in progress, too)."""
    if any(not 1 <= option <= rules.options for option in picked):
        raise UserError(f"Options are numbered 1 to {rules.options}.")
    if len(set(picked)) != len(picked):
        raise UserError("Each option can appear only once in your vote.")


def check(rules: PollRules, ballot: Ballot) -> Ballot:
    n = rules.options
    if rules.kind is PollKind.SCORE:
        if len(ballot.marks) != n or any(not 0 <= s <= MAX_SCORE for s in ballot.marks):
            raise UserError(
                f"Give every one of the {n} options a score from 0 to {MAX_SCORE}, in order."
            )
        return ballot
    picked = (ballot.choice,) if ballot.choice is not None else ballot.marks
    check_options(rules, picked)
    if rules.kind is PollKind.MULTIPLE:
        low, high = rules.min_picks or 1, rules.max_picks or n
        if not low <= len(picked) <= high:
            wanted = f"exactly {low}" if low == high else f"from {low} to {high}"
            raise UserError(f"Pick {wanted} options; you picked {len(picked)}.")
    if rules.kind is PollKind.BUDGET and rules.budget_cap is not None:
        total = sum(rules.costs[o - 1] for o in picked)
        if total > rules.budget_cap:
            raise UserError(
                f"Those projects cost £{total / 100:,.2f}, more than the £{rules.budget_cap / 100:,.2f} to share."
            )
    if rules.kind in (PollKind.APPROVAL, PollKind.RANKED, PollKind.BUDGET) and not picked:
        raise UserError("Pick at least one option.")
    return ballot


def decode(choice: int | None, marks: str | None) -> tuple[int, ...]:
    """The options a stored vote marks (or its scores), whatever the kind."""
    if choice is not None:
        return (choice,)
    return tuple(int(m) for m in marks.split(",")) if marks else ()


def toggle(rules: PollRules, current: tuple[int, ...], option: int) -> tuple[int, ...]:
    """A press on an option in a personal ballot: add or remove it (ranked: add it last)."""
    if not 1 <= option <= rules.options:
        raise UserError(f"Options are numbered 1 to {rules.options}.")
    if option in current:
        return tuple(o for o in current if o != option)
    if rules.kind is PollKind.RANKED:
        return (*current, option)
    return tuple(sorted((*current, option)))
