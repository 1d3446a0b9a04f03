"""A person's votes, for their own copy. A secret ballot says only that they voted: what they
chose was never stored beside their name. And when two accounts become one person, their votes
become one per poll."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from bot.errors import UserError
from bot.polls.ballots import decode
from bot.polls.service import edit_cards
from bot.polls.views import PollView, load
from storage.models import Account, Community
from storage.polls import Poll, PollKind, Vote, VoterRoll


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


_BOTH_VOTED_OPENLY = text(
    "SELECT t.poll_id, t.choice, t.marks, s.choice, s.marks FROM vote t JOIN vote s "
    "ON s.poll_id = t.poll_id AND s.person_id = :source JOIN poll p ON p.id = t.poll_id "
    "WHERE t.person_id = :target AND p.status != 'closed'"
)
_PAPER_AND_ONLINE = text(
    "SELECT m.poll_id, m.person_id, p.secret FROM papervoter m JOIN poll p ON p.id = m.poll_id "
    "WHERE p.status != 'closed' AND m.person_id IN (:source, :target) AND ("
    "EXISTS (SELECT 1 FROM vote v WHERE v.poll_id = m.poll_id "
    "AND v.person_id = :source + :target - m.person_id) OR "
    "EXISTS (SELECT 1 FROM voterroll r WHERE r.poll_id = m.poll_id "
    "AND r.person_id = :source + :target - m.person_id))"
)
_BOTH_ON_ROLL = text(
    "SELECT p.number FROM voterroll r JOIN voterroll t ON t.poll_id = r.poll_id "
    "AND t.person_id = :target JOIN poll p ON p.id = r.poll_id "
    "WHERE r.person_id = :source AND p.status != 'closed'"
)


def merge_votes(session: Session, source_id: int, target_id: int, now: datetime) -> list[str]:
    """Two accounts becoming one person keep one vote per open poll, and say which: the vote of
    the account that asked for the link code is kept; a paper vote beats an online one (it is
    already in the paper count). Closed polls keep their results as they were."""
    run = session.connection().execute
    params = {"source": source_id, "target": target_id}
    both = run(_BOTH_ON_ROLL, params).first()
    if both is not None:
        raise UserError(
            f"Both accounts have cast a secret ballot in poll #{both[0]}. Link them after it "
            "closes, so no one votes twice."
        )
    # Ballots the source was filling in go.
    run(text("DELETE FROM ballotdraft WHERE person_id = :source"), {"source": source_id})
    notes: list[str] = []
    kept_by, dropped_by = _platforms(session, target_id), _platforms(session, source_id)
    changed: set[int] = set()
    for poll_id, choice, marks, other_choice, other_marks in run(_BOTH_VOTED_OPENLY, params):
        view = load(session, poll_id)
        kept = _describe_vote(view, choice, marks)
        dropped = _describe_vote(view, other_choice, other_marks)
        notes.append(
            f"Poll #{view.number} ({view.community.name}): both accounts had voted. The vote of "
            f"your {kept_by} account, which asked for the link code, is kept ({kept}); the vote "
            f"of this {dropped_by} account ({dropped}) no longer counts."
        )
        changed.add(poll_id)
    for poll_id, marked_person, secret in run(_PAPER_AND_ONLINE, params).all():
        view = load(session, poll_id)
        if secret:
            raise UserError(
                f"One account voted on paper and the other cast a secret ballot in poll "
                f"#{view.number}. Link them after it closes, so no one votes twice."
            )
        online_person = source_id + target_id - marked_person
        row = run(
            text("SELECT choice, marks FROM vote WHERE poll_id = :poll AND person_id = :person"),
            {"poll": poll_id, "person": online_person},
        ).one()
        run(
            text("DELETE FROM vote WHERE poll_id = :poll AND person_id = :person"),
            {"poll": poll_id, "person": online_person},
        )
        notes.append(
            f"Poll #{view.number} ({view.community.name}): one account was marked as voting on "
            f"paper, so its paper vote stands and the online vote ({_describe_vote(view, *row)}) "
            "no longer counts."
        )
        changed.add(poll_id)
    for table in ("vote", "voterroll", "pollelector", "papervoter"):
        run(
            text(
                f"DELETE FROM {table} WHERE person_id = :source AND poll_id IN "
                f"(SELECT poll_id FROM {table} WHERE person_id = :target)"
            ),
            params,
        )
        run(text(f"UPDATE {table} SET person_id = :target WHERE person_id = :source"), params)
    for poll_id in changed:  # counts from the votes that remain, then every card shows them
        run(
            text(
                "UPDATE pollcount SET votes = (SELECT count(*) FROM vote WHERE vote.poll_id = "
                "pollcount.poll_id AND vote.choice = pollcount.choice) WHERE poll_id = :poll"
            ),
            {"poll": poll_id},
        )
        edit_cards(session, poll_id, now)
    for statement in (
        "UPDATE poll SET created_by_person_id = :target WHERE created_by_person_id = :source",
        "UPDATE papertally SET added_by_person_id = :target WHERE added_by_person_id = :source",
        "UPDATE papervoter SET marked_by_person_id = :target WHERE marked_by_person_id = :source",
    ):
        run(text(statement), params)
    return notes


def _platforms(session: Session, person_id: int) -> str:
    names = {"console": "console", "discord": "Discord", "telegram": "Telegram"}
    found = sorted(
        set(session.exec(select(Account.platform).where(Account.person_id == person_id)))
    )
    return " and ".join(names.get(platform, platform) for platform in found) or "other"


def _describe_vote(view: PollView, choice: int | None, marks: str | None) -> str:
    ballot = decode(choice, marks)
    if view.kind is PollKind.SCORE:
        return ", ".join(f"{view.label(o)} {given}" for o, given in enumerate(ballot, start=1))
    joiner = " > " if view.kind is PollKind.RANKED else ", "
    return joiner.join(view.label(option) for option in ballot) or "no choice"
