"""The polls feature's manifest: its commands, scheduled jobs, live cards and hooks."""

from __future__ import annotations

from bot.commands import Command, Handler, Param, ParamKind, Where
from bot.feature import Feature
from bot.polls import privacy, service
from bot.polls.access import POLL
from bot.polls.cards import card, final_results
from bot.polls.commands.creating import discard, poll, pollset, post, publish
from bot.polls.commands.managing import close, extend, outcome, paper, paper_voters, polls_by
from bot.polls.commands.reading import export_poll, polls, results, who_voted
from bot.polls.commands.voting import cast, clear_ballot, open_ballot, pick, vote
from bot.polls.jobs import close_job, open_job, recover_ballots, remind_job, review_job
from bot.polls.live import STATE
from storage.models import PollsBy, Role
from storage.polls import OUTCOME_MAX

DEFINITION_HELP = "The question (or the whole poll: question | option | option | settings)"


def _on_poll(
    name: str,
    description: str,
    handler: Handler,
    *params: Param,
    listed_for: Role | None = None,
    own_note: str = "",
) -> Command:
    """A command on one poll, named by its number before any other parameters."""
    return Command(
        name,
        description,
        handler,
        params=(POLL, *params),
        scope="poll",
        listed_for=listed_for,
        own_note=own_note,
    )


def _managing(name: str, description: str, handler: Handler, *params: Param) -> Command:
    """A command for the poll's creator (a quick poll's) or the community's organisers."""
    return _on_poll(
        name,
        description,
        handler,
        *params,
        listed_for=Role.MEMBER,
        own_note="only polls you started",
    )


FEATURE = Feature(
    name="polls",
    commands=(
        Command(
            "poll",
            "Start a poll: question | option | option | settings",
            poll,
            params=(
                Param(
                    "question",
                    DEFINITION_HELP,
                    ParamKind.TEXT,
                    max_length=4000,
                    label="The question",
                ),
            ),
            form_title="Start a poll",
            form_only=(
                Param(
                    "options",
                    "Options, one per line",
                    ParamKind.TEXT,
                    max_length=2000,
                    multiline=True,
                ),
                Param(
                    "closes",
                    "Closes when? (e.g. Friday 18:00)",
                    ParamKind.TEXT,
                    required=False,
                    max_length=100,
                ),
            ),
            role=Role.MEMBER,
            where=Where.GROUP,
            needs_community=True,
            guided=True,
            form_in_private=True,
        ),
        _managing(
            "pollset",
            "Change a draft poll's setting",
            pollset,
            Param("setting", "setting: value", ParamKind.TEXT),
        ),
        _managing("publish", "Publish a draft poll", publish),
        _managing("discard", "Throw away a draft poll", discard),
        _managing(
            "post",
            "Post a poll in this chat too (or in all: /post N all)",
            post,
            Param("where", "all", required=False),
        ),
        _on_poll(
            "vote",
            "Vote in a poll",
            vote,
            Param("choices", "Your choice(s)", ParamKind.TEXT),
            listed_for=Role.MEMBER,
        ),
        _on_poll("ballot", "Open your ballot for a poll", open_ballot),
        _on_poll(
            "pick",
            "Add or remove an option on your ballot",
            pick,
            Param("option", "Option number", ParamKind.INTEGER),
        ),
        _on_poll("clearballot", "Start your ballot again", clear_ballot),
        _on_poll("cast", "Cast the ballot you filled in", cast),
        _on_poll("results", "See a poll's results (with a chart)", results),
        Command(
            "polls",
            "List open polls, a page at a time",
            polls,
            params=(Param("page", "Page number", ParamKind.REF, required=False),),
            role=Role.MEMBER,
            needs_community=True,
            scope="page",
        ),
        _managing("close", "Close a poll now", close),
        _managing(
            "extend",
            "Give a poll more time",
            extend,
            Param("until", "New closing time", ParamKind.TEXT),
        ),
        _on_poll(
            "paper",
            "Add paper or meeting votes: /paper N ballots 1=25 2=15",
            paper,
            Param("ballots", "How many paper ballots", ParamKind.INTEGER),
            Param("counts", "option=votes …", ParamKind.TEXT),
            listed_for=Role.ORGANISER,
        ),
        _on_poll(
            "papervoters",
            "Mark who voted on paper: /papervoters N 3 7 12-20 (or remove 7)",
            paper_voters,
            Param("members", "Member numbers, e.g. 3 7 12-20", ParamKind.TEXT),
            listed_for=Role.ORGANISER,
        ),
        _on_poll(
            "outcome",
            "Record what will happen after a poll: /outcome N text | review: date",
            outcome,
            Param("outcome", "What will happen", ParamKind.TEXT, max_length=OUTCOME_MAX + 100),
            listed_for=Role.ORGANISER,
        ),
        _on_poll(
            "voters",
            "How people voted in an open poll (turnout for secret ballots)",
            who_voted,
            listed_for=Role.MEMBER,
        ),
        _on_poll("export", "Export a poll as CSV and JSON", export_poll, listed_for=Role.ORGANISER),
        Command(
            "pollsby",
            "Choose who may start quick polls",
            polls_by,
            params=(
                Param("who", "members or organisers", ParamKind.CHOICE, choices=tuple(PollsBy)),
            ),
            role=Role.ADMIN,
            needs_community=True,
        ),
    ),
    jobs={
        service.OPEN_JOB: open_job,
        service.CLOSE_JOB: close_job,
        service.REMIND_JOB: remind_job,
        service.REVIEW_JOB: review_job,
    },
    merge_people=privacy.merge_votes,
    renderers={service.CARD: card, service.RESULTS: final_results},
    move_chat=service.move_posts,
    catch_up=recover_ballots,
    export_person=privacy.export,
    state=STATE,
)
