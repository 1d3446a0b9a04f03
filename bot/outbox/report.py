"""Telling people the truth about what Moot sent for them: where it arrived, where it did not
and why, and what is still on its way."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlmodel import Session, select

from bot.events import CONSOLE, DISCORD, TELEGRAM
from storage.models import Chat, Person
from storage.outbox import DeliveryKind, DeliveryStatus, OutboxEntry

PLATFORM_NAMES = {CONSOLE: "console", DISCORD: "Discord", TELEGRAM: "Telegram"}


def platform_name(platform: str) -> str:
    return PLATFORM_NAMES.get(platform, platform)


def where(session: Session, entry: OutboxEntry) -> str:
    """A chat as its members know it: "Elm Court (Telegram)"."""
    title = session.exec(
        select(Chat.title).where(
            Chat.platform == entry.platform, Chat.platform_chat_id == entry.chat_id
        )
    ).first()
    return f"{title or 'a chat'} ({platform_name(entry.platform)})"


def person_name(session: Session, entry: OutboxEntry) -> str:
    person = session.get(Person, entry.person_id)
    return person.name if person is not None else "Someone"


def failure(session: Session, entry: OutboxEntry) -> str:
    """One sentence for a delivery that failed for good."""
    if entry.kind == DeliveryKind.DIRECT:
        return f"{person_name(session, entry)} was not sent {entry.summary}: {entry.error}."
    return f"Could not post {entry.summary} in {where(session, entry)}: {entry.error}."


def outcomes(
    session: Session, entries: Sequence[OutboxEntry], connected: Collection[str]
) -> list[str]:
    """Lines for the person who asked: posts that arrived, anything that failed or still waits.
    Direct messages and edits that arrived need no word."""
    posted: dict[str, list[str]] = {}
    for entry in entries:
        if entry.kind == DeliveryKind.POST and entry.status == DeliveryStatus.SENT:
            posted.setdefault(entry.summary, []).append(where(session, entry))
    lines = [f"Posted {summary} in {_and(chats)}." for summary, chats in posted.items()]
    for entry in entries:
        if entry.status == DeliveryStatus.FAILED:
            lines.append(failure(session, entry))
        elif entry.status == DeliveryStatus.PENDING and entry.kind != DeliveryKind.EDIT:
            why = (
                f"{entry.error}; trying again"
                if entry.error
                else f"{platform_name(entry.platform)} is not connected right now"
                if entry.platform not in connected
                else "still sending"
            )
            target = (
                f"{person_name(session, entry)}"
                if entry.kind == DeliveryKind.DIRECT
                else where(session, entry)
            )
            lines.append(
                f"Still on its way: {entry.summary} to {target} ({why}). "
                "I'll message you if it does not get there."
            )
    return lines


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
