"""Lines of input for the console, from a terminal or a script on stdin."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import AsyncIterator


async def stdin_lines() -> AsyncIterator[str]:
    """Yield stdin one line at a time without blocking the event loop.

    A daemon thread does the blocking reads, so an interrupted session never waits for Enter.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        # Bytes that are not UTF-8 (a pasted Latin-1 file) become U+FFFD, not a dead console.
        for raw in sys.stdin.buffer:
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=read, name="console-stdin", daemon=True).start()
    while (line := await queue.get()) is not None:
        yield line
