"""From Moot's replies to Discord messages: markdown escaped, mentions disabled, buttons whose
custom id carries the command they run (so they keep working after a restart)."""

from __future__ import annotations

import io
import re

import discord

from bot.events import ButtonStyle, FileOut, Form, Reply, render_moments

BUTTON_PREFIX = "moot:"
MENU_PREFIX = "moot-menu:"
FORM_PREFIX = "moot-form:"
MESSAGE_LIMIT = 2000
NO_MENTIONS = discord.AllowedMentions.none()

_STYLES = {
    ButtonStyle.PRIMARY: discord.ButtonStyle.primary,
    ButtonStyle.SECONDARY: discord.ButtonStyle.secondary,
    ButtonStyle.DANGER: discord.ButtonStyle.danger,
}


def content(text: str) -> list[str]:
    """Escape markdown so what residents typed shows as typed, show moments in each reader's
    local time, and cut into pieces Discord accepts."""
    stamps: list[str] = []

    def hold(epoch: int, _fallback: str) -> str:
        stamps.append(f"<t:{epoch}:F>")
        return f"\x00{len(stamps) - 1}\x00"  # control characters never survive bot.text.clean

    escaped = discord.utils.escape_markdown(render_moments(text, hold))
    final = re.sub("\x00(\\d+)\x00", lambda m: stamps[int(m.group(1))], escaped)
    return [final[i : i + MESSAGE_LIMIT] for i in range(0, len(final), MESSAGE_LIMIT)] or [""]


def one_message(text: str) -> str:
    """The text as a single message, for an edit (an edit replaces one message, so a longer text
    is cut short with an ellipsis rather than split). Poll cards are written to fit."""
    pieces = content(text)
    if len(pieces) == 1:
        return pieces[0]
    return pieces[0][: MESSAGE_LIMIT - 1].rstrip("\\") + "…"


THREAD_NAME_LIMIT = 100


def title(text: str) -> str:
    """A forum post's title: the text's first line, plain (titles show no markdown)."""
    first = render_moments(text).split("\n", 1)[0].strip()
    if len(first) > THREAD_NAME_LIMIT:
        first = first[: THREAD_NAME_LIMIT - 1] + "…"
    return first or "Moot"


def view(reply: Reply) -> discord.ui.View | None:
    """Buttons, then one select menu per menu (its option values are the options' commands)."""
    if not reply.buttons and not reply.menus:
        return None
    row = discord.ui.View(timeout=None)
    for button in reply.buttons:
        row.add_item(
            discord.ui.Button(
                label=button.label[:80],
                custom_id=BUTTON_PREFIX + button.command,
                style=_STYLES[button.style],
            )
        )
    for number, menu in enumerate(reply.menus):
        row.add_item(
            discord.ui.Select(
                custom_id=f"{MENU_PREFIX}{number}",
                placeholder=menu.placeholder[:150],
                options=[
                    discord.SelectOption(label=o.label[:100], value=o.command)
                    for o in menu.options[:25]
                ],
            )
        )
    return row


def attachment(file: FileOut | None) -> discord.File | None:
    if file is None:
        return None
    return discord.File(io.BytesIO(file.data), filename=file.filename)


def modal(form: Form) -> discord.ui.Modal:
    # Declarations keep titles and labels within Discord's 45 characters (FORM_TEXT_LIMIT).
    dialog = discord.ui.Modal(title=form.title, custom_id=FORM_PREFIX + form.form_id)
    for field in form.fields[:5]:
        dialog.add_item(
            discord.ui.TextInput(
                label=field.label,
                custom_id=field.name,
                placeholder=field.label[:100],
                max_length=field.max_length,
                required=field.required,
                style=discord.TextStyle.paragraph if field.multiline else discord.TextStyle.short,
            )
        )
    return dialog
