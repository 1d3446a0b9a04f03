"""Keeping the garbage collector's pauses short in a long-running Moot."""

from __future__ import annotations

import gc


def freeze_what_lives_for_good() -> None:
    """Call once Moot has started: what is loaded by then (modules, mappers, the date parser's
    tables) lives as long as the process, so take it out of the collector's sight. Otherwise
    each full collection walks all of it and holds up the event loop for about 100 ms, long
    enough to make a burst of reminders late (bench/meetings.py)."""
    gc.collect()
    gc.freeze()
