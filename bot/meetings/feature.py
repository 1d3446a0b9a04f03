"""The meetings feature's manifest: its commands, jobs, live cards and hooks."""

from __future__ import annotations

from bot.access import ADMINS, MEMBERS, ORGANISERS
from bot.commands import Command, Where
from bot.feature import Feature
from bot.meetings import cards, jobs, privacy, service
from bot.meetings.access import (
    ACTIONS,
    ANSWERING_FINDER,
    FOR_MEMBERS,
    FOR_ORGANISERS,
    GUEST_LIST,
    PICKING_FROM_FINDER,
    SEEN_BY_ALL,
)
from bot.meetings.commands import agenda, findtime, meetings, record
from bot.meetings.findtime import CARD as FINDER_CARD
from bot.meetings.native import EVENT_JOB, SYNC_LOCKS
from bot.meetings.record import ACTION_JOB
from bot.meetings.reminders import NUDGE_JOB, PERSONAL_JOB
from bot.meetings.spec import GUESTS_SEEN_BY
from bot.meetings.web import MEETINGS, NEXT_MEETINGS
from bot.params import Param, ParamKind

REASON = Param("reason", "Why (optional)", ParamKind.TEXT, required=False)


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
        rule=ORGANISERS,
        where=Where.GROUP,
        guided=True,
        form_in_private=True,
    ),
    Command(
        "announce",
        "Announce a meeting here (or: all)",
        meetings.announce,
        params=(Param("where", "all", required=False),),
        rule=FOR_ORGANISERS,
    ),
    Command(
        "meetingtime",
        "Choose which time a draft meeting means",
        meetings.meeting_time,
        params=(Param("time", "The time", ParamKind.TEXT),),
        rule=FOR_ORGANISERS,
    ),
    Command(
        "discardmeeting", "Discard a draft meeting", meetings.discard_meeting, rule=FOR_ORGANISERS
    ),
    Command(
        "movemeeting",
        "Move a meeting to another time",
        meetings.move_meeting,
        params=(Param("when", "The new time", ParamKind.TEXT),),
        rule=FOR_ORGANISERS,
    ),
    Command(
        "cancelmeeting",
        "Cancel a meeting (everyone who answered is told)",
        meetings.cancel_meeting,
        params=(REASON,),
        rule=FOR_ORGANISERS,
    ),
    Command(
        "endseries",
        "End a repeating meeting from this one on",
        meetings.end_series,
        params=(REASON,),
        rule=FOR_ORGANISERS,
    ),
    Command(
        "rsvp",
        "Answer a meeting: going, maybe or cant",
        meetings.rsvp,
        params=(
            Param(
                "answer",
                "going, maybe or cant",
                ParamKind.CHOICE,
                choices=("going", "maybe", "cant"),
            ),
        ),
        rule=FOR_MEMBERS,
    ),
    Command(
        "whosgoing",
        "Who is going to a meeting; organisers: who may see it",
        meetings.whos_going,
        params=(
            Param(
                "who",
                "Organisers: members or organisers may see it",
                ParamKind.CHOICE,
                required=False,
                choices=GUESTS_SEEN_BY,
            ),
        ),
        rule=GUEST_LIST,
    ),
    Command(
        "meetings",
        "List meetings coming up, a page at a time",
        meetings.meetings,
        params=(Param("page", "Page number", ParamKind.REF, required=False),),
        rule=MEMBERS,
        scope="page",
    ),
    Command(
        "myreminders",
        "Your meeting reminders by DM: off, on, or a time like 2h",
        meetings.my_reminders,
        params=(Param("choice", "off, on, or e.g. 2h", required=False),),
        rule=MEMBERS,
    ),
    Command("ics", "A meeting as a calendar file", meetings.ics, rule=SEEN_BY_ALL),
)

AGENDA_COMMANDS = (
    Command(
        "propose",
        "Propose an item for a meeting's agenda",
        agenda.propose,
        params=(Param("item", "The item", ParamKind.TEXT),),
        rule=FOR_MEMBERS,
    ),
    Command(
        "agenda",
        "A meeting's agenda (organisers: and what is proposed)",
        agenda.show_agenda,
        rule=SEEN_BY_ALL,
    ),
    Command(
        "agendaitem",
        "Accept or decline a proposed agenda item",
        agenda.decide_item,
        params=(
            Param("item", "The item's number", ParamKind.INTEGER),
            Param("decision", "accept or decline", ParamKind.CHOICE, choices=("accept", "decline")),
        ),
        rule=FOR_ORGANISERS,
    ),
    Command(
        "agendaorder",
        "Put a meeting's agenda in order: /agendaorder N 3 1 2",
        agenda.order_agenda,
        params=(Param("order", "Item numbers in order", ParamKind.TEXT),),
        rule=FOR_ORGANISERS,
    ),
)

RECORD_COMMANDS = (
    Command("checkin", "Check in at a meeting you are at", record.check_in, rule=FOR_MEMBERS),
    Command(
        "attended",
        "Mark who was at a meeting: /attended N 3 7 12-20",
        record.attended,
        params=(Param("members", "Member numbers", ParamKind.TEXT),),
        rule=FOR_ORGANISERS,
    ),
    Command(
        "minutes",
        "Record a meeting's minutes and post them",
        record.minutes,
        params=(Param("minutes", "The minutes", ParamKind.TEXT, max_length=5000, multiline=True),),
        rule=FOR_ORGANISERS,
    ),
    Command(
        "actionitem",
        "Give someone an action: N member | what | due: when",
        record.action_item,
        params=(Param("action", "member | what | due: when", ParamKind.TEXT),),
        rule=FOR_ORGANISERS,
    ),
    Command(
        "actions",
        "Your open actions (organisers: all)",
        record.actions,
        params=(Param("whose", "all", required=False),),
        rule=ACTIONS,
    ),
    Command(
        "done",
        "Mark one of your actions done",
        record.done,
        params=(Param("action", "The action's number", ParamKind.REF),),
        rule=MEMBERS,
        scope="action",
    ),
    Command(
        "meetingquorum",
        "How many make a meeting quorate: 10, 25% or none",
        record.meeting_quorum,
        params=(Param("rule", "10, 25% or none"),),
        rule=ADMINS,
    ),
)

FINDTIME_COMMANDS = (
    Command(
        "findtime",
        "Find a time for a meeting: title | time | time …",
        findtime.find_time,
        params=(Param("definition", "title | time | time …", ParamKind.TEXT),),
        rule=ORGANISERS,
        where=Where.GROUP,
    ),
    Command(
        "available",
        "Say which offered times you can make",
        findtime.available,
        params=(Param("answers", "yes, maybe or no for each time", ParamKind.TEXT),),
        rule=ANSWERING_FINDER,
    ),
    Command(
        "picktime",
        "Pick the time: the meeting is made",
        findtime.pick_time,
        params=(Param("time", "The time's number", ParamKind.INTEGER),),
        rule=PICKING_FROM_FINDER,
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
    pages=(MEETINGS,),
    panels=(NEXT_MEETINGS,),
)
