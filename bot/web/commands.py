"""/web: a member's sign-in link and calendar addresses, or (admins) what the community shows.

The links are personal: they always go to the person privately (in a group, the answer is
theirs alone: an ephemeral message, or a direct message on Telegram), never to the chat."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot import roles
from bot.context import Context
from bot.pages import WebAccess
from bot.web import render, service
from bot.web.settings import reachable, web_state
from storage.models import Role


@dataclass(frozen=True)
class _Links:
    sign_in: str | None  # None: the community's pages are off
    community_feed: str
    own_feed: str


async def web(ctx: Context) -> None:
    community_id, name = ctx.community, ctx.community_name or ""
    base_url = web_state(ctx.runtime).base_url
    chosen = ctx.args.optional_text("access")
    if chosen is not None:
        access = WebAccess(chosen)
        await ctx.runtime.write(
            lambda s: service.set_access(s, community_id, access, ctx.person_id, ctx.now)
        )
        ctx.reply(render.access_set(name, access, base_url, community_id))
        return

    def issue(session: Session) -> _Links:
        on = service.access_of(session, community_id) is not WebAccess.OFF
        return _Links(
            service.issue_sign_in(session, ctx.person_id, ctx.now) if on else None,
            service.feed_token(session, community_id, ctx.person_id, whole=True),
            service.feed_token(session, community_id, ctx.person_id, whole=False),
        )

    links = await ctx.runtime.write(issue)
    ctx.reply_privately(
        render.links(
            name,
            community_id,
            base_url,
            links.sign_in,
            links.community_feed,
            links.own_feed,
            admin=roles.allows(ctx.role, Role.ADMIN),
            local=not reachable(base_url),
        )
    )
