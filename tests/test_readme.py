"""The README's poll and meeting examples work whenever a newcomer tries them, not only on the day they were
written: each is drafted and published on dates spread over the coming years."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.core import Moot
from tests.helpers import Resident, texts
from tests.poll_helpers import members

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").rglob("*.md")), ROOT / "CONTRIBUTING.md"]
MANUALS = [README, ROOT / "docs" / "decide.md", ROOT / "docs" / "meet.md"]
EXAMPLES = [
    line
    for page in MANUALS
    for line in re.findall(
        r"^(/(?:poll|meeting) .+)$", page.read_text(encoding="utf-8"), flags=re.MULTILINE
    )
]


@pytest.fixture(
    params=[
        datetime(2026, 11, 23, 9, 0, tzinfo=UTC),  # a Monday morning
        datetime(2027, 3, 26, 18, 30, tzinfo=UTC),  # a Friday evening, before the clocks change
        datetime(2028, 12, 31, 23, 45, tzinfo=UTC),  # the last minutes of a leap year
    ],
    ids=["2026-11-23", "2027-03-26", "2028-12-31"],
)
def clock(request: pytest.FixtureRequest) -> ManualClock:
    start: datetime = request.param
    return ManualClock(start)


def test_every_link_between_the_pages_leads_somewhere() -> None:
    """The README is short and sends readers into docs/: every relative link must work."""
    broken = [
        f"{page.relative_to(ROOT)} -> {target}"
        for page in PAGES
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8"))
        if not (page.parent / target).exists()
    ]
    assert broken == []


def test_the_readme_has_its_examples() -> None:
    assert sum(line.startswith("/poll ") for line in EXAMPLES) >= 4
    assert sum(line.startswith("/meeting ") for line in EXAMPLES) >= 1


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda line: line[6:30])
async def test_each_readme_example_publishes(
    moot: Moot, community: str, host: Resident, example: str
) -> None:
    await members(moot, host, "Alice", "Bob")
    drafted = texts(await host.say(example))
    number = re.search(r"Draft (poll|meeting) #(\d+)", drafted)
    assert number is not None, drafted
    publish = "/publish" if number.group(1) == "poll" else "/announce"
    published = texts(await host.say(f"{publish} {number.group(2)}"))
    assert "is open" in published or "is announced" in published, published
