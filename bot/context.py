"""What a command handler gets: who, where, which community, the arguments, and ways to answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.errors import UserError
from bot.events import Actor, Button, FileOut, Menu, Place, Reply, Visibility
from bot.params import Args
from bot.runtime import Runtime
from storage.models import Role


@dataclass
class Context:
    runtime: Runtime  # the narrow view of the core a feature gets (bot/runtime.py)
    actor: Actor
    place: Place
    person_id: int
    person_name: str
    community_id: int | None
    community_name: str | None
    role: Role | None
    args: Args
    now: datetime
    pressed: bool = False  # the command came from a button, not typed
    # The poll, meeting or report the command names, found by the core before the handler runs
    # (read it with the rule's subject: `POLL.of(ctx)`; see bot/access.py).
    subject: object = None
    replies: list[Reply] = field(default_factory=list)

    @property
    def community(self) -> int:
        """The community this command acts on (a command whose rule names a role has one)."""
        if self.community_id is None:
            raise UserError("This needs a community, and you are not in one here.")
        return self.community_id

    def reply(
        self,
        text: str,
        *,
        buttons: Sequence[Button] = (),
        file: FileOut | None = None,
        visibility: Visibility = Visibility.CHAT,
        menus: Sequence[Menu] = (),
    ) -> None:
        self.replies.append(Reply(text, visibility, tuple(buttons), file, menus=tuple(menus)))

    def reply_privately(
        self,
        text: str,
        *,
        buttons: Sequence[Button] = (),
        file: FileOut | None = None,
        menus: Sequence[Menu] = (),
        updating_pressed: bool = False,
        holds_secret: bool = False,
    ) -> None:
        """Answer only the actor. `updating_pressed`: the answer is the new state of the message
        they pressed on (when they pressed at all), to replace it where the platform can.
        `holds_secret`: it shows a secret ballot not yet cast, so it is never stored."""
        self.replies.append(
            Reply(
                text,
                Visibility.ACTOR,
                tuple(buttons),
                file,
                menus=tuple(menus),
                replaces_pressed=updating_pressed and self.pressed,
                holds_secret=holds_secret,
            )
        )

    def withdraw_request(self, text: str) -> None:
        """Answer privately and have the platform remove the message that asked, where it can."""
        self.replies.append(Reply(text, Visibility.ACTOR, removes_request=True))
