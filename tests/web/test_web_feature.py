"""The web feature through the core, as residents use it: admins choose what a community shows,
a member asks for a one-time sign-in link (privately, never in the group) and their calendar
addresses, the link signs them in once within ten minutes, a removed member sees no more than a
stranger (and their calendar addresses stop), /forgetme ends all of it, and each meeting's card
carries an "add to calendar" link once the web has an address others can reach."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.clock import ManualClock
from bot.core import Moot
from bot.events import Reply, Visibility
from bot.features import ALL_FEATURES
from bot.pages import WebAccess
from bot.web import service
from bot.web.service import FeedOwner
from bot.web.settings import WebSettings, reachable
from storage.meetings import Meeting
from storage.models import Account, AuditEntry, Role
from storage.store import Store
from storage.web import FeedToken, SignInLink, WebSession
from tests.helpers import RecordingOutlet, Resident, dm, group, shown, texts
from tests.poll_helpers import members

BASE = "http://127.0.0.1:8080"
SIGN_IN = re.compile(r"(\S+)/sign-in/([A-Za-z0-9_-]+)")
FEED = re.compile(r"(\S+)/feeds/([A-Za-z0-9_-]+)\.ics")


async def person_of(moot: Moot, resident: Resident) -> int:
    return await moot.read(
        lambda s: s.exec(
            select(Account.person_id).where(
                Account.platform == resident.platform, Account.platform_user_id == resident.user_id
            )
        ).one()
    )


def sign_in_token(replies: list[Reply]) -> str:
    found = SIGN_IN.search(texts(replies))
    assert found is not None, texts(replies)
    return found.group(2)


def feeds(replies: list[Reply]) -> tuple[str, str]:
    """The member's two feed tokens, in the order /web gives them: the community's calendar and
    the meetings they are going to."""
    community, own = FEED.findall(texts(replies))
    return community[1], own[1]


async def redeem(moot: Moot, clock: ManualClock, token: str) -> str | None:
    return await moot.write(lambda s: service.redeem_sign_in(s, token, clock.now()))


async def who_is_signed_in(moot: Moot, clock: ManualClock, session_token: str) -> int | None:
    return await moot.read(lambda s: service.signed_in(s, session_token, clock.now()))


async def owner_of(moot: Moot, token: str) -> FeedOwner | None:
    return await moot.read(lambda s: service.feed_owner(s, token))


async def rows(moot: Moot, table: type[SignInLink | WebSession | FeedToken], person: int) -> int:
    return await moot.read(
        lambda s: len(s.exec(select(table).where(col(table.person_id) == person)).all())
    )


@pytest.fixture
async def elm(moot: Moot, community: str, host: Resident) -> list[Resident]:
    """Elm Court with Alice and Bob as members; its pages shown to members."""
    people = await members(moot, host, "Alice", "Bob")
    assert "now members" in texts(await host.say("/web members"))
    return people


async def test_only_admins_choose_what_the_community_shows(
    moot: Moot, community: str, host: Resident
) -> None:
    (alice,) = await members(moot, host, "Alice")
    assert await moot.read(lambda s: service.access_of(s, 1)) is WebAccess.OFF  # by default

    refused = await alice.say("/web public")
    assert [r.visibility for r in refused] == [Visibility.ACTOR]
    assert "Only admins of Elm Court choose what it shows on the web" in texts(refused)
    assert await moot.read(lambda s: service.access_of(s, 1)) is WebAccess.OFF

    said = texts(await host.say("/web public"))
    assert "Elm Court's web pages are now public: anyone can see" in said
    assert f"Its address: {BASE}/c/1/" in said
    assert await moot.read(lambda s: service.access_of(s, 1)) is WebAccess.PUBLIC
    said = texts(await host.say("/web off"))
    assert "now off" in said
    assert "/c/1/" not in said
    assert await moot.read(lambda s: service.access_of(s, 1)) is WebAccess.OFF
    logged = await moot.read(
        lambda s: s.exec(select(AuditEntry.detail).where(AuditEntry.action == "web.access")).all()
    )
    assert logged == ["access=public", "access=off"]
    assert "'everyone' is not one of the choices" in texts(await host.say("/web everyone"))
    assert await moot.read(lambda s: service.access_of(s, 1)) is WebAccess.OFF


async def test_a_member_gets_a_sign_in_link_privately_and_the_group_never_sees_one(
    moot: Moot, elm: list[Resident], outlet: RecordingOutlet
) -> None:
    alice, _ = elm
    in_dm = await alice.privately("/web")  # Elm Court: where she last used a command
    said = texts(in_dm)
    assert "Your sign-in link for Elm Court's web pages" in said
    assert f"{BASE}/sign-in/" in said
    assert f"The pages: {BASE}/c/1/" in said
    assert re.search(rf"Elm Court's meetings: {BASE}/feeds/\S+\.ics", said)
    assert re.search(rf"the meetings you are going to: {BASE}/feeds/\S+\.ics", said)
    assert "work only on the computer Moot runs on until its WEB_BASE_URL is set" in said

    in_group = await alice.say("/web")
    assert in_group
    assert all(r.visibility is Visibility.ACTOR for r in in_group)
    assert sign_in_token(in_group) != sign_in_token(in_dm)  # each is a fresh, one-time link
    assert all("/sign-in/" not in reply.text for _, reply in outlet.chats)
    assert all("/sign-in/" not in reply.text for _, _, reply in outlet.edits)


async def test_while_the_pages_are_off_members_are_told_and_calendars_still_work(
    moot: Moot, community: str, host: Resident
) -> None:
    (alice,) = await members(moot, host, "Alice")
    said = texts(await alice.privately("/web"))
    assert "Elm Court has no web pages: they are off." in said
    assert "/sign-in/" not in said
    assert "/web members" not in said
    alice_id = await person_of(moot, alice)
    community_feed, _ = feeds(await alice.privately("/web"))
    owner = await moot.read(lambda s: service.feed_owner(s, community_feed))
    assert owner == FeedOwner(community_id=1, person_id=alice_id, whole=True)
    assert await rows(moot, SignInLink, await person_of(moot, alice)) == 0
    told = texts(await host.privately("/web"))
    assert "Turn them on with /web members" in told
    assert "/web public" in told


async def test_a_sign_in_link_works_once_within_ten_minutes_for_its_own_person(
    moot: Moot, elm: list[Resident], clock: ManualClock
) -> None:
    alice, bob = elm
    alice_id, bob_id = await person_of(moot, alice), await person_of(moot, bob)
    token = sign_in_token(await alice.privately("/web"))
    assert await redeem(moot, clock, "not-a-token") is None

    cookie = await redeem(moot, clock, token)
    assert cookie is not None
    assert cookie != token
    assert await who_is_signed_in(moot, clock, cookie) == alice_id
    assert await redeem(moot, clock, token) is None  # once only

    bobs = await redeem(moot, clock, sign_in_token(await bob.privately("/web")))
    assert bobs is not None
    assert await who_is_signed_in(moot, clock, bobs) == bob_id  # his link signs in only him

    late = sign_in_token(await alice.privately("/web"))
    await clock.advance(timedelta(minutes=10))
    assert await redeem(moot, clock, late) is None

    # Only hashes are stored: the database holds neither the link's token nor the cookie's.
    stored = await moot.read(
        lambda s: [
            *s.exec(select(SignInLink.token_hash)).all(),
            *s.exec(select(WebSession.token_hash)).all(),
        ]
    )
    assert token not in stored
    assert cookie not in stored
    assert len(stored) == 5

    await moot.write(lambda s: service.sign_out(s, cookie))
    assert await who_is_signed_in(moot, clock, cookie) is None
    assert await who_is_signed_in(moot, clock, bobs) == bob_id
    await clock.advance(timedelta(days=30))
    assert await who_is_signed_in(moot, clock, bobs) is None  # sessions last 30 days


async def test_more_than_five_links_in_an_hour_are_refused_in_one_sentence(
    moot: Moot, elm: list[Resident], clock: ManualClock
) -> None:
    alice, _ = elm
    for _ in range(5):
        sign_in_token(await alice.privately("/web"))
        await clock.advance(timedelta(minutes=5))
    refused = await alice.privately("/web")
    assert texts(refused) == (
        "You have had 5 sign-in links in the last hour, the most Moot gives; "
        "ask again in 35 minutes."
    )
    assert [r.visibility for r in refused] == [Visibility.ACTOR]
    assert await rows(moot, SignInLink, await person_of(moot, alice)) == 5
    await clock.advance(timedelta(minutes=35))
    sign_in_token(await alice.privately("/web"))


async def test_a_removed_member_is_no_more_than_a_stranger_on_the_pages(
    moot: Moot, elm: list[Resident], host: Resident, clock: ManualClock
) -> None:
    alice, _ = elm
    alice_id = await person_of(moot, alice)
    community_feed, own_feed = feeds(await alice.privately("/web"))

    async def seen_as(person: int | None, community: int = 1) -> tuple[object, ...] | None:
        """How the pages see this person: (role, access, community's name, person)."""
        found = await moot.read(lambda s: service.viewer(s, community, person, clock.now()))
        if found is None:
            return None
        return (found.role, found.access, found.community_name, found.person_id)

    member = (Role.MEMBER, WebAccess.MEMBERS, "Elm Court", alice_id)
    assert await seen_as(alice_id) == member
    assert await seen_as(None) == (None, WebAccess.MEMBERS, "Elm Court", None)  # a stranger
    assert await seen_as(alice_id, community=99) is None  # no such community
    assert await moot.read(lambda s: service.communities_of(s, alice_id)) == [
        (1, "Elm Court", Role.MEMBER)
    ]
    assert await moot.read(lambda s: service.feed_owner(s, own_feed)) == FeedOwner(
        1, alice_id, whole=False
    )

    assert "Removed" in texts(await host.say("/remove 2"))
    assert await seen_as(alice_id) == (None, WebAccess.MEMBERS, "Elm Court", alice_id)
    assert await moot.read(lambda s: service.communities_of(s, alice_id)) == []
    for token in (community_feed, own_feed):  # both of her calendar addresses stop
        assert await owner_of(moot, token) is None


async def test_feed_tokens_are_made_once_and_each_opens_only_its_own_feed(
    moot: Moot, elm: list[Resident], host: Resident
) -> None:
    alice, bob = elm
    alice_id, bob_id = await person_of(moot, alice), await person_of(moot, bob)
    community_feed, alices = feeds(await alice.privately("/web"))
    assert feeds(await alice.say("/web")) == (community_feed, alices)  # the same every time
    bobs_community_feed, bobs = feeds(await bob.privately("/web"))
    assert bobs_community_feed != community_feed  # no address is shared by the community
    assert bobs != alices

    oak_admin = Resident(moot, "console", "oak", "Oak Admin", chat_admin=True)
    await oak_admin.say("/setup Oak Lane", group("console", "oak-chat"))
    oak_feed, _ = feeds(await oak_admin.privately("/web"))  # Oak Lane, where they last were
    oak_id = await person_of(moot, oak_admin)

    tokens = (community_feed, alices, bobs_community_feed, bobs, oak_feed)
    owners = await moot.read(lambda s: [service.feed_owner(s, token) for token in tokens])
    assert owners == [
        FeedOwner(1, alice_id, whole=True),
        FeedOwner(1, alice_id, whole=False),
        FeedOwner(1, bob_id, whole=True),
        FeedOwner(1, bob_id, whole=False),
        FeedOwner(2, oak_id, whole=True),
    ]
    assert await moot.read(lambda s: service.feed_owner(s, "made-up")) is None


async def test_forgetting_a_member_ends_their_sessions_links_and_feeds(
    moot: Moot, elm: list[Resident], clock: ManualClock
) -> None:
    alice, bob = elm
    alice_id = await person_of(moot, alice)
    community_feed, own_feed = feeds(await alice.privately("/web"))
    cookie = await redeem(moot, clock, sign_in_token(await alice.privately("/web")))
    assert cookie is not None
    bobs = await redeem(moot, clock, sign_in_token(await bob.privately("/web")))

    (copy,) = await alice.privately("/mydata")
    assert copy.file is not None
    web = json.loads(copy.file.data)["web"]
    assert len(web["signed_in_sessions"]) == 1
    assert len(web["sign_in_links"]) == 2
    assert web["calendar_feeds"] == [
        {"community": "Elm Court", "meetings": "going"},
        {"community": "Elm Court", "meetings": "all"},
    ]
    assert own_feed not in copy.file.data.decode()
    assert community_feed not in copy.file.data.decode()

    await alice.press("forgetme confirm", dm("console", "alice"))
    assert await who_is_signed_in(moot, clock, cookie) is None
    for table in (SignInLink, WebSession, FeedToken):
        assert await rows(moot, table, alice_id) == 0
    assert await moot.read(lambda s: service.feed_owner(s, own_feed)) is None
    assert await moot.read(lambda s: service.feed_owner(s, community_feed)) is None
    assert bobs is not None
    assert await who_is_signed_in(moot, clock, bobs) is not None


async def test_linking_two_accounts_keeps_one_set_of_sessions_and_feeds(
    moot: Moot, community: str, elm: list[Resident], clock: ManualClock
) -> None:
    alice, _ = elm
    admin = Resident(moot, "telegram", "900", "Admin", chat_admin=True)
    await admin.say(f"/setup {community}", group("telegram"))
    on_telegram = Resident(moot, "telegram", "222", "Alice T")
    await on_telegram.say("/join", group("telegram"))
    kept_whole, kept_feed = feeds(await alice.privately("/web"))
    dropped_whole, dropped_feed = feeds(await on_telegram.privately("/web"))
    cookie = await redeem(moot, clock, sign_in_token(await alice.privately("/web")))
    other_cookie = await redeem(moot, clock, sign_in_token(await on_telegram.privately("/web")))
    assert cookie is not None
    assert other_cookie is not None

    code = next(w for w in texts(await alice.privately("/link")).split() if w.startswith("LINK-"))
    linked = texts(await on_telegram.privately(f"/link {code}"))
    assert "Elm Court: both accounts had calendar addresses" in linked
    alice_id = await person_of(moot, alice)
    assert await person_of(moot, on_telegram) == alice_id
    assert await who_is_signed_in(moot, clock, cookie) == alice_id
    assert await who_is_signed_in(moot, clock, other_cookie) == alice_id  # still signed in
    assert await moot.read(lambda s: service.feed_owner(s, kept_feed)) == FeedOwner(
        1, alice_id, whole=False
    )
    assert await moot.read(lambda s: service.feed_owner(s, kept_whole)) == FeedOwner(
        1, alice_id, whole=True
    )
    for dropped in (dropped_whole, dropped_feed):
        assert await owner_of(moot, dropped) is None
    assert feeds(await on_telegram.privately("/web")) == (kept_whole, kept_feed)


async def test_the_daily_tidy_up_deletes_expired_links_and_sessions(
    moot: Moot, elm: list[Resident], clock: ManualClock
) -> None:
    alice, _ = elm
    alice_id = await person_of(moot, alice)
    sign_in_token(await alice.privately("/web"))
    cookie = await redeem(moot, clock, sign_in_token(await alice.privately("/web")))
    await clock.advance(timedelta(days=2))
    await moot.drain()
    assert await rows(moot, SignInLink, alice_id) == 0
    assert await rows(moot, WebSession, alice_id) == 1  # signed in for 30 days
    await clock.advance(timedelta(days=30))
    await moot.drain()
    assert await rows(moot, WebSession, alice_id) == 0
    assert cookie is not None
    assert await who_is_signed_in(moot, clock, cookie) is None
    assert await rows(moot, FeedToken, alice_id) == 2  # subscribed calendars keep working


async def test_a_loopback_base_url_puts_no_link_on_cards(
    moot: Moot, elm: list[Resident], host: Resident, outlet: RecordingOutlet
) -> None:
    """By default the web's address is 127.0.0.1, which nobody else in the chat can open."""
    alice, _ = elm
    await host.say("/meeting Garden day | Saturday 10:00 | place: The garden")
    await host.press("announce 1.1")
    card = next(shown(r) for _, r in outlet.chats if r.text.startswith("📅 Meeting #1"))
    assert "Add it to your calendar: /ics 1" in card
    await alice.press("rsvp 1.1 going")
    edited = shown(outlet.edits[-1][2])
    assert "Going 1" in edited
    assert "http" not in edited


@pytest.fixture
async def moot_at_its_address(database_url: str, clock: ManualClock) -> AsyncIterator[Moot]:
    core = Moot(
        Store(database_url), clock, ALL_FEATURES, settings=[WebSettings("https://moot.example/")]
    )
    await core.start()
    yield core
    await core.stop()


async def test_links_are_built_from_the_base_url_the_application_sets(
    moot_at_its_address: Moot,
) -> None:
    moot = moot_at_its_address
    host = Resident(moot, "console", "host", "Host", chat_admin=True)
    outlet = RecordingOutlet("console")
    moot.attach(outlet)
    await host.say("/setup Elm Court")
    assert "Its address: https://moot.example/c/1/" in texts(await host.say("/web public"))
    said = texts(await host.privately("/web"))
    assert "https://moot.example/sign-in/" in said
    assert "//sign-in" not in said
    await host.say("/meeting Garden day | Saturday 10:00")
    await host.press("announce 1.1")
    card = next(shown(r) for _, r in outlet.chats if r.text.startswith("📅 Meeting #1"))
    found = re.search(r"Add to calendar: https://moot\.example/calendar/([0-9a-f-]{36})\.ics", card)
    assert found is not None, card
    uid = await moot.read(lambda s: s.exec(select(Meeting.calendar_uid)).one())
    assert uid == f"{found.group(1)}@moot"  # the meeting's own key, no feed token
    tokens = await moot.read(lambda s: s.exec(select(FeedToken.token)).all())
    assert len(tokens) == 2  # the host's own two, from /web
    assert all(token not in card for token in tokens)
    assert "work only on the computer" not in said


@pytest.mark.parametrize(
    ("base_url", "others_can_open"),
    [
        ("http://127.0.0.1:8080", False),
        ("http://127.8.9.10", False),
        ("http://localhost:8080", False),
        ("http://LOCALHOST.", False),
        ("http://[::1]:8080", False),
        ("https://moot.example", True),
        ("http://192.168.1.20:8080", True),
        ("http://[2001:db8::1]", True),
    ],
)
def test_only_a_base_url_others_can_open_is_reachable(base_url: str, others_can_open: bool) -> None:
    assert reachable(base_url) is others_can_open
