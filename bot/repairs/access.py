"""Who may see a repair report: the tenant who reported it, those who said "me too", and the
repairs team (admins included); nobody else, and nobody learns that a report they may not see
exists. That a communal problem is reported (its category and place, nothing more) any member
may see, to say "me too"."""

from __future__ import annotations

from bot import refs, roles
from bot.commands import Param, ParamKind
from bot.context import Context
from bot.errors import NotAllowedError, UserError
from bot.repairs.spec import HOME
from bot.repairs.views import ReportView, find
from storage.models import Role

REPORT = Param("report", "The report's reference, like R-0042", ParamKind.REF)


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


def require_team(ctx: Context, view: ReportView) -> None:
    if not is_team(ctx):
        raise NotAllowedError(f"Only the repairs team of {view.community.name} can do that.")
