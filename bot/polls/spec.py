"""A poll's definition, from the one-line form or the guided form, checked before anything is
stored: every problem is a clear sentence that states the limit."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TypeVar

from bot.dates import Reading, format_moment, length, read_duration, read_moment
from bot.errors import UserError
from bot.polls.counting import Threshold
from bot.text import one_line
from storage.models import Role
from storage.polls import (
    OPTION_MAX,
    QUESTION_MAX,
    Electorate,
    PollKind,
    ResultsShown,
    ThresholdBase,
)

E = TypeVar("E", PollKind, ResultsShown, ThresholdBase, Electorate, Role)
MAX_OPTIONS = 20
DEFAULT_OPEN_FOR = timedelta(days=7)
PROPOSAL_STANCES = ("Agree", "Abstain", "Disagree", "Block")
_MONEY = re.compile(r"^(?P<label>.*?)[\s:\u2013-]*£?\s*(?P<amount>\d[\d,]*(?:\.\d{2})?)$")
_THRESHOLDS = {
    "none": Threshold.NONE,
    "majority": Threshold.MAJORITY,
    "simple": Threshold.MAJORITY,
    "two-thirds": Threshold.TWO_THIRDS,
    "2/3": Threshold.TWO_THIRDS,
    "75%": Threshold.THREE_QUARTERS,
    "three-quarters": Threshold.THREE_QUARTERS,
}
SETTINGS_HELP = (
    "Settings (after the options, separated by |): closes: <when>, opens: <when>, kind: "
    "single|multiple|approval|ranked|score|proposal|budget, min: N, max: N, budget: £N, secret, "
    "ballot, voters: members|register|role <role>, results: live|after-vote|after-close, quorum: N%, "
    "threshold: majority|two-thirds|75%, of: cast|electorate, notice: 14d, remind: 1d."
)


@dataclass
class PollSpec:
    question: str
    options: list[tuple[str, int | None]]
    kind: PollKind = PollKind.SINGLE
    closes: Reading | None = None
    opens: Reading | None = None
    notice: timedelta | None = None
    reminder: timedelta | None = None
    secret: bool = False
    binding: bool = False
    min_picks: int | None = None
    max_picks: int | None = None
    budget_cap: int | None = None
    electorate: Electorate = Electorate.MEMBERS
    electorate_role: Role | None = None
    results_shown: ResultsShown = ResultsShown.LIVE
    quorum_percent: int | None = None
    threshold: Threshold = Threshold.NONE
    threshold_base: ThresholdBase = ThresholdBase.CAST
    unknown: list[str] = field(default_factory=list)


def parse_one_line(text: str, zone: str, now: datetime) -> PollSpec:
    """`Question? | Option | Option | closes: Friday 18:00 | secret`"""
    segments = [one_line(part) for part in text.split("|")]
    question, rest = segments[0], [s for s in segments[1:] if s]
    option_texts = [s for s in rest if not _is_setting(s)]
    settings = [s for s in rest if _is_setting(s)]
    return build(question, option_texts, settings, zone, now)


def build(
    question: str, option_texts: list[str], settings: list[str], zone: str, now: datetime
) -> PollSpec:
    spec = PollSpec(question=one_line(question), options=[])
    for setting in settings:
        apply_setting(spec, setting, zone, now)
    spec.options = _options(spec.kind, [one_line(t) for t in option_texts if one_line(t)])
    return check(spec, zone, now)


def apply_setting(spec: PollSpec, setting: str, zone: str, now: datetime) -> None:
    key, _, value = setting.partition(":")
    key, value = key.strip().lower(), value.strip()
    if key == "secret":
        spec.secret = value.lower() not in ("no", "off", "false")
        if spec.secret:
            spec.results_shown = ResultsShown.AFTER_CLOSE
    elif key == "ballot":
        spec.binding = value.lower() not in ("no", "off", "false")
    elif key == "closes":
        spec.closes = read_moment(value, zone, now)
    elif key == "opens":
        spec.opens = read_moment(value, zone, now)
    elif key == "kind":
        spec.kind = _choice(PollKind, value, "kind")
    elif key == "notice":
        spec.notice = read_duration(value)
    elif key == "remind":
        spec.reminder = read_duration(value)
    elif key in ("min", "max"):
        number = _whole(value, key)
        spec.min_picks, spec.max_picks = (
            (number, spec.max_picks) if key == "min" else (spec.min_picks, number)
        )
    elif key == "budget":
        spec.budget_cap = _pence(value, "budget")
    elif key == "voters":
        _voters(spec, value)
    elif key == "results":
        spec.results_shown = _choice(ResultsShown, value, "results")
    elif key == "quorum":
        spec.quorum_percent = _whole(value.rstrip("%"), "quorum")
        if not 1 <= spec.quorum_percent <= 100:
            raise UserError("quorum: give a percentage of the electorate from 1% to 100%.")
    elif key == "threshold":
        if value.lower() not in _THRESHOLDS:
            raise UserError("threshold: use majority, two-thirds, 75% or none.")
        spec.threshold = _THRESHOLDS[value.lower()]
    elif key == "of":
        spec.threshold_base = _choice(ThresholdBase, value, "of")
    else:
        raise UserError(f"Unknown setting {key[:20]!r}. {SETTINGS_HELP}")


def check(spec: PollSpec, zone: str, now: datetime) -> PollSpec:
    """Every rule a poll must meet before it is stored."""
    if not spec.question:
        raise UserError("A poll needs a question.")
    if len(spec.question) > QUESTION_MAX:
        raise UserError(
            f"The question is {len(spec.question)} characters; the limit is {QUESTION_MAX}."
        )
    count = len(spec.options)
    if spec.kind is not PollKind.PROPOSAL and count < 2:
        raise UserError("A poll needs at least two options, separated by | (or one per line).")
    if count > MAX_OPTIONS:
        raise UserError(f"A poll can have at most {MAX_OPTIONS} options; this one has {count}.")
    long = [label for label, _ in spec.options if len(label) > OPTION_MAX]
    if long:
        raise UserError(
            f"Options can be at most {OPTION_MAX} characters; {long[0][:30]!r}… is longer."
        )
    seen: set[str] = set()
    for label, _ in spec.options:
        if label.casefold() in seen:
            raise UserError(f"The option {label[:40]!r} is listed twice.")
        seen.add(label.casefold())
    if spec.kind is PollKind.MULTIPLE:
        low, high = spec.min_picks or 1, spec.max_picks or count
        if not 1 <= low <= high <= count:
            raise UserError(
                f"Picks must satisfy 1 ≤ min ≤ max ≤ {count} options (got min {low}, max {high})."
            )
        spec.min_picks, spec.max_picks = low, high
    elif spec.min_picks is not None or spec.max_picks is not None:
        raise UserError("min: and max: only apply to kind: multiple.")
    if spec.kind is PollKind.BUDGET:
        if not spec.budget_cap:
            raise UserError("A budget poll needs the money to share out: budget: £5000.")
        if any(cost is None or cost <= 0 for _, cost in spec.options):
            raise UserError("Every project in a budget poll needs a cost, e.g. Youth club £2000.")
    elif any(cost is not None for _, cost in spec.options):
        spec.options = [
            (f"{label} £{cost / 100:,.0f}" if cost else label, None) for label, cost in spec.options
        ]
    if spec.secret and spec.results_shown is not ResultsShown.AFTER_CLOSE:
        raise UserError(
            "A secret ballot shows results only after it closes: live totals would let anyone watching "
            "match each new vote to the person who just voted."
        )
    if spec.electorate is Electorate.ROLE and spec.electorate_role is None:
        raise UserError("voters: role needs a role, e.g. voters: role organiser.")
    if spec.threshold is Threshold.NONE and spec.threshold_base is ThresholdBase.ELECTORATE:
        raise UserError("of: electorate needs a threshold, e.g. threshold: majority.")
    if spec.kind in (PollKind.SCORE, PollKind.BUDGET) and spec.threshold is not Threshold.NONE:
        raise UserError(f"A {spec.kind} poll has no pass threshold; results rank the options.")
    _check_times(spec, zone, now)
    return spec


def _check_times(spec: PollSpec, zone: str, now: datetime) -> None:
    if spec.closes is None:
        spec.closes = Reading((spec.opens.moment if spec.opens else now) + DEFAULT_OPEN_FOR)
    opening = spec.opens.moment if spec.opens else now
    if spec.closes.moment <= opening:
        raise UserError("The poll must close after it opens.")
    if spec.notice is not None:
        if spec.opens is None:
            raise UserError("notice: needs an opening time (opens: …) at least that far ahead.")
        if spec.opens.moment - now < spec.notice:
            raise UserError(
                f"With notice: {length(spec.notice)}, the poll can open "
                f"{format_moment(now + spec.notice, zone)} at the earliest."
            )
    if spec.reminder is not None and spec.reminder >= spec.closes.moment - opening:
        raise UserError("remind: must be shorter than the time the poll is open.")


def _options(kind: PollKind, texts: list[str]) -> list[tuple[str, int | None]]:
    if kind is PollKind.PROPOSAL:
        if texts:
            raise UserError(
                "A proposal's options are always Agree, Abstain, Disagree and Block; list none."
            )
        return [(stance, None) for stance in PROPOSAL_STANCES]
    options: list[tuple[str, int | None]] = []
    for text in texts:
        match = _MONEY.match(text)
        if match and match.group("label").strip() and ("£" in text or kind is PollKind.BUDGET):
            options.append((match.group("label").strip(), _pence(match.group("amount"), "cost")))
        else:
            options.append((text, None))
    return options


def _is_setting(segment: str) -> bool:
    """`secret`, `ballot`, or `word: value` (an option may hold a colon, but not after one lowercase word)."""
    stripped = segment.strip()
    return (
        stripped.lower() in ("secret", "ballot") or re.match(r"^[a-z]+\s*:", stripped) is not None
    )


def _voters(spec: PollSpec, value: str) -> None:
    words = value.lower().split()
    spec.electorate = _choice(Electorate, words[0] if words else "", "voters")
    if spec.electorate is Electorate.ROLE:
        spec.electorate_role = _choice(Role, words[1] if len(words) > 1 else "", "voters: role")


def _choice(kinds: type[E], value: str, name: str) -> E:
    try:
        return kinds(value.strip().lower())
    except ValueError:
        raise UserError(
            f"{name}: {value[:20]!r} is not one of {', '.join(k.value for k in kinds)}."
        ) from None


def _whole(value: str, name: str) -> int:
    if not (value.strip().isdecimal() and len(value.strip()) <= 9):
        raise UserError(f"{name}: give a whole number, not {value[:20]!r}.")
    return int(value.strip())


def _pence(value: str, name: str) -> int:
    cleaned = value.replace("£", "").replace(",", "").strip()
    if not re.fullmatch(r"\d{1,9}(\.\d{2})?", cleaned):
        raise UserError(f"{name}: {value[:20]!r} is not an amount of money like £2,000.")
    return round(float(cleaned) * 100)


def with_setting(spec: PollSpec, setting: str, zone: str, now: datetime) -> PollSpec:
    """A copy of `spec` with one setting changed, checked again as a whole."""
    changed = replace(spec, options=list(spec.options))
    apply_setting(changed, setting, zone, now)
    if setting.partition(":")[0].strip().lower() == "kind":
        texts = [label for label, _ in spec.options] if spec.kind is not PollKind.PROPOSAL else []
        changed.options = (
            _options(changed.kind, texts) if changed.kind is PollKind.PROPOSAL else spec.options
        )
    return check(changed, zone, now)
