"""Pages as last rendered, served again until anything is written or the minute turns.

A page is a few dozen statements and a template (10-100 ms over a large community); the same
visitor asking again, or any visitor who is not signed in, gets the same HTML as long as the
store has not changed (`Store.version`) and the clock shows the same minute (pages say "closes
in 3 days" and move a meeting from coming to past on the minute). Looked up on the event loop,
before any read, so a hit costs no worker thread.

`Store.version` counts this process's writes. On PostgreSQL other Moot processes may write too
(docs/operating.md, "Several processes"), so there a page is kept for `SHARED_SECONDS` at most:
another process's change shows within that.

Signed-in visitors' pages are kept under their session cookie and their CSRF token (the page's
sign-out form carries it), so nobody is ever given a page rendered for someone else. The number
of pages kept is bounded; the least recently used go first.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

KEPT = 256  # pages; a page is 5-100 KB
SHARED_SECONDS = 5  # how long a page is kept where other processes may write (PostgreSQL)


@dataclass(frozen=True)
class PageKey:
    community_id: int
    slug: str  # "" for the home page
    cookie: str | None  # the session cookie, if any: whose page it is
    csrf: str | None  # the token its forms carry (signed in only)
    version: int  # Store.version when the read began
    period: datetime  # `period` of the clock when it was asked


def period(now: datetime, *, shared: bool) -> datetime:
    """The stretch of time a page rendered at `now` is kept for: its minute, or on a store
    other processes write to (`shared`), its `SHARED_SECONDS`."""
    if not shared:
        return now.replace(second=0, microsecond=0)
    return now.replace(second=now.second - now.second % SHARED_SECONDS, microsecond=0)


class RenderedPages:
    """A bounded map from a request's `PageKey` to its HTML (None: the 404 page)."""

    def __init__(self, kept: int = KEPT) -> None:
        self._kept = kept
        self._pages: OrderedDict[PageKey, str | None] = OrderedDict()

    def keep_at_most(self, kept: int) -> None:
        """Keep no more than `kept` pages from now on (0: none; bench/web.py measures pages
        rendered afresh)."""
        self._kept = kept
        while len(self._pages) > kept:
            self._pages.popitem(last=False)

    def get(self, key: PageKey) -> tuple[bool, str | None]:
        """Whether the page was kept, and its HTML."""
        if key not in self._pages:
            return False, None
        self._pages.move_to_end(key)
        return True, self._pages[key]

    def keep(self, key: PageKey, page: str | None) -> None:
        self._pages[key] = page
        self._pages.move_to_end(key)
        while len(self._pages) > self._kept:
            self._pages.popitem(last=False)

    def __len__(self) -> int:
        return len(self._pages)
