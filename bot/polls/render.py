"""How polls read in a chat: the poll message, a draft's preview, a personal ballot, results."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.dates import format_moment, length
from bot.events import Button, ButtonStyle, Menu, moment_marker
from bot.polls import carried
from bot.polls.ballots import CHOICE_KINDS
from bot.polls.counting import Threshold
from bot.polls.results import Results
from bot.polls.views import PollView
from storage.polls import Electorate, PollKind, PollStatus, ResultsShown, ThresholdBase

KIND_NAMES = {
    PollKind.SINGLE: "single choice",
    PollKind.MULTIPLE: "multiple choice",
    PollKind.APPROVAL: "approval (pick all you support)",
    PollKind.RANKED: "ranked choice (instant runoff)",
    PollKind.SCORE: "score each option 0-5",
    PollKind.PROPOSAL: "proposal",
    PollKind.BUDGET: "participatory budget",
}
THRESHOLD_NAMES = {
    Threshold.MAJORITY: "a majority (more than half)",
    Threshold.TWO_THIRDS: "two thirds",
    Threshold.THREE_QUARTERS: "75%",
}


def when(moment: datetime, zone: str) -> str:
    return moment_marker(moment, format_moment(moment, zone))


def money(pence: int) -> str:
    return f"£{pence / 100:,.0f}" if pence % 100 == 0 else f"£{pence / 100:,.2f}"


def describe(view: PollView) -> list[str]:
    """The rules of a poll, in a few short lines."""
    poll, zone = view.poll, view.community.timezone
    kind = KIND_NAMES[view.kind]
    if view.kind is PollKind.MULTIPLE:
        kind += f", pick {poll.min_picks}" + (
            f"-{poll.max_picks}" if poll.max_picks != poll.min_picks else ""
        )
    if view.kind is PollKind.BUDGET and poll.budget_cap:
        kind += f", {money(poll.budget_cap)} to share"
    lines = [
        f"{'Secret ballot' if poll.secret else 'Open vote'} · {kind}"
        + (" · binding" if poll.binding else "")
    ]
    who = {
        Electorate.MEMBERS: "all members",
        Electorate.ROLE: f"{poll.electorate_role}s",
        Electorate.REGISTER: "the register as it stood at opening",
    }[Electorate(poll.electorate)]
    rules = [f"Voters: {who}"]
    if poll.quorum_percent:
        rules.append(f"quorum {poll.quorum_percent}% of the electorate")
    if poll.threshold != Threshold.NONE:
        base = "the electorate" if poll.threshold_base == ThresholdBase.ELECTORATE else "votes cast"
        rules.append(f"passes with {THRESHOLD_NAMES[Threshold(poll.threshold)]} of {base}")
    lines.append(" · ".join(rules))
    shown = {
        ResultsShown.LIVE: "live",
        ResultsShown.AFTER_VOTE: "after you vote",
        ResultsShown.AFTER_CLOSE: "after the close",
    }
    timing = []
    if poll.opens_at and view.status in (PollStatus.DRAFT, PollStatus.SCHEDULED):
        notice = (
            f" (notice: {length(timedelta(minutes=poll.notice_minutes))})"
            if poll.notice_minutes
            else ""
        )
        timing.append(f"Opens {when(poll.opens_at, zone)}{notice}")
    closing = "Closed" if view.status is PollStatus.CLOSED else "Closes"
    timing.append(f"{closing} {when(poll.closed_at or poll.closes_at, zone)}")
    timing.append(f"results {shown[ResultsShown(poll.results_shown)]}")
    lines.append(" · ".join(timing))
    return lines


def option_lines(
    view: PollView, results: Results | None, *, label_limit: int | None = None
) -> list[str]:
    lines = []
    for option in view.options:
        cost = f" ({money(option.cost)})" if option.cost else ""
        label = option.label
        if label_limit is not None and len(label) > label_limit:
            label = label[: label_limit - 1].rstrip() + "…"
        line = f"{option.number}. {label}{cost}"
        if results is not None:
            line += " — " + count_words(view, results, option.number)
        lines.append(line)
    return lines


def count_words(view: PollView, results: Results, number: int) -> str:
    """How an option did: "12 votes (40%) [10 online + 2 paper]", "7 points"."""
    entry = results.lines[number - 1]
    if view.kind is PollKind.SCORE:
        return f"{entry.online} point{'' if entry.online == 1 else 's'}"
    share = f" ({entry.share:.0%})" if entry.share is not None else ""
    paper = f" [{entry.online} online + {entry.paper} paper]" if entry.paper else ""
    noun = ("first preference" if view.kind is PollKind.RANKED else "vote") + (
        "" if entry.total == 1 else "s"
    )
    return f"{entry.total} {noun}{share}{paper}"


def turnout(results: Results) -> str:
    share = f" ({results.turnout / results.electorate:.0%})" if results.electorate else ""
    text = f"Turnout: {results.turnout} of {results.electorate} eligible{share}"
    if results.paper:
        text += f": {results.online} online, {results.paper} on paper or in the room"
    return text


# A card is one message on every platform (Discord's limit is 2,000 characters), with room for
# the escaping platforms add; long option labels are shortened on the card, never elsewhere.
CARD_LIMIT = 1800
SHORTEST_LABEL = 16


def poll_message(
    view: PollView, results: Results, *, show_counts: bool
) -> tuple[str, list[Button]]:
    """The message posted in each chat, kept up to date as votes come in."""
    counts = results if show_counts else None
    head = [f"📊 Poll #{view.number}: {view.poll.question}", *describe(view), ""]
    tail = ["", turnout(results), _card_footer(view)]
    options = option_lines(view, counts)
    limit = max(len(o.label) for o in view.options) if view.options else 0
    while limit > SHORTEST_LABEL and len("\n".join([*head, *options, *tail])) > CARD_LIMIT:
        limit -= 4
        options = option_lines(view, counts, label_limit=max(limit, SHORTEST_LABEL))
    open_for_votes = view.status not in (PollStatus.CLOSED, PollStatus.SCHEDULED)
    return "\n".join([*head, *options, *tail]), vote_buttons(view) if open_for_votes else []


def _card_footer(view: PollView) -> str:
    if view.status is PollStatus.CLOSED:
        return "This poll has closed: /results " + str(view.number)
    if view.status is PollStatus.SCHEDULED:
        return "Voting has not opened yet."
    return how_to_vote(view)


def typed_secret_vote(number: int) -> str:
    return (
        f"Poll #{number} is a secret ballot, so votes are cast privately: your message was not "
        f"counted (and removed, where Moot may). Press a button on the poll, or send "
        f"/vote {number} … to me in a direct message."
    )


def how_to_vote(view: PollView) -> str:
    n = view.number
    if view.poll.secret:
        if view.kind is not PollKind.SCORE:
            return f"Secret ballot: press a button to vote privately, or send /vote {n} … to me directly."
        return f"Secret ballot: send /vote {n} and a score 0-5 for each option to me directly."
    if view.kind in CHOICE_KINDS:
        example = f"/vote {n} agree" if view.kind is PollKind.PROPOSAL else f"/vote {n} 2"
        return f"Vote with the buttons, or type {example}."
    if view.kind is PollKind.SCORE:
        scores = " ".join(
            ["4", "2", "5", "0", "3"][: len(view.options)] + ["0"] * (len(view.options) - 5)
        )
        return f"Type /vote {n} followed by a score 0-5 for each option in order, e.g. /vote {n} {scores}"
    if view.kind is PollKind.RANKED:
        return f"Press Vote to rank the options, or type /vote {n} 3 1 2 (best first)."
    return f"Press Vote to choose, or type /vote {n} 1 3 (the numbers you pick)."


def vote_buttons(view: PollView) -> list[Button]:
    if view.kind in CHOICE_KINDS:
        return [
            Button(
                f"{o.number}. {o.label}"[:40], f"vote {view.ref} {o.number}", ButtonStyle.PRIMARY
            )
            for o in view.options
        ]
    if view.kind is PollKind.SCORE:
        return []
    return [Button("Vote", f"ballot {view.ref}", ButtonStyle.PRIMARY)]


def ballot_message(view: PollView, marks: tuple[int, ...]) -> tuple[str, list[Button]]:
    """Someone's own ballot, built up by pressing options, then cast."""
    if view.kind is PollKind.RANKED:
        so_far = " > ".join(view.label(m) for m in marks) or "nothing yet"
        intro = f"Your ranking for poll #{view.number}: {so_far}\nPress the options in order of preference."
    else:
        so_far = ", ".join(view.label(m) for m in marks) or "nothing yet"
        intro = (
            f"Your choices for poll #{view.number}: {so_far}\nPress an option to add or remove it."
        )
    if view.kind is PollKind.BUDGET and view.poll.budget_cap:
        spent = sum(view.options[m - 1].cost or 0 for m in marks)
        intro += f"\nSpent {money(spent)} of {money(view.poll.budget_cap)}."
    if view.poll.secret:
        intro += "\nA secret ballot is final once cast."
    # A secret ballot in progress is stored nowhere: its buttons carry it (bot/polls/carried.py).
    so_far = f" {carried.written(marks)}" if view.poll.secret and marks else ""
    buttons = [
        Button(
            ("✓ " if o.number in marks else "") + f"{o.number}. {o.label}"[:38],
            f"pick {view.ref} {o.number}{so_far}",
        )
        for o in view.options
    ]
    buttons += [
        Button("Clear", f"clearballot {view.ref}", ButtonStyle.SECONDARY),
        Button("Cast my vote", f"cast {view.ref}{so_far}", ButtonStyle.PRIMARY),
    ]
    return intro, buttons


