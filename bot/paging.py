"""Long lists a page at a time: a typed page number (`/polls 2`) or Previous / Next buttons,
which carry the community (`polls 3.2`) so a press in a direct message pages the right list."""

from __future__ import annotations

from dataclasses import dataclass

from bot import refs
from bot.context import Context
from bot.errors import UserError
from bot.events import Button

PER_PAGE = 10


@dataclass(frozen=True)
class Page:
    command: str
    number: int  # from 1

    @property
    def skip(self) -> int:
        return (self.number - 1) * PER_PAGE


def requested(ctx: Context, command: str) -> Page:
    """The page the command's optional `page` parameter asks for (the first by default)."""
    number = refs.parse(ctx.args.optional_text("page") or "1", "page")[1]
    if number < 1:
        raise UserError(f"Pages are numbered from 1: /{command} 1.")
    return Page(command, number)


def count(page: Page, total: int, of: str = "") -> int:
    """How many pages `total` items fill; refuses a page past the last."""
    pages = -(-total // PER_PAGE)
    if page.number > pages:
        verb = "is" if pages == 1 else "are"
        raise UserError(f"There {verb} {pages} page(s){of}: try /{page.command} {pages}.")
    return pages


def buttons(page: Page, pages: int, community_id: int) -> list[Button]:
    found = []
    if page.number > 1:
        found.append(
            Button("◀ Previous", f"{page.command} {refs.qualified(community_id, page.number - 1)}")
        )
    if page.number < pages:
        found.append(
            Button("Next ▶", f"{page.command} {refs.qualified(community_id, page.number + 1)}")
        )
    return found
