"""The Repairs page and its part of the home page, as members see them (as `/repairs stats`,
`/communal` and `/myreports` are for members): the figures month by month in the community's
own months, open communal problems without names, and each member's own reports alone."""

from __future__ import annotations

import runpy
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from bot.clock import ManualClock
from bot.core import Moot
from bot.dates import month_starts
from bot.pages import Viewer, WebAccess
from bot.repairs.feature import FEATURE
from bot.repairs.views import SETTLED
from bot.repairs.web import REPAIRS, REPAIRS_NOW, monthly, trends
from storage.models import Community
from storage.repairs import (
    COMMUNAL_OPEN,
    OPEN_STATUSES,
    RepairCategory,
    RepairReport,
    RepairStatus,
)
from tests.helpers import Resident
from tests.page_helpers import ROOT, load, page_html, panel_html, text_of, viewer
from tests.repairs.test_repairs import TEAM_CHAT, with_team


async def test_members_see_the_figures_by_month_communal_problems_and_their_own_reports(
    moot: Moot, community: str, host: Resident, clock: ManualClock
) -> None:
    alice, fixer, bob = await with_team(moot, host, community)
    await alice.privately("/report leak | Dripping overflow pipe")  # urgent
    await alice.privately("/report pests | Mice under the sink | where: Bin store")
    await bob.privately("/report heating | Radiator cold")  # urgent
    await clock.advance(timedelta(days=2))
    await fixer.say("/repairstatus 1 fixed", TEAM_CHAT)  # in 2 days: within target
    await fixer.say("/repairnote 3 Landlord's contractor is slow", TEAM_CHAT)
    await clock.advance(timedelta(days=6))  # Tue 1 Dec
    await fixer.say("/repairstatus 3 fixed", TEAM_CHAT)  # in 8 days: a day late

    stranger = await viewer(moot)  # a councillor: the figures carry no names, so are public
    assert stranger.may_see(REPAIRS.rule)
    public = text_of(await page_html(moot, REPAIRS, stranger))
    assert "Urgent repairs fixed, by month" in public
    assert "1 is open. Which, and where, members see once signed in" in public
    for private in ("Alice", "Bob", "Mice", "Dripping", "R-0001", "R-0002", "R-0003", "Bin store"):
        assert private not in public
    assert "Your reports" not in public
    bob_sees = await viewer(moot, "Bob")
    assert bob_sees.may_see(REPAIRS.rule)
    html = await page_html(moot, REPAIRS, bob_sees)
    page = text_of(html)
    assert "Urgent repairs fixed, by month" in page
    assert "Nov 2026 1 2 days 100%" in page
    assert "Dec 2026 1 8 days 0%" in page
    assert "Jan 2026 0 — —" in page
    assert 'aria-label="Median days to fix, urgent, by month"' in html
    assert "R-0002 pests Bin store reported" in page  # communal: what, where, status
    for private in ("Alice", "Mice", "Dripping", "R-0001"):
        assert private not in page
    mine = page[page.index("Your reports") :]
    assert "R-0003: heating and hot water, at home" in mine
    assert "fixed" in mine
    assert "contractor" not in mine  # an internal note stays with the team
    assert "style=" not in html
    assert "<script" not in html

    panel = text_of(await panel_html(moot, REPAIRS_NOW, bob_sees))
    assert "Open problems in shared places: 1" in panel
    assert "Nothing was fixed in Nov 2026." not in panel
    assert "Urgent 1 2 days 100%" in panel  # last month: November
    assert FEATURE.pages == (REPAIRS,)
    assert FEATURE.panels == (REPAIRS_NOW,)


async def _fixed_at(moot: Moot, zone: str, moments: list[datetime]) -> Viewer:
    """Elm Court in `zone`, with one urgent repair fixed at each moment (in 10 hours)."""

    def write(session: Session) -> None:
        community = session.get_one(Community, 1)
        community.timezone = zone
        for number, fixed in enumerate(moments, start=1):
            session.add(
                RepairReport(
                    community_id=1,
                    number=number,
                    reporter_person_id=1,
                    platform="console",
                    category=RepairCategory.LEAK,
                    location="home",
                    description="Leak",
                    priority="urgent",
                    status=RepairStatus.FIXED,
                    reported_at=fixed - timedelta(hours=10),
                    fixed_at=fixed,
                    fix_hours=10.0,
                    fixed_on_time=True,
                )
            )

    await moot.write(write)
    return await viewer(moot, "Host", access=WebAccess.MEMBERS)


async def test_a_month_is_the_communitys_own_on_both_sides_of_utc(
    moot: Moot, community: str, host: Resident, clock: ManualClock
) -> None:
    await clock.set(datetime(2027, 3, 10, 12, 0, tzinfo=UTC))
    late_on_the_31st = datetime(2027, 1, 31, 23, 30, tzinfo=UTC)
    east = await _fixed_at(moot, "Pacific/Auckland", [late_on_the_31st])
    by_month = {m.month: m.fixed for m in (await moot.read(lambda s: trends(s, east)))[0].months}
    assert by_month["Feb 2027"] == 1
    assert by_month["Jan 2027"] == 0

    west = Viewer(1, "Elm Court", "America/New_York", WebAccess.MEMBERS, None, None, east.now)
    edges = month_starts(west.now, west.timezone, 12)
    assert edges[-1] == datetime(2027, 4, 1, 4, 0, tzinfo=UTC)  # midnight, summer time
    early_on_the_1st = datetime(2027, 2, 1, 3, 0, tzinfo=UTC)  # 22:00 on 31 Jan there
    await moot.write(lambda s: s.get_one(RepairReport, 1).__setattr__("fixed_at", early_on_the_1st))
    found = await moot.read(lambda s: monthly(s, 1, edges, west.now))
    assert [fixed for fixed, _, _ in found["urgent"]][-3:] == [1, 0, 0]  # Jan, Feb, Mar

    data = await load(moot, REPAIRS_NOW, west)
    assert data["month"] == "Feb 2027"
    assert data["last_month"] == []


def test_the_communal_index_holds_exactly_the_open_reports() -> None:
    """The partial index's condition (in the model and its migration) names every status that
    is not settled, so the page counts what /communal lists."""
    migration = runpy.run_path(
        str(ROOT / "storage/migrations/versions/0026_repair_figures_for_the_web.py")
    )
    assert migration["COMMUNAL_OPEN"] == COMMUNAL_OPEN
    assert set(OPEN_STATUSES) == set(RepairStatus) - set(SETTLED)