def setting_menus(view: PollView) -> list[Menu]:
    """The common settings of a draft, as choices (select menus on Discord)."""
    n = view.ref

    def menu(placeholder: str, choices: list[tuple[str, str]]) -> Menu:
        return Menu(
            placeholder,
            tuple(Button(label, f"pollset {n} {setting}") for label, setting in choices),
        )

    return [
        menu(
            f"Kind: {KIND_NAMES[view.kind]}",
            [(KIND_NAMES[k], f"kind: {k.value}") for k in PollKind],
        ),
        menu(
            "Who may vote",
            [
                ("All members", "voters: members"),
                ("The register at opening", "voters: register"),
                ("Organisers only", "voters: role organiser"),
            ],
        ),
        menu(
            "When results are shown",
            [
                ("Live", "results: live"),
                ("After each person votes", "results: after-vote"),
                ("After the close", "results: after-close"),
            ],
        ),
        menu(
            "Pass threshold",
            [
                ("None", "threshold: none"),
                ("Majority", "threshold: majority"),
                ("Two thirds", "threshold: two-thirds"),
                ("75%", "threshold: 75%"),
            ],
        ),
    ]


def preview(view: PollView, *, batches_kept: int | None = None) -> tuple[str, list[Button]]:
    """A draft, as its creator checks it before publishing. `batches_kept` is k when the store
    keeps which secret ballots were sealed together after the close (PostgreSQL)."""
    poll, zone = view.poll, view.community.timezone
    lines = [
        f"Draft poll #{view.number}: {poll.question}",
        *describe(view),
        "",
        *option_lines(view, None),
        "",
    ]
    if poll.secret and batches_kept is not None:
        lines += [
            "This Moot keeps its data on a PostgreSQL server, whose logs and backups keep which "
            f"ballots were sealed together ({batches_kept} or more at a time) even after the "
            f"close: each ballot stays hidden among at least {batches_kept} voters, not among all.",
            "",
        ]
    buttons: list[Button] = []
    if poll.closes_alternative is not None:
        lines.append(
            f"I read the closing time as {format_moment(poll.closes_at, zone)}, but it could be "
            f"{format_moment(poll.closes_alternative, zone)}. Which did you mean?"
        )
        for moment in (poll.closes_at, poll.closes_alternative):
            exact = moment.strftime("%Y-%m-%dT%H:%M+00:00")
            buttons.append(
                Button(format_moment(moment, zone)[:40], f"pollset {view.ref} closes: {exact}")
            )
    else:
        lines.append(
            f"Check the closing time above, then publish. Change anything with /pollset {view.number} <setting>: <value>."
        )
        buttons.append(Button("Publish", f"publish {view.ref}", ButtonStyle.PRIMARY))
    buttons.append(Button("Discard", f"discard {view.ref}", ButtonStyle.DANGER))
    buttons.append(
        Button(
            "Make it an open vote" if poll.secret else "Make it a secret ballot",
            f"pollset {view.ref} secret: {'no' if poll.secret else 'yes'}",
        )
    )
    return "\n".join(lines), buttons


