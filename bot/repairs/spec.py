"""Reading a repair report as a tenant writes it: one line, or the answers of the guided form.

`/report leak | Water coming through the kitchen ceiling | where: home | access: weekdays after
3pm | vulnerable: I use a wheelchair`. The category may be written in the tenant's own words
("hot water", "mould", "windows"); `where:` is `home` (the default) or a communal area.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import UserError
from bot.repairs.clocks import Priority
from bot.text import clean, one_line
from storage.repairs import (
    ACCESS_MAX,
    DESCRIPTION_MAX,
    LOCATION_MAX,
    VULNERABILITY_MAX,
    RepairCategory,
)

AWAAB = "awaab"  # damp and mould: Awaab's Law's clocks, not a priority's

LABELS = {
    RepairCategory.LEAK: "leak or water",
    RepairCategory.HEATING: "heating and hot water",
    RepairCategory.ELECTRICS: "electrics",
    RepairCategory.DAMP: "damp and mould",
    RepairCategory.STRUCTURAL: "structural",
    RepairCategory.SECURITY: "doors, windows and security",
    RepairCategory.PESTS: "pests",
    RepairCategory.COMMUNAL: "communal area",
    RepairCategory.OTHER: "other",
}

# The priority a report starts with until the repairs team decides.
FIRST_PRIORITY = {
    RepairCategory.LEAK: Priority.URGENT,
    RepairCategory.HEATING: Priority.URGENT,
    RepairCategory.ELECTRICS: Priority.URGENT,
    RepairCategory.DAMP: AWAAB,
    RepairCategory.STRUCTURAL: Priority.URGENT,
    RepairCategory.SECURITY: Priority.URGENT,
    RepairCategory.PESTS: Priority.ROUTINE,
    RepairCategory.COMMUNAL: Priority.ROUTINE,
    RepairCategory.OTHER: Priority.ROUTINE,
}

_WORDS = {
    "leak": RepairCategory.LEAK,
    "water": RepairCategory.LEAK,
    "flood": RepairCategory.LEAK,
    "heating": RepairCategory.HEATING,
    "hot water": RepairCategory.HEATING,
    "boiler": RepairCategory.HEATING,
    "electrics": RepairCategory.ELECTRICS,
    "electric": RepairCategory.ELECTRICS,
    "electrical": RepairCategory.ELECTRICS,
    "damp": RepairCategory.DAMP,
    "mould": RepairCategory.DAMP,
    "mold": RepairCategory.DAMP,
    "damp and mould": RepairCategory.DAMP,
    "structural": RepairCategory.STRUCTURAL,
    "structure": RepairCategory.STRUCTURAL,
    "doors": RepairCategory.SECURITY,
    "door": RepairCategory.SECURITY,
    "windows": RepairCategory.SECURITY,
    "window": RepairCategory.SECURITY,
    "security": RepairCategory.SECURITY,
    "locks": RepairCategory.SECURITY,
    "pests": RepairCategory.PESTS,
    "pest": RepairCategory.PESTS,
    "communal": RepairCategory.COMMUNAL,
    "communal area": RepairCategory.COMMUNAL,
    "other": RepairCategory.OTHER,
}
CATEGORY_HELP = (
    "Categories: leak, heating (and hot water), electrics, damp (and mould), structural, "
    "doors/windows/security, pests, communal, other."
)
_SETTING = re.compile(r"^(where|access|vulnerable)\s*:\s*(.*)$", re.IGNORECASE | re.DOTALL)
HOME = "home"
HOME_WORDS = ("home", "my home", "flat", "my flat", "house")
# Where a communal report is when the tenant did not say which shared place.
COMMUNAL_UNNAMED = "a shared area (not named)"


@dataclass(frozen=True)
class ReportSpec:
    category: RepairCategory
    description: str
    location: str  # HOME or a communal area
    access: str | None
    vulnerability: str | None


def category_of(given: str) -> RepairCategory:
    found = _WORDS.get(one_line(given).lower())
    if found is None:
        raise UserError(f"{one_line(given)[:40]!r} is not a repair category. {CATEGORY_HELP}")
    return found


def parse_one_line(text: str) -> ReportSpec:
    """`category | what is wrong | where: … | access: … | vulnerable: …`"""
    parts = [part.strip() for part in text.split("|")]
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise UserError(
            "Write a report as: category | what is wrong, e.g. /report leak | Water coming "
            "through the kitchen ceiling | where: home | access: weekdays after 3pm. "
            + CATEGORY_HELP
        )
    settings: dict[str, str] = {}
    for setting in parts[2:]:
        if not setting:
            continue
        match = _SETTING.match(setting)
        if match is None:
            raise UserError(
                f"{setting[:40]!r} is not part of a report: add where:, access: or vulnerable:."
            )
        key = match.group(1).lower()
        if key in settings:
            raise UserError(f"{key}: is given twice; give it once.")
        settings[key] = match.group(2)
    return build(
        parts[0],
        parts[1],
        settings.get("where"),
        settings.get("access"),
        settings.get("vulnerable"),
    )


def build(
    category: str,
    description: str,
    where: str | None,
    access: str | None,
    vulnerability: str | None,
) -> ReportSpec:
    """A report from its parts, typed or from the guided form."""
    what = clean(description).strip()
    if not what:
        raise UserError("Say what is wrong, in a few words or more.")
    if len(what) > DESCRIPTION_MAX:
        raise UserError(f"Describe it in up to {DESCRIPTION_MAX} characters.")
    kind = category_of(category)
    location = one_line(where or "").strip()
    if location.lower() in HOME_WORDS:
        if kind is RepairCategory.COMMUNAL:
            raise UserError(
                "A communal problem is in a shared place: say where, e.g. where: Stairwell B "
                "(or choose another category for a problem in your home)."
            )
        location = HOME
    elif not location:  # a communal problem is never "at home"
        location = COMMUNAL_UNNAMED if kind is RepairCategory.COMMUNAL else HOME
    if len(location) > LOCATION_MAX:
        raise UserError(f"where: name the place in up to {LOCATION_MAX} characters.")
    return ReportSpec(
        kind,
        what,
        location,
        _optional(access, ACCESS_MAX, "access"),
        _optional(vulnerability, VULNERABILITY_MAX, "vulnerable"),
    )


def _optional(value: str | None, limit: int, key: str) -> str | None:
    text = one_line(value or "").strip()
    if len(text) > limit:
        raise UserError(f"{key}: keep it to {limit} characters.")
    return text or None
