"""How people and buttons name numbered things: "7" in the community where they are, or "3.7",
community 3's number 7, which buttons carry so that a press in a direct message acts on the
thing it was sent about, whatever community the presser used last."""

from __future__ import annotations

import re

from bot.errors import UsageError

_REF = re.compile(r"#?(?:(\d{1,9})\.)?(\d{1,9})")


def parse(given: str, what: str) -> tuple[int | None, int]:
    """(community id or None, number) from "7", "#7" or "3.7"."""
    match = _REF.fullmatch(given.strip())
    if match is None:
        raise UsageError(f"Give the {what}'s number, like 7.")
    community, number = match.groups()
    return (int(community) if community is not None else None), int(number)


def community_of(given: str) -> int | None:
    """The community a reference names, if it names one."""
    match = _REF.fullmatch(given.strip())
    return int(match.group(1)) if match is not None and match.group(1) is not None else None


def qualified(community_id: int, number: int) -> str:
    return f"{community_id}.{number}"
