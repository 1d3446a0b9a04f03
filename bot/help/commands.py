"""The help feature: /help lists the commands this person may use where they are."""

from __future__ import annotations

from bot import roles
from bot.commands import Command, Where
from bot.context import Context
from bot.feature import Feature

_WHERE_NOTE = {Where.ANYWHERE: "", Where.GROUP: " (group chats)", Where.PRIVATE: " (message me)"}


def command_line(command: Command) -> str:
    return f"{command.usage}: {command.description}{_WHERE_NOTE[command.where]}"


async def help_command(ctx: Context) -> None:
    usable = [
        c
        for c in ctx.moot.registry.all()
        if roles.allows(ctx.role, c.role)
        and (ctx.community_id is not None or not c.needs_community)
    ]
    if ctx.community_name:
        heading = f"Moot in {ctx.community_name}: you act as {ctx.role or 'a visitor'}."
    elif ctx.place.is_private:
        heading = "Moot: send /join in your community's group chat, or use a command there first."
    else:
        heading = "Moot: this chat is not linked to a community yet; a chat admin can run /setup."
    lines = [heading, *(command_line(c) for c in usable)]
    lines.append("Buttons always have a typed equivalent: the command shown in their message.")
    ctx.reply_privately("\n".join(lines))


FEATURE = Feature(
    name="help",
    commands=(Command("help", "Show what you can do here", help_command),),
)
