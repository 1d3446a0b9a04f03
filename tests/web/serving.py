"""Moot's web server on 127.0.0.1 for a test, and the sign-in links residents ask the bot for."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from adapters.web.server import WebServer
from bot.core import Moot
from tests.helpers import Resident, texts

_LINK = re.compile(r"https?://\S+/sign-in/[A-Za-z0-9_-]+")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def serving(moot: Moot) -> AsyncIterator[str]:
    """The web server started on a free port; yields its address (http://127.0.0.1:<port>)."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = WebServer(moot, "127.0.0.1", port, base_url)
    await server.start()
    try:
        yield base_url
    finally:
        await server.stop()


async def sign_in_path(resident: Resident) -> str:
    """`/web` in a direct message, as a resident asks for a link: the link's path
    (/sign-in/<token>), to open on the server the test started."""
    said = texts(await resident.privately("/web"))
    link = _LINK.search(said)
    assert link is not None, said
    return urlsplit(link.group()).path
