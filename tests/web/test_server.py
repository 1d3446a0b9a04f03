"""The web server as whoever runs Moot meets it: it starts beside the chat adapters, says where
its pages are, stops with them, and a taken port or a bad address is one clear sentence."""

from __future__ import annotations

import asyncio
import logging
import socket

import aiohttp
import pytest

from adapters.web.server import WebServer
from bot.core import Moot
from bot.pages import WebAccess
from moot.app import serve
from moot.settings import SettingsError, load_settings
from tests.helpers import Resident, wait_until
from tests.web import sample
from tests.web.conftest import Visitors, set_access


class Console:
    """An adapter that serves until told its input has ended."""

    platform = "console"

    def __init__(self) -> None:
        self.running = asyncio.Event()
        self.end = asyncio.Event()

    async def run(self, moot: Moot) -> None:
        self.running.set()
        await self.end.wait()

    async def stop_receiving(self) -> None:
        """Nothing to stop."""


async def hello(port: int) -> str:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/hello") as response,
    ):
        assert response.status == 200
        return await response.text()


async def test_the_pages_are_served_beside_the_adapters_and_stop_with_them(
    moot: Moot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="moot.app")
    console = Console()
    web = WebServer(moot, "127.0.0.1", 0, "https://moot.example.org/")
    serving = asyncio.create_task(serve(moot, [console], web))
    await console.running.wait()
    await wait_until(lambda: web.port != 0)
    assert "Moot's web pages are up" in await hello(web.port)
    assert "Web pages at https://moot.example.org" in caplog.text
    console.end.set()  # the console's input ended: Moot stops, and so do its pages
    await serving
    with pytest.raises(aiohttp.ClientConnectionError):
        await hello(web.port)


async def test_a_taken_port_is_one_sentence_saying_what_to_change(moot: Moot) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        web = WebServer(moot, "127.0.0.1", port, f"http://127.0.0.1:{port}")
        with pytest.raises(SettingsError) as refused:
            await serve(moot, [Console()], web)
    assert str(refused.value).startswith(f"Cannot serve the web pages on 127.0.0.1:{port} (")
    assert str(refused.value).endswith("set WEB_PORT to a free port, or to 0 for no web pages.")


@pytest.mark.parametrize(
    ("env", "address"),
    [
        ({}, "http://127.0.0.1:8080"),
        ({"WEB_HOST": "0.0.0.0", "WEB_PORT": "8000"}, "http://0.0.0.0:8000"),
        ({"WEB_HOST": "::1"}, "http://[::1]:8080"),
        ({"WEB_BASE_URL": "https://moot.example.org/"}, "https://moot.example.org"),
        ({"WEB_BASE_URL": "http://moot.example.org:8000"}, "http://moot.example.org:8000"),
    ],
)
def test_the_public_address_follows_the_settings(
    env: dict[str, str], address: str, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.chdir(str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert load_settings().web_address == address


@pytest.mark.parametrize(
    ("env", "sentence"),
    [
        (
            {"WEB_BASE_URL": "moot.example.org"},
            "Bad setting WEB_BASE_URL: WEB_BASE_URL must be the address people open the web "
            "pages at, such as https://moot.example.org (http or https, with no path or query).",
        ),
        (
            {"WEB_BASE_URL": "https://example.org/moot"},
            "Bad setting WEB_BASE_URL: WEB_BASE_URL must be the address people open the web "
            "pages at, such as https://moot.example.org (http or https, with no path or query).",
        ),
        (
            {"WEB_PORT": "70000"},
            "Bad setting WEB_PORT: Input should be less than or equal to 65535.",
        ),
    ],
)
def test_a_bad_web_setting_is_one_sentence(
    env: dict[str, str], sentence: str, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.chdir(str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert str(refused.value) == sentence


async def test_a_slow_page_does_not_hold_up_the_event_loop(
    host: Resident, visitors: Visitors, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page's load runs on a worker thread: while one takes half a second, the bot's loop
    (here, the same server's static page) answers at once."""
    await set_access(host, WebAccess.PUBLIC)
    monkeypatch.setattr(sample, "LOAD_SECONDS", 0.5)
    browser = visitors.browsers["stranger"]
    slow = asyncio.create_task(browser.get("/c/1/sample-anyone"))
    await asyncio.sleep(0.1)  # the slow page is being loaded
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert (await browser.get("/hello")).status == 200
    assert loop.time() - started < 0.2
    assert not slow.done()
    assert (await slow).status == 200
