"""Keeping the garbage collector out of start-up, and its pauses short in a long-running Moot."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def loading() -> Iterator[None]:
    """Import Moot's modules (or a platform's) inside this. Importing builds objects that live
    as long as the process (modules, classes, mappers: some 150,000 in all), and the collector
    would walk them again and again while they pile up, a fifth of the import time. So it
    waits, and what was loaded is frozen after without a full collection first: importing
    leaves a few hundred objects of garbage, not worth walking all the rest again for."""
    held = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if held:
            gc.freeze()
            gc.enable()


def freeze_what_lives_for_good() -> None:
    """Call once Moot has started: what is loaded by then (modules, mappers, the date parser's
    tables) lives as long as the process, so take it out of the collector's sight. Otherwise
    each full collection walks all of it and holds up the event loop for about 100 ms, long
    enough to make a burst of reminders late (bench/meetings.py)."""
    gc.collect()
    gc.freeze()
