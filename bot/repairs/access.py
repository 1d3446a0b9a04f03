"""Who may see a repair report: the tenant who reported it, those who said "me too", and the
repairs team (admins included); nobody else, and nobody learns that a report they may not see
exists. That a communal problem is reported (its category and place, nothing more) any member
may see, to say "me too". Each command's rule is one of those below (bot/repairs/feature.py says
which)."""

from __future__ import annotations

from bot import refs, roles
from bot.access import MEMBERS, REPAIRS_TEAM, Asker, Subject
from bot.context import Context
from bot.errors import UserError
from bot.params import Args, Param, ParamKind
from bot.repairs.spec import HOME
from bot.repairs.views import ReportView, find
from storage.models import Role


def is_team(ctx: Context) -> bool:
    return roles.allows(ctx.role, Role.REPAIRS)


async def _numbered(ctx: Context) -> tuple[int, ReportView | None]:
    """The number the command names, and that report in the community it acts in, if any."""
    number = refs.parse(ctx.args.text("report"), "report")[1]
    if ctx.community_id is None:
        raise UserError("Which community's report? Use this in your community's group chat.")
    community_id = ctx.community_id
    return number, await ctx.runtime.read(lambda s: find(s, community_id, number))


async def report_named(ctx: Context) -> ReportView:
    """The report the command names, in the community it acts in, if this person may see it."""
    number, view = await _numbered(ctx)
    if view is None or not (is_team(ctx) or view.may_follow(ctx.person_id)):
        raise UserError(f"There is no report R-{number:04d} that you can see here.")
    return view


async def communal_named(ctx: Context) -> ReportView:
    """A report about a shared place, which any member may see exists and say "me too" to;
    a report about someone's home stays as hidden as one that does not exist."""
    number, view = await _numbered(ctx)
    if view is None or view.report.location == HOME:
        raise UserError(f"There is no communal report R-{number:04d} here. /communal lists them.")
    return view


def _reported(asker: Asker, view: ReportView, args: Args) -> str | None:
    if view.may_follow(asker.person_id):
        return None
    return f"Only the tenants who reported {view.reference} can answer that."


def _made_it(asker: Asker, view: ReportView, args: Args) -> str | None:
    if asker.person_id == view.report.reporter_person_id:
        return None
    return f"Only the tenant who reported {view.reference} can withdraw it."


def _adding_to(asker: Asker, view: ReportView, args: Args) -> str | None:
    if view.may_follow(asker.person_id):
        return None
    n = view.report.number
    return (
        f"Only the tenants who reported {view.reference} (or said me too) add to it this way: "
        f"write to them with /repairstatus {n} <status> <message>; /repairnote {n} is for the "
        "team."
    )


def _exporting(asker: Asker, found: None, args: Args) -> str | None:
    if args.optional_text("what") != "export" or roles.allows(asker.role, Role.ORGANISER):
        return None
    if roles.allows(asker.role, Role.REPAIRS):
        return None
    return "Only organisers and the repairs team can export repair reports."


_PARAM = Param("report", "The report's reference, like R-0042", ParamKind.REF)
REPORT = Subject(_PARAM, ReportView, report_named)
COMMUNAL = Subject(_PARAM, ReportView, communal_named)

_OWN = "only reports you made"
# Reading a report: its tenants (who made it or said me too) and the team.
TENANTS_AND_TEAM = MEMBERS.on(REPORT, note=_OWN, always_for=Role.REPAIRS)
# Answering for a report: its tenants only (the team writes with /repairstatus).
ITS_TENANTS = MEMBERS.on(REPORT, _reported, note=_OWN)
ADDING_TO_IT = MEMBERS.on(REPORT, _adding_to, note=_OWN)
ITS_REPORTER = MEMBERS.on(REPORT, _made_it, note=_OWN)
FOR_TEAM = REPAIRS_TEAM.on(REPORT)
ME_TOO = MEMBERS.on(COMMUNAL)
# Figures for members; the export of every report for organisers and the team.
RECORDS = MEMBERS.checking(_exporting)

# Which communal problems are open, and where: /communal in chat, the list on the Repairs page.
OPEN_COMMUNAL = MEMBERS
