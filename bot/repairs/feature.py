"""The repairs feature's manifest: its commands, jobs, live card and hooks."""

from __future__ import annotations

from bot.commands import Command, Handler, Param, ParamKind, Where
from bot.feature import Feature
from bot.repairs import photos, privacy, service, statuses
from bot.repairs.access import REPORT
from bot.repairs.cards import card
from bot.repairs.clocks import Nation, Priority
from bot.repairs.commands import records, settings, team, tenants
from bot.repairs.jobs import alert_job, digest_job, visit_reminder_job
from storage.models import Role
from storage.repairs import DESCRIPTION_MAX, EMERGENCY_TEXT_MAX


def _for_tenants(name: str, description: str, handler: Handler, *params: Param) -> Command:
    """A command on one report (named first, then `params`) for the tenants who made it, and
    the repairs team."""
    return Command(
        name,
        description,
        handler,
        params=(REPORT, *params),
        scope="report",
        listed_for=Role.MEMBER,
        own_note="only reports you made",
    )


def _for_team(name: str, description: str, handler: Handler, *params: Param) -> Command:
    """A command on one report (named first, then `params`) for the repairs team only."""
    return Command(
        name,
        description,
        handler,
        params=(REPORT, *params),
        scope="report",
        listed_for=Role.REPAIRS,
    )


