"""Commands are declared once here and every adapter derives its surface from the declarations:
Discord slash commands, the Telegram command list, the console help and `/help` itself."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum, auto
from typing import TYPE_CHECKING

from bot import refs
from bot.errors import UsageError
from bot.events import ArgValue, Attachment, Form, FormField
from storage.models import Role

if TYPE_CHECKING:
    from bot.context import Context

COMMAND_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_TEXT_ARGUMENT = 500


# The longest form title or question every platform shows whole (Discord's modal limit).
FORM_TEXT_LIMIT = 45


class ParamKind(Enum):
    WORD = auto()  # one word (or "a quoted phrase")
    TEXT = auto()  # the rest of the line; only as the last parameter
    INTEGER = auto()
    REF = auto()  # a numbered thing: "7", or "3.7" (community 3's #7, as buttons write it)
    CHOICE = auto()  # one of `choices`
    ATTACHMENT = auto()  # a file sent with the command


class Where(Enum):
    ANYWHERE = auto()
    GROUP = auto()  # a group chat (linked or not, see `needs_community`)
    PRIVATE = auto()


@dataclass(frozen=True)
class Param:
    name: str
    description: str
    kind: ParamKind = ParamKind.WORD
    required: bool = True
    choices: tuple[str, ...] = ()
    max_length: int = MAX_TEXT_ARGUMENT
    multiline: bool = False  # asked as a paragraph in forms
    # What a form asks, when the description is longer than a form label may be (45 characters
    # on Discord; FORM_TEXT_LIMIT).
    label: str = ""

    @property
    def placeholder(self) -> str:
        shown = "|".join(self.choices) if self.choices else self.name
        return f"<{shown}>" if self.required else f"[{shown}]"


Handler = Callable[["Context"], Awaitable[None]]


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    handler: Handler
    params: tuple[Param, ...] = ()
    # None: anyone, even someone who is not a member yet.
    role: Role | None = None
    where: Where = Where.ANYWHERE
    # The command acts on the community of the chat (or, in a DM, the person's current community).
    needs_community: bool = False
    # When required arguments are missing, ask for them with a form instead of failing.
    guided: bool = False
    # Fields only the guided form asks for (a typed command puts everything in its parameters).
    form_only: tuple[Param, ...] = ()
    # The guided form is a private conversation, not questions asked in the group.
    form_in_private: bool = False
    # A parameter naming a numbered thing ("7", or "3.7" on buttons: community 3's #7); when
    # it names a community, the command acts in that one (see bot/refs.py).
    scope: str | None = None
    # The guided form's title, when the description is longer than FORM_TEXT_LIMIT.
    form_title: str = ""
    # Only the chat's own admins on its platform (linking a chat to a community).
    chat_admins_only: bool = False
    # For a scoped command, whose check is made on the thing it names: the least role /help lists
    # it for, and what /help adds for those below organiser ("only polls you started").
    listed_for: Role | None = None
    own_note: str = ""

    def __post_init__(self) -> None:
        if not COMMAND_NAME.match(self.name):
            raise ValueError(f"bad command name {self.name!r}")
        if any(p.kind is ParamKind.TEXT for p in self.params[:-1]):
            raise ValueError(f"/{self.name}: only the last parameter may take the rest of the line")
        if self.role is not None and not self.needs_community:
            raise ValueError(f"/{self.name}: a role only means something inside a community")
        if (self.listed_for or self.own_note) and self.scope is None:
            raise ValueError(f"/{self.name}: listed_for is for scoped commands; use role")
        if self.guided:
            form = self.form()
            for text in (form.title, *(f.label for f in form.fields)):
                if len(text) > FORM_TEXT_LIMIT:
                    raise ValueError(f"/{self.name}: {text!r} is too long for a form; shorten it")

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


class Args:
    """A command's parsed arguments, with typed accessors for handlers."""

    def __init__(self, values: Mapping[str, ArgValue]) -> None:
        self._values = dict(values)

    def text(self, name: str) -> str:
        value = self._values[name]
        assert isinstance(value, str)
        return value

    def optional_text(self, name: str) -> str | None:
        value = self._values.get(name)
        assert value is None or isinstance(value, str)
        return value

    def integer(self, name: str) -> int:
        value = self._values[name]
        assert isinstance(value, int)
        return value

    def attachment(self, name: str) -> Attachment:
        value = self._values[name]
        assert isinstance(value, Attachment)
        return value

    def missing(self, command: Command) -> list[Param]:
        return [p for p in command.params if p.required and p.name not in self._values]


def parse_text(command: Command, text: str, attachments: tuple[Attachment, ...]) -> Args:
    """Parse typed-out arguments against the declaration; raise UsageError with the reason."""
    values: dict[str, str | int | Attachment] = {}
    remaining = text.strip()
    files = list(attachments)
    for param in command.params:
        if param.kind is ParamKind.ATTACHMENT:
            if files:
                values[param.name] = files.pop(0)
            continue
        if not remaining:
            continue
        if param.kind is ParamKind.TEXT:
            raw, remaining = remaining, ""
        else:
            match = re.match(r'\s*("([^"]*)"|\S+)\s*', remaining)
            assert match is not None
            raw = match.group(2) if match.group(2) is not None else match.group(1)
            if match.group(1).startswith('"') and match.group(2) is None:
                raise UsageError('An opening " has no closing one.')
            remaining = remaining[match.end() :]
        values[param.name] = convert(param, raw)
    if remaining:
        raise UsageError(f"Too many arguments: {remaining[:40]!r} was not expected.")
    return Args(values)


def parse_options(command: Command, options: Mapping[str, ArgValue]) -> Args:
    """Check arguments a platform already parsed (Discord options, form answers)."""
    known = {p.name: p for p in (*command.params, *command.form_only)}
    values: dict[str, str | int | Attachment] = {}
    for name, raw in options.items():
        param = known.get(name)
        if param is None:
            raise UsageError(f"/{command.name} has no option called {name!r}.")
        if isinstance(raw, str):
            if raw.strip() == "" and not param.required:
                continue
            values[name] = convert(param, raw)
        elif (isinstance(raw, int) and param.kind is ParamKind.INTEGER) or (
            isinstance(raw, Attachment) and param.kind is ParamKind.ATTACHMENT
        ):
            values[name] = raw
        else:
            raise UsageError(f"{param.placeholder} was given the wrong kind of value.")
    return Args(values)


def convert(param: Param, raw: str) -> str | int:
    raw = raw.strip()
    if param.kind is ParamKind.REF:
        if not refs.is_ref(raw):
            raise UsageError(f"{param.placeholder} must be a number like 7, not {raw[:40]!r}.")
        return raw
    if param.kind is ParamKind.INTEGER:
        if not re.fullmatch(r"#?\d{1,12}", raw):
            raise UsageError(f"{param.placeholder} must be a whole number, not {raw[:40]!r}.")
        return int(raw.lstrip("#"))
    if param.kind is ParamKind.CHOICE:
        lowered = raw.lower()
        if lowered not in param.choices:
            raise UsageError(f"{param.placeholder}: {raw[:40]!r} is not one of the choices.")
        return lowered
    if param.kind is ParamKind.ATTACHMENT:
        raise UsageError(f"{param.placeholder} must be a file sent with the command.")
    if len(raw) > param.max_length:
        raise UsageError(
            f"{param.placeholder} is {len(raw)} characters long; the limit is {param.max_length}."
        )
    if not raw:
        raise UsageError(f"{param.placeholder} cannot be empty.")
    return raw
