"""Who may see a repair report: the tenant who reported it and the repairs team (admins
included), nobody else, and nobody learns that a report they may not see exists."""

from __future__ import annotations

from bot import refs, roles
from bot.commands import Param, ParamKind
from bot.context import Context
from bot.errors import NotAllowedError, UserError
from bot.repairs.views import ReportView, find
from storage.models import Role

REPORT = Param("report", "The report's reference, like R-0042", ParamKind.REF)


def is_team(ctx: Context) -> bool:
    return roles.allows(ctx.role, Role.REPAIRS)


async def report_named(ctx: Context) -> ReportView:
    """The report the command names, in the community it acts in, if this person may see it."""
    number = refs.parse(ctx.args.text("report"), "report")[1]
    if ctx.community_id is None:
        raise UserError("Which community's report? Use this where you reported it.")
    community_id = ctx.community_id
    view = await ctx.moot.read(lambda s: find(s, community_id, number))
    if view is None or not (is_team(ctx) or view.report.reporter_person_id == ctx.person_id):
        raise UserError(f"There is no report R-{number:04d} that you can see here.")
    return view


def require_team(ctx: Context, view: ReportView) -> None:
    if not is_team(ctx):
        raise NotAllowedError(f"Only the repairs team of {view.community.name} can do that.")
