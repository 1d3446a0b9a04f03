"""Moot's log lines as an operator's log collector reads them: with LOG_FORMAT=json, one JSON
object a line, tracebacks inside it, and no secret in any field."""

from __future__ import annotations

import io
import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from moot.logs import REDACTED, JsonFormatter, RedactingFormatter
from tests.test_cli import moot

TOKEN = "123456:" + "S" * 35
ODD = 'a"quoted\\secret'  # what JSON would escape, so only redacting before encoding finds it


@pytest.fixture
def written() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger of its own, writing through Moot's JSON formatter into a string."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter([TOKEN, ODD]))
    logger = logging.getLogger("tests.logs.json")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    yield logger, out
    logger.removeHandler(handler)
    logger.propagate = True


def lines(out: io.StringIO) -> list[dict[str, str]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_each_record_is_one_json_object_with_time_level_logger_and_message(
    written: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, out = written
    logger.info("Web pages at %s", "https://moot.example.org")
    logger.warning("two\nlines")
    first, second = lines(out)
    assert first["level"] == "INFO"
    assert first["logger"] == "tests.logs.json"
    assert first["message"] == "Web pages at https://moot.example.org"
    assert first["time"].endswith("+00:00")  # UTC, to the millisecond
    assert "exception" not in first
    assert second["message"] == "two\nlines"  # still one line of output


def test_a_traceback_stays_inside_its_line_and_no_secret_is_in_any_field(
    written: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, out = written
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/sendMessage failed")
    except RuntimeError:
        logger.exception("sending failed with %s and %s", TOKEN, ODD)
    (line,) = lines(out)
    assert line["level"] == "ERROR"
    assert line["message"] == f"sending failed with {REDACTED} and {REDACTED}"
    assert line["exception"].startswith("Traceback (most recent call last):")
    assert f"bot{REDACTED}/sendMessage" in line["exception"]
    assert TOKEN not in out.getvalue()
    assert "S" * 35 not in out.getvalue()


def test_the_human_format_is_unchanged() -> None:
    record = logging.LogRecord(
        "moot.app", logging.INFO, __file__, 1, "Web pages at %s", ("x",), None
    )
    text = RedactingFormatter([]).format(record)
    assert text.endswith(" INFO moot.app: Web pages at x")


def test_log_format_json_makes_every_line_of_a_run_json(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {"LOG_FORMAT": "json", "WEB_PORT": str(port)}
    result = moot([], tmp_path, env=env, stdin="/setup Elm Court\n")
    assert result.returncode == 0, result.stderr
    logged = [json.loads(line) for line in result.stderr.splitlines()]
    assert {
        "level": "INFO",
        "logger": "moot.app",
        "message": f"Web pages at http://127.0.0.1:{port}",
    }.items() <= next(line for line in logged if line["logger"] == "moot.app").items()


def test_an_unknown_log_format_stops_start_up_with_one_sentence(tmp_path: Path) -> None:
    result = moot(["run"], tmp_path, env={"LOG_FORMAT": "xml"})
    assert result.returncode == 2
    assert result.stderr.strip() == "moot: Bad setting LOG_FORMAT: LOG_FORMAT must be text or json."


def test_a_guessable_metrics_token_stops_start_up_with_one_sentence(tmp_path: Path) -> None:
    result = moot(["run"], tmp_path, env={"METRICS_TOKEN": "secret"})
    assert result.returncode == 2
    assert result.stderr.strip().startswith("moot: Bad setting METRICS_TOKEN: METRICS_TOKEN must")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_webhook_without_its_secret_stops_start_up_with_one_sentence(tmp_path: Path) -> None:
    result = moot(
        ["run"],
        tmp_path,
        env={"TELEGRAM_TOKEN": "123456:" + "A" * 35, "TELEGRAM_WEBHOOK_URL": "https://x.org/t"},
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "moot: Bad setting TELEGRAM_WEBHOOK_SECRET: TELEGRAM_WEBHOOK_SECRET must be set with "
        "TELEGRAM_WEBHOOK_URL, so that only Telegram can post updates (such as the output of "
        "`openssl rand -hex 32`)."
    )


def test_a_short_secret_key_stops_start_up_with_one_sentence(tmp_path: Path) -> None:
    result = moot(["run"], tmp_path, env={"SECRET_KEY": "changeme"})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "moot: Bad setting SECRET_KEY: SECRET_KEY must be a long random string, at least 32 "
        "characters (such as the output of `openssl rand -hex 32`)."
    )
