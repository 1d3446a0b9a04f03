"""The web addresses Moot gives out. None carries personal data: a token is random, a number
is a community's, and a meeting's calendar key is the random part of its calendar UID
(adapters/web serves them)."""

from __future__ import annotations


def community_url(base_url: str, community_id: int) -> str:
    return f"{base_url}/c/{community_id}/"


def sign_in_url(base_url: str, token: str) -> str:
    return f"{base_url}/sign-in/{token}"


def feed_url(base_url: str, feed_token: str) -> str:
    """A calendar to subscribe to: a community's meetings, or the ones a member is going to."""
    return f"{base_url}/feeds/{feed_token}.ics"


def meeting_url(base_url: str, calendar_key: str) -> str:
    """One meeting (or series) as a calendar file, for a card's "add to calendar" link: the key
    opens that meeting and nothing else (bot.meetings.calendar.calendar_key)."""
    return f"{base_url}/calendar/{calendar_key}.ics"