def results_text(view: PollView, results: Results, *, final: bool) -> str:
    heading = "Results" if final else "Results so far"
    lines = [
        f"{heading} · Poll #{view.number}: {view.poll.question}",
        *option_lines(view, results),
        "",
        turnout(results),
        *verdict(view, results, final=final),
        *runoff_rounds(view, results),
        *results.notes,
    ]
    if view.poll.outcome:
        lines += ["", f"Outcome: {view.poll.outcome}"]
    return "\n".join(lines)


def verdict(view: PollView, results: Results, *, final: bool) -> list[str]:
    """What the count decided, said once: void, funded, passed or not, or who won."""
    poll = view.poll
    if results.quorum_met is not None:
        needed = f"quorum {poll.quorum_percent}% of the electorate"
        if not results.quorum_met:
            return [f"Void: the {needed} was not met, so nothing was decided."]
        quorum = [f"The {needed} was met."]
    else:
        quorum = []
    if results.budget is not None:
        funded = ", ".join(
            f"{view.label(p)} ({money(view.options[p - 1].cost or 0)})"
            for p in results.budget.funded
        )
        unfunded = ", ".join(view.label(p) for p in results.budget.unfunded)
        return [
            *quorum,
            f"{'Funded' if final else 'Funded so far'}: {funded or 'none'}",
            f"Not funded: {unfunded or 'none'}",
            f"Left over: {money(results.budget.left)}",
        ]
    return [*quorum, _decision(view, results, final=final)]


