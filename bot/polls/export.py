"""Polls as CSV and JSON: one row per ballot for open polls, totals only for secret ballots."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from bot.polls.ballots import Ballot, decode
from bot.polls.render import verdict
from bot.polls.results import compute, has_pass_rule
from bot.polls.views import PollView, load, tally
from bot.spreadsheet import csv_bytes
from storage.polls import Poll, PollKind, PollStatus

_OPEN_BALLOTS = text(
    "SELECT p.name, v.choice, v.marks, v.cast_at FROM vote v JOIN person p ON p.id = v.person_id "
    "WHERE v.poll_id = :poll ORDER BY p.name, v.person_id"
)


def open_ballots(session: Session, view: PollView) -> list[tuple[str, Ballot]]:
    """Who voted for what in an open poll (never called for secret ballots)."""
    assert not view.poll.secret
    rows = session.connection().execute(_OPEN_BALLOTS, {"poll": view.id})
    return [
        (name, Ballot(choice=choice) if choice is not None else Ballot(marks=decode(None, marks)))
        for name, choice, marks, _ in rows
    ]


def poll_ids(session: Session, community_id: int | None = None) -> list[int]:
    query = select(Poll.id).order_by(col(Poll.id))
    if community_id is not None:
        query = query.where(Poll.community_id == community_id)
    return [poll_id for poll_id in session.exec(query) if poll_id is not None]


def poll_files(session: Session, ids: Sequence[int]) -> tuple[str, str]:
    """(CSV, JSON) for these polls."""
    documents = [_document(session, load(session, poll_id)) for poll_id in ids]
    rows: list[list[object]] = []
    for document in documents:
        head = [
            document["poll"],
            document["question"],
            document["kind"],
            document["secret"],
            document["status"],
        ]
        for total in document["totals"]:
            rows.append([*head, "total", "", total["option"], total["label"], total["votes"]])
        for ballot in document.get("ballots", []):
            for option, value in ballot["marks"]:
                label = document["labels"][option - 1]
                rows.append([*head, "ballot", ballot["voter"], option, label, value])
    header = ["poll", "question", "kind", "secret", "status", "row", "voter", "option", "label"]
    table = csv_bytes([*header, "value"], rows).decode()
    return table, json.dumps(documents, indent=2, default=str)


def _document(session: Session, view: PollView) -> dict[str, Any]:
    results = compute(view, tally(session, view))
    sealed = view.poll.secret and view.status is not PollStatus.CLOSED
    document: dict[str, Any] = {
        "poll": view.number,
        "community": view.community.name,
        "question": view.poll.question,
        "kind": view.kind.value,
        "secret": view.poll.secret,
        "status": view.status.value,
        "closes_at": view.poll.closes_at.isoformat(),
        "labels": [o.label for o in view.options],
        "turnout": {
            "online": results.online,
            "paper": results.paper,
            "electorate": results.electorate,
        },
        "totals": [
            {
                "option": x.number,
                "label": x.label,
                "votes": x.total,
                "online": x.online,
                "paper": x.paper,
            }
            for x in results.lines
        ],
        # One verdict: no winner is named for a void poll or one that did not reach its threshold.
        "winner": None if results.void or results.passed is False else results.winner,
        # Wherever there is a pass rule, true or false: a void poll passed nothing.
        "passed": False if results.void and has_pass_rule(view) else results.passed,
        "quorum_met": results.quorum_met,
        "verdict": " ".join(verdict(view, results, final=view.status is PollStatus.CLOSED)),
        "outcome": view.poll.outcome,
    }
    if sealed:  # a count exported after each vote would tell each vote
        document |= {
            "totals": [],
            "winner": None,
            "passed": None,
            "quorum_met": None,
            "verdict": None,
        }
        document["note"] = "a secret ballot: totals only after it closes"
    if not view.poll.secret:
        document["ballots"] = [
            {"voter": name, "marks": _marks(view.kind, ballot)}
            for name, ballot in open_ballots(session, view)
        ]
    return document


def _marks(kind: PollKind, ballot: Ballot) -> list[tuple[int, int]]:
    """(option, value) pairs: 1 for a pick, the rank for a ranking, the score for scores."""
    if ballot.choice is not None:
        return [(ballot.choice, 1)]
    if kind is PollKind.SCORE:
        return [(option, given) for option, given in enumerate(ballot.marks, start=1)]
    if kind is PollKind.RANKED:
        return [(option, rank) for rank, option in enumerate(ballot.marks, start=1)]
    return [(option, 1) for option in ballot.marks]
