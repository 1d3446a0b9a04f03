"""What keeps the pages safe: the headers on every response, the cookies' flags, and forms that
another site cannot post."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from adapters.web.security import CONTENT_SECURITY_POLICY
from adapters.web.server import WebServer
from bot.core import Moot
from bot.pages import WebAccess
from tests.helpers import Resident
from tests.web.conftest import Browser, OpenBrowser, Visitors, new_person, set_access, sign_in


async def test_every_response_carries_the_security_headers(
    moot: Moot, host: Resident, visitors: Visitors
) -> None:
    await set_access(host, WebAccess.MEMBERS)
    stranger, member = visitors.browsers["stranger"], visitors.browsers["member"]
    responses = [
        await stranger.get("/"),
        await stranger.get("/hello"),
        await stranger.get("/static/moot.css"),
        await stranger.get("/c/1/"),  # members only: 404
        await stranger.get("/no/such/page"),
        await stranger.get("/sign-in/abc"),
        await stranger.get("/feeds/unknown.ics"),
        await stranger.post("/sign-out", {}),  # refused: 403
        await member.get("/c/1/"),
        await member.get("/c/1/sample-members"),
    ]
    for page in responses:
        assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert page.headers["Referrer-Policy"] == "no-referrer"
    assert [p.status for p in responses] == [200, 200, 200, 404, 404, 200, 404, 403, 200, 200]
    for page in responses[-2:]:  # a member's pages are kept by no cache
        assert page.headers["Cache-Control"] == "private, no-store"
    assert responses[2].headers["Content-Type"].startswith("text/css")
    assert "no-store" not in responses[2].headers["Cache-Control"]


async def test_pages_have_no_script_and_no_inline_style(host: Resident, visitors: Visitors) -> None:
    await set_access(host, WebAccess.PUBLIC)
    for path in ("/", "/c/1/", "/c/1/sample-admins", "/nowhere"):
        text = (await visitors.browsers["admin"].get(path)).text
        assert "<script" not in text
        assert "style=" not in text
        assert "<style" not in text
        assert '<html lang="en">' in text


async def test_the_session_cookie_is_out_of_scripts_reach_and_stays_on_this_site(
    moot: Moot, open_browser: OpenBrowser
) -> None:
    person = await new_person(moot, "Ada", None, None)
    browser = open_browser()
    await sign_in(moot, browser, person)
    cookie = next(c for c in browser.http.cookie_jar if c.key == "moot_session")
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert not cookie["secure"]  # the test server's address is http://
    assert int(cookie["max-age"]) == 30 * 86_400


@pytest.fixture
async def https_server(moot: Moot) -> AsyncIterator[WebServer]:
    web = WebServer(moot, "127.0.0.1", 0, "https://moot.example.org/")
    await web.start()
    yield web
    await web.stop()


async def test_behind_https_every_cookie_is_sent_over_https_only(https_server: WebServer) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{https_server.port}/") as response,
    ):
        set_cookie = response.headers["Set-Cookie"]
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert set_cookie.startswith("moot_csrf=")
    assert "Secure" in set_cookie
    assert "HttpOnly" in set_cookie
    assert "SameSite=Lax" in set_cookie


async def test_a_form_without_its_token_is_refused_and_changes_nothing(
    moot: Moot, open_browser: OpenBrowser
) -> None:
    person = await new_person(moot, "Ada", None, None)
    now = moot.clock.now()
    from bot.web import service

    token = await moot.write(lambda s: service.issue_sign_in(s, person, now))
    browser, other = open_browser(), open_browser()
    await browser.get(f"/sign-in/{token}")
    others_token = (await other.get(f"/sign-in/{token}")).form_token()
    for form in ({}, {"csrf": "0" * 64}, {"csrf": others_token}):
        refused = await browser.post(f"/sign-in/{token}", form)
        assert refused.status == 403
        assert "This form has expired" in refused.text
        assert browser.cookie("moot_session") is None
    assert (await browser.submit(f"/sign-in/{token}")).status == 303  # the link still works
    assert browser.cookie("moot_session") is not None
    # Signing out from another site's form (no token) does not sign this browser out.
    assert (await browser.post("/sign-out", {})).status == 403
    assert "Your communities" in (await browser.get("/")).text


async def test_a_second_browser_cannot_post_with_a_token_copied_into_another_cookie(
    moot: Moot, open_browser: OpenBrowser
) -> None:
    """The token is tied to its own cookie: a cookie planted by someone else (a sibling
    domain, say) is useless without the server's key."""
    person = await new_person(moot, "Ada", None, None)
    browser = open_browser()
    await sign_in(moot, browser, person)
    planted = Browser(browser.base)
    try:
        planted.http.cookie_jar.update_cookies(
            {"moot_csrf": "A" * 43, "moot_session": browser.cookie("moot_session") or ""}
        )
        assert (await planted.post("/sign-out", {"csrf": "A" * 43})).status == 403
    finally:
        await planted.close()
    assert "Your communities" in (await browser.get("/")).text


async def test_a_body_that_is_not_a_form_gets_a_page_saying_so_and_changes_nothing(
    moot: Moot, open_browser: OpenBrowser
) -> None:
    person = await new_person(moot, "Ada", None, None)
    browser = open_browser()
    await sign_in(moot, browser, person)
    broken = (
        ("multipart/form-data", b"no boundary at all"),
        ("multipart/form-data; boundary=x", b"--x\r\nnot a part\r\n"),
        ("application/x-www-form-urlencoded; charset=bogus", b"csrf=1"),
    )
    for content_type, body in broken:
        async with browser.http.post(
            browser.base + "/sign-out", data=body, headers={"Content-Type": content_type}
        ) as response:
            assert response.status == 400, content_type
            assert "Moot could not read this form" in await response.text()
    assert "Your communities" in (await browser.get("/")).text  # still signed in


async def test_a_community_address_without_its_last_slash_leads_to_its_home(
    host: Resident, visitors: Visitors
) -> None:
    await set_access(host, WebAccess.PUBLIC)
    moved = await visitors.browsers["stranger"].get("/c/1")
    assert moved.status in (301, 308)
    assert moved.headers["Location"] == "/c/1/"


@pytest.mark.parametrize(("secret_key", "status"), [("k" * 40, 303), (None, 403)])
async def test_a_form_shown_by_one_process_may_be_posted_to_another_sharing_secret_key(
    moot: Moot, secret_key: str | None, status: int
) -> None:
    """Behind a load balancer the page and its form's post may reach different processes."""
    from bot.web import service

    person = await new_person(moot, "Ada", None, None)
    now = moot.clock.now()
    token = await moot.write(lambda s: service.issue_sign_in(s, person, now))
    shown_by, posted_to = (
        WebServer(moot, "127.0.0.1", 0, "http://127.0.0.1", secret_key=secret_key) for _ in range(2)
    )
    await shown_by.start()
    await posted_to.start()
    browser = Browser(f"http://127.0.0.1:{shown_by.port}")
    try:
        form = (await browser.get(f"/sign-in/{token}")).form_token()
        browser.base = f"http://127.0.0.1:{posted_to.port}"  # cookies go to every port
        assert (await browser.post(f"/sign-in/{token}", {"csrf": form})).status == status
    finally:
        await browser.close()
        await shown_by.stop()
        await posted_to.stop()
