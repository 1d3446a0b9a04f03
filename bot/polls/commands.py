"""The Decide feature's commands and scheduled jobs."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from bot import audit, paging, refs, roles
from bot.commands import Command, Param, ParamKind, Where
from bot.community.service import organisers
from bot.context import Context
from bot.core import Moot
from bot.dates import read_moment
from bot.errors import NotAllowedError, UserError
from bot.events import Button, ButtonStyle, FileOut, Reply
from bot.feature import Feature
from bot.outbox import queue as outbox
from bot.outbox.queue import Message
from bot.polls import ballots, export, privacy, render, service
from bot.polls.access import (
    definition_named,
    poll_named,
    require_manager,
    require_member,
    require_organiser,
)
from bot.polls.chart import results_chart
from bot.polls.live import card, final_results, refresh, results_of, state_of
from bot.polls.spec import SETTINGS_HELP, build, parse_one_line, with_setting
from bot.polls.views import PollView, electorate, load, open_polls, voters
from bot.text import one_line
from storage.models import Chat, Community, PollsBy, Role
from storage.polls import OUTCOME_MAX, PollKind, PollStatus, ResultsShown

log = logging.getLogger(__name__)
_REVIEW = re.compile(r"\|\s*review\s*:", re.IGNORECASE)

POLL = Param("poll", "The poll's number", ParamKind.REF)
DEFINITION_HELP = "The question (or the whole poll: question | option | option | settings)"


# --- creating --------------------------------------------------------------------------------


async def poll(ctx: Context) -> None:
    community_id = ctx.community
    community = await ctx.moot.read(lambda s: s.get_one(Community, community_id))
    options = ctx.args.optional_text("options")
    if options is not None:  # the guided form
        settings = (
            [f"closes: {ctx.args.text('closes')}"] if ctx.args.optional_text("closes") else []
        )
        lines = re.split(r"\n|\|", options)
        spec = build(ctx.args.text("question"), lines, settings, community.timezone, ctx.now)
    else:
        spec = parse_one_line(ctx.args.text("question"), community.timezone, ctx.now)
    if (spec.binding or community.polls_by == PollsBy.ORGANISERS) and not roles.allows(
        ctx.role, Role.ORGANISER
    ):
        what = "binding ballots" if spec.binding else "polls"
        raise NotAllowedError(f"In {community.name}, only organisers start {what}.")
    poll_id = await ctx.moot.write(
        lambda s: service.create_draft(s, community_id, ctx.person_id, ctx.place, spec, ctx.now)
    )
    await show_preview(ctx, poll_id)


async def show_preview(ctx: Context, poll_id: int) -> None:
    view = await ctx.moot.read(lambda s: load(s, poll_id))
    text, buttons = render.preview(view)
    ctx.reply_privately(
        text, buttons=buttons, menus=render.setting_menus(view), updating_pressed=True
    )


async def pollset(ctx: Context) -> None:
    view, setting = await poll_named(ctx), ctx.args.text("setting")
    poll_id, n = view.id, view.number
    await require_manager(ctx, view)
    if view.status is not PollStatus.DRAFT:
        raise UserError(
            f"Poll #{n} is published; only drafts can be changed (/extend changes the deadline)."
        )
    if ":" not in setting and setting.split()[0].lower() not in ("secret", "ballot"):
        raise UserError(f"Write the setting as name: value. {SETTINGS_HELP}")
    spec = with_setting(service.spec_of(view), setting, view.community.timezone, ctx.now)
    await ctx.moot.write(lambda s: service.replace_spec(s, poll_id, spec, ctx.person_id, ctx.now))
    await show_preview(ctx, poll_id)


async def publish(ctx: Context) -> None:
    view = await poll_named(ctx)
    poll_id, n = view.id, view.number
    await require_manager(ctx, view)
    poll = view.poll
    origin = (poll.origin_platform, poll.origin_chat_id)

    def publish_and_post(session: Session) -> PollStatus:
        status = service.publish(session, poll_id, ctx.person_id, ctx.now)
        service.add_post(
            session, poll_id, *origin, ctx.person_id, ctx.now, thread_id=poll.origin_thread_id
        )
        return status

    status = await ctx.moot.write(publish_and_post)
    # Pressed on the draft's preview: the preview becomes this, so its buttons are gone.
    if status is PollStatus.SCHEDULED:
        ctx.reply_privately(
            f"Poll #{n} is announced and will open at the time shown.", updating_pressed=True
        )
    else:
        ctx.reply_privately(
            f"Poll #{n} is open. Post it in another chat of {view.community.name} with /post {n}.",
            updating_pressed=True,
        )


async def discard(ctx: Context) -> None:
    view = await poll_named(ctx)
    poll_id, n = view.id, view.number
    await require_manager(ctx, view)
    await ctx.moot.write(lambda s: service.discard(s, poll_id, ctx.person_id, ctx.now))
    ctx.reply_privately(f"Draft poll #{n} discarded.", updating_pressed=True)


async def post(ctx: Context) -> None:
    view, where = await poll_named(ctx), ctx.args.optional_text("where")
    poll_id, n = view.id, view.number
    await require_manager(ctx, view)
    if view.status not in (PollStatus.OPEN, PollStatus.SCHEDULED):
        raise UserError(f"Poll #{n} is {view.status}; only open or announced polls can be posted.")
    if where is not None and where.lower() != "all":
        raise UserError(
            f"/post {n} posts here; /post {n} all posts in every chat of {view.community.name}."
        )
    if where is None:
        if ctx.community_id != view.poll.community_id or ctx.place.is_private:
            raise UserError(f"Run /post {n} in a group chat of {view.community.name}.")
        chats = [(ctx.place.platform, ctx.place.chat_id, ctx.place.thread_id)]
    else:
        rows = await ctx.moot.read(
            lambda s: list(s.exec(select(Chat).where(Chat.community_id == view.poll.community_id)))
        )
        chats = [(c.platform, c.platform_chat_id, None) for c in rows]
    posted = await ctx.moot.write(
        lambda s: sum(
            service.add_post(s, poll_id, platform, chat_id, ctx.person_id, ctx.now, thread)
            for platform, chat_id, thread in chats
        )
    )
    if not posted:
        ctx.reply_privately(f"Poll #{n} is already there.")


# --- voting ----------------------------------------------------------------------------------


async def vote(ctx: Context) -> None:
    view = await definition_named(ctx)
    if view.poll.secret:
        await require_member(ctx, view, f"vote in poll #{view.number}")
        if not ctx.place.is_private and not ctx.pressed:  # typed where everyone can read it
            ctx.withdraw_request(render.typed_secret_vote(view.number))
            return
    ballot = ballots.read(view.rules, ctx.args.text("choices"))
    if view.poll.secret:
        await confirm_secret(
            ctx, view, (ballot.choice,) if ballot.choice is not None else ballot.marks
        )
        return
    await record(ctx, view, ballot)


async def confirm_secret(ctx: Context, view: PollView, marks: tuple[int, ...]) -> None:
    if ctx.person_id in await ctx.moot.read(lambda s: voters(s, view)):
        raise UserError(
            f"You have already cast your secret ballot in poll #{view.number}; it is final."
        )
    state_of(ctx.moot).drafts[(view.id, ctx.person_id)] = marks
    chosen = (
        ", ".join(view.label(m) for m in marks)
        if view.kind is not PollKind.SCORE
        else " ".join(map(str, marks))
    )
    ctx.reply_privately(
        f"Your secret ballot in poll #{view.number}: {chosen}.\nOnce cast it cannot be changed. Cast it?",
        buttons=[
            Button("Cast my ballot", f"cast {view.ref}", ButtonStyle.PRIMARY),
            Button("Start again", f"clearballot {view.ref}"),
        ],
    )


async def record(ctx: Context, view: PollView, ballot: ballots.Ballot) -> None:
    poll_id, n = view.id, view.number
    state = state_of(ctx.moot)
    outcome = await ctx.moot.write(
        lambda s: service.cast(s, poll_id, ctx.person_id, ballot, ctx.now, state.sealer)
    )
    state.drafts.pop((poll_id, ctx.person_id), None)
    state.changed(poll_id)
    if view.poll.secret:
        # No receipt: nothing after the cast restates the choice.
        ctx.reply_privately(render.secret_ballot_cast(n, state.sealer.batch), updating_pressed=True)
        return
    chosen = describe_ballot(view, ballot)
    verb = "is counted" if outcome.first else "replaces your earlier vote"
    text = f"Your vote in poll #{n} ({chosen}) {verb}. You can change it until the poll closes."
    if view.poll.results_shown == ResultsShown.AFTER_VOTE:
        _, results = await results_of(ctx.moot, poll_id)
        text += "\n\n" + render.results_text(view, results, final=False)
    # Pressed on a ballot being filled in ("Cast my vote"): the ballot becomes the receipt.
    ctx.reply_privately(text, updating_pressed=True)


def describe_ballot(view: PollView, ballot: ballots.Ballot) -> str:
    if ballot.choice is not None:
        return view.label(ballot.choice)
    if view.kind is PollKind.SCORE:
        return ", ".join(f"{o.label}: {s}" for o, s in zip(view.options, ballot.marks, strict=True))
    joiner = " > " if view.kind is PollKind.RANKED else ", "
    return joiner.join(view.label(m) for m in ballot.marks)


async def open_ballot(ctx: Context) -> None:
    view = await definition_named(ctx)
    poll_id = view.id
    if view.kind in ballots.CHOICE_KINDS or view.kind is PollKind.SCORE:
        raise UserError(render.how_to_vote(view))
    marks = state_of(ctx.moot).drafts.get((poll_id, ctx.person_id), ())
    text, buttons = render.ballot_message(view, marks)
    ctx.reply_privately(text, buttons=buttons)


async def pick(ctx: Context) -> None:
    view, option = await definition_named(ctx), ctx.args.integer("option")
    poll_id = view.id
    drafts = state_of(ctx.moot).drafts
    if view.kind in ballots.CHOICE_KINDS:
        raise UserError(render.how_to_vote(view))
    drafts[(poll_id, ctx.person_id)] = ballots.toggle(
        view.rules, drafts.get((poll_id, ctx.person_id), ()), option
    )
    text, buttons = render.ballot_message(view, drafts[(poll_id, ctx.person_id)])
    ctx.reply_privately(text, buttons=buttons, updating_pressed=True)


async def clear_ballot(ctx: Context) -> None:
    view = await definition_named(ctx)
    state_of(ctx.moot).drafts.pop((view.id, ctx.person_id), None)
    ctx.reply_privately(
        f"Your unsent ballot for poll #{view.number} is cleared.", updating_pressed=True
    )


async def cast(ctx: Context) -> None:
    view = await definition_named(ctx)
    poll_id, n = view.id, view.number
    marks = state_of(ctx.moot).drafts.get((poll_id, ctx.person_id))
    if marks is None:
        raise UserError(
            f"You have nothing waiting to cast in poll #{n}: " + render.how_to_vote(view)
        )
    if view.kind in ballots.CHOICE_KINDS:
        ballot = ballots.check(view.rules, ballots.Ballot(choice=marks[0]))
    else:
        ballot = ballots.check(view.rules, ballots.Ballot(marks=marks))
    await record(ctx, view, ballot)


# --- results, closing and after ----------------------------------------------------------------


async def results(ctx: Context) -> None:
    poll_id, n = (named := await poll_named(ctx)).id, named.number
    view, outcome = await results_of(ctx.moot, poll_id)
    closed = view.status is PollStatus.CLOSED
    shown = ResultsShown(view.poll.results_shown)
    if not closed and shown is ResultsShown.AFTER_CLOSE:
        ctx.reply_privately(f"Poll #{n} shows results after it closes. {render.turnout(outcome)}.")
        return
    if not closed and shown is ResultsShown.AFTER_VOTE:
        voted = ctx.person_id in await ctx.moot.read(lambda s: voters(s, view))
        if not voted:
            ctx.reply_privately(
                f"Poll #{n} shows results once you have voted. {render.turnout(outcome)}."
            )
            return
    chart = FileOut(f"poll-{n}-results.png", await results_chart(view, outcome), "image/png")
    ctx.reply_privately(render.results_text(view, outcome, final=closed), file=chart)


async def polls(ctx: Context) -> None:
    community_id, page = ctx.community, paging.requested(ctx, "polls")
    found, total = await ctx.moot.read(
        lambda s: open_polls(s, community_id, skip=page.skip, most=paging.PER_PAGE)
    )
    if total == 0:
        ctx.reply_privately("No polls are open right now. Start one with /poll.")
        return
    pages = paging.count(page, total, " of open polls")
    zone = await ctx.moot.read(lambda s: s.get_one(Community, community_id).timezone)
    lines = [
        f"#{p.number} {p.question} ({p.status}, closes {render.when(p.closes_at, zone)})"
        for p in found
    ]
    n = page.number
    heading = "Open polls:" if pages == 1 else f"Open polls ({total}), page {n} of {pages}:"
    if n < pages:
        lines.append(f"More: /polls {n + 1}")
    ctx.reply_privately(
        "\n".join([heading, *lines]), buttons=paging.buttons(page, pages, community_id)
    )


async def close(ctx: Context) -> None:
    view = await poll_named(ctx)
    poll_id, n = view.id, view.number
    await require_manager(ctx, view)
    if not await close_poll(ctx.moot, poll_id, ctx.person_id, ctx.now):
        raise UserError(f"Poll #{n} has already closed.")
    ctx.reply_privately(f"Poll #{n} is closed; its results are going where it ran.")


async def extend(ctx: Context) -> None:
    view = await poll_named(ctx)
    poll_id, n = view.id, view.number
    await require_manager(ctx, view)
    reading = read_moment(ctx.args.text("until"), view.community.timezone, ctx.now)
    if reading.alternative is not None:
        raise UserError("That date could be read two ways; write it as 2026-12-01 18:00.")
    await ctx.moot.write(
        lambda s: service.extend(s, poll_id, reading.moment, ctx.person_id, ctx.now)
    )
    await refresh(ctx.moot, poll_id)
    ctx.reply_privately(
        f"Poll #{n} now closes {render.when(reading.moment, view.community.timezone)}."
    )


async def paper(ctx: Context) -> None:
    view = await poll_named(ctx)
    poll_id, n = view.id, view.number
    await require_organiser(ctx, view)
    if view.kind in (PollKind.RANKED, PollKind.SCORE):
        raise UserError(
            f"Paper tallies are counts per option; a {view.kind} poll needs whole ballots, so enter each with its voter online."
        )
    count_ballots = ctx.args.integer("ballots")
    counts: dict[int, int] = {}
    for item in ctx.args.text("counts").replace(",", " ").split():
        match = re.fullmatch(r"(\d{1,2})=(\d{1,7})", item)
        if match is None:
            raise UserError(f"Write counts as option=votes, e.g. 1=25 2=15; {item[:20]!r} is not.")
        option, votes = int(match.group(1)), int(match.group(2))
        if not 1 <= option <= len(view.options) or option in counts:
            raise UserError(f"Options are numbered 1 to {len(view.options)}, each once.")
        counts[option] = votes
    if any(v > count_ballots for v in counts.values()):
        raise UserError("No option can have more votes than there were paper ballots.")
    if view.kind in ballots.CHOICE_KINDS and sum(counts.values()) > count_ballots:
        raise UserError(
            f"Each paper ballot has one choice here, so the counts can add up to {count_ballots} at most."
        )
    await ctx.moot.write(
        lambda s: service.add_paper(s, poll_id, count_ballots, counts, ctx.person_id, ctx.now)
    )
    state_of(ctx.moot).changed(poll_id)
    ctx.reply_privately(
        f"Added {count_ballots} paper ballot(s) to poll #{n}; the audit log records that you did."
    )


async def paper_voters(ctx: Context) -> None:
    view = await poll_named(ctx)
    poll_id, n = view.id, view.number
    await require_organiser(ctx, view)
    words = ctx.args.text("members").replace(",", " ").split()
    removing = bool(words) and words[0].lower() == "remove"
    numbers = refs.member_numbers(words[1:] if removing else words)
    change = service.unmark_paper_voters if removing else service.mark_paper_voters
    marks = await ctx.moot.write(lambda s: change(s, poll_id, numbers, ctx.person_id, ctx.now))
    lines = []
    if marks.marked:
        done = "Took the paper mark off" if removing else "Marked as voting on paper"
        lines.append(f"{done} in poll #{n}: {', '.join(marks.marked)}.")
    if marks.already:
        lines.append(f"Already marked: {', '.join(marks.already)}.")
    if not marks.marked and not marks.already:
        lines.append(f"None of them was marked as voting on paper in poll #{n}.")
    lines.append(
        f"{marks.total} member(s) marked on paper, {marks.counted} paper ballot(s) counted: "
        f"/paper {n} can add up to {marks.total - marks.counted} more."
    )
    ctx.reply_privately("\n".join(lines))


async def outcome(ctx: Context) -> None:
    view = await poll_named(ctx)
    poll_id, n = view.id, view.number
    await require_organiser(ctx, view)
    # "| review: …", however it is spaced or capitalised ("|review:", "| Review :").
    statement, *rest = _REVIEW.split(ctx.args.text("outcome"), maxsplit=1)
    review = rest[0] if rest else ""
    statement = one_line(statement)
    if not statement or len(statement) > OUTCOME_MAX:
        raise UserError(f"Say what will happen, in up to {OUTCOME_MAX} characters.")
    review_at = (
        read_moment(review, view.community.timezone, ctx.now).moment if review.strip() else None
    )
    note = f"Outcome of poll #{n} ({view.poll.question}): {statement}"
    if review_at:
        note += f"\nTo be reviewed {render.when(review_at, view.community.timezone)}."

    def record_and_post(session: Session) -> None:
        service.record_outcome(session, poll_id, statement, review_at, ctx.person_id, ctx.now)
        service.post_everywhere(
            session,
            poll_id,
            Message(f"the outcome of poll #{n}", reply=Reply(note)),
            ctx.now,
            ctx.person_id,
        )

    await ctx.moot.write(record_and_post)
    ctx.reply_privately(f"Recorded the outcome of poll #{n}.")


async def who_voted(ctx: Context) -> None:
    view = await poll_named(ctx)
    poll_id, n = view.id, view.number
    await require_member(ctx, view)
    if view.poll.secret:
        _, counted = await results_of(ctx.moot, poll_id)
        ctx.reply_privately(
            f"Poll #{n} is a secret ballot: {render.turnout(counted)}. Choices are never shown."
        )
        return
    if view.poll.results_shown != ResultsShown.LIVE and view.status is not PollStatus.CLOSED:
        raise UserError(f"Poll #{n} shows how people voted only once its results are shown.")
    table = await ctx.moot.read(lambda s: export.open_ballots(s, view))
    lines = [f"{name}: {describe_ballot(view, ballot)}" for name, ballot in table] or [
        "No votes yet."
    ]
    ctx.reply_privately(f"How people voted in poll #{n}:\n" + "\n".join(lines))


async def export_poll(ctx: Context) -> None:
    view = await poll_named(ctx)
    poll_id, n = view.id, view.number
    await require_organiser(ctx, view)
    csv_text, json_text = await ctx.moot.read(lambda s: export.poll_files(s, [poll_id]))
    level = (
        "one row per ballot"
        if not view.poll.secret
        else "totals only (secret ballot)"
        if view.status is PollStatus.CLOSED
        else "no totals until it closes (secret ballot)"
    )
    ctx.reply_privately(
        f"Poll #{n}, {level}: CSV",
        file=FileOut(f"poll-{n}.csv", csv_text.encode(), "text/csv"),
    )
    ctx.reply_privately(
        f"Poll #{n}: JSON",
        file=FileOut(f"poll-{n}.json", json_text.encode(), "application/json"),
    )


async def polls_by(ctx: Context) -> None:
    community_id, who = ctx.community, PollsBy(ctx.args.text("who"))

    def change(session: Session) -> None:
        session.get_one(Community, community_id).polls_by = who
        audit.record(
            session,
            community_id=community_id,
            actor_person_id=ctx.person_id,
            action="community.polls_by",
            detail=str(who),
            at=ctx.now,
        )

    await ctx.moot.write(change)
    ctx.reply(
        f"Quick polls in {ctx.community_name} can now be started by {who}. Binding ballots are always for organisers."
    )


# --- announcements and jobs ------------------------------------------------------------------


async def close_poll(
    moot: Moot,
    poll_id: int,
    actor_id: int | None,
    now: datetime,
    *,
    due: Mapping[str, Any] | None = None,
) -> bool:
    """Close the poll (only if still `due`, for a timer), post its results where it ran and
    update its cards, in one write; False if it had closed already. Whoever closed it, or else
    its creator, hears about any post that does not arrive. A secret ballot's file is then
    compacted, so that nothing in it keeps the order of voting (bot.polls.sealing)."""
    sealer = state_of(moot).sealer

    def close_and_announce(session: Session) -> bool:
        view = load(session, poll_id)
        if due is not None and not _still_due(view, due):
            return False
        if not service.close(session, poll_id, actor_id, now, sealer):
            return False
        tell = actor_id if actor_id is not None else view.poll.created_by_person_id
        announce_close(session, poll_id, view.number, now, tell)
        return True

    if not await moot.write(close_and_announce):
        return False
    sealer.forget_poll(poll_id)
    if (await moot.read(lambda s: load(s, poll_id))).poll.secret:
        await moot.store.compact()
    return True


def announce_close(
    session: Session, poll_id: int, number: int, now: datetime, tell: int | None
) -> None:
    service.post_everywhere(
        session,
        poll_id,
        Message(f"the results of poll #{number}", live=f"{service.RESULTS}:{poll_id}"),
        now,
        tell,
    )
    service.edit_cards(session, poll_id, now)


def _still_due(view: PollView, payload: Mapping[str, Any]) -> bool:
    """A close or reminder timer belongs to the deadline it was set for (extensions move it)."""
    return (
        view.status is PollStatus.OPEN and view.poll.closes_at.isoformat() == payload["closes_at"]
    )


async def open_job(moot: Moot, payload: Mapping[str, Any]) -> None:
    poll_id, now = int(payload["poll"]), moot.clock.now()

    def open_and_announce(session: Session) -> None:
        if not service.open_scheduled(session, poll_id, now):
            return
        poll = load(session, poll_id).poll
        service.post_everywhere(
            session,
            poll_id,
            Message(
                f"the opening of poll #{poll.number}",
                reply=Reply(f"Poll #{poll.number} is now open: {poll.question}"),
            ),
            now,
            poll.created_by_person_id,
        )
        service.edit_cards(session, poll_id, now)

    await moot.write(open_and_announce)


async def close_job(moot: Moot, payload: Mapping[str, Any]) -> None:
    await close_poll(moot, int(payload["poll"]), None, moot.clock.now(), due=payload)


async def remind_job(moot: Moot, payload: Mapping[str, Any]) -> None:
    poll_id, now = int(payload["poll"]), moot.clock.now()

    def remind(session: Session) -> None:
        view = load(session, poll_id)
        if not _still_due(view, payload):
            return
        text = (
            f"Reminder: poll #{view.number} in {view.community.name} closes {render.when(view.poll.closes_at, view.community.timezone)} "
            f"and you have not voted yet.\n{view.poll.question}\n{render.how_to_vote(view)}"
        )
        outbox.tell(
            session,
            sorted(electorate(session, view) - voters(session, view)),
            Message(
                f"a reminder to vote in poll #{view.number}",
                reply=Reply(text, buttons=tuple(render.vote_buttons(view))),
            ),
            now,
            community_id=view.poll.community_id,
        )

    await moot.write(remind)


async def review_job(moot: Moot, payload: Mapping[str, Any]) -> None:
    poll_id, now = int(payload["poll"]), moot.clock.now()

    def remind(session: Session) -> None:
        view = load(session, poll_id)
        review_at = view.poll.review_at
        if "review_at" in payload and (  # armed for a review date since changed or dropped
            review_at is None or review_at.isoformat() != payload["review_at"]
        ):
            return
        people = {*organisers(session, view.poll.community_id), view.poll.created_by_person_id}
        text = f"Review due: poll #{view.number} ({view.poll.question}) decided: {view.poll.outcome}. Has it happened?"
        outbox.tell(
            session,
            sorted(people),
            Message(f"the review reminder for poll #{view.number}", reply=Reply(text)),
            now,
            community_id=view.poll.community_id,
        )

    await moot.write(remind)


async def recover_ballots(moot: Moot) -> None:
    """Secret ballots an earlier process held unsealed are lost with its memory: their voters
    are taken off the roll and asked to cast again (bot.polls.sealing)."""
    now, sealer = moot.clock.now(), state_of(moot).sealer
    lost = await moot.write(lambda s: sealer.recover(s, now))
    if lost:
        log.warning(
            "%d secret ballot(s) were waiting to be sealed at the last stop; their voters are asked to cast again",
            lost,
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
        Command(
            "pollset",
            "Change a draft poll's setting",
            pollset,
            params=(POLL, Param("setting", "setting: value", ParamKind.TEXT)),
            scope="poll",
            listed_for=Role.MEMBER,
            own_note="only polls you started",
        ),
        Command(
            "publish",
            "Publish a draft poll",
            publish,
            params=(POLL,),
            scope="poll",
            listed_for=Role.MEMBER,
            own_note="only polls you started",
        ),
        Command(
            "discard",
            "Throw away a draft poll",
            discard,
            params=(POLL,),
            scope="poll",
            listed_for=Role.MEMBER,
            own_note="only polls you started",
        ),
        Command(
            "post",
            "Post a poll in this chat too (or in all: /post N all)",
            post,
            params=(POLL, Param("where", "all", required=False)),
            scope="poll",
            listed_for=Role.MEMBER,
            own_note="only polls you started",
        ),
        Command(
            "vote",
            "Vote in a poll",
            vote,
            params=(POLL, Param("choices", "Your choice(s)", ParamKind.TEXT)),
            scope="poll",
            listed_for=Role.MEMBER,
        ),
        Command("ballot", "Open your ballot for a poll", open_ballot, params=(POLL,), scope="poll"),
        Command(
            "pick",
            "Add or remove an option on your ballot",
            pick,
            params=(POLL, Param("option", "Option number", ParamKind.INTEGER)),
            scope="poll",
        ),
        Command(
            "clearballot", "Start your ballot again", clear_ballot, params=(POLL,), scope="poll"
        ),
        Command("cast", "Cast the ballot you filled in", cast, params=(POLL,), scope="poll"),
        Command(
            "results", "See a poll's results (with a chart)", results, params=(POLL,), scope="poll"
        ),
        Command(
            "polls",
            "List open polls, a page at a time",
            polls,
            params=(Param("page", "Page number", ParamKind.REF, required=False),),
            role=Role.MEMBER,
            needs_community=True,
            scope="page",
        ),
        Command(
            "close",
            "Close a poll now",
            close,
            params=(POLL,),
            scope="poll",
            listed_for=Role.MEMBER,
            own_note="only polls you started",
        ),
        Command(
            "extend",
            "Give a poll more time",
            extend,
            params=(POLL, Param("until", "New closing time", ParamKind.TEXT)),
            scope="poll",
            listed_for=Role.MEMBER,
            own_note="only polls you started",
        ),
        Command(
            "paper",
            "Add paper or meeting votes: /paper N ballots 1=25 2=15",
            paper,
            params=(
                POLL,
                Param("ballots", "How many paper ballots", ParamKind.INTEGER),
                Param("counts", "option=votes …", ParamKind.TEXT),
            ),
            scope="poll",
            listed_for=Role.ORGANISER,
        ),
        Command(
            "papervoters",
            "Mark who voted on paper: /papervoters N 3 7 12-20 (or remove 7)",
            paper_voters,
            params=(POLL, Param("members", "Member numbers, e.g. 3 7 12-20", ParamKind.TEXT)),
            scope="poll",
            listed_for=Role.ORGANISER,
        ),
        Command(
            "outcome",
            "Record what will happen after a poll: /outcome N text | review: date",
            outcome,
            params=(
                POLL,
                Param("outcome", "What will happen", ParamKind.TEXT, max_length=OUTCOME_MAX + 100),
            ),
            scope="poll",
            listed_for=Role.ORGANISER,
        ),
        Command(
            "voters",
            "How people voted in an open poll (turnout for secret ballots)",
            who_voted,
            params=(POLL,),
            scope="poll",
            listed_for=Role.MEMBER,
        ),
        Command(
            "export",
            "Export a poll as CSV and JSON",
            export_poll,
            params=(POLL,),
            scope="poll",
            listed_for=Role.ORGANISER,
        ),
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
    merge_people=service.merge_votes,
    renderers={service.CARD: card, service.RESULTS: final_results},
    move_chat=service.move_posts,
    catch_up=recover_ballots,
    export_person=privacy.export,
)
