"""Putting messages in the outbox, inside the write that causes them.

Call these from a write operation (like `bot.scheduler.schedule`): the entries commit or roll back
with the change, and the dispatchers are woken once the write has committed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from bot.events import Reply
from bot.outbox import messages
from storage.models import Account, Chat, Community, Person
from storage.outbox import ERROR_MAX, SUMMARY_MAX, DeliveryKind, DeliveryStatus, OutboxEntry
from storage.raw import RawConnection, raw_connection

NEW_DELIVERIES = "moot.new_deliveries"
# A message prepared for its moment (`not_before`) that could not leave then, because Moot was
# not running, still goes this late at most, saying it is late; later, it is dropped and logged.
LATE_AT_MOST = timedelta(minutes=15)
SAYS_LATE_FROM = timedelta(minutes=1)


@dataclass(frozen=True)
class Message:
    """What to send: a fixed reply, or `live`, a key a feature renders when the message goes out
    (so a card that is edited many times always shows its latest state). A message can wait
    for its moment (`not_before`) and name what it is `about`, so it can be withdrawn."""

    summary: str
    reply: Reply | None = None
    live: str | None = None
    not_before: datetime | None = None
    about: str | None = None


def _entry(message: Message, now: datetime, **where: Any) -> OutboxEntry:
    """An entry carrying `message` to `where` (kind, platform, chat or person, …)."""
    return OutboxEntry(
        content=messages.dump(message.reply) if message.reply is not None else None,
        live=message.live,
        summary=message.summary[:SUMMARY_MAX],
        not_before=message.not_before,
        about=message.about,
        created_at=now,
        **where,
    )


def _queued(session: Session, entry: OutboxEntry) -> OutboxEntry:
    """Into the write, and into the list the core wakes the dispatchers for once it commits."""
    session.add(entry)
    session.info.setdefault(NEW_DELIVERIES, []).append(entry)
    return entry


def post(
    session: Session,
    *,
    platform: str,
    chat_id: str,
    message: Message,
    now: datetime,
    community_id: int | None = None,
    requested_by: int | None = None,
    thread_id: str | None = None,
) -> OutboxEntry:
    """A new message in a chat. A chat Moot was shut out of fails at once, with the reason."""
    entry = _entry(
        message,
        now,
        community_id=community_id,
        kind=DeliveryKind.POST,
        platform=platform,
        chat_id=chat_id,
        thread_id=thread_id,
        requested_by_person_id=requested_by,
    )
    refused = _unreachable(session, platform, chat_id)
    if refused:
        entry.status, entry.finished_at = DeliveryStatus.FAILED, now
        entry.error = f"{refused} (Moot tries there again once someone uses a command in it)"[
            :ERROR_MAX
        ]
    return _queued(session, entry)


def _unreachable(session: Session, platform: str, chat_id: str) -> str | None:
    return session.exec(
        select(Chat.unreachable).where(Chat.platform == platform, Chat.platform_chat_id == chat_id)
    ).first()


def edit(session: Session, *, of: OutboxEntry, message: Message, now: datetime) -> OutboxEntry:
    """Replace the message that the post `of` sent (once it is sent). In a chat Moot was shut
    out of, there is nothing to do."""
    entry = _entry(
        message,
        now,
        community_id=of.community_id,
        kind=DeliveryKind.EDIT,
        platform=of.platform,
        chat_id=of.chat_id,
        thread_id=of.thread_id,
        edit_of=of.id,
    )
    assert of.chat_id is not None
    if _unreachable(session, of.platform, of.chat_id):
        entry.status, entry.finished_at = DeliveryStatus.SUPERSEDED, now
    return _queued(session, entry)


class CardPost(Protocol):
    """A feature's record of a chat its card was posted in (PollPost, MeetingPost)."""

    outbox_id: int


