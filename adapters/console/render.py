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
    return "\n".join(lines)


def button_lines(buttons: tuple[Button, ...]) -> list[str]:
    return [f"  [{n}] {b.label}  (or type /{b.command})" for n, b in enumerate(buttons, start=1)]
