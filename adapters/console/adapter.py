"""The console adapter: one group chat, a direct-message inbox per resident, and `:` commands
that only the console has (switching resident, pressing buttons, moving the clock)."""

from __future__ import annotations

import asyncio
import errno
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from adapters.console.lines import LineSource
from adapters.console.render import reply_text
from bot.clock import ShiftedClock
from bot.core import Moot
from bot.events import (
    CONSOLE,
    Actor,
    Attachment,
    Button,
    ButtonPressed,
    CommandInvoked,
    DirectAddress,
    FileOut,
    Form,
    FormSubmitted,
    Inbound,
    Place,
    Reply,
    Visibility,
)
from bot.outlet import RefusedError
from bot.params import ParamKind
from bot.text import clean, one_line

GROUP = Place(CONSOLE, "console", "Console", is_private=False)
HOST = "Host"
NAME_LIMIT = 40
LONGEST_WAIT = timedelta(days=3650)
LARGEST_FILE = 20 * 1024 * 1024  # what a bot may download from Telegram
_TIME_OF_DAY = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")
# A line that ends a form instead of answering it: a Moot command, or a console command.
# A line that ends a form instead of answering it: a command (/name …) or a console command.
_NOT_AN_ANSWER = re.compile(r"^(?:/[a-z][a-z0-9_]*|:(?:as|dm|help|press|quit|time|wait))(?:\s|$)")

HELP = """Console commands:
  /command args   run a Moot command in the group chat
  :dm             show your direct messages      :dm /command   run a command privately
  :as NAME        speak as another resident (new names become accounts; Host is the chat admin)
  :press N        press button N of the last message shown
  :time 18:00     move the clock to the next 18:00 UTC; or a date: :time 2030-12-01T18:00
  :wait 2h        move the clock forward (d, h, m: e.g. 1d, 90m, 2h30m)
  :quit           leave"""


@dataclass
class _Resident:
    name: str
    inbox: list[Reply] = field(default_factory=list)
    unread: int = 0

    @property
    def user_id(self) -> str:
        return self.name.casefold()

    @property
    def dm_place(self) -> Place:
        return Place(CONSOLE, f"dm-{self.user_id}", f"{self.name} and Moot", is_private=True)


