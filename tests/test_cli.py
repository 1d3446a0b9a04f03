"""The `moot` command as an operator meets it: one clear sentence for a bad configuration."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from bot import __version__
from tests.fakes.telegram_api import FakeTelegram, Updates


def moot(
    args: list[str], cwd: Path, *, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    clean_env = {
        k: v for k, v in os.environ.items() if not k.endswith("_TOKEN") and k != "DATABASE_URL"
    }
    return subprocess.run(
        [sys.executable, "-m", "moot", *args],
        cwd=cwd,
        env={**clean_env, "WEB_PORT": "0", **(env or {})},  # no web pages unless a test asks
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_version(tmp_path: Path) -> None:
    assert moot(["--version"], tmp_path).stdout.strip() == f"moot {__version__}"


def test_an_unknown_setting_in_env_stops_start_up_with_one_sentence(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DISCORD_TOKN=oops\n")
    result = moot(["run"], tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "moot: Unknown setting DISCORD_TOKN in .env; see .env.example for the settings Moot knows."
    )


def test_a_malformed_token_stops_start_up_with_one_sentence(tmp_path: Path) -> None:
    result = moot(["run"], tmp_path, env={"TELEGRAM_TOKEN": "not-a-token"})
    assert result.returncode == 2
    assert result.stderr.strip().startswith("moot: Bad setting TELEGRAM_TOKEN")
    assert "Traceback" not in result.stderr


def test_discord_settings_that_cannot_be_right_stop_start_up_with_one_sentence(
    tmp_path: Path,
) -> None:
    result = moot(["run"], tmp_path, env={"DISCORD_PUBLIC_KEY": "the-bot-token-by-mistake"})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "moot: Bad setting DISCORD_PUBLIC_KEY: DISCORD_PUBLIC_KEY must be the Public Key from "
        "the Developer Portal's General Information page (64 hexadecimal digits)."
    )
    result = moot(["run"], tmp_path, env={"DISCORD_API_BASE": "discord.com/api/v10"})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "moot: Bad setting DISCORD_API_BASE: DISCORD_API_BASE must be an http or https address, "
        "such as https://discord.com/api/v10."
    )


def test_a_database_moot_cannot_use_stops_start_up_with_one_sentence(tmp_path: Path) -> None:
    result = moot(["run"], tmp_path, env={"DATABASE_URL": "mysql://localhost/moot"})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "moot: Bad setting DATABASE_URL: DATABASE_URL must be a SQLite file URL such as "
        "sqlite:///./data/moot.db, or a PostgreSQL one such as postgresql://moot@localhost/moot."
    )


def test_an_unwritable_database_path_stops_start_up_with_one_sentence(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = moot(["chat"], tmp_path, env={"DATABASE_URL": f"sqlite:///{blocker}/moot.db"})
    assert result.returncode == 2
    assert "Moot cannot write its database" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_console_serves_the_web_pages_and_says_where(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = moot([], tmp_path, env={"WEB_PORT": str(port)}, stdin="/setup Elm Court\n")
    assert result.returncode == 0, result.stderr
    assert f"Web pages at http://127.0.0.1:{port}" in result.stderr


def test_plain_moot_without_tokens_is_a_scriptable_console(tmp_path: Path) -> None:
    result = moot([], tmp_path, stdin="/setup Elm Court\n/whoami\n")
    assert result.returncode == 0, result.stderr
    assert "Moot: This chat is now the home of Elm Court." in result.stdout
    assert "Elm Court (current): #1, admin, active" in result.stdout
    assert (tmp_path / "data" / "moot.db").exists()


def test_db_upgrade_and_online_backup(tmp_path: Path) -> None:
    assert "up to date" in moot(["db", "upgrade"], tmp_path).stdout
    moot([], tmp_path, stdin="/setup Elm Court\n")
    backup = moot(["backup", "backups/copy.db"], tmp_path)
    assert backup.returncode == 0
    copy = tmp_path / "backups" / "copy.db"
    result = moot(["chat"], tmp_path, env={"DATABASE_URL": f"sqlite:///{copy}"}, stdin="/whoami\n")
    assert "Elm Court (current)" in result.stdout


async def test_moot_run_serves_telegram_logs_no_secret_and_stops_cleanly(tmp_path: Path) -> None:
    telegram = FakeTelegram(admins={(-100, 11)})
    await telegram.start()
    token = "123456:" + "D" * 35
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN") and k != "DATABASE_URL"}
    env |= {
        "TELEGRAM_TOKEN": token,
        "TELEGRAM_BASE_URL": telegram.base_url,
        "TELEGRAM_WEBHOOK_SECRET": "never-log-me-0123456789",
        "LOG_LEVEL": "DEBUG",  # every library's most talkative level
        "WEB_PORT": "0",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "moot",
        "run",
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        telegram.push(Updates().message(-100, 11, "Admin", "/setup Elm Court"))
        await telegram.wait_for(-100, "home of Elm Court", within=30)
    finally:
        process.send_signal(signal.SIGTERM)
        asked = asyncio.get_running_loop().time()
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
        stopped_within = asyncio.get_running_loop().time() - asked
        await telegram.stop()
    log = stderr.decode()
    assert process.returncode == 0, log
    assert stopped_within < 10
    assert "Traceback" not in log
    assert "HTTP Request" in log  # the request lines are there, with the token taken out
    assert token not in log
    assert "D" * 35 not in log
    assert "never-log-me" not in log
    assert "home of Elm Court" not in log  # nor what people are sent (nor what they send)


def test_export_polls_writes_csv_and_json(tmp_path: Path) -> None:
    script = "/setup Elm Court\n/poll Lunch? | Soup | Salad\n/publish 1\n/vote 1 2\n"
    assert moot([], tmp_path, stdin=script).returncode == 0
    result = moot(["export", "polls", "--out", "out"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Wrote out/polls.csv." in result.stdout
    assert (
        "1,Lunch?,single,False,open,ballot,Host,2,Salad,1"
        in (tmp_path / "out" / "polls.csv").read_text()
    )
    assert '"question": "Lunch?"' in (tmp_path / "out" / "polls.json").read_text()


def test_moot_outbox_lists_and_refuses_what_is_not_there(tmp_path: Path) -> None:
    listed = moot(["outbox"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "Nothing is waiting and nothing failed" in listed.stdout
    missing = moot(["outbox", "resend", "99"], tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.strip() == (
        "moot: There is no failed message #99; `moot outbox` lists them."
    )
    assert "Traceback" not in missing.stderr


def test_operator_mistakes_get_one_sentence_and_change_nothing(tmp_path: Path) -> None:
    missing = moot(["backup", "copy.db"], tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.strip() == "moot: There is no database at data/moot.db to back up."
    assert not (tmp_path / "data" / "moot.db").exists()  # backing up created nothing

    moot([], tmp_path, stdin="/setup Elm Court\n")
    (tmp_path / "folder").mkdir()
    into_folder = moot(["backup", "folder"], tmp_path)
    assert into_folder.stderr.strip() == (
        "moot: folder is a folder; give the backup a file name in it."
    )
    (tmp_path / "taken").write_text("mine")
    onto_file = moot(["export", "polls", "--out", "taken"], tmp_path)
    assert onto_file.stderr.strip() == "moot: taken is a file; --out takes a folder to write into."
    assert (tmp_path / "taken").read_text() == "mine"
    no_file = moot(["chat"], tmp_path, env={"DATABASE_URL": "sqlite:///"})
    assert no_file.returncode == 2
    assert "DATABASE_URL must be a SQLite file URL" in no_file.stderr
    for result in (into_folder, onto_file, no_file):
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1


def test_the_console_survives_what_a_terminal_or_a_script_can_send(tmp_path: Path) -> None:
    script = (
        b"/setup Elm Court\n"
        b"/whoami caf\xe9 \xff\xfe\n"  # not UTF-8
        b"/import /dev/zero\n"
        b"/import /tmp/a\x00b\n"
        b":wait 99999999d\n"
        b"/setup \x1b[2J\xe2\x80\xaeevil\n"
        # U+200F and U+200E (right-to-left and left-to-right marks) in options and a title
        b"/poll Paint\xe2\x80\x8f the bins? | Gr\xe2\x80\x8eeen | Blue\n"
        b"/meeting Garden\xe2\x80\x8f day | in 3 days 10:00\n"
        b"/whoami\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "moot", "chat"],
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
        | {"DATABASE_URL": f"sqlite:///{tmp_path / 'moot.db'}"},
        input=script,
        capture_output=True,
        timeout=60,
        check=False,
    )
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()
    assert "Cannot read /dev/zero: it is larger than 20 MB." in out
    assert "a file name cannot contain a NUL character" in out
    assert "That is too long to wait; at most 3650 days." in out
    assert "Elm Court (current)" in out  # still answering after all of it
    assert "Paint the bins?" in out
    assert "Garden day" in out
    for invisible in ("\x1b", "\u202e", "\u200e", "\u200f"):
        assert invisible not in out


def test_the_terminal_console_edits_lines_and_recalls_them(tmp_path: Path) -> None:
    """In a real terminal (a pty), the up arrow recalls the last line instead of typing ^[[A."""
    import pty
    import select

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "moot", "chat"],
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
        | {"DATABASE_URL": f"sqlite:///{tmp_path / 'moot.db'}", "TERM": "xterm"},
        stdin=follower,
        stdout=follower,
        stderr=follower,
        close_fds=True,
    )
    os.close(follower)
    seen = b""

    def read_until(fragment: bytes, within: float = 30) -> None:
        nonlocal seen
        deadline = time.monotonic() + within
        while fragment not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                seen += os.read(leader, 4096)
        assert fragment in seen, seen[-500:]

    try:
        read_until(b"Host> ")
        os.write(leader, b"/whoami\r")
        read_until(b"You are Host")
        os.write(leader, b"\x1b[A\r")  # up arrow, Enter: the same command again
        deadline = time.monotonic() + 30
        while seen.count(b"You are Host") < 2 and time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                seen += os.read(leader, 4096)
        assert seen.count(b"You are Host") == 2, seen[-500:]
        os.write(leader, b":quit\r")
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
        os.close(leader)


def test_export_calendar_writes_a_feed_per_community(tmp_path: Path) -> None:
    script = "/setup Elm Court\n/meeting Garden day | in 3 days 10:00 | place: Yard\n/announce 1\n"
    assert moot([], tmp_path, stdin=script).returncode == 0
    result = moot(["export", "calendar", "--out", "out"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Wrote out/calendar-1.ics." in result.stdout
    feed = (tmp_path / "out" / "calendar-1.ics").read_bytes()
    assert b"SUMMARY:Garden day\r\n" in feed
    assert b"LOCATION:Yard\r\n" in feed
    assert b"X-WR-CALNAME:Elm Court\r\n" in feed
    missing = moot(["export", "calendar", "--community", "9"], tmp_path)
    assert missing.returncode != 0
    assert "There is no community 9." in missing.stderr + missing.stdout


def test_outbox_and_export_of_a_community_that_does_not_exist_say_so(tmp_path: Path) -> None:
    assert moot([], tmp_path, stdin="/setup Elm Court\n").returncode == 0
    for args in (["outbox", "--community", "99"], ["export", "polls", "--community", "99"]):
        result = moot(args, tmp_path)
        assert result.returncode == 2, args
        assert result.stderr.strip() == "moot: There is no community 99.", args
    assert moot(["outbox", "--community", "1"], tmp_path).returncode == 0
