"""The repairs feature's manifest: its commands, jobs, live card and hooks."""

from __future__ import annotations

from bot.access import ADMINS, MEMBERS, ORGANISERS, REPAIRS_TEAM
from bot.commands import Command, Where
from bot.feature import Feature
from bot.params import Param, ParamKind
from bot.repairs import photos, privacy, service, statuses
from bot.repairs.access import (
    ADDING_TO_IT,
    FOR_TEAM,
    ITS_REPORTER,
    ITS_TENANTS,
    ME_TOO,
    OPEN_COMMUNAL,
    RECORDS,
    TENANTS_AND_TEAM,
)
from bot.repairs.cards import card
from bot.repairs.clocks import Nation, Priority
from bot.repairs.commands import records, settings, team, tenants
from bot.repairs.jobs import alert_job, digest_job, visit_reminder_job
from bot.repairs.web import REPAIRS, REPAIRS_NOW
from storage.repairs import DESCRIPTION_MAX, EMERGENCY_TEXT_MAX

# The statuses the team sets: those the transition table moves a report to (a report starts
# reported; only its tenant withdraws it).
STATUSES = tuple(status.value for status in statuses.CHOICES)
_PRIORITY = Param(
    "priority", "The priority", ParamKind.CHOICE, choices=tuple(p.value for p in Priority)
)