class ConsoleAdapter:
    platform = CONSOLE
    edit_interval = 0.0

    def __init__(
        self,
        lines: LineSource,
        out: TextIO,
        clock: ShiftedClock,
        files_dir: Path,
        *,
        interactive: bool = False,
    ) -> None:
        self._lines = lines
        self._out = out
        self._clock = clock
        self._files_dir = files_dir
        self._interactive = interactive
        self._residents: dict[str, _Resident] = {}
        self._me = self._resident(HOST)
        self._last_buttons: tuple[tuple[Button, ...], Place] = ((), GROUP)
        self._posted = 0
        # A command typed while a form was asking: it ends the form and runs next, as on Telegram.
        self._next_line: str | None = None

    # --- the session ------------------------------------------------------------------------

    async def run(self, moot: Moot) -> None:
        moot.attach(self)
        try:
            await self._converse(moot)
        finally:
            await moot.detach(CONSOLE)

    async def stop_receiving(self) -> None:
        """The console reads nothing more once it is stopping; nothing to do."""

    async def _converse(self, moot: Moot) -> None:
        if self._interactive:
            self._say(
                f"Moot console. You are {HOST}, admin of this chat. /help for Moot, :help here."
            )
        while True:
            line, self._next_line = self._next_line, None
            if line is None:
                line = await self._lines.read(f"{self._me.name}> ")
            if line is None or line.strip() == ":quit":
                break
            if not self._interactive and line.strip():  # a transcript reads as a conversation
                self._say(f"{self._me.name}> {line.strip()}")
            await self._line(moot, line.strip())
            # Deliveries run in the background; finish them so the next line sees their effect.
            await moot.drain()

    async def _line(self, moot: Moot, line: str) -> None:
        if not line:
            return
        if line.startswith("/"):
            await self._command(moot, line, GROUP)
        elif line.startswith(":"):
            await self._meta(moot, line)
        else:
            self._say("(Moot answers commands, which start with /. Try /help, or :help.)")

    async def _meta(self, moot: Moot, line: str) -> None:
        verb, _, rest = line[1:].partition(" ")
        rest = rest.strip()
        if verb == "as":
            self._switch(rest)
        elif verb == "press":
            await self._press(moot, rest)
        elif verb == "time":
            await self._set_time(rest)
        elif verb == "wait":
            await self._wait(rest)
        elif verb == "dm" and rest.startswith("/"):
            await self._command(moot, rest, self._me.dm_place)
        elif verb == "dm" and not rest:
            self._show_inbox()
        elif verb == "help":
            self._say(HELP)
        else:
            self._say(f"Unknown console command :{verb[:20]}. Type :help.")

    # --- inbound ----------------------------------------------------------------------------

    def _actor(self) -> Actor:
        return Actor(CONSOLE, self._me.user_id, self._me.name, is_chat_admin=self._me.name == HOST)

    async def _command(self, moot: Moot, line: str, place: Place) -> None:
        name, _, text = line[1:].partition(" ")
        name = name.lower()
        attachments: tuple[Attachment, ...] = ()
        command = moot.registry.get(name)
        if command and any(p.kind is ParamKind.ATTACHMENT for p in command.params):
            # The console has no uploads: a file parameter is typed as a path, after any other
            # parameters (`/photo 3 ~/leak.jpg`), so it is the last word when there are others.
            text, path = _split_path(text, len(command.params) > 1)
            if path:
                try:
                    attachments = (await asyncio.to_thread(_read_attachment, path),)
                except OSError as error:
                    self._say(f"Cannot read {path[:200]}: {error.strerror}.")
                    return
        event = CommandInvoked(self._actor(), place, name, text, attachments=attachments)
        await self._handle(moot, event)

    async def _press(self, moot: Moot, number: str) -> None:
        buttons, place = self._last_buttons
        if not (number.isdecimal() and len(number) <= 3) or not 1 <= int(number) <= len(buttons):
            self._say(
                f"The last message Moot showed has no button {number[:10]}"
                f" ({len(buttons)} button{'s' if len(buttons) != 1 else ''})."
                if buttons
                else "The last message Moot showed has no buttons to press."
            )
            return
        await self._handle(
            moot, ButtonPressed(self._actor(), place, buttons[int(number) - 1].command)
        )

    async def _handle(self, moot: Moot, event: Inbound) -> None:
        for reply in await moot.handle(event):
            if reply.form is not None:
                await self._ask(moot, reply.form, event.place)
            elif reply.visibility is Visibility.DIRECT:
                self._receive(self._me, reply)
            else:
                self._show(reply, event.place)

    async def _ask(self, moot: Moot, form: Form, place: Place) -> None:
        """The console's form: one prompt a field, answered by the next lines."""
        self._say(f"Moot (only to you): {form.title}")
        values: dict[str, str] = {}
        for form_field in form.fields:
            optional = "" if form_field.required else " (optional, Enter to skip)"
            if form_field.multiline:
                optional += " (one per line; an empty line ends)"
            answer = await self._answer(f"  {form_field.label}{optional}: ", form_field.multiline)
            if answer is None and self._next_line is not None:
                self._say(f"(form abandoned: {self._next_line.split()[0]} runs instead)")
                return
            if answer is None:
                self._say("(form abandoned)")
                return
            if answer.strip():
                values[form_field.name] = answer.strip()
        await self._handle(moot, FormSubmitted(self._actor(), place, form.form_id, values))

    async def _answer(self, prompt: str, multiline: bool) -> str | None:
        """One line, or for a multi-line field every line up to an empty one."""
        lines: list[str] = []
        while True:
            line = await self._lines.read(prompt if not lines else "  … ")
            if line is None:
                return None if not lines else "\n".join(lines)
            if _NOT_AN_ANSWER.match(line.strip()):  # a command, not an answer: it ends the form
                self._next_line = line
                return None
            if not self._interactive:
                self._say(f"{prompt.strip()} {line}".rstrip())
            if not multiline:
                return line
            if not line.strip():
                return "\n".join(lines)
            lines.append(line.strip())

    # --- console-only commands --------------------------------------------------------------

    def _switch(self, name: str) -> None:
        name = one_line(name)
        if not name or len(name) > NAME_LIMIT:
            self._say(f"Give a name of 1 to {NAME_LIMIT} characters: :as Alice")
            return
        self._me = self._resident(name)
        waiting = (
            f" You have {self._me.unread} unread direct message(s): :dm" if self._me.unread else ""
        )
        self._say(f"You are now {self._me.name}.{waiting}")

    async def _set_time(self, text: str) -> None:
        moment = self._moment(text.strip())
        if moment is None:
            self._say(
                "Give a time of day (:time 18:00, the next 18:00 UTC) or a date and time, "
                "2030-12-01T18:00 (UTC) or with an offset, 2030-12-01T18:00+01:00."
            )
            return
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        if moment <= self._clock.now():
            self._say("The console clock only moves forward.")
            return
        if moment - self._clock.now() > LONGEST_WAIT:
            self._say(f"The console clock moves at most {LONGEST_WAIT.days} days at a time.")
            return
        await self._clock.set(moment)
        self._say(f"(the time is now {self._clock.now():%a %d %b %Y %H:%M} UTC)")

    def _moment(self, text: str) -> datetime | None:
        """`18:00` (the next such time, UTC) or an ISO date and time; None if it is neither."""
        time_of_day = _TIME_OF_DAY.match(text)
        if time_of_day:
            now = self._clock.now()
            hour, minute = int(time_of_day.group(1)), int(time_of_day.group(2))
            moment = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
            return moment if moment > now else moment + timedelta(days=1)
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            return None

    async def _wait(self, text: str) -> None:
        match = _DURATION.match(text.replace(" ", ""))
        if not text or match is None or not any(match.groups()):
            self._say("Say how long: :wait 2h, :wait 90m, :wait 1d, :wait 2h30m.")
            return
        if any(len(g or "") > 6 for g in match.groups()):
            self._say(f"That is too long to wait; at most {LONGEST_WAIT.days} days.")
            return
        days, hours, minutes = (int(g or 0) for g in match.groups())
        wait = timedelta(days=days) + timedelta(hours=hours) + timedelta(minutes=minutes)
        if wait > LONGEST_WAIT:
            self._say(f"That is too long to wait; at most {LONGEST_WAIT.days} days.")
            return
        await self._clock.advance(wait)
        self._say(f"(the time is now {self._clock.now():%a %d %b %Y %H:%M} UTC)")

    def _show_inbox(self) -> None:
        if not self._me.inbox:
            self._say(f"({self._me.name} has no direct messages)")
            return
        for reply in self._me.inbox:
            self._show(reply, self._me.dm_place, speaker="Moot → DM")
        self._me.unread = 0

    # --- outbound (the core's outlet) -------------------------------------------------------

    async def send_to_chat(
        self, chat_id: str, reply: Reply, *, thread_id: str | None, key: str
    ) -> str:
        if chat_id != GROUP.chat_id:
            raise RefusedError("the console has only its one group chat")
        self._show(reply, GROUP)
        self._posted += 1
        return str(self._posted)

    async def edit_message(
        self, chat_id: str, message_id: str, reply: Reply, *, thread_id: str | None
    ) -> None:
        if chat_id != GROUP.chat_id:
            raise RefusedError("the console has only its one group chat")
        self._show(reply, GROUP, speaker=f"Moot (message {message_id} updated)")

    async def send_direct(self, address: DirectAddress, reply: Reply, *, key: str) -> str:
        resident = self._residents.get(address.user_id)
        if resident is None:
            raise RefusedError("they have not used this console yet")
        self._receive(resident, reply)
        return str(len(resident.inbox))

    def _receive(self, resident: _Resident, reply: Reply) -> None:
        resident.inbox.append(reply)
        if resident is self._me:
            self._show(reply, resident.dm_place, speaker="Moot → DM")
        else:
            resident.unread += 1

    def _show(self, reply: Reply, place: Place, speaker: str | None = None) -> None:
        self._say(reply_text(reply, speaker))
        if reply.file is not None:
            self._say(f"  📎 {reply.file.filename} saved to {self._save(reply.file)}")
        if reply.choices:
            self._last_buttons = (reply.choices, place)

    def _save(self, file: FileOut) -> Path:
        # Small files, written once per reply: not worth a thread.
        self._files_dir.mkdir(parents=True, exist_ok=True)
        stamp = self._clock.now().strftime("%Y%m%d-%H%M%S")
        name = Path(file.filename)
        path = self._files_dir / f"{stamp}-{name.name}"
        copy = 1
        while path.exists():  # two files in the same second never overwrite each other
            copy += 1
            path = self._files_dir / f"{stamp}-{name.stem}-{copy}{name.suffix}"
        path.write_bytes(file.data)
        return path

    def _resident(self, name: str) -> _Resident:
        key = name.casefold()
        if key not in self._residents:
            self._residents[key] = _Resident(name)
        return self._residents[key]

    def _say(self, text: str) -> None:
        # Whatever it echoes (a name, a path), no control, escape or bidi character reaches
        # the terminal. Output that arrives while the prompt waits (a reminder falling due) is
        # written above it, and the prompt shown again.
        if self._lines.write_above(clean(text)):
            return
        self._out.write(clean(text) + "\n")
        self._out.flush()


def _split_path(text: str, others: bool) -> tuple[str, str]:
    """(the other parameters, the file's path) from what was typed after the command."""
    if not others:
        return "", text.strip()
    rest, _, path = text.strip().rpartition(" ")
    return rest, path


def _read_attachment(path_text: str) -> Attachment:
    """A file named on the command line, read up to the size a platform would accept (so
    /dev/zero or a huge file cannot fill memory). Raises OSError saying why not."""
    if "\x00" in path_text:
        raise OSError(errno.EINVAL, "a file name cannot contain a NUL character")
    path = Path(path_text).expanduser()
    with path.open("rb") as file:
        data = file.read(LARGEST_FILE + 1)
    if len(data) > LARGEST_FILE:
        raise OSError(errno.EFBIG, f"it is larger than {LARGEST_FILE // 1024 // 1024} MB")
    return Attachment(path.name, data)
