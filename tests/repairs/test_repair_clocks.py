"""Repair clocks as a tenant or the team reads them: dates worked out by hand from the UK
bank-holiday calendars, across clock changes, and with a "no access" pause added back."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.repairs.clocks import (
    AWAAB_TARGETS,
    DEFAULT_TARGETS,
    AwaabStep,
    Nation,
    Pause,
    Priority,
    RepairClock,
    add,
)

LONDON = ZoneInfo("Europe/London")


def at(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """A moment given in London time, as Moot holds it (UTC)."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON).astimezone(UTC)


def test_urgent_repairs_skip_weekends_and_each_nations_bank_holidays() -> None:
    urgent = DEFAULT_TARGETS[Priority.URGENT]
    christmas_eve = at(2026, 12, 24, 10, 0)
    # Christmas Day (Fri), Boxing Day observed (Mon 28), New Year's Day (Fri 1 Jan) are off.
    assert add(christmas_eve, urgent, Nation.ENGLAND, LONDON) == at(2027, 1, 5, 10, 0)
    # Scotland also takes 2 January, a Saturday in 2027, on Monday 4 January.
    assert add(christmas_eve, urgent, Nation.SCOTLAND, LONDON) == at(2027, 1, 6, 10, 0)
    saturday = at(2026, 11, 7, 15, 30)
    assert add(saturday, urgent, Nation.WALES, LONDON) == at(2026, 11, 13, 15, 30)


def test_hours_are_real_hours_and_days_keep_the_local_time_across_a_clock_change() -> None:
    before_the_change = at(2026, 10, 24, 12, 0)  # BST; clocks go back at 02:00 on the 25th
    emergency = DEFAULT_TARGETS[Priority.EMERGENCY]
    assert add(before_the_change, emergency, Nation.ENGLAND, LONDON) == at(2026, 10, 25, 11, 0)
    routine = DEFAULT_TARGETS[Priority.ROUTINE]
    assert add(before_the_change, routine, Nation.ENGLAND, LONDON) == at(2026, 11, 21, 12, 0)


def test_a_no_access_visit_pauses_the_clock_and_the_page_says_why() -> None:
    reported = at(2026, 11, 2, 9, 0)  # a Monday
    no_access = Pause(at(2026, 11, 4, 10, 0), None, "no access at the visit")
    clock = RepairClock(
        "Urgent repair", reported, DEFAULT_TARGETS[Priority.URGENT], pauses=(no_access,)
    )
    assert clock.due(Nation.ENGLAND, LONDON) is None
    assert "paused since Wed 04 Nov 2026, 10:00: no access at the visit" in clock.explain(
        Nation.ENGLAND, LONDON
    )

    resumed = Pause(no_access.began, at(2026, 11, 6, 15, 0), no_access.reason)
    clock = RepairClock(clock.what, reported, clock.target, pauses=(resumed,))
    # Due Monday 9th; Thursday and Friday stood still, so two working days on: Wednesday 11th.
    assert clock.due(Nation.ENGLAND, LONDON) == at(2026, 11, 11, 9, 0)
    assert clock.explain(Nation.ENGLAND, LONDON) == [
        "Urgent repair: within 5 working days of Mon 02 Nov 2026, 09:00, "
        "so by Mon 09 Nov 2026, 09:00",
        "paused Wed 04 Nov 2026, 10:00 to Fri 06 Nov 2026, 15:00 (no access at the visit): "
        "the time it stood still is added back",
        "now due by Wed 11 Nov 2026, 09:00",
    ]


def test_damp_and_mould_follows_awaabs_law_and_names_the_holidays_it_skips() -> None:
    reported = at(2027, 3, 22, 11, 0)  # a Monday; Good Friday 26 March, Easter Monday 29th
    clock = RepairClock("Investigate", reported, AWAAB_TARGETS[AwaabStep.INVESTIGATE])
    assert clock.due(Nation.ENGLAND, LONDON) == at(2027, 4, 7, 11, 0)
    assert clock.explain(Nation.ENGLAND, LONDON)[0].endswith(
        "so by Wed 07 Apr 2027, 11:00 (bank holidays skipped: Fri 26 Mar (Good Friday), "
        "Mon 29 Mar (Easter Monday))"
    )
    # Scotland has no Easter Monday holiday: a day sooner.
    assert clock.due(Nation.SCOTLAND, LONDON) == at(2027, 4, 6, 11, 0)
