"""From Moot's replies to Telegram messages: plain text (no parse mode, so no markup injection),
inline keyboards whose callback data is the button's command, documents for files."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.events import Reply

MESSAGE_LIMIT = 4096
BUTTONS_PER_ROW = 2


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """Buttons two to a row; a menu's options follow as rows of their own."""
    groups = [reply.buttons, *(menu.options for menu in reply.menus)]
    rows: list[list[InlineKeyboardButton]] = []
    for group in groups:
        keys = [InlineKeyboardButton(b.label, callback_data=b.command) for b in group]
        rows += [keys[i : i + BUTTONS_PER_ROW] for i in range(0, len(keys), BUTTONS_PER_ROW)]
    return InlineKeyboardMarkup(rows) if rows else None


def chunks(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split long text at line breaks so each piece fits in one Telegram message."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return pieces
