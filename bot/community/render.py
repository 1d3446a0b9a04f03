"""How the register and join requests read in a chat."""

from __future__ import annotations

from bot import refs
from bot.community.register import Entry
from bot.events import Button, ButtonStyle, Reply
from bot.spreadsheet import csv_bytes
from storage.models import MembershipStatus, Role

# Beyond this many people, /members sends the register as a file.
LISTED_INLINE = 60


def entry_line(entry: Entry) -> str:
    parts = [f"#{entry.number} {entry.name}"]
    if entry.unit:
        parts.append(f"({entry.unit})")
    if entry.role != Role.MEMBER:
        parts.append(f"· {entry.role}")
    if entry.status != MembershipStatus.ACTIVE:
        parts.append(f"· {entry.status}")
    where = ", ".join(entry.platforms) if entry.platforms else "not yet claimed"
    parts.append(f"· {where}")
    return " ".join(parts)


def register_text(community_name: str, active: list[Entry], pending: list[Entry]) -> str:
    lines = [f"{community_name}: {len(active)} member(s)"]
    lines += [entry_line(e) for e in active]
    if pending:
        lines.append("")
        lines.append(f"Waiting for approval ({len(pending)}):")
        lines += [entry_line(e) for e in pending]
    return "\n".join(lines)


def register_summary(
    community_name: str, active: list[Entry], shown_pending: list[Entry], pending: int
) -> str:
    lines = [
        f"{community_name}: {len(active)} member(s) and {pending} waiting for approval. The "
        "whole register is in the attached file."
    ]
    if shown_pending:
        lines.append("")
        lines.append(f"Waiting for approval (the first {len(shown_pending)}):")
        lines += [entry_line(e) for e in shown_pending]
    return "\n".join(lines)


def register_csv(entries: list[Entry]) -> bytes:
    return csv_bytes(
        ["member", "name", "unit", "role", "status", "platforms"],
        (
            [f"#{e.number}", e.name, e.unit or "", e.role, e.status, " ".join(e.platforms)]
            for e in entries
        ),
    )


def decision_buttons(community_id: int, number: int) -> list[Button]:
    """Buttons that name the community too: pressed in a direct message, they act on this
    request whatever community the organiser used last."""
    ref = refs.qualified(community_id, number)
    return [
        Button("Approve", f"approve {ref}", ButtonStyle.PRIMARY),
        Button("Reject", f"reject {ref}", ButtonStyle.DANGER),
    ]


def join_request(community_id: int, number: int, person_name: str, community_name: str) -> Reply:
    """What each organiser gets when someone asks to join."""
    return Reply(
        f"{person_name} asks to join {community_name} (request #{number}). Approve or reject "
        f"here, or send /approve {number} or /reject {number}.",
        buttons=tuple(decision_buttons(community_id, number)),
    )


# Asked of whoever sets a community up: repair reports need somewhere to go.
ASK_FOR_TRIAGE = (
    "Repairs: run /triagechat in the repairs team's own chat (keep it to the team: reports "
    "name tenants and homes) so every report arrives there as a card. Until then each report "
    "goes to the admins and the repairs team by direct message (on Telegram, only to those "
    "who have opened a chat with Moot)."
)
