"""Calendar subscriptions: served as text/calendar to whoever holds the address, and the same
404 as any missing page for an address that was never given out."""

from __future__ import annotations

from bot.core import Moot
from bot.web import service
from tests.helpers import Resident, texts
from tests.web.conftest import OpenBrowser


async def test_feeds_are_calendars_and_unknown_ones_are_not_found(
    moot: Moot, host: Resident, community: str, open_browser: OpenBrowser
) -> None:
    preview = texts(await host.say("/meeting Garden day | Thursday 10:00 | place: Community hall"))
    assert "Draft meeting #1" in preview, preview
    assert "is announced" in texts(await host.press("announce 1.1"))
    community_token = await moot.write(lambda s: service.feed_token(s, 1, None))
    own_token = await moot.write(lambda s: service.feed_token(s, 1, 1))
    browser = open_browser()
    nowhere = (await browser.get("/nowhere")).text
    for path in (
        f"/feeds/{community_token}.ics",
        f"/feeds/{own_token}.ics",
        f"/feeds/{community_token}/meeting-1.ics",
    ):
        feed = await browser.get(path)
        assert feed.status == 200, path
        assert feed.headers["Content-Type"] == "text/calendar; charset=utf-8"
        assert feed.text.startswith("BEGIN:VCALENDAR")
        assert feed.headers["Cache-Control"] == "private, no-store"
    for path in (
        "/feeds/never-given-out.ics",
        "/feeds/never-given-out/meeting-1.ics",
        f"/feeds/{community_token}/meeting-2.ics",
    ):
        missing = await browser.get(path)
        assert missing.status == 404, path
        assert missing.text == nowhere
