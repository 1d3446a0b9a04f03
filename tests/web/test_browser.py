"""Moot's web pages in a real browser (headless Chromium), as the people of Elm Court and a
stranger see them: what each kind of visitor sees and does not see, signing in with a link from
the bot and out again, a private community that does not show that it exists, every page checked
with axe-core and reachable by keyboard, and a screenshot of each at a phone's and a desktop's
width (into docs/screenshots with MOOT_SCREENSHOTS=1).

One neighbourhood is built per store, as its residents would build it through the bot, and every
visitor looks at the same one. Which pages each visitor may open is derived from the pages the
features declare (bot/pages.py), so a page added later is checked too."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser
from sqlmodel import select

from bot.clock import ManualClock
from bot.core import Moot
from bot.features import ALL_FEATURES
from bot.pages import Page, Viewer, WebAccess
from storage.models import Community, Role
from storage.store import Store
from tests.conftest import START, NewStore
from tests.helpers import RecordingOutlet, Resident, group, texts
from tests.poll_helpers import members
from tests.web.browser import (
    Visitor,
    assert_keyboard_reaches_everything,
    press_by_keyboard,
)
from tests.web.serving import serving, sign_in_path

pytestmark = pytest.mark.asyncio(loop_scope="session")

TEAM_CHAT = group("console", "repairs-team")
OAK_CHAT = group("console", "group-2")
AGM = "Residents' AGM | Thursday 19:00 | place: Community hall | link: https://meet.example/agm"
NAMES = ("Host", "Alice", "Bob", "Olive", "Fixer")
# What only members may read about meetings: an agenda item, the minutes, an action item.
AGENDA, MINUTES, ACTION = "Bike storage", "We agreed to paint the railings green.", "Fix the gate"
ALICES_REPAIR, BOBS_REPAIR = "Water through the kitchen ceiling", "Radiator cold in the bedroom"
# Alice's is R-0001 (fixed, with a word from the team on the way); Bob's R-0002; the lift R-0003.
FIXING = "Plumber booked"
COMMUNAL, COMMUNAL_PLACE = "The lift is broken", "Block A"


@dataclass
class Neighbourhood:
    """Elm Court (public on the web) and Oak Lane (members only), and the server showing them."""

    moot: Moot
    base_url: str
    elm: int
    oak: int
    residents: dict[str, Resident]
    checking: bool  # axe-core and screenshots: on the first store only (they do not depend on it)

    @property
    def pages(self) -> list[Page]:
        return [page for feature in self.moot.features for page in feature.pages]

    def may_see(self, role: Role | None) -> dict[str, bool]:
        """Which of Elm Court's pages someone with this role may open, by the declarations."""
        viewer = Viewer(self.elm, "Elm Court", "Europe/London", WebAccess.PUBLIC, None, role, START)
        return {page.slug: viewer.may_see(page.rule) for page in self.pages}


async def announce(host: Resident, definition: str) -> None:
    said = texts(await host.say(f"/meeting {definition}"))
    number = int(said.split("Draft meeting #")[1].split(":")[0])
    assert "is announced" in texts(await host.press(f"announce 1.{number}"))


