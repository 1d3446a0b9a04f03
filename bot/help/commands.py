"""The help feature's command: /help lists the commands this person may use where they are."""

from __future__ import annotations

from bot import roles
from bot.commands import Command, Where
from bot.context import Context
from bot.runtime import FeatureState, Runtime
from storage.models import Role

_WHERE_NOTE = {Where.ANYWHERE: "", Where.GROUP: " (group chats)", Where.PRIVATE: " (message me)"}


def _start(runtime: Runtime, settings: None) -> dict[tuple[bool, Role | None], str]:
    return {}


# Listing text by (in a community, role), worked out once per process. No settings.
LISTINGS = FeatureState("help.listings", None, _start)


def command_line(command: Command, role: Role | None) -> str:
    note = command.rule.note_for(role)
    own = f" ({note})" if note else ""
    return f"{command.usage}: {command.description}{own}{_WHERE_NOTE[command.where]}"


def usable(command: Command, ctx: Context) -> bool:
    """Whether the command's rule lets this person use it here (for a command on a poll,
    meeting or report: some of them)."""
    if command.needs_community and ctx.community_id is None:
        return False
    return command.rule.lists_for(ctx.role)


def listing(ctx: Context) -> str:
    """The lines for every command this person may use here. They depend only on their role and
    on whether a community applies, so each combination is worked out once per process."""
    cache = ctx.runtime.state(LISTINGS)
    key = (ctx.community_id is not None, ctx.role)
    if key not in cache:
        listed = [c for c in ctx.runtime.commands if usable(c, ctx)]
        cache[key] = "\n".join(command_line(c, ctx.role) for c in listed)
    return cache[key]


async def help_command(ctx: Context) -> None:
    if ctx.community_name:
        who = roles.as_title(ctx.role) if ctx.role else "a visitor"
        heading = f"Moot in {ctx.community_name}: you are {who}."
    elif ctx.place.is_private:
        heading = "Moot: send /join in your community's group chat, or use a command there first."
    else:
        heading = "Moot: this chat is not linked to a community yet; a chat admin can run /setup."
    ctx.reply_privately(
        f"{heading}\n{listing(ctx)}\n"
        "Buttons always have a typed equivalent: the command shown in their message."
    )