def place_card(
    session: Session,
    existing: CardPost | None,
    new_post: Callable[[int], object],
    *,
    platform: str,
    chat_id: str,
    thread_id: str | None,
    message: Message,
    now: datetime,
    community_id: int,
    requested_by: int | None,
) -> bool:
    """Post a live card (a poll's, a meeting's) in a chat unless it is there already or on its
    way (`existing`, the feature's record of posting it there; a card whose post failed is
    posted again), and record which delivery posts it: in `existing`, or in the row
    `new_post(delivery id)` makes. False when there was nothing to do."""
    if existing is not None and session.get_one(OutboxEntry, existing.outbox_id).status != (
        DeliveryStatus.FAILED
    ):
        return False
    entry = post(
        session,
        platform=platform,
        chat_id=chat_id,
        thread_id=thread_id,
        message=message,
        now=now,
        community_id=community_id,
        requested_by=requested_by,
    )
    session.flush()
    assert entry.id is not None
    if existing is None:
        session.add(new_post(entry.id))
    else:
        existing.outbox_id = entry.id
    return True


# A card whose messages keep vanishing is not posted again forever.
POSTED_AGAIN_AT_MOST = 3


def post_again(session: Session, card: OutboxEntry, reason: str, now: datetime) -> bool:
    """A live card's message can no longer be edited (`reason`): it was left behind when its
    chat moved (a Telegram group that became a supergroup). Post the card again, through the
    same delivery, so whatever points at it (PollPost, MeetingPost, a repair's card) follows,
    and edits waiting for it go to the new message. The old message is kept as a retired entry
    under the old chat, so a press on it is told where the live card is. (A card someone
    deleted on purpose is not posted again.) False when this is no live card, or it was posted
    again too often already."""
    if (
        card.kind != DeliveryKind.POST
        or card.live is None
        or card.status != DeliveryStatus.SENT
        or card.message_id is None
    ):
        return False
    retired = session.exec(
        select(func.count())
        .select_from(OutboxEntry)
        .where(OutboxEntry.edit_of == card.id, OutboxEntry.status == DeliveryStatus.RETIRED)
    ).one()
    if retired >= POSTED_AGAIN_AT_MOST:
        return False
    session.add(
        OutboxEntry(
            community_id=card.community_id,
            kind=DeliveryKind.POST,
            platform=card.platform,
            chat_id=card.chat_id,
            thread_id=card.thread_id,
            live=card.live,
            summary=card.summary,
            edit_of=card.id,
            message_id=card.message_id,
            status=DeliveryStatus.RETIRED,
            error=reason[:ERROR_MAX],
            created_at=now,
            finished_at=now,
        )
    )
    card.status, card.message_id, card.attempts = DeliveryStatus.PENDING, None, 0
    card.error, card.finished_at = None, None
    _queued(session, card)
    return True


_RETIRED_CARD = """
SELECT summary FROM outbox
WHERE status = 'retired' AND platform = ? AND chat_id = ? AND message_id = ?
  AND NOT EXISTS (
    SELECT 1 FROM outbox WHERE status = 'sent' AND kind = 'post' AND platform = ?
      AND chat_id = ? AND message_id = ?)
LIMIT 1
"""


def retired_card(db: RawConnection, platform: str, chat_id: str, message_id: str) -> str | None:
    """What to tell someone who pressed a button on a card's old message, which Moot can no
    longer update; None when it is not one (or a chat that moved gave its id to a live card).
    A peek on every press in a group (`Store.peek`), so one statement on ix_outbox_waiting."""
    where = (platform, chat_id, message_id)
    row = db.execute(_RETIRED_CARD, (*where, *where)).fetchone()
    if row is None:
        return None
    return (
        f"This copy of {row[0]} can no longer be updated, so Moot posted it again in this "
        "chat: please press the buttons on the newer one."
    )


