"""A real browser for the web pages' tests: Debian's headless Chromium driven by Playwright, at a
phone's width and a desktop's, with axe-core checking each page against WCAG 2.2 AA and a
screenshot of each page for the docs.

Chromium is Debian's (`apt-get install chromium`), not a build Playwright downloads. Without it
the browser tests are reported as not run at the end of the run, and with MOOT_REQUIRE_BROWSER=1
(as in CI) its absence fails them instead (tests/web/conftest.py)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, BrowserContext, Page

CHROMIUM = Path(os.environ.get("MOOT_CHROMIUM", "/usr/bin/chromium"))
BROWSER_REQUIRED = os.environ.get("MOOT_REQUIRE_BROWSER") == "1"
NOT_RUN = f"Browser tests not run: no Chromium at {CHROMIUM} (apt-get install chromium)"
MISSING = f"MOOT_REQUIRE_BROWSER=1 but there is no Chromium at {CHROMIUM}: apt-get install chromium"

# Screenshots go into the docs only when asked (MOOT_SCREENSHOTS=1), so that `make test` leaves
# the working tree as it found it.
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SCREENSHOTS_WANTED = os.environ.get("MOOT_SCREENSHOTS") == "1"

# The widths every page is looked at: a phone held upright, and a laptop.
WIDTHS: dict[str, dict[str, Any]] = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}

# WCAG 2.0, 2.1 and 2.2 at levels A and AA, as axe-core tags its rules.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
_AXE = Axe()


def launch_arguments() -> list[str]:
    """Chromium refuses to start its sandbox as root (CI and these machines run as root)."""
    return ["--no-sandbox"] if os.geteuid() == 0 else []


async def assert_accessible(page: Page) -> None:
    """Fail listing every WCAG 2.2 A/AA violation axe-core finds on the page as it stands."""
    results = await _AXE.run(
        page, options={"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]}
    )
    violations: list[dict[str, Any]] = results.response["violations"]
    found = [
        f"{v['id']} ({v['impact']}): " + "; ".join(" ".join(node["target"]) for node in v["nodes"])
        for v in violations
    ]
    assert not found, f"axe-core found on {page.url}:\n" + "\n".join(found)


@dataclass
class Visitor:
    """One person's browser: a desktop they browse with, and a phone sharing its cookies that
    each page to be pictured is looked at on too. With `checking`, every page visited is checked
    with axe-core and pictures are taken (on one store: neither depends on it)."""

    desktop: Page
    phone: Page
    base_url: str
    shots: Path
    checking: bool
    checked: set[str] = field(default_factory=set)  # pages already checked, or "404"

    @classmethod
    async def open(cls, browser: Browser, base_url: str, shots: Path, *, checking: bool) -> Visitor:
        desktop = await (await browser.new_context(**WIDTHS["desktop"])).new_page()
        phone = await (await browser.new_context(**WIDTHS["phone"])).new_page()
        return cls(desktop, phone, base_url, shots, checking)

    async def close(self) -> None:
        for page in (self.desktop, self.phone):
            await page.context.close()

    @property
    def page(self) -> Page:
        return self.desktop

    async def visit(self, path: str, *, shot: str | None = None) -> int:
        """Open `path` and return its HTTP status; checked with axe-core (the first time this
        visitor opens it: a second look shows the same) and, when named, pictured as `<shot>-desktop.png` and (opened on the phone too) `<shot>-phone.png`."""
        response = await self.desktop.goto(self.base_url + path)
        assert response is not None, path
        if not self.checking:
            return response.status
        seen = path if response.ok else str(response.status)  # one error page is like another
        if seen not in self.checked or shot is not None:
            self.checked.add(seen)
            await assert_accessible(self.desktop)
        if shot is not None:
            await self.desktop.screenshot(path=self.shots / f"{shot}-desktop.png", full_page=True)
            await _share_cookies(self.desktop.context, self.phone.context)
            await self.phone.goto(self.base_url + path)
            await assert_accessible(self.phone)
            await self.phone.screenshot(path=self.shots / f"{shot}-phone.png", full_page=True)
        return response.status

    async def text(self) -> str:
        """What the page shows, as a person reads it."""
        return await self.desktop.locator("body").inner_text()


async def _share_cookies(source: BrowserContext, target: BrowserContext) -> None:
    await target.clear_cookies()
    cookies = await source.cookies()
    if cookies:
        await target.add_cookies(cookies)  # type: ignore[arg-type]


async def assert_keyboard_reaches_everything(page: Page) -> None:
    """Tab from the top: the skip link comes first, and every link, button and field on the
    page is reached."""
    clickable: int = await page.evaluate(
        """() => {
            const all = [...document.querySelectorAll('a[href], button, input, select, textarea')]
                .filter(e => !e.disabled && e.type !== 'hidden');
            all.forEach((e, i) => { e.dataset.tabCheck = String(i); });
            window.tabReached = [];
            document.addEventListener('focusin', e => window.tabReached.push(e.target.dataset.tabCheck ?? null));
            document.activeElement && document.activeElement.blur();
            return all.length;
        }"""
    )
    for _ in range(clickable):
        await page.keyboard.press("Tab")
    reached: list[str | None] = await page.evaluate("() => window.tabReached")
    first = await page.locator("[data-tab-check='0']").get_attribute("href") if clickable else None
    assert first == "#main", f"the first thing to press on {page.url} is not the skip link"
    assert reached[:1] == ["0"], f"the first Tab on {page.url} does not reach the skip link"
    missed = set(map(str, range(clickable))) - set(reached)
    assert not missed, (
        f"{len(missed)} of {clickable} things to press on {page.url} are not reached by Tab"
    )


async def press_by_keyboard(page: Page, button: str) -> None:
    """Tab to the button with that name and press Enter, as someone without a mouse does."""
    target = page.get_by_role("button", name=button)
    await page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for _ in range(50):
        await page.keyboard.press("Tab")
        if await target.evaluate("button => button === document.activeElement"):
            await page.keyboard.press("Enter")
            return
    raise AssertionError(f"Tab never reaches the {button!r} button on {page.url}")
