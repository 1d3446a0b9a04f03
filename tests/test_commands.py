"""Declarations, parsing and the clear private answers bad input gets."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from bot.commands import Command, Registry
from bot.core import Moot
from bot.errors import UsageError
from bot.events import Visibility
from bot.params import Param, ParamKind, parse_text
from storage.models import Community, Person
from tests.helpers import Resident, texts


async def nothing(_ctx: object) -> None:
    """A handler for declarations under test."""


DEMO = Command(
    "demo",
    "A command for the parser",
    nothing,
    params=(
        Param("count", "How many", ParamKind.INTEGER),
        Param("colour", "Which colour", ParamKind.CHOICE, choices=("red", "blue")),
        Param("note", "Anything", ParamKind.TEXT, required=False, max_length=20),
    ),
)


def test_typed_arguments_are_parsed_against_the_declaration() -> None:
    args = parse_text(DEMO.params, '#3 BLUE  a "quoted" note', ())
    assert args.integer("count") == 3
    assert args.text("colour") == "blue"
    assert args.text("note") == 'a "quoted" note'


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("three red", "must be a whole number"),
        ("3 green", "not one of the choices"),
        ("3 red this note is far too long", "the limit is 20"),
        ('"3 red', "no closing one"),
    ],
)
def test_bad_arguments_say_what_is_wrong(text: str, reason: str) -> None:
    with pytest.raises(UsageError, match=reason):
        parse_text(DEMO.params, text, ())


def test_too_many_words_for_the_parameters_are_refused() -> None:
    command = Command("one", "Takes one word", nothing, params=(Param("word", "A word"),))
    with pytest.raises(UsageError, match="Too many arguments"):
        parse_text(command.params, "a b", ())


def test_usage_is_derived_from_the_declaration() -> None:
    assert DEMO.usage == "/demo <count> <red|blue> [note]"


def test_a_command_cannot_be_declared_twice() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        Registry([DEMO, DEMO])


async def test_unknown_commands_get_a_private_pointer_to_help(alice: Resident) -> None:
    replies = await alice.say("/frobnicate now")
    assert replies[0].visibility is Visibility.ACTOR
    assert "I don't know /frobnicate" in replies[0].text
    assert "/help" in replies[0].text


async def test_wrong_argument_types_show_the_usage(community: str, host: Resident) -> None:
    replies = await host.say("/approve two")
    assert replies[0].visibility is Visibility.ACTOR
    assert "<member> must be a number like 7, not 'two'" in replies[0].text
    assert "Usage: /approve <member>" in replies[0].text


async def test_a_community_command_in_an_unlinked_chat_is_explained(host: Resident) -> None:
    assert "not linked to a community yet" in texts(await host.say("/members"))


async def test_a_community_command_in_a_dm_uses_the_last_community(
    community: str, host: Resident
) -> None:
    assert "Elm Court: 1 member(s)" in texts(await host.privately("/members"))


async def test_a_replayed_update_changes_nothing(host: Resident, moot: Moot) -> None:
    first = await host.say("/setup Elm Court", update_id="update-7")
    again = await host.say("/setup Elm Court", update_id="update-7")
    assert "home of Elm Court" in texts(first)
    assert texts(again) == "That was already handled; nothing more was done."
    assert len(await moot.read(lambda s: s.exec(select(Community)).all())) == 1


async def test_the_same_update_delivered_twice_at_once_acts_once(
    host: Resident, moot: Moot
) -> None:
    """Both deliveries find the update new when they arrive; only one may act."""
    replies = await asyncio.gather(
        host.say("/setup Elm Court", update_id="update-9"),
        host.say("/setup Elm Court", update_id="update-9"),
    )
    said = sorted(texts(r) for r in replies)
    assert said[0] == "That was already handled; nothing more was done."
    assert "home of Elm Court" in said[1]
    assert len(await moot.read(lambda s: s.exec(select(Community)).all())) == 1


async def test_an_update_that_changed_nothing_is_still_handled_once(
    community: str, host: Resident
) -> None:
    for line in ("/help", "/setup"):  # a command that only reads; one that is refused
        await host.say(line, update_id=f"again {line}")
        again = await host.say(line, update_id=f"again {line}")
        assert texts(again) == "That was already handled; nothing more was done."


async def test_mass_mentions_and_markup_are_kept_as_plain_text(host: Resident, moot: Moot) -> None:
    await host.say("/setup @everyone <b>Court</b>\x1b[31m")
    name = await moot.read(lambda s: s.exec(select(Community.name)).one())
    assert (
        name == "@everyone <b>Court</b>[31m"
    )  # the terminal escape is gone; the rest is only text


async def test_over_long_names_are_refused_with_the_limit(host: Resident, moot: Moot) -> None:
    replies = await host.say("/setup " + "x" * 81)
    assert "the limit is 80" in texts(replies)
    assert await moot.read(lambda s: s.exec(select(Community)).all()) == []


async def test_help_shows_what_each_role_can_do(
    community: str, host: Resident, alice: Resident
) -> None:
    host_help = texts(await host.say("/help"))
    visitor_help = texts(await alice.say("/help"))
    assert "/import <file>" in host_help
    assert "/role <member>" in host_help
    assert "/import" not in visitor_help
    assert "/join [code]" in visitor_help


async def test_a_new_account_is_a_new_person(alice: Resident, moot: Moot) -> None:
    await alice.say("/whoami")
    await alice.say("/whoami")
    assert len(await moot.read(lambda s: s.exec(select(Person)).all())) == 1
