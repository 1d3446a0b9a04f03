"""Pages are served again as rendered until anything is written or the minute turns: what a
visitor sees is never older than the last change, and never someone else's page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from adapters.web.rendered import SHARED_SECONDS
from bot.clock import ManualClock
from bot.core import Moot
from bot.pages import WebAccess
from storage.store import Store
from tests.helpers import Resident
from tests.poll_helpers import published
from tests.web.conftest import Visitors, set_access


def counting_reads(moot: Moot, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many reads the store was asked for since this was called."""
    reads = [0]
    read = moot.read

    async def counted(query: Callable[[Any], Any]) -> Any:
        reads[0] += 1
        return await read(query)

    monkeypatch.setattr(moot, "read", counted)
    return reads


async def test_a_page_asked_again_is_not_read_again_until_something_is_written(
    moot: Moot, host: Resident, visitors: Visitors, monkeypatch: pytest.MonkeyPatch
) -> None:
    await set_access(host, WebAccess.PUBLIC)
    stranger, other = visitors.browsers["stranger"], visitors.browsers["outsider"]
    first = await stranger.get("/c/1/decisions")
    reads = counting_reads(moot, monkeypatch)
    assert (await stranger.get("/c/1/decisions")).text == first.text
    assert reads == [0]
    await published(host, "Paint the hall green? | Yes | No")  # a write: the page changes
    reads[0] = 0
    again = await stranger.get("/c/1/decisions")
    assert "Paint the hall green?" in again.text
    assert reads == [1]
    assert "Paint the hall green?" in (await other.get("/c/1/decisions")).text


async def test_nobody_is_given_a_page_rendered_for_someone_else(
    host: Resident, visitors: Visitors
) -> None:
    await set_access(host, WebAccess.MEMBERS)
    member = await visitors.browsers["member"].get("/c/1/")
    assert member.status == 200
    assert (await visitors.browsers["stranger"].get("/c/1/")).status == 404
    assert (await visitors.browsers["outsider"].get("/c/1/")).status == 404
    admin = await visitors.browsers["admin"].get("/c/1/")
    assert admin.status == 200
    assert admin.form_token() != member.form_token()  # each page's sign-out form is its own


async def test_the_minute_turning_renders_the_page_again(
    moot: Moot,
    host: Resident,
    visitors: Visitors,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await set_access(host, WebAccess.PUBLIC)
    stranger = visitors.browsers["stranger"]
    await stranger.get("/c/1/meetings")
    reads = counting_reads(moot, monkeypatch)
    await stranger.get("/c/1/meetings")
    assert reads == [0]
    await clock.advance(timedelta(minutes=1))  # the times a page shows move on
    reads[0] = 0
    await stranger.get("/c/1/meetings")
    assert reads[0] >= 1  # (a job the minute woke may read too)


async def test_another_processs_write_shows_within_seconds_where_processes_share_the_store(
    moot: Moot, host: Resident, visitors: Visitors, clock: ManualClock
) -> None:
    """A write this process did not make does not change `Store.version`. On PostgreSQL, which
    several processes may share, a page is kept a few seconds at most; on SQLite, which one
    process serves, until the minute turns."""
    await set_access(host, WebAccess.PUBLIC)
    await clock.set(clock.now().replace(second=0))
    stranger = visitors.browsers["stranger"]
    assert "Elm Court" in (await stranger.get("/c/1/")).text
    elsewhere = Store(moot.store.url)  # another process's store
    elsewhere.start()
    try:
        await elsewhere.write(
            lambda s: s.execute(text("UPDATE community SET name = 'Elm Court North'"))
        )
    finally:
        await elsewhere.close()
    await clock.advance(timedelta(seconds=SHARED_SECONDS))
    renamed = "Elm Court North" in (await stranger.get("/c/1/")).text
    assert renamed == (not moot.store.is_sqlite)
    await clock.advance(timedelta(minutes=1))
    assert "Elm Court North" in (await stranger.get("/c/1/")).text