async def settle(moot: Moot, clock: ManualClock) -> dict[str, Resident]:
    """Elm Court as its residents make it: members with roles, a decided poll and an open one,
    a meeting with its agenda, action item and minutes and one to come, repairs reported and one
    fixed; and Oak Lane, a second community that shows itself to its members only."""
    host = Resident(moot, "console", "host", "Host", chat_admin=True)
    said = texts(await host.say("/setup Elm Court"))
    code = next(word for word in said.split() if word.startswith("CHAT-"))
    alice, bob, olive, fixer = await members(moot, host, "Alice", "Bob", "Olive", "Fixer")
    assert "is now" in texts(await host.say("/role 4 organiser"))
    assert "is now" in texts(await host.say("/role 5 repairs"))
    await host.say(f"/setup {code}", TEAM_CHAT)
    await host.say("/triagechat", TEAM_CHAT)
    await host.say("/web public")
    await host.say("/setup Oak Lane", OAK_CHAT)
    await host.say("/web members", OAK_CHAT)

    await host.say("/poll Paint the railings green? | Yes | No")
    await host.say("/publish 1")
    await alice.say("/vote 1 1")
    await bob.say("/vote 1 2")
    await host.say("/close 1")
    await host.say("/outcome 1 We paint them in the spring | review: in 30 days")
    await host.say("/poll New bike shed? | Yes | No")
    await host.say("/publish 2")

    await announce(host, AGM)
    await alice.press("rsvp 1.1 going")
    await alice.say(f"/propose 1 {AGENDA}")
    await host.press("agendaitem 1.1 1 accept")
    await host.say(f"/actionitem 1 3 | {ACTION} | due: in 5 days 12:00")

    await alice.privately(f"/report leak | {ALICES_REPAIR}")
    await bob.privately(f"/report heating | {BOBS_REPAIR}")
    await alice.privately(f"/report communal | {COMMUNAL} | where: {COMMUNAL_PLACE}")
    await fixer.say(f"/repairstatus 1 in-progress {FIXING}", TEAM_CHAT)
    await fixer.say("/repairstatus 1 fixed", TEAM_CHAT)
    await alice.privately("/isfixed R-0001 yes")

    await clock.advance(timedelta(days=3, hours=11, minutes=30))  # Thursday 20:30: it has been
    await moot.drain()
    assert "are recorded" in texts(await host.say(f"/minutes 1 {MINUTES}"))
    await announce(host, "Coffee morning | Saturday 10:00 | place: Garden")
    return {r.user_id: r for r in (host, alice, bob, olive, fixer)}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def town(module_store: NewStore) -> AsyncIterator[Neighbourhood]:
    url = module_store()
    checking = url.startswith("sqlite")
    clock = ManualClock(START)
    moot = Moot(Store(url), clock, ALL_FEATURES)
    await moot.start()
    moot.attach(RecordingOutlet("console"))
    try:
        residents = await settle(moot, clock)
        named = await moot.read(
            lambda s: {c.name: c.id for c in s.exec(select(Community)) if c.id is not None}
        )
        async with serving(moot) as base_url:
            yield Neighbourhood(
                moot, base_url, named["Elm Court"], named["Oak Lane"], residents, checking
            )
    finally:
        await moot.stop()


NewVisitor = Callable[[], Awaitable[Visitor]]


@pytest_asyncio.fixture(loop_scope="session")
async def visitors(browser: Browser, town: Neighbourhood, shots: Path) -> AsyncIterator[NewVisitor]:
    """Opens browsers for people to look at the neighbourhood with, each with its own cookies."""
    opened: list[Visitor] = []

    async def new() -> Visitor:
        visitor = await Visitor.open(browser, town.base_url, shots, checking=town.checking)
        opened.append(visitor)
        return visitor

    yield new
    for visitor in opened:
        await visitor.close()


async def main_text(visitor: Visitor) -> str:
    """Everything the page's main part holds, folded sections included."""
    return await visitor.page.locator("main").text_content() or ""


async def pages_open_to(visitor: Visitor, town: Neighbourhood) -> dict[str, bool]:
    """Which of Elm Court's declared pages open for this visitor; the others answer 404."""
    opened: dict[str, bool] = {}
    for page in town.pages:
        status = await visitor.visit(f"/c/{town.elm}/{page.slug}")
        assert status in (200, 404), (page.slug, status)
        opened[page.slug] = status == 200
    return opened


async def menu_titles(visitor: Visitor, town: Neighbourhood) -> set[str]:
    """The declared pages' titles that the header of Elm Court's home links to."""
    assert await visitor.visit(f"/c/{town.elm}/") == 200
    header = visitor.page.locator("header")
    return {
        page.title
        for page in town.pages
        if await header.get_by_role("link", name=page.title, exact=True).count()
    }


async def sign_in(visitor: Visitor, path: str) -> None:
    """Open the link (a page with a button: opening it uses nothing up) and press the button."""
    assert await visitor.visit(path) == 200
    await visitor.page.get_by_role("button", name="Sign in").click()
    await visitor.page.wait_for_url(visitor.base_url + "/")


