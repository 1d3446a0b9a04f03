"""The console adapter, scripted as `moot chat < script` would be."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

from adapters.console.adapter import ConsoleAdapter
from adapters.console.lines import Script
from bot.clock import ShiftedClock
from bot.core import Moot
from bot.features import ALL_FEATURES
from storage.store import Store
from tests.repairs.test_repairs import photo_with_location


async def lines_of(script: str) -> AsyncIterator[str]:
    for line in script.strip().splitlines():
        yield line


async def run_console(database_url: str, script: str, files: Path) -> str:
    clock = ShiftedClock()
    moot = Moot(Store(database_url), clock, ALL_FEATURES)
    await moot.start()
    out = io.StringIO()
    await ConsoleAdapter(Script(lines_of(script)), out, clock, files).run(moot)
    await moot.stop()
    return out.getvalue()


async def test_setup_join_and_approve_by_pressing_a_button(
    database_url: str, tmp_path: Path
) -> None:
    output = await run_console(
        database_url,
        """
        /setup
        Elm Court
        :as Alice
        /join
        :as Host
        :dm
        :press 1
        :as Alice
        :dm
        """,
        tmp_path,
    )
    assert "Moot: This chat is now the home of Elm Court." in output
    assert "You are now Host. You have 1 unread direct message(s)" in output
    assert "[1] Approve  (or type /approve 1.2)" in output
    assert "Moot (only to you): Approved: #2 Alice is now a member." in output
    assert output.rstrip().endswith("Moot → DM: Welcome! You are now a member of Elm Court.")


async def test_import_reads_a_file_path_and_saves_the_codes(
    database_url: str, tmp_path: Path
) -> None:
    register = tmp_path / "register.csv"
    register.write_text("name,unit\nAda,Flat 1\n")
    output = await run_console(
        database_url, f"/setup Elm Court\n/import {register}\n/import /no/such.csv", tmp_path
    )
    assert "Imported 1 member(s)" in output
    saved = next(tmp_path.glob("*claim-codes.csv"))
    assert "Ada,Flat 1,member,JOIN-" in saved.read_text()
    assert "Cannot read /no/such.csv" in output


async def test_a_photo_is_a_path_after_the_report_number(database_url: str, tmp_path: Path) -> None:
    photo = tmp_path / "leak.jpg"
    photo.write_bytes(photo_with_location())
    output = await run_console(
        database_url,
        f"/setup Elm Court\n/report leak | Drip\n/photo R-0001 {photo}\n/photos 1",
        tmp_path,
    )
    assert "The photo is on R-0001 (1 in all)" in output
    assert "R-0001, photo 1 of 1" in output
    saved = next(path for path in tmp_path.glob("*.jpg") if path != photo)
    assert b"SpyCam" not in saved.read_bytes()


async def test_the_clock_moves_and_scheduled_work_happens(
    database_url: str, tmp_path: Path
) -> None:
    output = await run_console(
        database_url,
        """
        /link
        :wait 16m
        :as Other
        /link LINK-AAAA-BBBB
        :wait soon
        :time yesterday
        :time 18:00
        :press 3
        """,
        tmp_path,
    )
    assert "Your link code is LINK-" in output
    assert "(the time is now" in output
    assert "not valid" in output
    assert "Say how long" in output
    assert "Give a time of day" in output
    assert "18:00 UTC)" in output  # the README's example works on any day
    assert "The last message Moot showed has no buttons to press." in output


async def test_plain_text_and_unknown_console_commands_get_a_hint(
    database_url: str, tmp_path: Path
) -> None:
    output = await run_console(database_url, "hello\n:dance\n:as\n", tmp_path)
    assert "Moot answers commands, which start with /" in output
    assert "Unknown console command :dance" in output
    assert "Give a name of 1 to 40 characters" in output


async def test_a_transcript_reads_as_a_conversation_and_options_go_one_per_line(
    database_url: str, tmp_path: Path
) -> None:
    output = await run_console(
        database_url,
        "/setup Elm Court\n/poll\nPaint the bins?\nGreen\nBlue\nRed\n\nFriday 18:00\n",
        tmp_path,
    )
    assert "Host> /setup Elm Court" in output  # what was typed, then what Moot said
    assert "Options, one per line (one per line; an empty line ends): Green" in output
    assert "1. Green\n2. Blue\n3. Red" in output


async def test_a_command_typed_while_a_form_asks_ends_the_form_and_runs(
    database_url: str, tmp_path: Path
) -> None:
    output = await run_console(
        database_url,
        """
        /setup Elm Court
        /meeting
        /help
        """,
        tmp_path,
    )
    assert "(form abandoned: /help runs instead)" in output
    assert "Host> /help" in output
    assert "The title: /help" not in output
