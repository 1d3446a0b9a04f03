"""Where the console's lines come from: a script (piped stdin, tests) or a terminal.

A terminal is read with `readline`, so arrow keys edit the line and recall earlier ones instead of
echoing escape codes, and the prompt is shown only when the console asks for the next line. Both
read in a daemon thread, so an interrupted session never waits for Enter.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sys
import threading
from collections.abc import AsyncIterator
from typing import Protocol


class LineSource(Protocol):
    async def read(self, prompt: str) -> str | None:
        """The next line (None at the end), having shown `prompt` where there is a screen."""

    def write_above(self, text: str) -> bool:
        """Show `text` above a prompt that is waiting for input; False if none is."""


class Script:
    """Lines from a script: prompts are not shown (the console echoes each line instead)."""

    def __init__(self, lines: AsyncIterator[str]) -> None:
        self._lines = lines

    async def read(self, prompt: str) -> str | None:
        return await anext(self._lines, None)

    def write_above(self, text: str) -> bool:
        return False


def piped_stdin() -> Script:
    """Standard input as a script, decoded leniently (bytes that are not UTF-8 become U+FFFD)."""

    async def lines() -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        waiting: asyncio.Queue[str | None] = asyncio.Queue()

        def read() -> None:
            for raw in sys.stdin.buffer:
                line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                loop.call_soon_threadsafe(waiting.put_nowait, line)
            loop.call_soon_threadsafe(waiting.put_nowait, None)

        threading.Thread(target=read, name="console-stdin", daemon=True).start()
        while (line := await waiting.get()) is not None:
            yield line

    return Script(lines())


class Terminal:
    """An interactive terminal, read with readline in a daemon thread."""

    def __init__(self) -> None:
        # Importing readline gives input() line editing and history; a Python built without
        # it still reads plain lines.
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401

        self._prompts: queue.Queue[tuple[str, asyncio.Future[str | None]]] = queue.Queue()
        self._prompt: str | None = None  # shown now, waiting for input
        threading.Thread(target=self._read, name="console-terminal", daemon=True).start()

    async def read(self, prompt: str) -> str | None:
        answer: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        self._prompt = prompt
        self._prompts.put((prompt, answer))
        try:
            return await answer
        finally:
            self._prompt = None

    def write_above(self, text: str) -> bool:
        """Clear the prompt line, write `text`, then show the prompt and what was typed again."""
        if self._prompt is None:
            return False
        try:
            import readline

            typed = readline.get_line_buffer()
        except ImportError:
            typed = ""
        sys.stdout.write(f"\r\x1b[K{text}\n{self._prompt}{typed}")
        sys.stdout.flush()
        return True

    def _read(self) -> None:
        while True:
            prompt, answer = self._prompts.get()
            line: str | None
            try:
                line = input(prompt)
            except EOFError:
                line = None
            except UnicodeDecodeError:  # bytes that are not UTF-8: nothing to act on
                line = ""
            loop = answer.get_loop()
            loop.call_soon_threadsafe(_settle, answer, line)
            if line is None:
                return


def _settle(answer: asyncio.Future[str | None], line: str | None) -> None:
    if not answer.done():
        answer.set_result(line)