async def not_found_page(visitor: Visitor, town: Neighbourhood) -> str:
    """What a community that does not exist answers."""
    nowhere = max(town.elm, town.oak) + 100
    assert await visitor.visit(f"/c/{nowhere}/") == 404
    return await visitor.text()


async def assert_hidden_like_nowhere(visitor: Visitor, town: Neighbourhood, community: int) -> None:
    """Every page of the community answers exactly what a community that does not exist does."""
    nowhere = await not_found_page(visitor, town)
    for path in ["", *(page.slug for page in town.pages)]:
        assert await visitor.visit(f"/c/{community}/{path}") == 404, path
        assert await visitor.text() == nowhere, path


async def test_a_stranger_sees_a_public_community_but_no_agendas_minutes_actions_or_names(
    town: Neighbourhood, visitors: NewVisitor
) -> None:
    stranger = await visitors()
    assert await stranger.visit("/", shot="landing") == 200
    assert "/web" in await stranger.text()  # how to get a sign-in link

    assert await stranger.visit(f"/c/{town.elm}/") == 200
    home = await main_text(stranger)
    assert "New bike shed?" in home  # what is open now
    assert "Coffee morning" in home
    assert "Elm Court" in await stranger.text()

    expected = town.may_see(None)
    assert expected["decisions"]
    assert expected["meetings"]
    assert await pages_open_to(stranger, town) == expected
    assert await menu_titles(stranger, town) == {p.title for p in town.pages if expected[p.slug]}

    assert await stranger.visit(f"/c/{town.elm}/decisions") == 200
    decisions = await main_text(stranger)
    assert "Paint the railings green?" in decisions
    assert "We paint them in the spring" in decisions  # you said, we did
    assert "New bike shed?" in decisions

    assert await stranger.visit(f"/c/{town.elm}/meetings") == 200
    meetings, source = await main_text(stranger), await stranger.page.content()
    assert "Residents' AGM" in meetings
    assert "Coffee morning" in meetings
    for kept in (AGENDA, "We agreed", ACTION, *NAMES):  # nor who came or owes what
        assert not re.search(rf"\b{re.escape(kept)}\b", source), kept

    if not expected["repairs"]:  # declared for members only: pages_open_to saw its 404
        return
    assert await stranger.visit(f"/c/{town.elm}/repairs") == 200
    repairs, source = await main_text(stranger), await stranger.page.content()
    assert "1 is open" in repairs  # an open problem in a shared place; which and where: members
    assert "Urgent repairs fixed, by month" in repairs
    for kept in (
        "R-0001",
        "R-0002",
        "R-0003",
        COMMUNAL_PLACE,
        ALICES_REPAIR,
        BOBS_REPAIR,
        FIXING,
        *NAMES,
    ):
        assert not re.search(rf"\b{re.escape(kept)}\b", source), kept


async def test_a_members_only_community_is_to_a_stranger_as_one_that_does_not_exist(
    town: Neighbourhood, visitors: NewVisitor
) -> None:
    stranger = await visitors()
    nowhere = max(town.elm, town.oak) + 100
    assert await stranger.visit(f"/c/{nowhere}/", shot="not-found") == 404
    await assert_hidden_like_nowhere(stranger, town, town.oak)
    assert "Oak Lane" not in await stranger.page.content()


