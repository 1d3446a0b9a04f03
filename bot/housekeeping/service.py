"""What the daily tidy-up deletes, so that the store does not only grow.

- Messages delivered (or given up on) more than `KEEP_DELIVERIES` ago: direct messages and edits.
  Posts stay, because a live card is edited through the post that sent it. `/outbox` and the
  delivery reports only ever look at recent entries, and a direct message's text is personal.
- Update ids older than `KEEP_UPDATE_IDS`: platforms redeliver an update within a day at most
  (Telegram keeps unconfirmed updates for 24 hours), so the replay guard needs no more.
- Scheduled jobs done more than `KEEP_DELIVERIES` ago, and link codes a week after they expired.
- Web sessions once they expired, and sign-in links an hour after (bot.web: the hour counts
  towards the limit of links a person may ask for).
- What a conversation left half-way: forms in progress and ballots being filled in untouched for
  a day (bot.forms, bot.polls.drafts), and private answers nobody opened a chat for in
  a week (bot.held).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlmodel import Session

from bot.forms import KEEP_FORMS
from bot.held import KEEP_HELD
from bot.polls.drafts import KEEP_DRAFTS
from bot.web.service import LIMIT_WINDOW
from storage.types import stored_moment

KEEP_DELIVERIES = timedelta(days=30)
KEEP_UPDATE_IDS = timedelta(days=7)

_PRUNE = (
    "DELETE FROM outbox WHERE kind IN ('direct', 'edit') "
    "AND status IN ('sent', 'failed', 'superseded') "
    "AND coalesce(finished_at, created_at) < :deliveries",
    "DELETE FROM processedupdate WHERE at < :update_ids",
    "DELETE FROM scheduledjob WHERE done_at IS NOT NULL AND done_at < :deliveries",
    # Kept a week after expiring, so that someone late with a code hears it expired.
    "DELETE FROM linkcode WHERE expires_at < :update_ids",
    "DELETE FROM websession WHERE expires_at < :now",
    "DELETE FROM signinlink WHERE expires_at < :sign_in_links",
    "DELETE FROM formprogress WHERE started_at < :forms",
    "DELETE FROM ballotdraft WHERE changed_at < :drafts",
    "DELETE FROM heldanswer WHERE held_at < :held",
)


def tidy(session: Session, now: datetime) -> int:
    """Delete what is no longer needed; returns how many rows went."""
    bounds = {
        "deliveries": stored_moment(now - KEEP_DELIVERIES),
        "update_ids": stored_moment(now - KEEP_UPDATE_IDS),
        "now": stored_moment(now),
        "sign_in_links": stored_moment(now - LIMIT_WINDOW),
        "forms": stored_moment(now - KEEP_FORMS),
        "drafts": stored_moment(now - KEEP_DRAFTS),
        "held": stored_moment(now - KEEP_HELD),
    }
    run = session.connection().execute
    return sum(int(run(text(sql), bounds).rowcount) for sql in _PRUNE)