def _decision(view: PollView, results: Results, *, final: bool) -> str:
    if results.passed is None or results.support is None:
        return _winner(view, results, final=final)
    support, base = results.support
    share = f" ({support / base:.0%})" if base else ""
    needed = THRESHOLD_NAMES[results.threshold]
    of_electorate = view.poll.threshold_base == ThresholdBase.ELECTORATE
    if view.kind is PollKind.PROPOSAL:
        counted = f"{support} agree of {base} {'in the electorate' if of_electorate else 'who took a side'}{share}"
        if results.passed:
            verb = "passed" if final else "is passing"
        else:
            verb = "did not pass" if final else "is not passing"
        return f"The proposal {verb}: {counted}; it needed {needed}."
    if results.winner is None:
        return "Nothing passed: no votes were cast." if final else "No votes yet."
    name = view.label(results.winner)
    counted = f"{support} of {base} {'in the electorate' if of_electorate else 'votes cast'}{share}"
    if results.passed:
        return f"{'Winner' if final else 'Leading'}: {name}, with {counted}; it needed {needed}."
    return (
        f"Nothing passed: {name} {'led' if final else 'leads'} with {counted}, short of {needed}."
    )


def _winner(view: PollView, results: Results, *, final: bool) -> str:
    if results.winner is None:
        return "No winner: no votes were cast." if final else "No votes yet."
    others = [view.label(o) for o in results.tied if o != results.winner]
    tie = f" (tied with {', '.join(others)}; ties go to the option listed first)" if others else ""
    return f"{'Winner' if final else 'Leading'}: {view.label(results.winner)}{tie}"


def runoff_rounds(view: PollView, results: Results) -> list[str]:
    """Each instant-runoff round, naming the options."""
    lines = []
    for number, round_ in enumerate(results.rounds, start=1):
        live = sum(round_.counts.values())
        counts = ", ".join(f"{view.label(o)} {v}" for o, v in round_.counts.items())
        exhausted = f"; {round_.exhausted} with no choice left" if round_.exhausted else ""
        text = f"Round {number}: {counts}{exhausted}. "
        if round_.eliminated is not None:
            text += (
                f"No option has more than half of {live}; {view.label(round_.eliminated)} has "
                f"the fewest and is eliminated."
            )
        elif live == 0:
            text += "No ballot ranks a continuing option, so there is no winner."
        elif results.winner is not None:
            winner = results.winner
            text += f"{view.label(winner)} has {round_.counts[winner]} of {live} and wins."
        lines.append(text)
    return lines


def secret_ballot_cast(number: int, batch: int) -> str:
    """What a voter hears once their secret ballot is cast: never the choice itself."""
    return (
        f"Your secret ballot in poll #{number} is cast. Thank you.\n"
        f"So that no one can tell which ballot is yours, ballots are sealed {batch} at a time as "
        "others vote, and at the close. If Moot restarts before yours is sealed, you will be "
        "asked to cast it again."
    )


def outcome_note(
    number: int, question: str, outcome: str, review_at: datetime | None, zone: str
) -> str:
    """What is posted wherever a poll ran when its outcome is recorded."""
    note = f"Outcome of poll #{number} ({question}): {outcome}"
    if review_at:
        note += f"\nTo be reviewed {when(review_at, zone)}."
    return note
