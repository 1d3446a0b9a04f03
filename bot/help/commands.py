"""The help feature: /help lists the commands this person may use where they are."""

from __future__ import annotations

from bot import roles
from bot.commands import Command, Where
from bot.context import Context
from bot.feature import Feature
from storage.models import Role

_WHERE_NOTE = {Where.ANYWHERE: "", Where.GROUP: " (group chats)", Where.PRIVATE: " (message me)"}


def command_line(command: Command, role: Role | None) -> str:
    own = (
        f" ({command.own_note})"
        if command.own_note and not roles.allows(role, Role.ORGANISER)
        else ""
    )
    return f"{command.usage}: {command.description}{own}{_WHERE_NOTE[command.where]}"


def usable(command: Command, ctx: Context) -> bool:
    """Whether this person may use the command here: their role in this community is enough
    (for scoped commands, enough for at least some of what they name)."""
    if command.needs_community and ctx.community_id is None:
        return False
    return roles.allows(ctx.role, command.role or command.listed_for)


async def help_command(ctx: Context) -> None:
    listed = [c for c in ctx.moot.registry.all() if usable(c, ctx)]
    if ctx.community_name:
        heading = f"Moot in {ctx.community_name}: you act as {ctx.role or 'a visitor'}."
    elif ctx.place.is_private:
        heading = "Moot: send /join in your community's group chat, or use a command there first."
    else:
        heading = "Moot: this chat is not linked to a community yet; a chat admin can run /setup."
    lines = [heading, *(command_line(c, ctx.role) for c in listed)]
    lines.append("Buttons always have a typed equivalent: the command shown in their message.")
    ctx.reply_privately("\n".join(lines))


FEATURE = Feature(
    name="help",
    commands=(Command("help", "Show what you can do here", help_command),),
)
