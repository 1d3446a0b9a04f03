"""What the `moot` command does once its arguments are read (see moot/cli.py)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.base import Adapter
from bot.clock import ShiftedClock, SystemClock
from bot.core import Moot
from bot.errors import UserError
from bot.events import DISCORD
from bot.repairs import photos
from moot import heap, logs
from moot.app import build_moot, serve
from moot.settings import Settings, SettingsError, load_settings, store_url
from moot.single_process import only_process
from storage.copy import copy_store, shown
from storage.engine import StoreConfigError, sqlite_path
from storage.migrate import upgrade
from storage.models import Community
from storage.repairs import RepairPhotoData
from storage.store import Store, backup_sqlite

if TYPE_CHECKING:
    from aiohttp.typedefs import Handler

    from adapters.web.server import WebServer

log = logging.getLogger(__name__)


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
        logs.configure(settings.log_level, settings.secrets(), json=settings.log_format == "json")
        if args.command == "db" and args.db_command == "copy":
            for line in copy_command(args.source, args.target, settings.photo_folder):
                print(line)
        elif args.command == "db":
            upgrade(settings.database_url)
            print("The database is up to date.")
        elif args.command == "export":
            write = export_polls if args.what == "polls" else export_calendar
            for path in write(settings.database_url, args.out, args.community):
                print(f"Wrote {path}.")
        elif args.command == "outbox":
            for line in outbox_command(
                settings.database_url,
                args.community,
                args.message if args.outbox_command == "resend" else None,
            ):
                print(line)
        elif args.command == "status":
            for line in status_command(settings.database_url):
                print(line)
        elif args.command == "backup":
            backup_sqlite(settings.database_url, args.path)
            print(f"Backed up to {args.path}.")
        else:
            console = args.command == "chat" or not (
                settings.discord_token or settings.telegram_token
            )
            with only_process(settings.database_url):  # before migrating or sending anything
                asyncio.run(_run(settings, console=console))
    except (SettingsError, StoreConfigError, UserError) as error:
        print(f"moot: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


async def _run(settings: Settings, *, console: bool) -> None:
    """Serve until the adapters finish or a SIGINT/SIGTERM asks Moot to stop cleanly."""
    serving = asyncio.current_task()
    assert serving is not None
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(stop_signal, serving.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await _serve(settings, console=console)


async def _serve(settings: Settings, *, console: bool) -> None:
    if console:
        from adapters.console.adapter import ConsoleAdapter
        from adapters.console.lines import Terminal, piped_stdin

        clock = ShiftedClock()
        moot = await build_moot(
            settings.database_url,
            clock,
            secret_ballot_batch=settings.secret_ballot_batch,
            photo_folder=settings.photo_folder,
            web_base_url=settings.web_address,
        )
        adapter: Adapter = ConsoleAdapter(
            Terminal() if sys.stdin.isatty() else piped_stdin(),
            sys.stdout,
            clock,
            Path(settings.console_files_dir),
            interactive=sys.stdin.isatty(),
        )
        await serve(moot, [adapter], _web_server(moot, settings))
        return
    moot = await build_moot(
        settings.database_url,
        SystemClock(),
        secret_ballot_batch=settings.secret_ballot_batch,
        photo_folder=settings.photo_folder,
        web_base_url=settings.web_address,
    )
    adapters = _platform_adapters(settings)
    await serve(moot, adapters, _web_server(moot, settings, adapters))


def _web_server(
    moot: Moot, settings: Settings, adapters: Sequence[Adapter] = ()
) -> WebServer | None:
    """The web pages, unless WEB_PORT=0 turns them off; with Discord's interactions endpoint
    when DISCORD_PUBLIC_KEY is set."""
    if not settings.web_port:
        if settings.discord_public_key:
            log.warning(
                "DISCORD_PUBLIC_KEY is set but WEB_PORT=0: Discord's interactions endpoint is "
                "on the web server, so Discord cannot reach this process"
            )
        return None
    if settings.secret_key is None and not settings.database_url.startswith("sqlite"):
        log.warning(
            "SECRET_KEY is not set: a web form shown by this process cannot be sent to another "
            "one sharing the database (the page asks to reload); set it to the same long random "
            "string on every process"
        )
    with heap.loading():
        from adapters.web.server import WebServer

    return WebServer(
        moot,
        settings.web_host,
        settings.web_port,
        settings.web_address,
        metrics_token=settings.metrics_token,
        secret_key=settings.secret_key,
        discord_interactions=_discord_interactions(settings, adapters),
    )


def _discord_interactions(settings: Settings, adapters: Sequence[Adapter]) -> Handler | None:
    discord = next((a for a in adapters if a.platform == DISCORD), None)
    if settings.discord_public_key is None or discord is None:
        return None
    with heap.loading():
        from adapters.discord.adapter import DiscordAdapter
        from adapters.discord.endpoint import InteractionsEndpoint

    assert isinstance(discord, DiscordAdapter)
    return InteractionsEndpoint(discord, settings.discord_public_key).answer


def _platform_adapters(settings: Settings) -> list[Adapter]:
    adapters: list[Adapter] = []
    if settings.discord_token:
        with heap.loading():
            from adapters.discord.adapter import DiscordAdapter

        adapters.append(DiscordAdapter(settings.discord_token, api_base=settings.discord_api_base))
    if settings.telegram_token:
        with heap.loading():
            from adapters.telegram.adapter import TelegramAdapter, TelegramOptions

        adapters.append(TelegramAdapter(TelegramOptions.from_settings(settings)))
    return adapters


async def _require_community(store: Store, community_id: int | None) -> None:
    """`--community N` names a community that exists (or none was named)."""
    if community_id is not None and not await store.read(
        lambda s: s.get(Community, community_id) is not None
    ):
        raise StoreConfigError(f"There is no community {community_id}.")


def export_polls(database_url: str, folder: Path, community_id: int | None) -> list[Path]:
    """Write polls.csv and polls.json: ballot-level for open polls, totals only for secret ones."""
    from bot.polls.export import poll_files, poll_ids

    upgrade(database_url)

    async def read() -> tuple[str, str]:
        store = Store(database_url)
        try:
            await _require_community(store, community_id)
            return await store.read(lambda s: poll_files(s, poll_ids(s, community_id)))
        finally:
            await store.close()

    if folder.exists() and not folder.is_dir():
        raise StoreConfigError(f"{folder} is a file; --out takes a folder to write into.")
    csv_text, json_text = asyncio.run(read())
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "polls.csv", folder / "polls.json"]
    paths[0].write_text(csv_text)
    paths[1].write_text(json_text)
    return paths


def export_calendar(database_url: str, folder: Path, community_id: int | None) -> list[Path]:
    """Write calendar-N.ics for each community: its meetings as a calendar feed."""
    from bot.meetings.calendar import community_feeds

    upgrade(database_url)
    now = SystemClock().now()

    async def read() -> dict[str, bytes]:
        store = Store(database_url)
        try:
            return await store.read(lambda s: community_feeds(s, community_id, now))
        finally:
            await store.close()

    if folder.exists() and not folder.is_dir():
        raise StoreConfigError(f"{folder} is a file; --out takes a folder to write into.")
    feeds = asyncio.run(read())
    if not feeds:
        raise StoreConfigError(f"There is no community {community_id}.")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in feeds.items():
        (folder / name).write_bytes(data)
        paths.append(folder / name)
    return paths


def outbox_command(database_url: str, community_id: int | None, resend: int | None) -> list[str]:
    """`moot outbox`: list what waits or failed; with a number, put that one back in the queue
    (a running Moot picks it up within half a minute)."""
    from bot.outbox import status

    upgrade(database_url)
    now = SystemClock().now()

    async def run() -> list[str]:
        store = Store(database_url)
        store.start()
        try:
            await _require_community(store, community_id)
            if resend is not None:
                await store.write(lambda s: status.resend(s, resend, community_id))
                return [f"Message #{resend} is queued again."]
            return await store.read(lambda s: status.listing(s, community_id, now)) or [
                "Nothing is waiting and nothing failed in the last two weeks."
            ]
        finally:
            await store.close()

    return asyncio.run(run())


def status_command(database_url: str) -> list[str]:
    """`moot status`: which process holds which role (bot/leases.py), read from the store."""
    from bot.leases import described
    from storage.leases import holders

    upgrade(database_url)

    async def run() -> list[str]:
        store = Store(database_url)
        store.start()
        try:
            return described(await store.read(holders), time.time())
        finally:
            await store.close()

    return asyncio.run(run())


def copy_command(source: str, target: str, photo_folder: Path | None) -> list[str]:
    """`moot db copy`: the whole store into an empty database, and the repair photos put where
    a Moot on the target looks for them with the same settings (bot.repairs.photos.move)."""
    urls = []
    for flag, url in (("--from", source), ("--to", target)):
        try:
            urls.append(store_url(url))
        except ValueError as error:
            raise StoreConfigError(f"{flag} {error}.") from error
    kept_from, kept_to = (photos.kept_at(photo_folder, sqlite_path(url)) for url in urls)
    moved: list[photos.Moved] = []
    copied = copy_store(
        urls[0],
        urls[1],
        leave_out=frozenset({str(RepairPhotoData.__tablename__)}),
        then=lambda src, dst: moved.append(photos.move(kept_from, kept_to, src, dst)),
    )
    tables = ", ".join(f"{name} {rows}" for name, rows in copied.rows.items() if rows)
    lines = [
        f"Copied {sum(copied.rows.values())} rows from {shown(urls[0])} to {shown(urls[1])} "
        f"in {copied.seconds:.1f} s.",
        f"  {tables or 'The source was empty.'}",  # the tables that had rows, and how many
    ]
    (done,) = moved
    if photos.same_place(kept_from, kept_to):
        lines.append(f"Repair photos stay in {_where(kept_to, 'the target')}, for both.")
    else:
        lines.append(f"Repair photos copied to {_where(kept_to, 'the target')}: {done.photos}.")
    if done.missing:
        lines.append(
            f"Repair photos missing from {_where(kept_from, 'the source')} already, and so on "
            f"the target too: {done.missing}."
        )
    return lines


def _where(kept: photos.PhotoStore, side: str) -> str:
    return str(kept.folder) if isinstance(kept, photos.FolderPhotos) else f"{side}'s database"
