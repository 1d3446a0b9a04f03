"""How people and buttons name numbered things: "7" in the community where they are, or "3.7",
community 3's number 7, which buttons carry so that a press in a direct message acts on the
thing it was sent about, whatever community the presser used last."""

from __future__ import annotations

import re

from bot.errors import UsageError, UserError

# "#7", or "R-0042" as repair references are written; "3.7" on buttons.
_REF = re.compile(r"(?:#|R-?)?(?:(\d{1,9})\.)?(\d{1,9})", re.IGNORECASE)


def parse(given: str, what: str) -> tuple[int | None, int]:
    """(community id or None, number) from "7", "#7", "R-0007" or "3.7"."""
    match = _REF.fullmatch(given.strip())
    if match is None:
        raise UsageError(f"Give the {what}'s number, like 7.")
    community, number = match.groups()
    return (int(community) if community is not None else None), int(number)


def is_ref(given: str) -> bool:
    return _REF.fullmatch(given.strip()) is not None


def community_of(given: str) -> int | None:
    """The community a reference names, if it names one."""
    match = _REF.fullmatch(given.strip())
    return int(match.group(1)) if match is not None and match.group(1) is not None else None


def qualified(community_id: int, number: int) -> str:
    return f"{community_id}.{number}"


MOST_AT_ONCE = 2000


def member_numbers(words: list[str]) -> list[int]:
    """Member numbers as organisers write them: "3 7 12-20" (commas allowed)."""
    numbers: list[int] = []
    for word in words:
        match = re.fullmatch(r"(\d{1,6})(?:-(\d{1,6}))?", word, flags=re.ASCII)
        if match is None:
            raise UserError(
                f"Give member numbers like 3 7 12-20 (see /members); {word[:20]!r} is not one."
            )
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if last < first:
            raise UserError(f"{word[:20]} runs backwards; write the smaller number first.")
        numbers += range(first, last + 1)
        if len(numbers) > MOST_AT_ONCE:
            raise UserError(f"Give at most {MOST_AT_ONCE} members at a time.")
    if not numbers:
        raise UserError("Give member numbers, e.g. 3 7 12-20 (see /members).")
    return list(dict.fromkeys(numbers))
