"""What /web says: what each choice of what a community shows means, the links a member gets,
and why there is no link this time."""

from __future__ import annotations

from bot.pages import WebAccess
from bot.web import addresses

MEANING = {
    WebAccess.PUBLIC: (
        "anyone can see the parts of its pages meant for everyone, and members who sign in "
        "with a link from /web see theirs too"
    ),
    WebAccess.MEMBERS: "only its members see its pages, once they sign in with a link from /web",
    WebAccess.OFF: "it has no web pages (calendar links from /web keep working)",
}


def access_set(community: str, access: WebAccess, base_url: str, community_id: int) -> str:
    said = f"{community}'s web pages are now {access}: {MEANING[access]}."
    if access is WebAccess.OFF:
        return said
    return f"{said}\nIts address: {addresses.community_url(base_url, community_id)}"


def links(
    community: str,
    community_id: int,
    base_url: str,
    sign_in: str | None,
    community_feed: str,
    own_feed: str,
    *,
    admin: bool,
    local: bool = False,
) -> str:
    """The private answer to /web: a sign-in link (None while the community's pages are off)
    and the member's two calendar addresses; `local` when the base URL is a loopback address,
    which only the computer Moot runs on can open."""
    if sign_in is None:
        lines = [f"{community} has no web pages: they are off."]
        if admin:
            lines.append(
                "Turn them on with /web members (members sign in to see them) or /web public "
                "(anyone sees the public parts)."
            )
    else:
        lines = [
            f"Your sign-in link for {community}'s web pages. It works once, within 10 minutes; "
            "do not share it:",
            addresses.sign_in_url(base_url, sign_in),
            f"The pages: {addresses.community_url(base_url, community_id)}",
        ]
    lines += [
        "",
        "Calendars to subscribe to (in Google, Apple or Outlook calendar, add a calendar from "
        "its URL); keep these addresses to yourself:",
        f"• {community}'s meetings: {addresses.feed_url(base_url, community_feed)}",
        f"• the meetings you are going to: {addresses.feed_url(base_url, own_feed)}",
    ]
    if local:
        lines += [
            "",
            "These links work only on the computer Moot runs on until its WEB_BASE_URL is set "
            "to an address others can reach.",
        ]
    return "\n".join(lines)


def too_many_links(limit: int, minutes: int) -> str:
    unit = "minute" if minutes == 1 else "minutes"
    return (
        f"You have had {limit} sign-in links in the last hour, the most Moot gives; "
        f"ask again in {minutes} {unit}."
    )
