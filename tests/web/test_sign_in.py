"""Signing in with the bot's one-time link: opening it changes nothing, pressing its button
signs in once, a spent link says how to get another, and sign-in attempts are limited."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.core import Moot
from bot.web import service
from tests.helpers import Resident
from tests.web.conftest import OpenBrowser, new_person

ASK_AGAIN = "send /web to Moot in a direct message"


async def link_for(moot: Moot, person: int) -> str:
    now = moot.clock.now()
    return "/sign-in/" + await moot.write(lambda s: service.issue_sign_in(s, person, now))


async def test_opening_the_link_shows_a_button_and_only_pressing_it_signs_in(
    moot: Moot, host: Resident, community: str, open_browser: OpenBrowser
) -> None:
    link = await link_for(moot, 1)
    preview, browser = open_browser(), open_browser()
    for _ in range(3):  # a chat app fetching the link for its preview, more than once
        shown = await preview.get(link)
        assert shown.status == 200
        assert ">Sign in</button>" in shown.text
    assert preview.cookie("moot_session") is None
    signed = await browser.submit(link)
    assert signed.status == 303
    assert signed.headers["Location"] == "/"
    front = await browser.get("/")
    assert "Your communities" in front.text
    assert "Elm Court" in front.text
    assert "you are an admin" in front.text
    assert "its web pages are off" in front.text  # no link to pages that are not there


async def test_a_link_works_once_and_a_spent_one_says_how_to_get_another(
    moot: Moot, clock: ManualClock, open_browser: OpenBrowser
) -> None:
    person = await new_person(moot, "Ada", None, None)
    link = await link_for(moot, person)
    assert (await open_browser().submit(link)).status == 303
    late = await link_for(moot, person)
    await clock.advance(timedelta(minutes=11))
    for spent in (link, late, "/sign-in/never-issued"):
        browser = open_browser()
        page = await browser.submit(spent)
        assert page.status == 400
        assert "This sign-in link no longer works" in page.text
        assert ASK_AGAIN in page.text
        assert browser.cookie("moot_session") is None


async def test_signing_out_ends_the_session_for_good(moot: Moot, open_browser: OpenBrowser) -> None:
    person = await new_person(moot, "Ada", None, None)
    browser = open_browser()
    assert (await browser.submit(await link_for(moot, person))).status == 303
    session = browser.cookie("moot_session")
    assert session is not None
    assert "not a member of any community yet" in (await browser.get("/")).text
    assert (await browser.submit("/", "/sign-out")).status == 303  # the footer's Sign out button
    assert browser.cookie("moot_session") is None
    assert "<h2>Signing in</h2>" in (await browser.get("/")).text
    kept = open_browser()  # someone who copied the old cookie gets nothing with it
    kept.http.cookie_jar.update_cookies({"moot_session": session})
    assert "Your communities" not in (await kept.get("/")).text
    assert "not a member" not in (await kept.get("/")).text


async def test_sign_in_attempts_are_limited_per_address(
    moot: Moot, open_browser: OpenBrowser
) -> None:
    browser = open_browser()
    answers = [(await browser.submit(f"/sign-in/guess{n}")).status for n in range(10)]
    assert answers == [400] * 10
    page = await browser.submit("/sign-in/guess11")
    assert page.status == 429
    assert "too many sign-in attempts" in page.text
    person = await new_person(moot, "Ada", None, None)
    assert (await browser.submit(await link_for(moot, person))).status == 429  # even a good one
    assert browser.cookie("moot_session") is None
