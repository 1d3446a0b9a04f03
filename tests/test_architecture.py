"""The core stays platform-neutral: nothing under bot/ imports a platform library."""

from __future__ import annotations

import ast
from pathlib import Path

PLATFORM_LIBRARIES = {"discord", "telegram"}
BOT = Path(__file__).resolve().parent.parent / "bot"


def imported_roots(source: str) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_bot_never_imports_a_platform_library() -> None:
    offenders = {
        str(path.relative_to(BOT)): sorted(imported_roots(path.read_text()) & PLATFORM_LIBRARIES)
        for path in BOT.rglob("*.py")
        if imported_roots(path.read_text()) & PLATFORM_LIBRARIES
    }
    assert offenders == {}


def test_the_check_itself_catches_platform_imports() -> None:
    assert imported_roots("import discord.ui\nfrom telegram.ext import Application") == {
        "discord",
        "telegram",
    }
