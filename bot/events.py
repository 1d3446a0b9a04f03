"""The neutral vocabulary between Moot's core and its adapters.

Inbound: a command (with text arguments to parse, or typed options from a platform that parses
them itself), a button press, a form submission; each carries who and where. Outbound: replies
with text, buttons, an optional file and a visibility. Adapters render what they can and fall
back to text for the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum, auto

CONSOLE = "console"
DISCORD = "discord"
TELEGRAM = "telegram"


@dataclass(frozen=True)
class Actor:
    """Who did something: an account on one platform. Never identify anyone by `display_name`."""

    platform: str
    user_id: str
    display_name: str
    # The platform says this person administers the chat the event came from.
    is_chat_admin: bool = False


@dataclass(frozen=True)
class Place:
    """Where something happened."""

    platform: str
    chat_id: str
    title: str
    is_private: bool
    thread_id: str | None = None


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    content_type: str | None = None


ArgValue = str | int | Attachment


@dataclass(frozen=True)
class CommandInvoked:
    """`/name ...`. `text` holds typed-out arguments; `options` holds arguments a platform parsed."""

    actor: Actor
    place: Place
    name: str
    text: str = ""
    options: dict[str, ArgValue] | None = None
    attachments: tuple[Attachment, ...] = ()
    update_id: str | None = None


@dataclass(frozen=True)
class ButtonPressed:
    """A press on a button Moot sent; `button_id` is the button's typed-command equivalent."""

    actor: Actor
    place: Place
    button_id: str
    update_id: str | None = None
    # The message the button is on, where the platform says (a card Moot may have posted again).
    message_id: str | None = None


@dataclass(frozen=True)
class FormSubmitted:
    """Answers to a form: `form_id` is the command whose parameters the form asked for."""

    actor: Actor
    place: Place
    form_id: str
    values: dict[str, str]
    update_id: str | None = None


Inbound = CommandInvoked | ButtonPressed | FormSubmitted


class Visibility(Enum):
    CHAT = auto()  # everyone in the chat where the event happened
    ACTOR = auto()  # only the person who acted (ephemeral where the platform has it, else a DM)
    DIRECT = auto()  # a direct message


class ButtonStyle(Enum):
    PRIMARY = auto()
    SECONDARY = auto()
    DANGER = auto()


BUTTON_ID_MAX_BYTES = 64  # Telegram's callback data limit; Discord allows 100.


@dataclass(frozen=True)
class Button:
    """A button whose id is the command it runs, e.g. `approve 12`: typing `/approve 12` is the same."""

    label: str
    command: str
    style: ButtonStyle = ButtonStyle.SECONDARY

    def __post_init__(self) -> None:
        if len(self.command.encode()) > BUTTON_ID_MAX_BYTES:
            raise ValueError(f"button command too long for Telegram: {self.command!r}")


@dataclass(frozen=True)
class Menu:
    """A choice of one among several (a Discord select menu; buttons elsewhere). Each option is a
    button, so each has its typed-command equivalent."""

    placeholder: str
    options: tuple[Button, ...]


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    max_length: int
    required: bool = True
    multiline: bool = False


@dataclass(frozen=True)
class Form:
    """Questions to ask before a command can run; the answers come back as `FormSubmitted`."""

    form_id: str
    title: str
    fields: tuple[FormField, ...]
    # Ask in a direct conversation rather than in the group (where the platform has no pop-up form).
    private: bool = False


@dataclass(frozen=True)
class FileOut:
    filename: str
    data: bytes
    content_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Reply:
    text: str
    visibility: Visibility = Visibility.CHAT
    buttons: tuple[Button, ...] = ()
    file: FileOut | None = None
    form: Form | None = None
    menus: tuple[Menu, ...] = ()
    # Remove the message that asked, where the platform lets Moot (a secret vote typed in a
    # group shows everyone the choice). Platforms whose commands are not messages ignore it.
    removes_request: bool = False
    # The new state of the private message whose button or menu was pressed (a draft's preview,
    # a ballot being filled in): platforms that can replace that message do, instead of
    # stacking a new one under it.
    replaces_pressed: bool = False
    # Shows a secret ballot before it is cast (a confirmation, a ballot being filled in): it is
    # never kept in the store, not even for someone Moot cannot message yet (bot/held.py).
    holds_secret: bool = False

    @property
    def choices(self) -> tuple[Button, ...]:
        """Every button and menu option, for platforms that show menus as buttons."""
        return self.buttons + tuple(option for menu in self.menus for option in menu.options)


@dataclass(frozen=True)
class CalendarEvent:
    """A meeting as a platform's own calendar shows it (Discord's scheduled events)."""

    title: str
    starts_at: datetime
    ends_at: datetime
    location: str
    description: str
    cancelled: bool = False


@dataclass(frozen=True)
class DirectAddress:
    """Where an adapter can send one account a direct message."""

    platform: str
    user_id: str
    direct_chat_id: str | None = None


_MOMENT = re.compile(r"\u27e6time:(\d+)\|([^\u27e7]*)\u27e7")


def moment_marker(moment: datetime, fallback: str) -> str:
    """A moment inside reply text: adapters that can show each reader their own local time do
    (Discord), the others show `fallback` (the time in the community's zone)."""
    return f"\u27e6time:{int(moment.timestamp())}|{fallback}\u27e7"


def render_moments(text: str, show: Callable[[int, str], str] | None = None) -> str:
    """Replace moment markers: `show(epoch seconds, fallback)`, or the fallback text."""
    return _MOMENT.sub(lambda m: show(int(m.group(1)), m.group(2)) if show else m.group(2), text)
