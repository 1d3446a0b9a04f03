"""Inputs at the edges that once reached "something went wrong" or broke a promise."""

from __future__ import annotations

import struct
import zlib

import pytest

from bot.core import OUR_FAULT, Moot
from bot.events import Attachment
from bot.outlet import RefusedError
from tests.helpers import RecordingOutlet, Resident, dm, texts

ALICE_DM = dm("console", "alice")


def png_claiming(width: int, height: int) -> bytes:
    """A PNG of a few dozen bytes whose header claims `width` x `height` pixels (Pillow refuses
    it on opening, before decoding anything): a decompression bomb without the cost of one."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit a pixel, grey
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("zone", "when"),
    [
        ("America/Los_Angeles", "9999-12-31 23:00"),
        ("Asia/Tokyo", "0001-01-01 00:30"),
        ("Pacific/Kiritimati", "0001-01-01 00:30"),
    ],
)
async def test_dates_at_the_edge_of_the_calendar_are_refused_plainly(
    moot: Moot, community: str, host: Resident, alice: Resident, zone: str, when: str
) -> None:
    await host.say("/joinpolicy open")
    await alice.say("/join")
    await host.say(f"/timezone {zone}")
    await host.say("/meeting AGM | tomorrow 19:00")
    await host.say("/announce 1")
    await alice.privately("/report leak | Drip")
    for line in (
        f"/meeting T | {when}",
        f"/movemeeting 1 {when}",
        f"/findtime T | {when} | tomorrow 18:00",
        f"/actionitem 1 2 | Chairs | due: {when}",
        f"/visit R-0001 {when}",
        f"/poll Q | a | b | closes: {when}",
        "/meetingtime 1 9999-12-31T23:00:00-08:00",
        # a day without a time of day: a deadline at the end of that day
        f"/actionitem 1 2 | Chairs | due: {when.split()[0]}",
        "/actionitem 1 2 | Chairs | due: 31 Dec 9999",
    ):
        said = texts(await host.say(line))
        assert OUR_FAULT not in said, line
    refusal = texts(await host.say(f"/meeting T | {when}"))
    assert "too far from today" in refusal or "is in the past" in refusal


async def test_a_zone_dateparser_cannot_read_is_refused(
    moot: Moot, community: str, host: Resident
) -> None:
    assert "not a time zone I know" in texts(await host.say("/timezone Factory"))


async def test_a_decompression_bomb_is_too_large_to_be_a_photo(
    moot: Moot, community: str, host: Resident, alice: Resident
) -> None:
    await host.say("/joinpolicy open")
    await alice.say("/join")
    await alice.privately("/report leak | Drip")
    for size in ((20000, 20000), (12000, 9000)):  # past Pillow's error, and its warning
        bomb = Attachment("bomb.png", png_claiming(*size), "image/png")
        said = texts(await alice.say("/photo 1", ALICE_DM, files=(bomb,)))
        assert "too large to be a photo" in said


async def test_take_it_by_a_chat_admin_not_on_the_register(
    moot: Moot, community: str, host: Resident, alice: Resident
) -> None:
    await host.say("/joinpolicy open")
    await alice.say("/join")
    await alice.privately("/report leak | Drip")
    carol = Resident(moot, "console", "carol", "Carol", chat_admin=True)
    said = texts(await carol.press("assign 1.1 me"))
    assert "not on Elm Court's register" in said


async def test_a_message_to_someone_forgotten_is_not_sent_again(
    moot: Moot, community: str, host: Resident, alice: Resident, outlet: RecordingOutlet
) -> None:
    await host.say("/joinpolicy open")
    await alice.say("/join")
    send_direct = outlet.send_direct

    async def refusing(address, reply, *, key):  # type: ignore[no-untyped-def]
        if address.user_id == "alice":
            raise RefusedError("Alice blocked Moot")
        return await send_direct(address, reply, key=key)

    outlet.send_direct = refusing  # type: ignore[method-assign]
    await host.say("/role 2 organiser")
    assert "#1 failed" in texts(await host.say("/outbox"))
    await alice.privately("/forgetme confirm")
    said = texts(await host.say("/resend 1"))
    assert "only failed ones are sent again" in said
    assert "unexpected error" not in texts(await host.say("/outbox"))


async def test_the_only_admin_cannot_be_forgotten(
    moot: Moot, community: str, host: Resident
) -> None:
    asked = await host.privately("/forgetme")  # refused before a Forget me button is offered
    assert "only admin of Elm Court" in texts(asked)
    assert all(not reply.buttons for reply in asked)
    said = texts(await host.privately("/forgetme confirm"))
    assert "only admin of Elm Court" in said
    assert "#1 Host · admin" in texts(await host.say("/members"))


async def test_invisible_characters_never_reach_a_title(
    moot: Moot, community: str, host: Resident
) -> None:
    said = texts(await host.say("/meeting A\u200bG\ufeffM\u2060 | tomorrow 19:00"))
    assert "Draft meeting #1: AGM\n" in said
