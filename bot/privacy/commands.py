"""/mydata and /forgetme: a person's copy of what Moot holds about them, and being forgotten.

Each feature says what it holds about a person and how to forget it (`Feature.export_person`,
`Feature.forget_person`); this package asks them all and adds the person's own details."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from sqlmodel import Session

from bot.context import Context
from bot.events import Button, ButtonStyle, FileOut
from bot.privacy import service


async def my_data(ctx: Context) -> None:
    exports = ctx.runtime.people.exports
    person_id = ctx.person_id

    def gather(session: Session) -> dict[str, object]:
        data: dict[str, object] = dict(service.own_data(session, person_id))
        for name, export in exports:
            data[name] = export(session, person_id)
        return data

    data = await ctx.runtime.read(gather)
    document = json.dumps({"exported_at": ctx.now.isoformat(), **data}, indent=2, default=str)
    ctx.reply_privately(
        "Everything Moot holds about you, as a file. /forgetme asks Moot to forget you.",
        file=FileOut("moot-my-data.json", document.encode(), "application/json"),
    )


async def forget_me(ctx: Context) -> None:
    person_id = ctx.person_id
    await ctx.runtime.read(lambda s: service.check_may_be_forgotten(s, person_id))
    if ctx.args.optional_text("confirm") != "confirm":
        ctx.reply_privately(
            "Forgetting you removes your name and your accounts from Moot and ends your "
            "memberships; your repair reports keep only what the statistics need (no "
            "description, notes or photos), and your votes still count without your name. "
            "It cannot be undone. /mydata first gives you a copy. To go ahead, send "
            "/forgetme confirm.",
            buttons=[Button("Forget me", "forgetme confirm", ButtonStyle.DANGER)],
        )
        return
    forgets = ctx.runtime.people.forgets

    files = await ctx.runtime.write(
        lambda s: service.forget_everywhere(ctx.runtime, s, person_id, forgets, ctx.now)
    )
    await asyncio.to_thread(_delete, files)
    # What was overwritten must not linger in the write-ahead log or in freed pages.
    await ctx.runtime.compact()
    ctx.reply_privately(
        "Done: Moot has forgotten you. If you write to Moot again, you start as someone new.",
        updating_pressed=True,
    )


def _delete(files: list[Path]) -> None:
    for path in files:
        path.unlink(missing_ok=True)
