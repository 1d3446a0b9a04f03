"""A reply as the outbox stores it: JSON that survives a restart, file bytes included."""

from __future__ import annotations

import base64
import json
from typing import Any

from bot.events import Button, ButtonStyle, FileOut, Menu, Reply, Visibility


def _button(button: Button) -> list[str]:
    return [button.label, button.command, button.style.name]


def _unbutton(data: list[str]) -> Button:
    return Button(data[0], data[1], ButtonStyle[data[2]])


def dump(reply: Reply) -> str:
    if reply.holds_secret:
        raise ValueError("a secret ballot before its cast is never stored")
    data: dict[str, Any] = {"text": reply.text}
    if reply.buttons:
        data["buttons"] = [_button(b) for b in reply.buttons]
    if reply.menus:
        data["menus"] = [[m.placeholder, [_button(b) for b in m.options]] for m in reply.menus]
    if reply.file is not None:
        data["file"] = [
            reply.file.filename,
            reply.file.content_type,
            base64.b64encode(reply.file.data).decode(),
        ]
    return json.dumps(data, ensure_ascii=False)


def load(stored: str) -> Reply:
    data = json.loads(stored)
    file = None
    if "file" in data:
        name, content_type, encoded = data["file"]
        file = FileOut(name, base64.b64decode(encoded), content_type)
    return Reply(
        data["text"],
        Visibility.CHAT,
        tuple(_unbutton(b) for b in data.get("buttons", [])),
        file,
        menus=tuple(
            Menu(placeholder, tuple(_unbutton(b) for b in options))
            for placeholder, options in data.get("menus", [])
        ),
    )
