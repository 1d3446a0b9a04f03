"""The repair statuses as one transition table: for each status, how it reads, what the tenant
hears when a report moves into it, what moving into or out of it does to the clock and the
record, where the repairs team may move a report on to from it, and which of those moves the
team's card offers as buttons.

`service.change_status` allows and carries out only the moves written here (any other gets one
refusal, before anything changes), the card's buttons (`render.card`) are the moves its row
offers, and `/repairstatus`'s choices (so its usage and `/help`) are the statuses some row moves
to. The tenant's own answers move a report by their own rules, in `service`: `/isfixed` (fixed
to closed, or back to reported), `/repaircomment` (needs information back to where it was) and
`/withdraw`.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.repairs import RepairStatus


@dataclass(frozen=True)
class Row:
    """One status."""

    words: str  # how it reads: on the card, the page, the lists and the replies
    news: str  # what the tenant hears when a report moves into it (the team's words follow)
    moves: frozenset[RepairStatus]  # where the team may move a report on to from it
    buttons: tuple[RepairStatus, ...] = ()  # of those, the card's buttons, in order
    button: str | None = None  # the label of a card button that moves a report into it
    button_first: bool = False  # that button comes before the priority buttons
    settled: bool = False  # nothing is due: no target, no alerts
    pauses: bool = False  # the target's clock stops while it lasts (a pause begins and ends)
    closes: bool = False  # moving into it records when the report was closed
    records_fix: bool = False  # moving into it records the fix (time taken, within target);
    # moving out of it to a status not settled clears that record (not fixed after all)
    needs_words: bool = False  # the team must say what to tell the tenant
    shows_target: bool = True  # the tenant's news of a move into it ends with the target


S = RepairStatus
# Where the team moves a report on to, from any status still open.
_TEAM_SETS = frozenset(
    {
        S.ACKNOWLEDGED,
        S.INVESTIGATING,
        S.VISIT,
        S.IN_PROGRESS,
        S.FIXED,
        S.CLOSED,
        S.NEEDS_INFO,
        S.NO_ACCESS,
        S.DUPLICATE,
        S.NOT_OURS,
    }
)


def _on_from(status: RepairStatus) -> frozenset[RepairStatus]:
    """Any status the team sets but the one it is in (a report the team settled as fixed, a
    duplicate or not ours may be moved on again: reopened, or closed)."""
    return _TEAM_SETS - {status}


TABLE: dict[RepairStatus, Row] = {
    S.REPORTED: Row(
        "reported",
        "It is back with the repairs team.",
        _on_from(S.REPORTED),
        buttons=(S.ACKNOWLEDGED, S.FIXED, S.NEEDS_INFO),
    ),
    S.ACKNOWLEDGED: Row(
        "acknowledged",
        "The repairs team has received your report and will act on it.",
        _on_from(S.ACKNOWLEDGED),
        buttons=(S.FIXED, S.NEEDS_INFO),
        button="Acknowledge",
        button_first=True,
    ),
    S.INVESTIGATING: Row(
        "being investigated",
        "The repairs team is looking into it.",
        _on_from(S.INVESTIGATING),
        buttons=(S.FIXED, S.NEEDS_INFO),
    ),
    S.VISIT: Row(
        "visit scheduled",
        "A visit is booked.",
        _on_from(S.VISIT),
        buttons=(S.FIXED, S.NEEDS_INFO),
    ),
    S.IN_PROGRESS: Row(
        "work in progress",
        "The work has started.",
        _on_from(S.IN_PROGRESS),
        buttons=(S.FIXED, S.NEEDS_INFO),
    ),
    S.FIXED: Row(
        "fixed",
        "The repairs team says it is fixed. Is it? Answer with the buttons, or /isfixed with the "
        "reference and yes or no.",
        _on_from(S.FIXED),
        buttons=(S.NEEDS_INFO,),
        button="Fixed",
        settled=True,
        records_fix=True,
    ),
    S.CLOSED: Row(
        "closed",
        "The report is closed.",
        frozenset(),
        settled=True,
        closes=True,
        shows_target=False,
    ),
    S.NEEDS_INFO: Row(
        "more information needed",
        "The repairs team needs more information from you.",
        _on_from(S.NEEDS_INFO),
        buttons=(S.FIXED,),
        button="Needs info",
        needs_words=True,
    ),
    S.NO_ACCESS: Row(
        "no access at the visit",
        "Nobody could get in at the visit, so the target date is paused until a new visit is "
        "arranged.",
        _on_from(S.NO_ACCESS),
        buttons=(S.FIXED, S.NEEDS_INFO),
        pauses=True,
    ),
    S.DUPLICATE: Row(
        "a duplicate of another report",
        "It is already reported; the earlier report covers it.",
        _on_from(S.DUPLICATE),
        buttons=(S.FIXED, S.NEEDS_INFO),
        settled=True,
        shows_target=False,
    ),
    S.NOT_OURS: Row(
        "not the trust's responsibility",
        "The repairs team says this is not the trust's responsibility.",
        _on_from(S.NOT_OURS),
        buttons=(S.FIXED, S.NEEDS_INFO),
        settled=True,
        needs_words=True,
        shows_target=False,
    ),
    S.WITHDRAWN: Row(
        "withdrawn by the tenant",
        "You withdrew the report.",
        frozenset(),
        settled=True,
        shows_target=False,
    ),
}

WORDS = {status: row.words for status, row in TABLE.items()}
# Nothing is due any more once a report is in one of these.
SETTLED = tuple(status for status, row in TABLE.items() if row.settled)
# Nothing more to do: no move on, no buttons (closed, or withdrawn by the tenant).
FINISHED = tuple(status for status, row in TABLE.items() if not row.moves)
# The statuses the team sets with /repairstatus, in the order they are listed.
CHOICES = tuple(
    status for status in RepairStatus if any(status in row.moves for row in TABLE.values())
)


@dataclass(frozen=True)
class Move:
    """What moving a report from one status to another does, as the table says."""

    was: RepairStatus
    to: RepairStatus

    @property
    def ends_pause(self) -> bool:
        return TABLE[self.was].pauses

    @property
    def begins_pause(self) -> bool:
        return TABLE[self.to].pauses

    @property
    def closes(self) -> bool:
        return TABLE[self.to].closes

    @property
    def records_fix(self) -> bool:
        return TABLE[self.to].records_fix

    @property
    def clears_fix(self) -> bool:
        return TABLE[self.was].records_fix and not TABLE[self.to].settled

    @property
    def moves_target(self) -> bool:
        """Whether the target may move: the report settles or comes back open, or a pause
        begins or ends. (Under Awaab's Law a step met by the move moves it too: the service
        knows that from the report.)"""
        was, to = TABLE[self.was], TABLE[self.to]
        return to.settled or was.settled or was.pauses or to.pauses


def refusal(
    reference: str,
    number: int,
    was: RepairStatus,
    to: RepairStatus,
    said: str | None,
    *,
    again: bool = False,
) -> str | None:
    """Why the team may not move report `number` (`reference`) from `was` to `to` (None: it
    may). `again`: the same status set afresh (a visit moved), which is news, not a move."""
    row = TABLE[was]
    if not row.moves:
        return f"{reference} is {row.words}."
    if to == was and not again:
        return f"{reference} is already {row.words}."
    if to != was and to not in row.moves:
        allowed = ", ".join(status.value for status in CHOICES if status in row.moves)
        return (
            f"{reference} is {row.words}: it cannot go to {to.value} from there, only to "
            f"{allowed} (/repairstatus {number} status)."
        )
    if TABLE[to].needs_words and not said:
        return (
            f"Say what to tell the tenant after the status, e.g. /repairstatus {number} "
            f"{to.value} When could we visit?"
        )
    return None


def card_buttons(status: RepairStatus) -> tuple[tuple[RepairStatus, str, bool], ...]:
    """The moves the card offers in `status`: each with its label, and whether it comes before
    the priority buttons."""
    return tuple(
        (to, TABLE[to].button or TABLE[to].words, TABLE[to].button_first)
        for to in TABLE[status].buttons
    )
