"""The meetings feature's manifest: its commands, jobs, live cards and hooks."""

from __future__ import annotations

from bot.commands import Command, Handler, Param, ParamKind, Where
from bot.feature import Feature
from bot.meetings import cards, jobs, privacy, service
from bot.meetings.access import FINDER, MEETING
from bot.meetings.commands import agenda, findtime, meetings, record
from bot.meetings.findtime import CARD as FINDER_CARD
from bot.meetings.native import EVENT_JOB, SYNC_LOCKS
from bot.meetings.record import ACTION_JOB
from bot.meetings.reminders import NUDGE_JOB, PERSONAL_JOB
from bot.meetings.spec import GUESTS_SEEN_BY
from storage.models import Role

REASON = Param("reason", "Why (optional)", ParamKind.TEXT, required=False)


def _on_meeting(
    name: str,
    description: str,
    handler: Handler,
    *params: Param,
    listed_for: Role | None = None,
    own_note: str = "",
) -> Command:
    """A command on one meeting, named first by its number; who may use it is checked on the
    meeting (`listed_for` is the least role /help lists it for)."""
    return Command(
        name,
        description,
        handler,
        params=(MEETING, *params),
        scope="meeting",
        listed_for=listed_for,
        own_note=own_note,
    )


MEETING_COMMANDS = (
    Command(
        "meeting",
        "Schedule a meeting: title | when | settings",
        meetings.meeting,
        params=(
            Param(
                "definition",
                "title | when | place: … | link: … | length: … | capacity: … | remind: …",
                ParamKind.TEXT,
                max_length=2500,
                label="The title",
            ),
        ),
        form_title="Schedule a meeting",
        form_only=(
            Param("when", "When? (e.g. Thursday 19:00)", ParamKind.TEXT, max_length=100),
            Param("place", "Where? (optional)", ParamKind.TEXT, required=False, max_length=200),
            Param(
                "link",
                "Link to join online (optional)",
                ParamKind.TEXT,
                required=False,
                max_length=500,
            ),
            Param(
                "about",
                "What is it about? (optional)",
                ParamKind.TEXT,
                required=False,
                max_length=1000,
                multiline=True,
            ),
        ),
        role=Role.ORGANISER,
        where=Where.GROUP,
        needs_community=True,
        guided=True,
        form_in_private=True,
    ),
    _on_meeting(
        "announce",
        "Announce a meeting here (or: all)",
        meetings.announce,
        Param("where", "all", required=False),
        listed_for=Role.ORGANISER,
    ),
    _on_meeting(
        "meetingtime",
        "Choose which time a draft meeting means",
        meetings.meeting_time,
        Param("time", "The time", ParamKind.TEXT),
        listed_for=Role.ORGANISER,
    ),
    _on_meeting(
        "discardmeeting",
        "Discard a draft meeting",
        meetings.discard_meeting,
        listed_for=Role.ORGANISER,
    ),
    _on_meeting(
        "movemeeting",
        "Move a meeting to another time",
        meetings.move_meeting,
        Param("when", "The new time", ParamKind.TEXT),
        listed_for=Role.ORGANISER,
    ),
    _on_meeting(
        "cancelmeeting",
        "Cancel a meeting (everyone who answered is told)",
        meetings.cancel_meeting,
        REASON,
        listed_for=Role.ORGANISER,
    ),
    _on_meeting(
        "endseries",
        "End a repeating meeting from this one on",
        meetings.end_series,
        REASON,
        listed_for=Role.ORGANISER,
    ),
    _on_meeting(
        "rsvp",
        "Answer a meeting: going, maybe or cant",
        meetings.rsvp,
        Param(
            "answer",
            "going, maybe or cant",
            ParamKind.CHOICE,
            choices=("going", "maybe", "cant"),
        ),
        listed_for=Role.MEMBER,
    ),
    _on_meeting(
        "whosgoing",
        "Who is going to a meeting; organisers: who may see it",
        meetings.whos_going,
        Param(
            "who",
            "Organisers: members or organisers may see it",
            ParamKind.CHOICE,
            required=False,
            choices=GUESTS_SEEN_BY,
        ),
        listed_for=Role.MEMBER,
        own_note="where its organisers share it",
    ),
    Command(
        "meetings",
        "List meetings coming up, a page at a time",
        meetings.meetings,
        params=(Param("page", "Page number", ParamKind.REF, required=False),),
        role=Role.MEMBER,
        needs_community=True,
        scope="page",
    ),
    Command(
        "myreminders",
        "Your meeting reminders by DM: off, on, or a time like 2h",
        meetings.my_reminders,
        params=(Param("choice", "off, on, or e.g. 2h", required=False),),
        role=Role.MEMBER,
        needs_community=True,
    ),
    _on_meeting("ics", "A meeting as a calendar file", meetings.ics),
)

