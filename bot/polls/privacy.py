"""A person's votes, for their own copy. A secret ballot says only that they voted: what they
chose was never stored beside their name."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from storage.models import Community
from storage.polls import Poll, Vote, VoterRoll


def export(session: Session, person_id: int) -> dict[str, Any]:
    votes = session.exec(
        select(Vote, Poll, Community)
        .join(Poll, col(Poll.id) == Vote.poll_id)
        .join(Community, col(Community.id) == Poll.community_id)
        .where(Vote.person_id == person_id)
    ).all()
    secret = session.exec(
        select(Poll, Community)
        .join(VoterRoll, col(VoterRoll.poll_id) == Poll.id)
        .join(Community, col(Community.id) == Poll.community_id)
        .where(VoterRoll.person_id == person_id)
    ).all()
    return {
        "votes": [
            {
                "community": community.name,
                "poll": f"#{poll.number} {poll.question}",
                "choice": vote.choice,
                "marks": vote.marks,
            }
            for vote, poll, community in votes
        ],
        "secret_ballots_cast": [
            {"community": community.name, "poll": f"#{poll.number} {poll.question}"}
            for poll, community in secret
        ],
    }
