"""Cleaning people's text before Moot stores or repeats it."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """Normalise and drop control and bidi-override characters (terminal escapes, spoofing)."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text))


def one_line(text: str) -> str:
    """`clean`, with runs of white space (newlines included) folded to one space."""
    return " ".join(clean(text).split())