AGENDA_COMMANDS = (
    _on_meeting(
        "propose",
        "Propose an item for a meeting's agenda",
        agenda.propose,
        Param("item", "The item", ParamKind.TEXT),
        listed_for=Role.MEMBER,
    ),
    _on_meeting(
        "agenda", "A meeting's agenda (organisers: and what is proposed)", agenda.show_agenda
    ),
    _on_meeting(
        "agendaitem",
        "Accept or decline a proposed agenda item",
        agenda.decide_item,
        Param("item", "The item's number", ParamKind.INTEGER),
        Param("decision", "accept or decline", ParamKind.CHOICE, choices=("accept", "decline")),
        listed_for=Role.ORGANISER,
    ),
    _on_meeting(
        "agendaorder",
        "Put a meeting's agenda in order: /agendaorder N 3 1 2",
        agenda.order_agenda,
        Param("order", "Item numbers in order", ParamKind.TEXT),
        listed_for=Role.ORGANISER,
    ),
)

RECORD_COMMANDS = (
    _on_meeting(
        "checkin", "Check in at a meeting you are at", record.check_in, listed_for=Role.MEMBER
    ),
    _on_meeting(
        "attended",
        "Mark who was at a meeting: /attended N 3 7 12-20",
        record.attended,
        Param("members", "Member numbers", ParamKind.TEXT),
        listed_for=Role.ORGANISER,
    ),
    _on_meeting(
        "minutes",
        "Record a meeting's minutes and post them",
        record.minutes,
        Param("minutes", "The minutes", ParamKind.TEXT, max_length=5000, multiline=True),
        listed_for=Role.ORGANISER,
    ),
    _on_meeting(
        "actionitem",
        "Give someone an action: N member | what | due: when",
        record.action_item,
        Param("action", "member | what | due: when", ParamKind.TEXT),
        listed_for=Role.ORGANISER,
    ),
    Command(
        "actions",
        "Your open actions (organisers: all)",
        record.actions,
        params=(Param("whose", "all", required=False),),
        role=Role.MEMBER,
        needs_community=True,
    ),
    Command(
        "done",
        "Mark one of your actions done",
        record.done,
        params=(Param("action", "The action's number", ParamKind.REF),),
        role=Role.MEMBER,
        needs_community=True,
        scope="action",
    ),
    Command(
        "meetingquorum",
        "How many make a meeting quorate: 10, 25% or none",
        record.meeting_quorum,
        params=(Param("rule", "10, 25% or none"),),
        role=Role.ADMIN,
        needs_community=True,
    ),
)

FINDTIME_COMMANDS = (
    Command(
        "findtime",
        "Find a time for a meeting: title | time | time …",
        findtime.find_time,
        params=(Param("definition", "title | time | time …", ParamKind.TEXT),),
        role=Role.ORGANISER,
        where=Where.GROUP,
        needs_community=True,
    ),
    Command(
        "available",
        "Say which offered times you can make",
        findtime.available,
        params=(FINDER, Param("answers", "yes, maybe or no for each time", ParamKind.TEXT)),
        role=Role.MEMBER,
        needs_community=True,
        scope="finder",
    ),
    Command(
        "picktime",
        "Pick the time: the meeting is made",
        findtime.pick_time,
        params=(FINDER, Param("time", "The time's number", ParamKind.INTEGER)),
        role=Role.ORGANISER,
        needs_community=True,
        scope="finder",
    ),
)

FEATURE = Feature(
    name="meetings",
    commands=(*MEETING_COMMANDS, *AGENDA_COMMANDS, *RECORD_COMMANDS, *FINDTIME_COMMANDS),
    jobs={
        service.REMIND_JOB: jobs.remind_job,
        service.SERIES_JOB: jobs.series_job,
        PERSONAL_JOB: jobs.personal_job,
        NUDGE_JOB: jobs.nudge_job,
        EVENT_JOB: jobs.sync_job,
        ACTION_JOB: jobs.action_due_job,
    },
    merge_people=privacy.merge_responses,
    renderers={service.CARD: cards.meeting_card, FINDER_CARD: cards.finder_card},
    move_chat=service.move_posts,
    export_person=privacy.export,
    forget_person=privacy.forget,
    state=SYNC_LOCKS,
)
