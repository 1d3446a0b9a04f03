"""Who sees which page, derived from the declarations: for every Page and Panel the features
declare, every kind of visitor and every choice a community makes (/web off|members|public), a
page is shown exactly when the viewer may see it, and otherwise answers the same 404 as a
community that does not exist."""

from __future__ import annotations

import re
from typing import Any

from bot.access import Rule
from bot.core import Moot
from bot.pages import Viewer, WebAccess
from tests.conftest import START
from tests.helpers import Resident, group
from tests.web.conftest import KINDS, Browser, Visitors, set_access
from tests.web.sample import RULES, SAMPLE

_PANEL_TITLE = re.compile(r'<section class="panel"[^>]*>\s*<h2[^>]*>([^<]*)</h2>')
ELM_COURT = "Elm Court"


def may_see(access: WebAccess, kind: str, rule: Rule[Any]) -> bool:
    """What the declarations say, through the contract's Viewer."""
    person = None if kind == "stranger" else 1
    return Viewer(1, ELM_COURT, "Europe/London", access, person, KINDS[kind], START).may_see(rule)


async def seen(browser: Browser, url: str, nowhere: str) -> bool:
    """Whether the page is shown; when it is not, it must be exactly the page for a URL
    that leads nowhere."""
    page = await browser.get(url)
    if page.status == 200:
        return True
    assert page.status == 404, (url, page.status)
    assert page.text == nowhere, f"{url} refuses differently from a page that does not exist"
    return False


async def test_every_page_and_panel_is_shown_exactly_to_whom_its_rule_allows(
    moot: Moot, host: Resident, visitors: Visitors
) -> None:
    pages = [p for f in moot.features for p in f.pages]
    panels = [p for f in moot.features for p in f.panels]
    assert {p.slug for p in SAMPLE.pages} <= {p.slug for p in pages}
    wrong: list[str] = []
    for access in WebAccess:
        await set_access(host, access)
        for kind, browser in visitors.browsers.items():
            nowhere = (await browser.get("/c/999999/")).text
            for page in pages:
                shown = await seen(browser, f"/c/1/{page.slug}", nowhere)
                if shown != may_see(access, kind, page.rule):
                    wrong.append(f"{access} {kind} {page.slug}: shown={shown}")
            home = await browser.get("/c/1/")
            expected_home = access is WebAccess.PUBLIC or (
                access is WebAccess.MEMBERS and KINDS[kind] is not None
            )
            if (home.status == 200) != expected_home:
                wrong.append(f"{access} {kind} home: {home.status}")
            if home.status == 200:
                titles = _PANEL_TITLE.findall(home.text)
                expected = [p.title for p in panels if may_see(access, kind, p.rule)]
                if titles != expected:
                    wrong.append(f"{access} {kind} panels: {titles} != {expected}")
    assert wrong == []


# Independently of Viewer.may_see: who sees each sample page, written out by hand.
BY_HAND: dict[WebAccess, dict[str, set[str]]] = {
    WebAccess.PUBLIC: {
        "anyone": set(KINDS),
        "members": {"member", "organiser", "repairs", "admin"},
        "organisers": {"organiser", "admin"},
        "repairs": {"repairs", "admin"},
        "admins": {"admin"},
    },
    WebAccess.MEMBERS: {
        "anyone": {"member", "organiser", "repairs", "admin"},
        "members": {"member", "organiser", "repairs", "admin"},
        "organisers": {"organiser", "admin"},
        "repairs": {"repairs", "admin"},
        "admins": {"admin"},
    },
    WebAccess.OFF: {name: set() for name in RULES},
}


async def test_the_sample_pages_follow_the_table_and_show_their_figures(
    host: Resident, visitors: Visitors
) -> None:
    for access, table in BY_HAND.items():
        await set_access(host, access)
        for name, allowed in table.items():
            shown = set()
            for kind, browser in visitors.browsers.items():
                page = await browser.get(f"/c/1/sample-{name}")
                if page.status == 200:
                    shown.add(kind)
                    assert f"<title>Sample for {name} · Elm Court · Moot</title>" in page.text
                    assert "Figures for Elm Court" in page.text
                    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in page.text  # escaped, not bold
            assert shown == allowed, (access, name)


async def test_the_menu_lists_the_pages_the_viewer_may_see(
    host: Resident, visitors: Visitors
) -> None:
    await set_access(host, WebAccess.PUBLIC)
    stranger = await visitors.browsers["stranger"].get("/c/1/")
    organiser = await visitors.browsers["organiser"].get("/c/1/sample-organisers")
    assert 'href="/c/1/sample-anyone"' in stranger.text
    assert 'href="/c/1/sample-members"' not in stranger.text
    assert 'href="/c/1/sample-organisers" aria-current="page"' in organiser.text
    assert 'href="/c/1/sample-admins"' not in organiser.text
    assert "(Elm Court, /c/1)" in stranger.text  # a panel gets the viewer and the address


async def test_another_communitys_number_in_the_url_shows_nothing_of_it(
    moot: Moot, host: Resident, visitors: Visitors
) -> None:
    """Elm Court's people, from its admin down, see Oak Row (community 2) only where Oak Row
    shows everyone: its public pages for anyone."""
    oak = Resident(moot, "console", "oak-admin", "Oona", chat_admin=True)
    oak_row = group("console", "oak")
    await oak.say("/setup Oak Row", place=oak_row)
    await set_access(host, WebAccess.PUBLIC)
    for access in WebAccess:
        await oak.say(f"/web {access.value}", place=oak_row)
        for kind, browser in visitors.browsers.items():
            nowhere = (await browser.get("/c/999999/")).text
            for name, rule in RULES.items():
                shown = await seen(browser, f"/c/2/sample-{name}", nowhere)
                assert shown == (access is WebAccess.PUBLIC and rule.least is None), (
                    access,
                    kind,
                    name,
                )
                if shown:
                    page = await browser.get(f"/c/2/sample-{name}")
                    assert "Oak Row" in page.text
                    assert ELM_COURT not in page.text
