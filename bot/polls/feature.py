"""The polls feature's manifest: its commands, scheduled jobs, live cards and hooks."""

from __future__ import annotations

from bot.access import ADMINS, MEMBERS
from bot.commands import Command, Where
from bot.feature import Feature
from bot.params import Param, ParamKind
from bot.polls import privacy, service
from bot.polls.access import (
    BALLOTS,
    FOR_MANAGERS,
    FOR_MEMBERS,
    FOR_ORGANISERS,
    SEEN_IN_CHAT,
    VOTING,
)
from bot.polls.cards import card, final_results
from bot.polls.commands.creating import discard, poll, pollset, post, publish
from bot.polls.commands.managing import close, extend, outcome, paper, paper_voters, polls_by
from bot.polls.commands.reading import export_poll, polls, results, who_voted
from bot.polls.commands.voting import cast, clear_ballot, open_ballot, pick, vote
from bot.polls.jobs import (
    close_job,
    close_now_job,
    hand_over_ballots,
    open_job,
    recover_ballots,
    remind_job,
    review_job,
    seal_job,
)
from bot.polls.live import STATE
from bot.polls.sealing import SEAL_JOB
from bot.polls.web import DECISIONS, OPEN_POLLS
from storage.models import PollsBy
from storage.polls import OUTCOME_MAX

# A secret ballot is stored nowhere while it is filled in: its buttons carry its choices so far
# (bot/polls/carried.py), and typed, these take them.
SO_FAR = Param("choices", "A secret ballot's choices so far", ParamKind.TEXT, required=False)
CHOICES = Param("choices", "Your choices, e.g. 3 1 2", ParamKind.TEXT, required=False)
DEFINITION_HELP = "The question (or the whole poll: question | option | option | settings)"


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
            rule=MEMBERS,
            where=Where.GROUP,
            guided=True,
            form_in_private=True,
        ),
        Command(
            "pollset",
            "Change a draft poll's setting",
            pollset,
            params=(Param("setting", "setting: value", ParamKind.TEXT),),
            rule=FOR_MANAGERS,
        ),
        Command("publish", "Publish a draft poll", publish, rule=FOR_MANAGERS),
        Command("discard", "Throw away a draft poll", discard, rule=FOR_MANAGERS),
        Command(
            "post",
            "Post a poll in this chat too (or in all: /post N all)",
            post,
            params=(Param("where", "all", required=False),),
            rule=FOR_MANAGERS,
        ),
        Command(
            "vote",
            "Vote in a poll",
            vote,
            params=(Param("choices", "Your choice(s)", ParamKind.TEXT),),
            rule=VOTING,
        ),
        Command("ballot", "Open your ballot for a poll", open_ballot, rule=BALLOTS),
        Command(
            "pick",
            "Add or remove an option on your ballot",
            pick,
            params=(Param("option", "Option number", ParamKind.INTEGER), SO_FAR),
            rule=BALLOTS,
        ),
        Command("clearballot", "Start your ballot again", clear_ballot, rule=BALLOTS),
        Command(
            "cast",
            "Cast the ballot you filled in (or these choices)",
            cast,
            params=(CHOICES,),
            rule=BALLOTS,
        ),
        Command("results", "See a poll's results (with a chart)", results, rule=SEEN_IN_CHAT),
        Command(
            "polls",
            "List open polls, a page at a time",
            polls,
            params=(Param("page", "Page number", ParamKind.REF, required=False),),
            rule=MEMBERS,
            scope="page",
        ),
        Command("close", "Close a poll now", close, rule=FOR_MANAGERS),
        Command(
            "extend",
            "Give a poll more time",
            extend,
            params=(Param("until", "New closing time", ParamKind.TEXT),),
            rule=FOR_MANAGERS,
        ),
        Command(
            "paper",
            "Add paper or meeting votes: /paper N ballots 1=25 2=15",
            paper,
            params=(
                Param("ballots", "How many paper ballots", ParamKind.INTEGER),
                Param("counts", "option=votes …", ParamKind.TEXT),
            ),
            rule=FOR_ORGANISERS,
        ),
        Command(
            "papervoters",
            "Mark who voted on paper: /papervoters N 3 7 12-20 (or remove 7)",
            paper_voters,
            params=(Param("members", "Member numbers, e.g. 3 7 12-20", ParamKind.TEXT),),
            rule=FOR_ORGANISERS,
        ),
        Command(
            "outcome",
            "Record what will happen after a poll: /outcome N text | review: date",
            outcome,
            params=(
                Param("outcome", "What will happen", ParamKind.TEXT, max_length=OUTCOME_MAX + 100),
            ),
            rule=FOR_ORGANISERS,
        ),
        Command(
            "voters",
            "How people voted in an open poll (turnout for secret ballots)",
            who_voted,
            rule=FOR_MEMBERS,
        ),
        Command("export", "Export a poll as CSV and JSON", export_poll, rule=FOR_ORGANISERS),
        Command(
            "pollsby",
            "Choose who may start quick polls",
            polls_by,
            params=(
                Param("who", "members or organisers", ParamKind.CHOICE, choices=tuple(PollsBy)),
            ),
            rule=ADMINS,
        ),
    ),
    jobs={
        service.OPEN_JOB: open_job,
        service.CLOSE_JOB: close_job,
        service.REMIND_JOB: remind_job,
        service.REVIEW_JOB: review_job,
        service.CLOSE_NOW_JOB: close_now_job,
        SEAL_JOB: seal_job,
    },
    merge_people=privacy.merge_votes,
    renderers={service.CARD: card, service.RESULTS: final_results},
    move_chat=service.move_posts,
    catch_up=recover_ballots,
    hand_over=hand_over_ballots,
    export_person=privacy.export,
    state=STATE,
    pages=(DECISIONS,),
    panels=(OPEN_POLLS,),
)
