"""Discord's slash commands, derived from Moot's command declarations."""

from __future__ import annotations

from typing import Any

from bot.commands import Command, Param, ParamKind, Where

STRING, INTEGER, ATTACHMENT = 3, 4, 11
CHAT_INPUT = 1
DESCRIPTION_LIMIT = 100
BOT_DM_CONTEXT = 1


def guild_commands(commands: list[Command]) -> list[dict[str, Any]]:
    """Everything that can be used in a server's channels."""
    return [slash_command(c) for c in commands if c.where is not Where.PRIVATE]


def direct_message_commands(commands: list[Command]) -> list[dict[str, Any]]:
    """Commands that only work in a DM with Moot: global commands offered only there."""
    return [
        slash_command(c) | {"contexts": [BOT_DM_CONTEXT]}
        for c in commands
        if c.where is Where.PRIVATE
    ]


def slash_command(command: Command) -> dict[str, Any]:
    options = [_option(p, guided=command.guided) for p in command.params]
    # Discord wants required options first; declarations already keep that order.
    return {
        "name": command.name,
        "type": CHAT_INPUT,
        "description": command.description[:DESCRIPTION_LIMIT],
        "options": options,
    }


def _option(param: Param, *, guided: bool) -> dict[str, Any]:
    option: dict[str, Any] = {
        "name": param.name,
        "description": param.description[:DESCRIPTION_LIMIT],
        # A guided command asks for what is missing with a modal, so nothing is required up front.
        "required": param.required and not guided,
    }
    if param.kind is ParamKind.INTEGER:
        option |= {"type": INTEGER, "min_value": 0}
    elif param.kind is ParamKind.ATTACHMENT:
        option |= {"type": ATTACHMENT}
    elif param.kind is ParamKind.CHOICE:
        option |= {"type": STRING, "choices": [{"name": c, "value": c} for c in param.choices]}
    else:
        option |= {"type": STRING, "max_length": param.max_length}
    return option
