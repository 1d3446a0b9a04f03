"""Commands are declared once here and every adapter derives its surface from the declarations:
Discord slash commands, the Telegram command list, the console help and `/help` itself. Who may
use a command is its `rule` (bot/access.py); its parameters and their parsing are bot/params.py."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import Enum, auto
from typing import TYPE_CHECKING, Any

from bot.access import ANYONE, Rule
from bot.events import Form, FormField
from bot.params import Param, ParamKind

if TYPE_CHECKING:
    from bot.context import Context

COMMAND_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


# The longest form title or question every platform shows whole (Discord's modal limit).
FORM_TEXT_LIMIT = 45


class Where(Enum):
    ANYWHERE = auto()
    GROUP = auto()  # a group chat (linked or not, see `needs_community`)
    PRIVATE = auto()


Handler = Callable[["Context"], Awaitable[None]]


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    handler: Handler
    # The parameters after the rule's subject (a command on a poll, meeting or report names it
    # first: the subject's parameter is put before these).
    params: tuple[Param, ...] = ()
    rule: Rule[Any] = ANYONE
    where: Where = Where.ANYWHERE
    # When required arguments are missing, ask for them with a form instead of failing.
    guided: bool = False
    # Fields only the guided form asks for (a typed command puts everything in its parameters).
    form_only: tuple[Param, ...] = ()
    # The guided form is a private conversation, not questions asked in the group.
    form_in_private: bool = False
    # A parameter naming a numbered thing ("7", or "3.7" on buttons: community 3's #7); when
    # it names a community, the command acts in that one (see bot/refs.py). The rule's subject's
    # parameter, when it has one.
    scope: str | None = None
    # The guided form's title, when the description is longer than FORM_TEXT_LIMIT.
    form_title: str = ""
    # Only the chat's own admins on its platform (linking a chat to a community).
    chat_admins_only: bool = False

    def __post_init__(self) -> None:
        if not COMMAND_NAME.match(self.name):
            raise ValueError(f"bad command name {self.name!r}")
        subject = self.rule.subject
        if subject is not None:  # (frozen: set once, here)
            object.__setattr__(self, "params", (subject.param, *self.params))
            object.__setattr__(self, "scope", subject.param.name)
        if any(p.kind is ParamKind.TEXT for p in self.params[:-1]):
            raise ValueError(f"/{self.name}: only the last parameter may take the rest of the line")
        if self.guided:
            form = self.form()
            for text in (form.title, *(f.label for f in form.fields)):
                if len(text) > FORM_TEXT_LIMIT:
                    raise ValueError(f"/{self.name}: {text!r} is too long for a form; shorten it")

    @property
    def needs_community(self) -> bool:
        """The command acts on the community of the chat (or, in a DM, the person's current
        community): so does every command whose rule names a role or a subject."""
        return self.rule.least is not None or self.rule.subject is not None

    @property
    def usage(self) -> str:
        return " ".join([f"/{self.name}", *(p.placeholder for p in self.params)])

    def form(self) -> Form:
        title = self.form_title or self.description
        return Form(self.name, title, self.form_fields(), private=self.form_in_private)

    def form_fields(self) -> tuple[FormField, ...]:
        return tuple(
            FormField(p.name, p.label or p.description, p.max_length, p.required, p.multiline)
            for p in (*self.params, *self.form_only)
            if p.kind is not ParamKind.ATTACHMENT
        )


class Registry:
    """Every command Moot knows, by name."""

    def __init__(self, commands: Iterable[Command] = ()) -> None:
        self._commands: dict[str, Command] = {}
        for command in commands:
            self.add(command)

    def add(self, command: Command) -> None:
        if command.name in self._commands:
            raise ValueError(f"/{command.name} is declared twice")
        self._commands[command.name] = command

    def get(self, name: str) -> Command | None:
        return self._commands.get(name)

    def all(self) -> list[Command]:
        return sorted(self._commands.values(), key=lambda c: c.name)
