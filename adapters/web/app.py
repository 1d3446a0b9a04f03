"""The web application: the shared `Site`, and what runs around every request."""

from __future__ import annotations

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.typedefs import Handler

from adapters.web import operations, routes, security
from adapters.web.limits import RateLimit
from adapters.web.metrics import Metrics
from adapters.web.site import SEED, SITE, Site, message, not_found
from adapters.web.templating import environment
from bot.core import Moot
from bot.pages import Page

# Sign-in attempts one client address may make a minute: a link's token is far too long to
# guess, so the limit is against hammering the store with writes.
SIGN_INS_A_MINUTE = 10
# The largest request body: Moot's forms carry a token and a button.
LARGEST_FORM = 16 * 1024


def application(
    moot: Moot,
    *,
    secure: bool,
    metrics_token: str | None = None,
    secret_key: str | None = None,
    discord_interactions: Handler | None = None,
) -> web.Application:
    pages: dict[str, Page] = {}
    for page in (p for feature in moot.features for p in feature.pages):
        if page.slug in pages:
            raise ValueError(f"two features declare the web page {page.slug!r}")
        pages[page.slug] = page
    site = Site(
        moot=moot,
        templates=environment(moot.features),
        secure=secure,
        csrf=security.Csrf(secret_key),
        sign_ins=RateLimit(SIGN_INS_A_MINUTE, 60.0),
        pages=pages,
        panels=tuple(p for feature in moot.features for p in feature.panels),
        metrics=Metrics(moot),
        metrics_token=metrics_token,
    )
    app = web.Application(
        middlewares=[web.normalize_path_middleware(append_slash=True), _guard],
        client_max_size=LARGEST_FORM,
    )
    app[SITE] = site
    app[operations.PROBE] = operations.StoreProbe()
    app.on_response_prepare.append(_headers)
    routes.add(app, discord_interactions)
    return app


@web.middleware
async def _guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Gives every browser its CSRF cookie, refuses a POST whose form does not carry the
    matching token (before the handler: the refused request changes nothing), and answers
    every unknown address with the same page. Discord's interactions are no browser's: their
    signature is their check (and without DISCORD_PUBLIC_KEY, their address is not there)."""
    if request.path == routes.DISCORD_INTERACTIONS:
        return await handler(request)
    site = request.app[SITE]
    seed = site.csrf.seed_of(request)
    request[SEED] = security.new_seed() if seed is None else seed
    response: web.StreamResponse
    posted = await _form_token(request) if request.method == "POST" else ""
    if posted is None:
        response = message(
            request,
            400,
            "Moot could not read this form",
            "What your browser sent was not a form Moot can read. Go back, reload the page "
            "and try again.",
        )
    elif request.method == "POST" and not site.csrf.valid(seed, posted):
        response = message(
            request,
            403,
            "This form has expired",
            "Moot could not tell that this form came from its own page. Go back, reload the "
            "page and try again.",
        )
    else:
        try:
            response = await handler(request)
        except web.HTTPNotFound:
            response = not_found(request)
    if seed is None:
        security.set_cookie(response, security.CSRF_COOKIE, request[SEED], secure=site.secure)
    return response


async def _headers(request: web.Request, response: web.StreamResponse) -> None:
    security.add_headers(request, response)
    if request.app[SITE].secure:  # browsers that came once by HTTPS never fall back to HTTP
        response.headers["Strict-Transport-Security"] = "max-age=31536000"


async def _form_token(request: web.Request) -> str | None:
    """The CSRF token a POSTed form carries ("" without one); None when the body is not a
    form at all (a broken or oversized body, an unknown charset)."""
    try:
        form = await request.post()
    except (ValueError, LookupError, HttpProcessingError, web.HTTPException):
        return None
    return str(form.get(security.CSRF_FIELD, ""))
