"""Cleaning people's text before Moot stores or repeats it."""

from __future__ import annotations

import re
import unicodedata

# Control characters, bidi marks, embeddings, overrides and isolates (U+061C, U+200E, U+200F,
# U+202A-U+202E, U+2066-U+2069), invisible format characters (Mongolian vowel separator,
# zero-width space, word joiner and invisible operators, the deprecated U+206A-U+206F, the
# byte-order mark, interlinear annotation), and the brackets Moot uses for its own time markers.
# Zero-width joiner and non-joiner (U+200C, U+200D) stay: emoji, Persian and Indic scripts need
# them; so do tag characters (U+E0020-U+E007F), which spell the flags of Scotland and Wales.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    r"\u180e\u200b\u2060-\u2064\u206a-\u206f\ufeff\ufff9-\ufffb\u27e6\u27e7]"
)


def clean(text: str) -> str:
    """Normalise and drop control and bidi-override characters (terminal escapes, spoofing)."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text))


def one_line(text: str) -> str:
    """`clean`, with runs of white space (newlines included) folded to one space."""
    return " ".join(clean(text).split())
