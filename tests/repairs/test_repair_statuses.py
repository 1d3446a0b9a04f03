"""The repair statuses' transition table (bot/repairs/statuses.py): the moves the team makes, the
card's buttons and `/repairstatus`'s choices in `/help` all read it; a move it does not allow is
refused privately and changes nothing; and a status change loads the report once in its write."""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

import pytest
from sqlmodel import Session, func, select

from bot.core import Moot
from bot.events import Reply, Visibility
from bot.repairs import render, statuses, views
from bot.repairs.views import load
from storage.repairs import RepairEvent, RepairReport, RepairStatus
from tests.helpers import RecordingOutlet, Resident, texts
from tests.repairs.test_repairs import LEAK, TEAM_CHAT, cards, with_team


def test_every_status_has_a_row_and_each_row_names_only_moves_it_allows() -> None:
    assert set(statuses.TABLE) == set(RepairStatus)
    for status, row in statuses.TABLE.items():
        assert status not in row.moves, status  # staying put is not a move
        assert set(row.buttons) <= row.moves, status
        assert all(statuses.TABLE[to].button for to in row.buttons), status  # each labelled
    assert statuses.FINISHED == (RepairStatus.CLOSED, RepairStatus.WITHDRAWN)
    # The team never sets "reported" (a new report is) nor "withdrawn" (only its tenant does).
    assert RepairStatus.REPORTED not in statuses.CHOICES
    assert RepairStatus.WITHDRAWN not in statuses.CHOICES


def _status_buttons(reply: Reply) -> list[RepairStatus]:
    return [
        RepairStatus(button.command.split()[-1])
        for button in reply.buttons
        if button.command.startswith("repairstatus ")
    ]


async def test_every_button_a_card_offers_in_every_status_is_a_move_the_table_allows(
    moot: Moot, community: str, host: Resident
) -> None:
    alice, _, _ = await with_team(moot, host, community)
    await alice.privately(LEAK)
    report_id = await moot.read(lambda s: s.exec(select(RepairReport.id)).one())
    assert report_id is not None
    offered: dict[RepairStatus, list[RepairStatus]] = {}
    for status in RepairStatus:  # a status added without a row fails here

        def card_in(session: Session, status: RepairStatus = status) -> list[RepairStatus]:
            session.get_one(RepairReport, report_id).status = status
            session.flush()
            words, buttons = render.card(load(session, report_id))
            return _status_buttons(Reply(words, buttons=tuple(buttons)))

        offered[status] = await moot.write(card_in)
        row = statuses.TABLE[status]
        for to in offered[status]:
            assert to in row.moves, (status, to)
            assert statuses.refusal("R-0001", 1, status, to, "words") is None, (status, to)
    # What the cards offered before the table, but the needs-info card's own "Needs info",
    # which could only be refused.
    assert offered[RepairStatus.REPORTED] == [
        RepairStatus.ACKNOWLEDGED,
        RepairStatus.FIXED,
        RepairStatus.NEEDS_INFO,
    ]
    assert offered[RepairStatus.FIXED] == [RepairStatus.NEEDS_INFO]
    assert offered[RepairStatus.NEEDS_INFO] == [RepairStatus.FIXED]
    assert offered[RepairStatus.CLOSED] == offered[RepairStatus.WITHDRAWN] == []


async def test_the_choices_in_help_and_the_usage_are_the_tables(
    moot: Moot, community: str, host: Resident
) -> None:
    alice, fixer, _ = await with_team(moot, host, community)
    await alice.privately(LEAK)
    choices = "<" + "|".join(status.value for status in statuses.CHOICES) + ">"
    assert f"{choices} [message]" in texts(await fixer.say("/help", TEAM_CHAT))
    refused = texts(await fixer.say("/repairstatus 1 reported", TEAM_CHAT))
    assert f"{choices}: 'reported' is not one of the choices" in refused


async def _events(moot: Moot) -> int:
    return await moot.read(lambda s: s.exec(select(func.count()).select_from(RepairEvent)).one())


async def _refused_quietly(
    moot: Moot, outlet: RecordingOutlet, replies_of: Any, refusal: str
) -> None:
    """The replies say `refusal` to the presser alone, and nothing changed: no event, no news to
    the tenant, no card edit."""
    before = (await _events(moot), len(outlet.directs), len(cards(outlet)))
    replies = await replies_of
    assert refusal in texts(replies), texts(replies)
    assert all(reply.visibility is Visibility.ACTOR for reply in replies)
    assert (await _events(moot), len(outlet.directs), len(cards(outlet))) == before


