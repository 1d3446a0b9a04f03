"""A person's web data: their sessions (when each began and ends), the sign-in links they asked
for, and their calendar feeds (each community's whole calendar and the meetings they are going
to); forgetting them (all of it goes); and two people becoming one (the one kept takes the
other's sessions and feeds, keeping its own where both had the same one)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, text
from sqlmodel import Session, col, select

from bot.runtime import Runtime
from storage.models import Community
from storage.web import FeedToken, SignInLink, WebSession


def export(session: Session, person_id: int) -> dict[str, Any]:
    """What is kept, without the tokens themselves: a session's and a link's token are not
    kept at all (only a hash), and a feed's address is theirs to ask /web for."""
    sessions = session.exec(select(WebSession).where(WebSession.person_id == person_id))
    links = session.exec(select(SignInLink).where(SignInLink.person_id == person_id))
    feeds = session.exec(
        select(Community.name, FeedToken.whole)
        .join(FeedToken, col(FeedToken.community_id) == Community.id)
        .where(FeedToken.person_id == person_id)
        .order_by(col(Community.name), col(FeedToken.whole))
    )
    return {
        "signed_in_sessions": [
            {"since": s.created_at.isoformat(), "until": s.expires_at.isoformat()} for s in sessions
        ],
        "sign_in_links": [
            {
                "asked_at": link.created_at.isoformat(),
                "used_at": None if link.used_at is None else link.used_at.isoformat(),
            }
            for link in links
        ],
        "calendar_feeds": [
            {"community": name, "meetings": "all" if whole else "going"} for name, whole in feeds
        ],
    }


def forget(runtime: Runtime, session: Session, person_id: int, now: datetime) -> list[Path]:
    """Signed out everywhere, no link left to use, and their own feeds stop answering."""
    for table in (WebSession, SignInLink, FeedToken):
        session.exec(delete(table).where(col(table.person_id) == person_id))
    return []


def merge(session: Session, source_id: int, target_id: int, now: datetime) -> list[str]:
    """The browsers signed in as either stay signed in, as the one person; a feed moves across
    unless the person kept has the same one (that community's, whole or their own meetings)
    already: theirs stays, and the other address stops answering (/web gives the one kept)."""
    run = session.connection().execute
    params = {"source": source_id, "target": target_id}
    dropped = run(
        text(
            "SELECT DISTINCT c.name FROM feedtoken s JOIN community c ON c.id = s.community_id "
            "WHERE s.person_id = :source AND EXISTS (SELECT 1 FROM feedtoken t WHERE "
            "t.person_id = :target AND t.community_id = s.community_id AND t.whole = s.whole) "
            "ORDER BY c.name"
        ),
        params,
    ).all()
    run(
        text(
            "DELETE FROM feedtoken WHERE person_id = :source AND EXISTS (SELECT 1 FROM "
            "feedtoken t WHERE t.person_id = :target AND t.community_id = feedtoken.community_id "
            "AND t.whole = feedtoken.whole)"
        ),
        params,
    )
    for table in ("feedtoken", "websession", "signinlink"):
        run(text(f"UPDATE {table} SET person_id = :target WHERE person_id = :source"), params)
    return [
        f"{name}: both accounts had calendar addresses; those of the account that asked for "
        "the link code are kept (/web shows them), the other's no longer answer."
        for (name,) in dropped
    ]
