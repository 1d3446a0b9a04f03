"""Discord's slash commands, derived from Moot's command declarations."""

from __future__ import annotations

from typing import Any

from bot.commands import Command, Where
from bot.params import Param, ParamKind

STRING, INTEGER, ATTACHMENT = 3, 4, 11
CHAT_INPUT = 1
DESCRIPTION_LIMIT = 100
# Discord refuses a bulk overwrite of more global chat-input commands than this.
GLOBAL_COMMANDS_AT_MOST = 100
GUILD_CONTEXT, BOT_DM_CONTEXT = 0, 1
CONTEXTS = {
    Where.ANYWHERE: (GUILD_CONTEXT, BOT_DM_CONTEXT),
    Where.GROUP: (GUILD_CONTEXT,),
    Where.PRIVATE: (BOT_DM_CONTEXT,),
}


def global_commands(commands: list[Command]) -> list[dict[str, Any]]:
    """Every command, once for the whole application, offered where it works: in servers, in a
    direct message with Moot, or both (a resident can /join CODE or /vote from a DM)."""
    if len(commands) > GLOBAL_COMMANDS_AT_MOST:
        raise ValueError(
            f"{len(commands)} commands: Discord takes at most {GLOBAL_COMMANDS_AT_MOST} global "
            "slash commands; fold some into a subcommand choice"
        )
    return [slash_command(c) | {"contexts": list(CONTEXTS[c.where])} for c in commands]


def same_commands(published: list[dict[str, Any]], wanted: list[dict[str, Any]]) -> bool:
    """Whether Discord already has these commands, comparing only what Moot sends (Discord adds
    ids and versions, and leaves out options that are not required)."""

    def essentials(command: dict[str, Any]) -> Any:
        options = [
            {k: v for k, v in o.items() if not (k == "required" and v is False)}
            for o in command.get("options") or []
        ]
        keys = ("name", "type", "description")
        return (
            {k: command.get(k) for k in keys},
            options,
            sorted(command.get("contexts") or []),
        )

    by_name = {c.get("name"): essentials(c) for c in published}
    return len(published) == len(wanted) and all(
        by_name.get(c["name"]) == essentials(c) for c in wanted
    )


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