def _in_community(
    name: str,
    description: str,
    handler: Handler,
    role: Role,
    *params: Param,
    where: Where = Where.ANYWHERE,
) -> Command:
    """A command on the community the chat is in, for `role` and above."""
    return Command(
        name, description, handler, params=params, role=role, where=where, needs_community=True
    )


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
            role=Role.MEMBER,
            needs_community=True,
            guided=True,
            form_in_private=True,
        ),
        _in_community(
            "myreports",
            "Your repair reports, where they stand and their targets",
            tenants.my_reports,
            Role.MEMBER,
        ),
        _for_tenants("repair", "A repair report and its timeline", tenants.repair),
        _for_tenants(
            "photo",
            "Add a photo to a repair report (sent as a photo or a file)",
            tenants.photo,
            Param("photo", "The photo", ParamKind.ATTACHMENT),
        ),
        _for_tenants("photos", "The photos of a repair report", tenants.show_photos),
        _for_tenants(
            "repairexport", "The full record of a repair report as a file", tenants.repair_export
        ),
        _in_community(
            "communal", "Open communal problems, to say me too", tenants.communal, Role.MEMBER
        ),
        Command(
            "metoo",
            "You have the same communal problem: hear its updates",
            tenants.me_too,
            params=(REPORT,),
            role=Role.MEMBER,
            needs_community=True,
            scope="report",
        ),
        _for_team(
            "duplicate",
            "Close a report as the same as another: R-N R-M",
            team.duplicate,
            Param("of", "The report it repeats", ParamKind.REF),
        ),
        _for_team(
            "repairstatus",
            "Move a report on and tell the tenant: R-N status message",
            team.repair_status,
            Param("status", "The new status", ParamKind.CHOICE, choices=STATUSES),
            Param("message", "What to tell the tenant", ParamKind.TEXT, required=False),
        ),
        _for_tenants(
            "isfixed",
            "Answer whether your repair is really fixed: yes or no",
            tenants.is_fixed,
            Param("answer", "yes or no", ParamKind.CHOICE, choices=("yes", "no")),
        ),
        _for_tenants(
            "repaircomment",
            "Add to your repair report, or answer the team: R-N what to add",
            tenants.repair_comment,
            Param("comment", "What to add", ParamKind.TEXT, max_length=2000, multiline=True),
        ),
        _for_tenants(
            "withdraw",
            "Withdraw a repair report you no longer need: R-N why",
            tenants.withdraw,
            Param("reason", "Why (optional)", ParamKind.TEXT, required=False, max_length=300),
        ),
        _for_team(
            "priority",
            "Set a report's priority: emergency, urgent, routine or planned",
            team.priority,
            _PRIORITY,
        ),
        _for_team(
            "visit",
            "Book a visit; the tenant is told and reminded: R-N when",
            team.visit,
            Param("when", "When (e.g. Thursday 10:00)", ParamKind.TEXT),
        ),
        _for_team(
            "assign",
            "Give a report to a member of the repairs team: R-N member",
            team.assign,
            Param("member", "The member's number, or me"),
        ),
        _for_team(
            "investigated",
            "Damp and mould investigated (Awaab's Law): R-N what was found",
            team.investigated,
            Param("findings", "What was found", ParamKind.TEXT, max_length=2000),
        ),
        _for_team(
            "summary",
            "Send the tenant the written summary (Awaab's Law): R-N text",
            team.summary,
            Param("summary", "The summary", ParamKind.TEXT, max_length=3000),
        ),
        _for_team(
            "emergencyhazard",
            "An emergency hazard (Awaab's Law): make safe within 24 hours: R-N what",
            team.emergency_hazard,
            Param("hazard", "What the hazard is", ParamKind.TEXT, max_length=1000),
        ),
        _for_team(
            "madesafe",
            "The emergency hazard is made safe (Awaab's Law): R-N what was done",
            team.made_safe,
            Param("done", "What was done", ParamKind.TEXT, max_length=2000),
        ),
        _for_team(
            "repairnote",
            "An internal note on a report (the tenant never sees it)",
            team.repair_note,
            Param("note", "The note", ParamKind.TEXT, max_length=2000),
        ),
        _in_community(
            "repairs",
            "How fast repairs get fixed here: /repairs stats (organisers and the team: export)",
            records.repairs,
            Role.MEMBER,
            Param(
                "what",
                "stats, or export (every report as a CSV file)",
                ParamKind.CHOICE,
                required=False,
                choices=("stats", "export"),
            ),
        ),
        _in_community(
            "importhomes",
            "Import the homes register from a CSV file (columns: ref, address)",
            records.import_homes,
            Role.ORGANISER,
            Param("file", "The CSV file", ParamKind.ATTACHMENT),
        ),
        _in_community(
            "tenant",
            "Link a member to their home: /tenant 7 12A (or none)",
            records.tenant,
            Role.ORGANISER,
            Param("member", "The member's number"),
            Param("home", "The home's ref, or none", ParamKind.TEXT, max_length=40),
        ),
        _in_community(
            "homes", "The homes register and who lives where", records.list_homes, Role.ORGANISER
        ),
        _in_community(
            "triagechat",
            "Make this chat the repairs team's: new reports arrive here",
            settings.triage_chat,
            Role.ADMIN,
            where=Where.GROUP,
        ),
        _in_community(
            "repairtarget",
            "Set a priority's target here: urgent 7 working days (or default)",
            settings.repair_target,
            Role.ADMIN,
            _PRIORITY,
            Param("length", "24 hours, 5 working days, 28 days or default", ParamKind.TEXT),
        ),
        _in_community(
            "emergencyinfo",
            "What tenants are told to do in an emergency out of hours: text, or default",
            settings.emergency_info,
            Role.ADMIN,
            Param(
                "text",
                "Who to call out of hours (or default)",
                ParamKind.TEXT,
                required=False,
                max_length=EMERGENCY_TEXT_MAX,
                multiline=True,
            ),
        ),
        _in_community(
            "repairnation",
            "Whose bank holidays repair targets skip",
            settings.repair_nation,
            Role.ADMIN,
            Param(
                "nation", "The UK nation", ParamKind.CHOICE, choices=tuple(n.value for n in Nation)
            ),
        ),
        _in_community(
            "homerepairs",
            "A home's repair history, repeat damp and mould flagged: /homerepairs 12A",
            records.home_repairs,
            Role.REPAIRS,
            Param("home", "The home's ref", ParamKind.TEXT, max_length=40),
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
    state=photos.PHOTO_FOLDER,
)
