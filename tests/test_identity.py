"""One person, one member: linking accounts across platforms."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.clock import ManualClock
from bot.core import Moot
from bot.events import Visibility
from storage.models import Account, LinkCode, Membership
from tests.helpers import Resident, group, texts


def code_in(text: str) -> str:
    return next(word for word in text.split() if word.startswith("LINK-"))


async def person_of(moot: Moot, platform: str, user_id: str) -> int:
    return await moot.read(
        lambda s: s.exec(
            select(Account.person_id).where(
                Account.platform == platform, Account.platform_user_id == user_id
            )
        ).one()
    )


async def test_link_makes_a_discord_and_a_telegram_account_one_member(
    moot: Moot, community: str, host: Resident
) -> None:
    await host.say("/joinpolicy open")
    for platform in ("discord", "telegram"):
        admin = Resident(moot, platform, "900", "Admin", chat_admin=True)
        await admin.say(f"/setup {community}", group(platform))
    on_discord = Resident(moot, "discord", "111", "Alice D")
    on_telegram = Resident(moot, "telegram", "222", "Alice T")
    await on_discord.say("/join", group("discord"))
    await on_telegram.say("/join", group("telegram"))

    issued = await on_discord.privately("/link")
    assert issued[0].visibility is Visibility.ACTOR
    linked = await on_telegram.privately(f"/link {code_in(issued[0].text)}")
    assert "You are one member, Alice D, on discord, telegram" in texts(linked)

    alice = await person_of(moot, "discord", "111")
    assert await person_of(moot, "telegram", "222") == alice
    memberships = await moot.read(
        lambda s: s.exec(select(Membership).where(Membership.person_id == alice)).all()
    )
    assert len(memberships) == 1  # two registrations became one place on the register
    profile = texts(await on_telegram.say("/whoami", group("telegram")))
    assert "· discord: Alice D" in profile
    assert "· telegram: Alice T" in profile


async def test_a_link_code_works_once(moot: Moot) -> None:
    first = Resident(moot, "discord", "1", "One")
    second = Resident(moot, "telegram", "2", "Two")
    third = Resident(moot, "telegram", "3", "Three")
    code = code_in(texts(await first.privately("/link")))
    await second.privately(f"/link {code}")
    reused = await third.privately(f"/link {code}")
    assert "not valid" in texts(reused)
    assert await person_of(moot, "telegram", "3") != await person_of(moot, "discord", "1")


async def test_a_link_code_expires_by_the_clock(moot: Moot, clock: ManualClock) -> None:
    first = Resident(moot, "discord", "1", "One")
    second = Resident(moot, "telegram", "2", "Two")
    code = code_in(texts(await first.privately("/link")))
    await clock.advance(timedelta(minutes=16))
    assert await moot.read(lambda s: s.exec(select(LinkCode)).all()) == []
    late = await second.privately(f"/link {code}")
    assert "expired" in texts(late)
    assert await person_of(moot, "telegram", "2") != await person_of(moot, "discord", "1")


async def test_redeeming_your_own_code_is_explained(moot: Moot) -> None:
    first = Resident(moot, "discord", "1", "One")
    code = code_in(texts(await first.privately("/link")))
    assert "for your other account" in texts(await first.privately(f"/link {code}"))


async def test_a_malformed_code_is_explained(moot: Moot) -> None:
    first = Resident(moot, "discord", "1", "One")
    assert "look like LINK-" in texts(await first.privately("/link hello"))


async def test_display_names_never_identify_anyone(moot: Moot) -> None:
    twin_a = Resident(moot, "telegram", "10", "Sam")
    twin_b = Resident(moot, "telegram", "11", "Sam")
    await twin_a.say("/whoami")
    await twin_b.say("/whoami")
    assert await person_of(moot, "telegram", "10") != await person_of(moot, "telegram", "11")


def test_every_reference_to_a_person_is_moved_when_accounts_are_linked() -> None:
    """Linking deletes the redeeming person: a table that points at people but that no merge
    moves would make linking fail for anyone who has a row there."""
    import inspect

    from sqlmodel import SQLModel

    import storage.meetings
    import storage.outbox
    import storage.polls  # noqa: F401  (their tables join the metadata)
    from bot.features import ALL_FEATURES
    from bot.identity import linking

    merging = inspect.getsource(linking.redeem_code) + "".join(
        inspect.getsource(f.merge_people) for f in ALL_FEATURES if f.merge_people is not None
    )
    merging = merging.replace("Membership", "membership").replace("Chat.", "chat.")
    missing = [
        f"{table.name}.{column.name}"
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if any(fk.column.table.name == "person" for fk in column.foreign_keys)
        and not (table.name in merging.lower() and column.name in merging)
    ]
    assert missing == []