async def test_a_member_signs_in_with_a_link_and_sees_meetings_in_full_and_only_her_repairs(
    town: Neighbourhood, visitors: NewVisitor
) -> None:
    alice = await visitors()
    path = await sign_in_path(town.residents["alice"])
    assert await alice.visit(path, shot="sign-in") == 200  # opened twice: nothing is used up
    await press_by_keyboard(alice.page, "Sign in")
    await alice.page.wait_for_url(alice.base_url + "/")
    assert await alice.visit("/", shot="communities") == 200
    await alice.page.get_by_role("link", name="Elm Court").first.click()
    await alice.page.wait_for_url(re.compile(rf"/c/{town.elm}/?$"))

    assert await alice.visit(f"/c/{town.elm}/", shot="home") == 200
    await assert_keyboard_reaches_everything(alice.page)
    expected = town.may_see(Role.MEMBER)
    assert await pages_open_to(alice, town) == expected
    assert await menu_titles(alice, town) == {p.title for p in town.pages if expected[p.slug]}

    assert await alice.visit(f"/c/{town.elm}/decisions", shot="decisions") == 200
    await assert_keyboard_reaches_everything(alice.page)
    assert "Paint the railings green?" in await main_text(alice)

    assert await alice.visit(f"/c/{town.elm}/meetings", shot="meetings") == 200
    await assert_keyboard_reaches_everything(alice.page)
    meetings = await main_text(alice)
    for shown in (AGENDA, MINUTES, ACTION):
        assert shown in meetings, shown

    assert await alice.visit(f"/c/{town.elm}/repairs", shot="repairs") == 200
    await assert_keyboard_reaches_everything(alice.page)
    repairs, source = await main_text(alice), await alice.page.content()
    assert "R-0001" in repairs
    assert FIXING in repairs  # her report's timeline, with what the team told her
    assert "R-0002" not in source  # Bob's
    assert BOBS_REPAIR not in source

    await assert_hidden_like_nowhere(alice, town, town.oak)  # not her community


async def test_the_skip_link_is_the_first_thing_the_keyboard_reaches_and_goes_to_the_page(
    town: Neighbourhood, visitors: NewVisitor
) -> None:
    stranger = await visitors()
    assert await stranger.visit(f"/c/{town.elm}/meetings") == 200
    page = stranger.page
    await page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert await skip.get_attribute("href") == "#main"
    assert await skip.is_visible()  # it shows itself when focused
    await page.keyboard.press("Enter")
    assert page.url.endswith("#main")


async def test_an_organiser_and_a_repairs_officer_see_what_their_roles_allow(
    town: Neighbourhood, visitors: NewVisitor
) -> None:
    olive, fixer = await visitors(), await visitors()
    await sign_in(olive, await sign_in_path(town.residents["olive"]))
    expected = town.may_see(Role.ORGANISER)
    assert await pages_open_to(olive, town) == expected
    assert await menu_titles(olive, town) == {p.title for p in town.pages if expected[p.slug]}
    assert await olive.visit(f"/c/{town.elm}/meetings") == 200
    meetings = await main_text(olive)
    for shown in (AGENDA, MINUTES, ACTION):
        assert shown in meetings, shown
    assert await olive.visit(f"/c/{town.elm}/repairs") == 200
    source = await olive.page.content()
    for kept in ("R-0001", "R-0002", FIXING):  # an organiser sees no one else's home
        assert kept not in source, kept

    await sign_in(fixer, await sign_in_path(town.residents["fixer"]))
    expected = town.may_see(Role.REPAIRS)
    assert await pages_open_to(fixer, town) == expected
    assert await menu_titles(fixer, town) == {p.title for p in town.pages if expected[p.slug]}
    assert await fixer.visit(f"/c/{town.elm}/repairs") == 200
    assert COMMUNAL_PLACE in await main_text(fixer)


async def test_a_used_link_signs_no_one_in_and_signing_out_ends_the_session(
    town: Neighbourhood, visitors: NewVisitor
) -> None:
    bob, someone_else, later = await visitors(), await visitors(), await visitors()
    path = await sign_in_path(town.residents["bob"])
    await sign_in(bob, path)
    assert "Elm Court" in await bob.text()  # his communities

    await someone_else.page.goto(someone_else.base_url + path)  # the same link, used already
    await someone_else.page.get_by_role("button", name="Sign in").click()
    assert await someone_else.visit("/") == 200
    assert "Elm Court" not in await someone_else.text()
    assert not await someone_else.page.get_by_role("button", name="Sign out").count()

    cookies = await bob.page.context.cookies()
    assert await bob.visit("/") == 200
    await bob.page.get_by_role("button", name="Sign out").click()
    assert await bob.visit("/") == 200
    assert "Elm Court" not in await bob.text()
    await later.page.context.add_cookies(cookies)  # type: ignore[arg-type]
    assert await later.visit("/") == 200  # the old cookie is no good any more
    assert "Elm Court" not in await later.text()
