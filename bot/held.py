"""Private answers for someone the platform will not let Moot message until they open a chat with
it (Telegram): kept in the store, so that whichever Moot process gets their /start releases
them. The latest `KEPT` are kept per person, for `KEEP_HELD` at most (the daily tidy-up,
bot/housekeeping, deletes older ones).

They wait here, not in the outbox: a direct message the outbox cannot deliver fails and is
reported to whoever it concerns, while these are answers to the person's own commands, which
only they asked for and only their opening a chat can deliver. Their /start moves them into the
outbox, in the write that takes them out of here, so its one sender delivers them once and in
order, even if the process that took the /start dies before they go."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, delete, func
from sqlmodel import Session, col, select

from bot.events import Reply
from bot.outbox import messages, queue
from storage.conversations import HeldAnswer
from storage.locking import locking
from storage.models import Account

if TYPE_CHECKING:
    from bot.core import Moot

KEPT = 5
KEEP_HELD = timedelta(days=7)
LEAD_IN = "Hello! Here is what I had for you:"
SUMMARY = "a private answer kept until they opened a chat with Moot"


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


async def release(moot: Moot, platform: str, user_id: str, chat_id: str) -> bool:
    """Queue the answers held for them, oldest first, after `LEAD_IN`, as direct messages to
    their private chat `chat_id`, taking them out of the store in the same write: a second
    /start, on this process or another, finds none. Whether there were any."""
    now = moot.clock.now()

    def write(session: Session) -> bool:
        rows = session.exec(
            locking(
                select(HeldAnswer).where(*_theirs(platform, user_id)).order_by(col(HeldAnswer.id))
            )
        ).all()
        if not rows:
            return False
        session.exec(delete(HeldAnswer).where(col(HeldAnswer.id).in_([r.id for r in rows])))
        account = session.exec(
            select(Account).where(Account.platform == platform, Account.platform_user_id == user_id)
        ).first()
        if account is None:  # held before the core met them (a restart's apology), or forgotten
            return False
        # They opened the chat: Moot may message them there (as the core notes for any message
        # in a private chat; /start does not reach the core).
        account.unreachable, account.direct_chat_id = None, chat_id
        for reply in (Reply(LEAD_IN), *(messages.load(row.content) for row in rows)):
            queue.to_account(session, account, queue.Message(SUMMARY, reply=reply), now)
            session.flush()  # numbered in this order: the outbox sends them in that order
        return True

    waiting = await moot.read(
        lambda s: s.exec(
            select(func.count()).select_from(HeldAnswer).where(*_theirs(platform, user_id))
        ).one()
    )
    return await moot.write(write) if waiting else False
