"""The web application: the shared `Site`, and what runs around every request."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from adapters.web import routes, security
from adapters.web.limits import RateLimit
from adapters.web.site import SEED, SITE, Site, message, not_found
from adapters.web.templating import environment
from bot.core import Moot
from bot.pages import Page

# Sign-in attempts one client address may make a minute: a link's token is far too long to
# guess, so the limit is against hammering the store with writes.
SIGN_INS_A_MINUTE = 10
# The largest request body: Moot's forms carry a token and a button.
LARGEST_FORM = 16 * 1024


def application(moot: Moot, *, secure: bool) -> web.Application:
    pages: dict[str, Page] = {}
    for page in (p for feature in moot.features for p in feature.pages):
        if page.slug in pages:
            raise ValueError(f"two features declare the web page {page.slug!r}")
        pages[page.slug] = page
    site = Site(
        moot=moot,
        templates=environment(moot.features),
        secure=secure,
        csrf=security.Csrf(),
        sign_ins=RateLimit(SIGN_INS_A_MINUTE, 60.0),
        pages=pages,
        panels=tuple(p for feature in moot.features for p in feature.panels),
    )
    app = web.Application(middlewares=[_guard], client_max_size=LARGEST_FORM)
    app[SITE] = site
    app.on_response_prepare.append(_headers)
    routes.add(app)
    return app


@web.middleware
async def _guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Gives every browser its CSRF cookie, refuses a POST whose form does not carry the
    matching token (before the handler: the refused request changes nothing), and answers
    every unknown address with the same page."""
    site = request.app[SITE]
    seed = site.csrf.seed_of(request)
    request[SEED] = security.new_seed() if seed is None else seed
    response: web.StreamResponse
    if request.method == "POST" and not site.csrf.valid(
        seed, str((await request.post()).get(security.CSRF_FIELD, ""))
    ):
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
