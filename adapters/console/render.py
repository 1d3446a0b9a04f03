"""How Moot's replies look in the console."""

from __future__ import annotations

from bot.events import Button, Reply, Visibility, render_moments

_SPEAKER = {
    Visibility.CHAT: "Moot",
    Visibility.ACTOR: "Moot (only to you)",
    Visibility.DIRECT: "Moot → DM",
}


def reply_text(reply: Reply, speaker: str | None = None) -> str:
    lines = [f"{speaker or _SPEAKER[reply.visibility]}: {render_moments(reply.text)}"]
    lines += button_lines(reply.buttons)
    number = len(reply.buttons)
    for menu in reply.menus:
        lines.append(f"  {menu.placeholder}:")
        lines += button_lines(menu.options, start=number + 1)
        number += len(menu.options)
    return "\n".join(lines)


def button_lines(buttons: tuple[Button, ...], start: int = 1) -> list[str]:
    return [
        f"  [{n}] {b.label}  (or type /{b.command})" for n, b in enumerate(buttons, start=start)
    ]