# Whether a card's post (by delivery id) needs a new edit queued: it did not fail, its chat has
# not shut Moot out, and no edit of it waits *untaken*. A card's edit waits untaken while its
# `not_before` is set (to the moment it was queued, so it never holds it back); the dispatcher
# takes it, clearing `not_before` in a write of its own, before it renders the card
# (bot/outbox/dispatcher.py). A change committed while an untaken edit waits is therefore in what
# that edit shows, and a change committed after the take queues an edit of its own. One
# statement on SQLite's driver: votes run it once per poll per group (bot.polls.service.cast).
_NEEDS_EDIT = (
    "SELECT 1 FROM outbox o WHERE o.id = ? AND o.status != 'failed' AND NOT EXISTS ("
    "SELECT 1 FROM outbox e WHERE e.edit_of = o.id AND e.status = 'pending' AND e.kind = 'edit' "
    "AND e.not_before IS NOT NULL) AND NOT EXISTS ("
    "SELECT 1 FROM chat c WHERE c.platform = o.platform AND c.platform_chat_id = o.chat_id "
    "AND c.unreachable IS NOT NULL)"
)


def edit_cards(session: Session, posted_by: Iterable[int], message: Message, now: datetime) -> None:
    """Bring live cards up to date wherever they were posted (each rendered when sent). An edit
    of the card already waiting, not yet taken for sending, covers this change too: a burst of
    changes queues one edit per card, which the dispatcher sends at most once per the platform's
    edit interval."""
    session.flush()  # the statement below goes straight to the driver
    db = raw_connection(session)
    queued = False
    for delivery_id in posted_by:
        if db.execute(_NEEDS_EDIT, (delivery_id,)).fetchone() is None:
            continue
        delivery = session.get_one(OutboxEntry, delivery_id)
        edit(session, of=delivery, message=replace(message, not_before=now), now=now)
        queued = True
    if queued:
        session.flush()  # so that the next change in this transaction finds it waiting


def direct(
    session: Session,
    person_id: int,
    message: Message,
    now: datetime,
    *,
    community_id: int | None = None,
    requested_by: int | None = None,
    prefer: str | None = None,
) -> OutboxEntry:
    """A direct message to a person, on their account on the `prefer` platform (the one they
    answered something on), else the account they used most recently that Moot can reach. With
    none, the entry fails at once and says why."""
    entry = _entry(
        message,
        now,
        community_id=community_id,
        kind=DeliveryKind.DIRECT,
        platform=prefer or "",
        person_id=person_id,
        requested_by_person_id=requested_by,
    )
    reason = address(session, entry)
    if reason is not None:
        entry.status, entry.finished_at, entry.error = DeliveryStatus.FAILED, now, reason
    return _queued(session, entry)


def to_account(session: Session, account: Account, message: Message, now: datetime) -> OutboxEntry:
    """A direct message to this account of its person (one that has just opened a chat with
    Moot). If the platform refuses it, their other accounts are tried, as for `direct`."""
    entry = _entry(
        message,
        now,
        kind=DeliveryKind.DIRECT,
        platform=account.platform,
        person_id=account.person_id,
        account_id=account.id,
        chat_id=account.direct_chat_id,
    )
    return _queued(session, entry)


def requeue(session: Session, entry: OutboxEntry, requested_by: int | None) -> None:
    """Send a failed entry again, as if new."""
    entry.status, entry.attempts, entry.error, entry.finished_at = (
        DeliveryStatus.PENDING,
        0,
        None,
        None,
    )
    entry.requested_by_person_id = requested_by
    _queued(session, entry)


def tell(
    session: Session,
    person_ids: Iterable[int],
    message: Message,
    now: datetime,
    *,
    community_id: int | None = None,
    requested_by: int | None = None,
    prefer: Mapping[int, str] | None = None,
) -> None:
    """A direct message to each of these people (on the platform `prefer` gives for them)."""
    for person_id in person_ids:
        direct(
            session,
            person_id,
            message,
            now,
            community_id=community_id,
            requested_by=requested_by,
            prefer=(prefer or {}).get(person_id),
        )


