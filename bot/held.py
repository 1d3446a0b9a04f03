"""Private answers for someone the platform will not let Moot message until they open a chat with
it (Telegram): kept in the store, so that whichever Moot process gets their /start sends them,
once and in order. The latest `KEPT` are kept per person, for `KEEP_HELD` at most (the daily
tidy-up, bot/housekeeping, deletes older ones).

The outbox holds no such messages: a direct message it cannot deliver fails and is reported to
whoever it concerns, while these are answers to the person's own commands, which only they
asked for and only their opening a chat can deliver."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, delete, func
from sqlmodel import Session, col, select

from bot.events import Reply
from bot.outbox import messages
from storage.conversations import HeldAnswer
from storage.locking import locking

if TYPE_CHECKING:
    from bot.core import Moot

KEPT = 5
KEEP_HELD = timedelta(days=7)


def _theirs(platform: str, user_id: str) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return col(HeldAnswer.platform) == platform, col(HeldAnswer.user_id) == user_id


async def hold(moot: Moot, platform: str, user_id: str, reply: Reply) -> bool:
    """Keep `reply` until they open a chat; whether it is the only one waiting (so the chat
    they used should be told how to get it, once)."""
    now = moot.clock.now()

    def write(session: Session) -> bool:
        session.add(
            HeldAnswer(
                platform=platform, user_id=user_id, content=messages.dump(reply), held_at=now
            )
        )
        session.flush()
        ids = session.exec(
            select(HeldAnswer.id).where(*_theirs(platform, user_id)).order_by(col(HeldAnswer.id))
        ).all()
        if len(ids) > KEPT:
            session.exec(delete(HeldAnswer).where(col(HeldAnswer.id).in_(ids[:-KEPT])))
        return len(ids) == 1

    return await moot.write(write)


async def release(moot: Moot, platform: str, user_id: str) -> list[Reply]:
    """The answers held for them, oldest first, taken out of the store: a second /start, on
    this process or another, finds none."""

    def write(session: Session) -> list[Reply]:
        rows = session.exec(
            locking(
                select(HeldAnswer).where(*_theirs(platform, user_id)).order_by(col(HeldAnswer.id))
            )
        ).all()
        if rows:
            session.exec(delete(HeldAnswer).where(col(HeldAnswer.id).in_([r.id for r in rows])))
        return [messages.load(row.content) for row in rows]

    waiting = await moot.read(
        lambda s: s.exec(
            select(func.count()).select_from(HeldAnswer).where(*_theirs(platform, user_id))
        ).one()
    )
    return await moot.write(write) if waiting else []
