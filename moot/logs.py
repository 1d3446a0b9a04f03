"""Logging for the `moot` command: one line a record, and never a token or secret.

Libraries log request URLs (httpx puts the Telegram token in every one) and exceptions quote
them, at any level. Rather than quieting each library, the one handler Moot installs redacts
every configured secret from everything it writes, tracebacks included.

Lines are for people by default; `LOG_FORMAT=json` makes each one JSON object (time, level,
logger, message, and the exception's traceback when there is one), for log collectors that
read fields rather than text.
"""

from __future__ import annotations

import json as json_lines
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import quote

REDACTED = "[redacted]"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__(FORMAT)
        forms = {form for secret in secrets if secret for form in (secret, quote(secret, safe=""))}
        self._secrets = sorted(forms, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


class JsonFormatter(RedactingFormatter):
    """One JSON object a record. Each field is redacted before it is encoded, since encoding
    could split a secret (an escaped quote or backslash) where redaction would not find it."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self.redact(record.getMessage()),
        }
        if record.exc_info:
            line["exception"] = self.redact(self.formatException(record.exc_info))
        if record.stack_info:
            line["stack"] = self.redact(self.formatStack(record.stack_info))
        return json_lines.dumps(line, ensure_ascii=False)


def configure(level: str, secrets: Iterable[str], *, json: bool = False) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(secrets) if json else RedactingFormatter(secrets))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for chatty in ("alembic", "apscheduler"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, logging.root.level))
    # At DEBUG, the platforms' libraries log every call's parameters and every event: what
    # people wrote and were sent, a secret ballot's buttons before its cast included. Never.
    for platform in ("telegram", "discord"):
        logging.getLogger(platform).setLevel(max(logging.INFO, logging.root.level))