# `about` of direct messages of which at least one must arrive (bot.outbox.service handles
# their failures): "someone-of:join:17".
SOMEONE_OF = "someone-of"


def tell_someone(
    session: Session,
    person_ids: Iterable[int],
    message: Message,
    now: datetime,
    *,
    community_id: int,
    topic: str,
) -> bool:
    """A direct message to each of these people, of which at least one must arrive (a request
    that waits for an organiser). If none can, now or when the last one fails later, the
    community's chats are asked for someone to open a chat with Moot (naming nobody). Whether
    someone has it, or still may."""
    about = f"{SOMEONE_OF}:{topic}"
    tell(session, person_ids, replace(message, about=about), now, community_id=community_id)
    session.flush()
    if reached(session, about):
        return True
    nobody_reached(session, community_id, message.summary, about, now)
    return False


def reached(session: Session, about: str) -> bool:
    """Whether a message `about` this has arrived, or may still."""
    return (
        session.exec(
            select(OutboxEntry.id).where(
                col(OutboxEntry.about) == about,
                col(OutboxEntry.status).in_([DeliveryStatus.PENDING, DeliveryStatus.SENT]),
            )
        ).first()
        is not None
    )


def nobody_reached(
    session: Session, community_id: int, summary: str, about: str, now: datetime
) -> None:
    """Say in each of the community's chats that `summary` (the messages `about` it) reached
    nobody who should have it; once, however many of them fail."""
    called = f"nobody-reached:{about}"[:64]
    if session.exec(select(OutboxEntry.id).where(col(OutboxEntry.about) == called)).first():
        return
    community = session.get_one(Community, community_id)
    text = (
        f"⚠ Moot could not send {summary} to any organiser of {community.name}: none of them "
        "can get a direct message from Moot yet. Organisers: please open a private chat with "
        "Moot (on Telegram, press Start) so that nothing waits unseen; /members and /outbox "
        "show what waits."
    )
    for chat in session.exec(select(Chat).where(Chat.community_id == community_id)):
        post(
            session,
            platform=chat.platform,
            chat_id=chat.platform_chat_id,
            message=Message(
                f"a call for an organiser about {summary}", reply=Reply(text), about=called
            ),
            now=now,
            community_id=community_id,
        )


def withdraw(session: Session, about: str, now: datetime, *, person_id: int | None = None) -> None:
    """Take back the messages about `about` (only those to `person_id`, if given) that have not
    gone yet: the reminders of a meeting that moved, or of someone who is no longer going."""
    statement = update(OutboxEntry).where(
        col(OutboxEntry.about) == about, col(OutboxEntry.status) == DeliveryStatus.PENDING
    )
    if person_id is not None:
        statement = statement.where(col(OutboxEntry.person_id) == person_id)
    session.exec(
        statement.values(status=DeliveryStatus.SUPERSEDED, finished_at=now, error="withdrawn")
    )


def address(session: Session, entry: OutboxEntry) -> str | None:
    """Point a direct message at the person's most recent reachable account (other than the one
    it has, if any); the reason none is left, or None when one was found."""
    assert entry.person_id is not None
    accounts = session.exec(
        select(Account)
        .where(Account.person_id == entry.person_id)
        .order_by(col(Account.last_seen_at).desc())
    ).all()
    if entry.account_id is None and entry.platform:  # a first try: the preferred platform first
        accounts = sorted(accounts, key=lambda account: account.platform != entry.platform)
    for account in accounts:
        if account.unreachable is None and account.id != entry.account_id:
            entry.platform, entry.account_id = account.platform, account.id
            entry.chat_id = account.direct_chat_id
            return None
    name = session.get_one(Person, entry.person_id).name
    if not accounts:
        return f"{name} has not used Moot on any platform yet"
    return next((a.unreachable for a in accounts if a.unreachable), None) or (
        f"Moot cannot send {name} a direct message"
    )