FEATURE = Feature(
    name="repairs",
    commands=(
        Command(
            "report",
            "Report a repair privately: category | what is wrong",
            tenants.report,
            params=(
                Param(
                    "details",
                    "category | what is wrong | where: … | access: … | vulnerable: …",
                    ParamKind.TEXT,
                    max_length=DESCRIPTION_MAX + 1000,
                    label="Category (leak, heating, damp …)",
                ),
            ),
            form_title="Report a repair",
            form_only=(
                Param(
                    "what",
                    "What is wrong?",
                    ParamKind.TEXT,
                    max_length=DESCRIPTION_MAX,
                    multiline=True,
                ),
                Param("where", "Where? home, or a communal area", ParamKind.TEXT, required=False),
                Param(
                    "access",
                    "When can you let someone in? (optional)",
                    ParamKind.TEXT,
                    required=False,
                    max_length=300,
                ),
                Param(
                    "vulnerable",
                    "Anything the team should know? (optional)",
                    ParamKind.TEXT,
                    required=False,
                    max_length=500,
                ),
            ),
            rule=MEMBERS,
            guided=True,
            form_in_private=True,
        ),
        Command(
            "myreports",
            "Your repair reports, where they stand and their targets",
            tenants.my_reports,
            rule=MEMBERS,
        ),
        Command(
            "repair", "A repair report and its timeline", tenants.repair, rule=TENANTS_AND_TEAM
        ),
        Command(
            "photo",
            "Add a photo to a repair report (sent as a photo or a file)",
            tenants.photo,
            params=(Param("photo", "The photo", ParamKind.ATTACHMENT),),
            rule=TENANTS_AND_TEAM,
        ),
        Command(
            "photos", "The photos of a repair report", tenants.show_photos, rule=TENANTS_AND_TEAM
        ),
        Command(
            "repairexport",
            "The full record of a repair report as a file",
            tenants.repair_export,
            rule=TENANTS_AND_TEAM,
        ),
        Command(
            "communal",
            "Open communal problems, to say me too",
            tenants.communal,
            rule=OPEN_COMMUNAL,
        ),
        Command(
            "metoo",
            "You have the same communal problem: hear its updates",
            tenants.me_too,
            rule=ME_TOO,
        ),
        Command(
            "duplicate",
            "Close a report as the same as another: R-N R-M",
            team.duplicate,
            params=(Param("of", "The report it repeats", ParamKind.REF),),
            rule=FOR_TEAM,
        ),
        Command(
            "repairstatus",
            "Move a report on and tell the tenant: R-N status message",
            team.repair_status,
            params=(
                Param("status", "The new status", ParamKind.CHOICE, choices=STATUSES),
                Param("message", "What to tell the tenant", ParamKind.TEXT, required=False),
            ),
            rule=FOR_TEAM,
        ),
        Command(
            "isfixed",
            "Answer whether your repair is really fixed: yes or no",
            tenants.is_fixed,
            params=(Param("answer", "yes or no", ParamKind.CHOICE, choices=("yes", "no")),),
            rule=ITS_TENANTS,
        ),
        Command(
            "repaircomment",
            "Add to your repair report, or answer the team: R-N what to add",
            tenants.repair_comment,
            params=(
                Param("comment", "What to add", ParamKind.TEXT, max_length=2000, multiline=True),
            ),
            rule=ADDING_TO_IT,
        ),
        Command(
            "withdraw",
            "Withdraw a repair report you no longer need: R-N why",
            tenants.withdraw,
            params=(
                Param("reason", "Why (optional)", ParamKind.TEXT, required=False, max_length=300),
            ),
            rule=ITS_REPORTER,
        ),
        Command(
            "priority",
            "Set a report's priority: emergency, urgent, routine or planned",
            team.priority,
            params=(_PRIORITY,),
            rule=FOR_TEAM,
        ),
        Command(
            "visit",
            "Book a visit; the tenant is told and reminded: R-N when",
            team.visit,
            params=(Param("when", "When (e.g. Thursday 10:00)", ParamKind.TEXT),),
            rule=FOR_TEAM,
        ),
        Command(
            "assign",
            "Give a report to a member of the repairs team: R-N member",
            team.assign,
            params=(Param("member", "The member's number, or me"),),
            rule=FOR_TEAM,
        ),
        Command(
            "investigated",
            "Damp and mould investigated (Awaab's Law): R-N what was found",
            team.investigated,
            params=(Param("findings", "What was found", ParamKind.TEXT, max_length=2000),),
            rule=FOR_TEAM,
        ),
        Command(
            "summary",
            "Send the tenant the written summary (Awaab's Law): R-N text",
            team.summary,
            params=(Param("summary", "The summary", ParamKind.TEXT, max_length=3000),),
            rule=FOR_TEAM,
        ),
        Command(
            "emergencyhazard",
            "An emergency hazard (Awaab's Law): make safe within 24 hours: R-N what",
            team.emergency_hazard,
            params=(Param("hazard", "What the hazard is", ParamKind.TEXT, max_length=1000),),
            rule=FOR_TEAM,
        ),
        Command(
            "madesafe",
            "The emergency hazard is made safe (Awaab's Law): R-N what was done",
            team.made_safe,
            params=(Param("done", "What was done", ParamKind.TEXT, max_length=2000),),
            rule=FOR_TEAM,
        ),
        Command(
            "repairnote",
            "An internal note on a report (the tenant never sees it)",
            team.repair_note,
            params=(Param("note", "The note", ParamKind.TEXT, max_length=2000),),
            rule=FOR_TEAM,
        ),
        Command(
            "repairs",
            "How fast repairs get fixed here: /repairs stats (organisers and the team: export)",
            records.repairs,
            params=(
                Param(
                    "what",
                    "stats, or export (every report as a CSV file)",
                    ParamKind.CHOICE,
                    required=False,
                    choices=("stats", "export"),
                ),
            ),
            rule=RECORDS,
        ),
        Command(
            "importhomes",
            "Import the homes register from a CSV file (columns: ref, address)",
            records.import_homes,
            params=(Param("file", "The CSV file", ParamKind.ATTACHMENT),),
            rule=ORGANISERS,
        ),
        Command(
            "tenant",
            "Link a member to their home: /tenant 7 12A (or none)",
            records.tenant,
            params=(
                Param("member", "The member's number"),
                Param("home", "The home's ref, or none", ParamKind.TEXT, max_length=40),
            ),
            rule=ORGANISERS,
        ),
        Command(
            "homes",
            "The homes register and who lives where",
            records.list_homes,
            rule=ORGANISERS,
        ),
        Command(
            "triagechat",
            "Make this chat the repairs team's: new reports arrive here",
            settings.triage_chat,
            rule=ADMINS,
            where=Where.GROUP,
        ),
        Command(
            "repairtarget",
            "Set a priority's target here: urgent 7 working days (or default)",
            settings.repair_target,
            params=(
                _PRIORITY,
                Param("length", "24 hours, 5 working days, 28 days or default", ParamKind.TEXT),
            ),
            rule=ADMINS,
        ),
        Command(
            "emergencyinfo",
            "What tenants are told to do in an emergency out of hours: text, or default",
            settings.emergency_info,
            params=(
                Param(
                    "text",
                    "Who to call out of hours (or default)",
                    ParamKind.TEXT,
                    required=False,
                    max_length=EMERGENCY_TEXT_MAX,
                    multiline=True,
                ),
            ),
            rule=ADMINS,
        ),
        Command(
            "repairnation",
            "Whose bank holidays repair targets skip",
            settings.repair_nation,
            params=(
                Param(
                    "nation",
                    "The UK nation",
                    ParamKind.CHOICE,
                    choices=tuple(n.value for n in Nation),
                ),
            ),
            rule=ADMINS,
        ),
        Command(
            "homerepairs",
            "A home's repair history, repeat damp and mould flagged: /homerepairs 12A",
            records.home_repairs,
            params=(Param("home", "The home's ref", ParamKind.TEXT, max_length=40),),
            rule=REPAIRS_TEAM,
        ),
    ),
    jobs={
        service.DUE_SOON_JOB: alert_job(overdue=False),
        service.OVERDUE_JOB: alert_job(overdue=True),
        service.VISIT_JOB: visit_reminder_job,
        service.DIGEST_JOB: digest_job,
    },
    merge_people=privacy.merge_people,
    renderers={service.CARD: card},
    move_chat=service.move_chat,
    undelivered={
        service.TENANT_NEWS: service.tenant_unreachable,
        service.TEAM_NEWS: service.team_unreachable,
    },
    export_person=privacy.export,
    forget_person=privacy.forget,
    state=photos.PHOTO_STORE,
    pages=(REPAIRS,),
    panels=(REPAIRS_NOW,),
)
