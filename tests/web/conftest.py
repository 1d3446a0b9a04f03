"""The web's test fixtures: a running web server over the test's Moot, Elm Court with one
visitor of every kind, and HTTP browsers that keep cookies as a real one does; one headless
Chromium for the whole run, where screenshots go, and stores that live for a whole test module
(the browser tests build one neighbourhood and let each kind of visitor look at it).

A test that uses Chromium and finds none is reported as not run at the end (or fails, with
MOOT_REQUIRE_BROWSER=1), the way tests/conftest.py treats a missing PostgreSQL."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from jinja2 import FileSystemLoader, PrefixLoader
from multidict import CIMultiDictProxy
from playwright.async_api import Browser as Chromium
from playwright.async_api import async_playwright
from sqlmodel import Session

from adapters.web.server import WebServer
from adapters.web.site import SITE
from bot.clock import ManualClock
from bot.core import Moot
from bot.features import ALL_FEATURES
from bot.numbers import next_number
from bot.pages import WebAccess
from bot.web import service
from storage.models import Membership, MembershipStatus, Person, Role
from storage.store import Store
from tests.conftest import STOP_WITHIN_SECONDS, NewStore, _postgres_databases, sqlite_copies
from tests.helpers import Resident, texts
from tests.web.browser import (
    BROWSER_REQUIRED,
    CHROMIUM,
    DOCS_SCREENSHOTS,
    MISSING,
    NOT_RUN,
    SCREENSHOTS_WANTED,
    launch_arguments,
)
from tests.web.sample import SAMPLE

# Each kind of visitor, and their role in Elm Court (None: not a member).
KINDS: dict[str, Role | None] = {
    "stranger": None,  # not signed in
    "outsider": None,  # signed in, not a member here
    "member": Role.MEMBER,
    "organiser": Role.ORGANISER,
    "repairs": Role.REPAIRS,
    "admin": Role.ADMIN,
}
_FORM_TOKEN = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@dataclass
class Page:
    status: int
    text: str
    headers: CIMultiDictProxy[str]

    def form_token(self) -> str:
        found = _FORM_TOKEN.search(self.text)
        assert found is not None, "the page has no form"
        return found.group(1)


class Browser:
    """One visitor's browser: keeps its cookies, follows no redirect on its own."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def get(self, path: str) -> Page:
        async with self.http.get(self.base + path, allow_redirects=False) as response:
            return Page(response.status, await response.text(), response.headers)

    async def post(self, path: str, form: dict[str, str]) -> Page:
        async with self.http.post(self.base + path, data=form, allow_redirects=False) as response:
            return Page(response.status, await response.text(), response.headers)

    async def submit(self, path: str, action: str | None = None) -> Page:
        """Open the page at `path` and press its form's button, as a person would (the form
        posts to `action`, or back to the page)."""
        token = (await self.get(path)).form_token()
        return await self.post(action or path, {"csrf": token})

    def cookie(self, name: str) -> str | None:
        found = [c for c in self.http.cookie_jar if c.key == name]
        return found[0].value if found else None

    async def close(self) -> None:
        await self.http.close()


OpenBrowser = Callable[[], Browser]


@pytest.fixture
async def moot(database_url: str, clock: ManualClock) -> AsyncIterator[Moot]:
    """The test's Moot, with the sample feature's pages beside the real ones."""
    core = Moot(Store(database_url), clock, (*ALL_FEATURES, SAMPLE))
    await core.start()
    yield core
    await asyncio.wait_for(core.stop(), STOP_WITHIN_SECONDS)


@pytest.fixture
async def server(moot: Moot) -> AsyncIterator[WebServer]:
    web = WebServer(moot, "127.0.0.1", 0, "http://127.0.0.1")
    templates = web.app[SITE].templates
    assert isinstance(templates.loader, PrefixLoader)
    sample = FileSystemLoader(Path(__file__).parent / "templates")
    templates.loader = PrefixLoader({**templates.loader.mapping, "sample": sample})
    await web.start()
    yield web
    await web.stop()


@pytest.fixture
async def browsers(server: WebServer) -> AsyncIterator[list[Browser]]:
    """Browsers to open; each closed after the test."""
    opened: list[Browser] = []
    yield opened
    for browser in opened:
        await browser.close()


@pytest.fixture
def open_browser(server: WebServer, browsers: list[Browser]) -> OpenBrowser:
    def opening() -> Browser:
        browser = Browser(f"http://127.0.0.1:{server.port}")
        browsers.append(browser)
        return browser

    return opening


async def new_person(moot: Moot, name: str, community_id: int | None, role: Role | None) -> int:
    """Someone who is (with a role) or is not a member of the community."""
    now = moot.clock.now()

    def add(session: Session) -> int:
        person = Person(name=name, created_at=now)
        session.add(person)
        session.flush()
        assert person.id is not None
        if community_id is not None and role is not None:
            session.add(
                Membership(
                    community_id=community_id,
                    number=next_number(session, community_id, "member"),
                    person_id=person.id,
                    role=role,
                    status=MembershipStatus.ACTIVE,
                    requested_at=now,
                )
            )
        return person.id

    return await moot.write(add)


async def sign_in(moot: Moot, browser: Browser, person_id: int) -> None:
    """As a member does: a link from the bot, opened, and its button pressed."""
    now = moot.clock.now()
    token = await moot.write(lambda s: service.issue_sign_in(s, person_id, now))
    page = await browser.submit(f"/sign-in/{token}")
    assert page.status == 303, page.text


async def set_access(host: Resident, access: WebAccess) -> None:
    """The community's admin chooses what its web pages show."""
    said = texts(await host.say(f"/web {access.value}"))
    assert access.value in said, said


@dataclass
class Visitors:
    community_id: int
    browsers: dict[str, Browser]  # by kind


@pytest.fixture
async def visitors(
    moot: Moot, host: Resident, community: str, open_browser: OpenBrowser
) -> Visitors:
    """Elm Court (community 1, with the host as its admin) and a browser for every kind of
    visitor, signed in as they would be."""
    community_id = 1
    people = {"admin": 1, "outsider": await new_person(moot, "Olive", None, None)}
    for kind in ("member", "organiser", "repairs"):
        people[kind] = await new_person(moot, kind.title(), community_id, KINDS[kind])
    found: dict[str, Browser] = {}
    for kind in KINDS:
        found[kind] = open_browser()
        if kind in people:
            await sign_in(moot, found[kind], people[kind])
    return Visitors(community_id, found)


_not_run: list[str] = []


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before any fixture is built: a browser test without a browser fails or is not run."""
    if "browser" not in getattr(item, "fixturenames", ()) or CHROMIUM.exists():
        return
    if BROWSER_REQUIRED:
        pytest.fail(MISSING, pytrace=False)
    _not_run.append(item.nodeid)
    pytest.skip(NOT_RUN)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _not_run:
        terminalreporter.write_sep("!", f"{NOT_RUN}: {len(_not_run)} tests", red=True, bold=True)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Chromium]:
    """Debian's Chromium, headless, started once for the run."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=launch_arguments()
        )
        yield launched
        await launched.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """docs/screenshots with MOOT_SCREENSHOTS=1 (to refresh the docs' pictures), else a
    throwaway folder."""
    if SCREENSHOTS_WANTED:
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return DOCS_SCREENSHOTS
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NewStore]:
    """As `new_store`, but for a whole module: SQLite files, or PostgreSQL databases (dropped
    after the module; not run without a server, as for every other test)."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        yield sqlite_copies(template, tmp_path_factory.mktemp("web-store"))
        return
    yield from _postgres_databases(request)
