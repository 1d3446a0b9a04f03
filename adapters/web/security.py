"""What keeps the web face safe to open: headers on every response, the cookies' flags, and a
CSRF token on every form.

CSRF. Each browser gets a random `moot_csrf` cookie; every form carries the HMAC of it under a
key this process drew at start-up, and a POST whose field does not match its cookie is refused
(403) before any handler runs. Another site can make a browser send the cookie but can neither
read it nor compute the HMAC, and a cookie planted from a sibling domain is useless without the
key. The key is not kept: after a restart, a form left open says it expired and asks to reload.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from aiohttp import web

SESSION_COOKIE = "moot_session"
CSRF_COOKIE = "moot_csrf"
CSRF_FIELD = "csrf"
SESSION_DAYS = 30

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
# What a cookie Moot set looks like (anything else is ignored, and a fresh one set).
_SEED = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def add_headers(request: web.BaseRequest, response: web.StreamResponse) -> None:
    """On every response, the page's or an error's. Nothing but the stylesheet may be kept by
    a cache: the pages differ by who is signed in, and feed URLs are secrets."""
    response.headers.update(HEADERS)
    if request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "public, max-age=3600")
    else:
        response.headers["Cache-Control"] = "private, no-store"


def set_cookie(
    response: web.StreamResponse,
    name: str,
    value: str,
    *,
    secure: bool,
    max_age: int | None = None,
) -> None:
    """Every cookie Moot sets: out of scripts' reach, not sent with other sites' forms, and
    over HTTPS only when the public address is HTTPS."""
    response.set_cookie(
        name, value, path="/", httponly=True, samesite="Lax", secure=secure, max_age=max_age
    )


def session_cookie(response: web.StreamResponse, token: str, *, secure: bool) -> None:
    set_cookie(response, SESSION_COOKIE, token, secure=secure, max_age=SESSION_DAYS * 86_400)


def forget_session(response: web.StreamResponse, *, secure: bool) -> None:
    response.del_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Lax", secure=secure)


class Csrf:
    """The tokens forms carry, tied to each browser's `moot_csrf` cookie. Their key comes from
    SECRET_KEY when it is set, so that a form shown by one Moot process may be posted to another
    behind a load balancer; otherwise it is this process's own, made at start-up."""

    def __init__(self, secret_key: str | None = None) -> None:
        self._key = (
            secrets.token_bytes(32)
            if secret_key is None
            else hmac.new(secret_key.encode(), b"moot web forms", hashlib.sha256).digest()
        )

    def seed_of(self, request: web.BaseRequest) -> str | None:
        seed = request.cookies.get(CSRF_COOKIE, "")
        return seed if _SEED.match(seed) else None

    def token(self, seed: str) -> str:
        return hmac.new(self._key, seed.encode(), hashlib.sha256).hexdigest()

    def valid(self, seed: str | None, token: str) -> bool:
        return seed is not None and hmac.compare_digest(self.token(seed), token)


def new_seed() -> str:
    return secrets.token_urlsafe(32)