async def test_a_stale_button_and_a_closed_report_are_refused_privately_and_change_nothing(
    moot: Moot, community: str, host: Resident, outlet: RecordingOutlet
) -> None:
    alice, fixer, _ = await with_team(moot, host, community)
    await alice.privately(LEAK)
    stale = cards(outlet)[0]  # the card as posted, with its Acknowledge button
    await fixer.press("repairstatus 1.1 acknowledged", TEAM_CHAT)
    assert "repairstatus 1.1 acknowledged" in [b.command for b in stale.buttons]
    await _refused_quietly(
        moot,
        outlet,
        fixer.press("repairstatus 1.1 acknowledged", TEAM_CHAT),
        "R-0001 is already acknowledged.",
    )
    await _refused_quietly(
        moot,
        outlet,
        fixer.say("/repairstatus 1 not-ours", TEAM_CHAT),
        "Say what to tell the tenant after the status",
    )
    await fixer.say("/repairstatus 1 closed All done", TEAM_CHAT)
    await _refused_quietly(
        moot,
        outlet,
        fixer.say("/repairstatus 1 in-progress", TEAM_CHAT),
        "R-0001 is closed.",
    )


async def test_a_move_the_table_does_not_allow_is_refused_and_its_button_goes(
    moot: Moot,
    community: str,
    host: Resident,
    outlet: RecordingOutlet,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The table decides: take "needs-info" and "no-access" away from "fixed", and the fixed
    # card loses its Needs info button and both moves are refused with where it can go.
    fixed = statuses.TABLE[RepairStatus.FIXED]
    narrower = dataclasses.replace(
        fixed,
        moves=fixed.moves - {RepairStatus.NEEDS_INFO, RepairStatus.NO_ACCESS},
        buttons=(),
    )
    monkeypatch.setitem(statuses.TABLE, RepairStatus.FIXED, narrower)
    alice, fixer, _ = await with_team(moot, host, community)
    await alice.privately(LEAK)
    await fixer.press("repairstatus 1.1 fixed", TEAM_CHAT)
    assert _status_buttons(cards(outlet)[-1]) == []
    await _refused_quietly(
        moot,
        outlet,
        fixer.say("/repairstatus 1 no-access Nobody in", TEAM_CHAT),
        "R-0001 is fixed: it cannot go to no-access from there, only to acknowledged, "
        "investigating, visit-scheduled, in-progress, closed, duplicate, not-ours "
        "(/repairstatus 1 status).",
    )
    await _refused_quietly(
        moot,
        outlet,
        fixer.press("repairstatus 1.1 needs-info", TEAM_CHAT),  # an older card's button
        "R-0001 is fixed: it cannot go to needs-info from there",
    )
    assert "R-0001 is now closed" in texts(await fixer.say("/repairstatus 1 closed", TEAM_CHAT))


async def test_a_status_change_loads_the_report_once_in_its_write(
    moot: Moot,
    community: str,
    host: Resident,
    outlet: RecordingOutlet,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice, fixer, _ = await with_team(moot, host, community)
    await alice.privately(LEAK)
    await alice.privately("/report heating | The radiator in the hall is cold")
    loads: dict[str, int] = {}
    real = views.load

    def counted(module: str) -> Any:
        def counting(session: Session, report_id: int) -> views.ReportView:
            loads[module] = loads.get(module, 0) + 1
            return real(session, report_id)

        return counting

    for name, module in list(sys.modules.items()):
        if name.startswith("bot.") and getattr(module, "load", None) is real:
            monkeypatch.setattr(module, "load", counted(name))
    said = texts(await fixer.press("repairstatus 1.1 fixed", TEAM_CHAT))
    assert "R-0001 is now fixed" in said
    assert "The repairs team says it is fixed" in outlet.dms_to("alice")[-1]
    # Once to find the report and check who may move it (bot.repairs.views.find), once in the
    # write (bot.repairs.service); the team's card is rendered when it is sent, as every live
    # card is (bot.repairs.cards), at most once.
    command = {module: n for module, n in loads.items() if module != "bot.repairs.cards"}
    assert sum(command.values()) <= 2, loads
    assert loads.get("bot.repairs.service") == 1, loads
    assert loads.get("bot.repairs.cards", 0) <= 1, loads
