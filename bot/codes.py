"""One-time codes people read out and type: unambiguous letters, a prefix that says what it is for."""

from __future__ import annotations

import re
import secrets

_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L


def new_code(prefix: str) -> str:
    groups = ("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(2))
    return f"{prefix}-" + "-".join(groups)


def looks_like(prefix: str, text: str) -> bool:
    return re.fullmatch(rf"{prefix}-[A-Z0-9]{{4}}-[A-Z0-9]{{4}}", normalise(text)) is not None


def normalise(text: str) -> str:
    return text.strip().upper()
