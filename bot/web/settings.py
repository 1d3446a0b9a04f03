"""The web feature's settings: the public address every link Moot gives out starts with."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.runtime import FeatureState, Runtime

DEFAULT_BASE_URL = "http://127.0.0.1:8080"


@dataclass(frozen=True)
class WebSettings:
    """What the application may set for the web: the address people reach the web server at
    (behind a proxy, the proxy's), from which sign-in, page and calendar links are built."""

    base_url: str = DEFAULT_BASE_URL


def _start(runtime: Runtime, settings: WebSettings) -> WebSettings:
    return WebSettings(settings.base_url.rstrip("/"))


WEB = FeatureState("web", WebSettings(), _start)


def web_state(runtime: Runtime) -> WebSettings:
    """This process's web settings (its base URL without a trailing slash)."""
    return runtime.state(WEB)


def reachable(base_url: str) -> bool:
    """Whether others can open links on this base URL: not a loopback address (127.0.0.0/8,
    ::1, localhost), which reaches only the computer Moot runs on. A link to one posted in a
    group chat would be useless to everyone else."""
    try:
        host = (urlsplit(base_url).hostname or "").rstrip(".").lower()
    except ValueError:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return bool(host)  # a name: whoever set it meant it to be reached
