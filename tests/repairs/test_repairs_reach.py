"""Every repair report reaches a person at once, triage chat or not, and no tenant is promised
news that cannot come."""

from __future__ import annotations

from bot.core import Moot
from bot.events import DirectAddress, Reply
from bot.outlet import RefusedError
from tests.helpers import RecordingOutlet, Resident, group, texts
from tests.poll_helpers import members

TEAM_CHAT = group("console", "repairs-team")
LEAK = "/report leak | Water pouring through the kitchen ceiling"
UNHEARD = "could not pass your report to the repairs team"


class NoDirectMessagesTo(RecordingOutlet):
    """A platform that will not let Moot message one person (they never opened a chat)."""

    def __init__(self, refused: str) -> None:
        super().__init__("console")
        self.refused = refused

    async def send_direct(self, address: DirectAddress, reply: Reply, *, key: str) -> str:
        if address.user_id == self.refused:
            raise RefusedError("they have not opened a chat with Moot on Telegram yet")
        return await super().send_direct(address, reply, key=key)


async def test_setup_asks_for_a_triage_chat(moot: Moot, host: Resident) -> None:
    assert "/triagechat" in texts(await host.say("/setup Elm Court"))


async def test_without_a_triage_chat_the_team_hears_by_direct_message_and_gets_cards_later(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    alice, _ = await members(moot, host, "Alice", "Fixer")
    await host.say("/role 3 repairs")
    assert "You will hear from Moot at every step" in texts(await alice.privately(LEAK))
    for who in ("host", "fixer"):  # the admin and the repairs team, each with the card
        assert any("R-0001 · leak or water" in text for text in outlet.dms_to(who)), who
    assert not any("R-0001 · leak" in text for text in outlet.dms_to("alice"))

    await host.say(f"/setup {community}", TEAM_CHAT)
    said = texts(await host.say("/triagechat", TEAM_CHAT))
    assert "The 1 open report that had no card yet is posted here now" in said
    in_team_chat = [r.text for chat, r in outlet.chats if chat == TEAM_CHAT.chat_id]
    assert any("R-0001 · leak or water" in text for text in in_team_chat)


async def test_a_tenant_is_not_promised_news_when_nobody_can_be_reached(
    moot: Moot, host: Resident
) -> None:
    outlet = NoDirectMessagesTo("host")  # the only admin, and no repairs team
    moot.attach(outlet)
    await host.say("/setup Elm Court")
    (alice,) = await members(moot, host, "Alice")

    receipt = texts(await alice.privately(LEAK))
    assert "R-0001" in receipt
    # The admin's message fails after the receipt: the tenant hears the truth then, and the
    # group is asked for a triage chat, naming nobody.
    assert any(UNHEARD in text for text in outlet.dms_to("alice"))
    asked = [r.text for chat, r in outlet.chats if "/triagechat" in r.text]
    assert len(asked) == 1
    assert "Alice" not in asked[0]
    assert "kitchen" not in asked[0]

    # Now Moot knows at once: the receipt itself says so, instead of promising news.
    second = texts(await alice.privately("/report heating | No heating"))
    assert UNHEARD in second
    assert "You will hear from Moot at every step" not in second
