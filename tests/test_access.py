"""The core applies each command's declared rule: the least role before anything is looked up or
any form shown, then the subject is found (hidden as if it did not exist when the person may not
see it), then the check, and only then the handler; /help reads the same rule."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot import roles
from bot.access import MEMBERS, ORGANISERS, Asker, Subject
from bot.clock import ManualClock
from bot.commands import Command
from bot.context import Context
from bot.core import Moot
from bot.errors import UserError
from bot.feature import Feature
from bot.features import ALL_FEATURES
from bot.params import Args, Param, ParamKind
from storage.models import Role
from storage.store import Store
from tests.helpers import Resident, texts

BOXES = {1: "the red box", 2: "the blue box (Alice's)"}
RAN: list[str] = []


async def find_box(ctx: Context) -> str:
    number = int(ctx.args.text("box"))
    RAN.append(f"find {number}")
    if number not in BOXES:
        raise UserError(f"There is no box #{number} here.")
    return BOXES[number]


BOX = Subject(Param("box", "The box's number", ParamKind.REF), str, find_box)


async def open_box(ctx: Context) -> None:
    RAN.append(f"open {BOX.of(ctx)}")
    ctx.reply_privately(f"You open {BOX.of(ctx)}.")


async def count_boxes(ctx: Context) -> None:
    RAN.append("count")
    ctx.reply_privately(f"{len(BOXES)} boxes.")


def mine(asker: Asker, box: str, args: Args) -> str | None:
    return (
        None if "Alice" not in box or roles.allows(asker.role, Role.ORGANISER) else "Only Alice's."
    )


BOX_FEATURE = Feature(
    name="boxes",
    commands=(
        Command(
            "openbox",
            "Open a box",
            open_box,
            rule=MEMBERS.on(BOX, mine, note="only your boxes", always_for=Role.ORGANISER),
        ),
        Command("countboxes", "Count the boxes", count_boxes, rule=ORGANISERS),
    ),
)


@pytest.fixture
async def boxes(database_url: str, clock: ManualClock) -> AsyncIterator[Moot]:
    core = Moot(Store(database_url), clock, (*ALL_FEATURES, BOX_FEATURE))
    await core.start()
    RAN.clear()
    yield core
    await core.stop()


async def elm_court(moot: Moot) -> tuple[Resident, Resident, Resident]:
    host = Resident(moot, "console", "host", "Host", chat_admin=True)
    await host.say("/setup Elm Court")
    await host.say("/joinpolicy open")
    member = Resident(moot, "console", "member", "Mo")
    await member.say("/join")
    visitor = Resident(moot, "console", "visitor", "Vi")
    await visitor.say("/help")
    RAN.clear()
    return host, member, visitor


async def test_below_the_least_role_nothing_is_looked_up(boxes: Moot) -> None:
    _, member, visitor = await elm_court(boxes)
    said = texts(await visitor.say("/openbox 1"))
    assert said == "Only members of Elm Court can use /openbox; send /join first."
    assert (
        texts(await member.say("/countboxes"))
        == "Only organisers of Elm Court can use /countboxes."
    )
    assert RAN == []


async def test_the_subject_is_found_then_checked_before_the_handler_runs(boxes: Moot) -> None:
    host, member, _ = await elm_court(boxes)
    assert texts(await member.say("/openbox 7")) == "There is no box #7 here."
    assert texts(await member.say("/openbox 2")) == "Only Alice's."
    assert RAN == ["find 7", "find 2"]
    assert texts(await member.say("/openbox 1")) == "You open the red box."
    assert texts(await host.say("/openbox 2")) == "You open the blue box (Alice's)."
    assert RAN[-2:] == ["find 2", "open the blue box (Alice's)"]


async def test_help_lists_by_the_same_rule_with_its_note(boxes: Moot) -> None:
    host, member, visitor = await elm_court(boxes)
    assert "/openbox" not in texts(await visitor.say("/help"))
    member_help = texts(await member.say("/help"))
    assert "/openbox <box>: Open a box (only your boxes)" in member_help
    assert "/countboxes" not in member_help
    host_help = texts(await host.say("/help"))
    assert "/openbox <box>: Open a box\n" in host_help
    assert "/countboxes: Count the boxes" in host_help
