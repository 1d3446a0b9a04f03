"""`moot`: run the bot, chat in the console, migrate, copy or back up the database.

Only the argument parser lives here, so that `moot --version` and `moot --help` answer at once;
everything else is imported from moot.operate once a command needs it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot import __version__
from moot import heap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    with heap.loading():
        from moot import operate  # the heavy part: SQLAlchemy, the adapters, the features

    return operate.run(args)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="moot", description="Moot, the neighbourhood forum bot.")
    parser.add_argument("--version", action="version", version=f"moot {__version__}")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser(
        "run", aliases=["serve"], help="serve the configured platforms (the console if none)"
    )
    commands.add_parser("chat", help="talk to Moot in this terminal")
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply migrations")
    copy = db_commands.add_parser(
        "copy", help="copy the whole store into an empty database (SQLite to PostgreSQL, say)"
    )
    copy.add_argument("--from", dest="source", required=True, metavar="URL", help="the store")
    copy.add_argument("--to", dest="target", required=True, metavar="URL", help="an empty one")
    backup = commands.add_parser("backup", help="copy the live SQLite database to PATH")
    backup.add_argument("path", type=Path)
    export = commands.add_parser("export", help="export data as CSV and JSON")
    export.add_argument(
        "what",
        choices=["polls", "calendar"],
        help="polls (CSV, JSON) or calendar (.ics per community)",
    )
    export.add_argument("--out", type=Path, default=Path("exports"), help="folder to write into")
    export.add_argument("--community", type=int, help="only this community's")
    commands.add_parser("status", help="which running Moot process holds which role")
    outbox = commands.add_parser("outbox", help="what Moot is waiting to send, or could not")
    outbox.add_argument("--community", type=int, help="only this community's messages")
    outbox_commands = outbox.add_subparsers(dest="outbox_command")
    resend = outbox_commands.add_parser("resend", help="send a failed message again")
    resend.add_argument("message", type=int, help="its id, as `moot outbox` shows it")
    return parser
