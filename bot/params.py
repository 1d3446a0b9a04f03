"""A command's parameters and how its arguments are read: typed out after the command, pressed
on a button, or given by a platform's own parser (Discord's options, a form's answers). A bad
argument raises UsageError with the reason, which the core answers privately with the usage."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum, auto

from bot import refs
from bot.errors import UsageError
from bot.events import ArgValue, Attachment

MAX_TEXT_ARGUMENT = 500


class ParamKind(Enum):
    WORD = auto()  # one word (or "a quoted phrase")
    TEXT = auto()  # the rest of the line; only as the last parameter
    INTEGER = auto()
    REF = auto()  # a numbered thing: "7", or "3.7" (community 3's #7, as buttons write it)
    CHOICE = auto()  # one of `choices`
    ATTACHMENT = auto()  # a file sent with the command


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

    def missing(self, params: Sequence[Param]) -> list[Param]:
        return [p for p in params if p.required and p.name not in self._values]


def parse_text(params: Sequence[Param], text: str, attachments: tuple[Attachment, ...]) -> Args:
    """Parse typed-out arguments against a command's parameters; raise UsageError with the
    reason."""
    values: dict[str, str | int | Attachment] = {}
    remaining = text.strip()
    files = list(attachments)
    for param in params:
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


def parse_options(command: str, params: Sequence[Param], options: Mapping[str, ArgValue]) -> Args:
    """Check arguments a platform already parsed for `/command` (Discord options, form
    answers)."""
    known = {p.name: p for p in params}
    values: dict[str, str | int | Attachment] = {}
    for name, raw in options.items():
        param = known.get(name)
        if param is None:
            raise UsageError(f"/{command} has no option called {name!r}.")
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
