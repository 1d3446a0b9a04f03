"""Who may use a command: one declared rule per command, which the core applies, /help reads and
tests/test_permissions.py checks against its table of expected outcomes.

A rule says the least role that may use the command here at all (`least`: below it the core
refuses before showing any form, and /help does not list it) and, for a command on one numbered
thing, how that thing is found (its `Subject`) and what is checked on it (`check`). The core
finds the thing, applies the check and only then runs the handler, which reads what was found
with `subject.of(ctx)`.

Finding is part of access: a subject's finder answers "There is no poll #7 here" for anything the
person may not see (someone else's draft, another tenant's repair report, another community's
meeting), so a refusal never tells them that it exists. What must still hold when the change is
written (the electorate at the moment of a vote, a poll still open, the last admin kept) is
checked inside the service's transaction by functions named `check_…`, not here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from bot import roles
from bot.params import Args, Param
from storage.models import Role

if TYPE_CHECKING:
    from bot.context import Context

T = TypeVar("T")


@dataclass(frozen=True)
class Asker:
    """The person a rule judges, as they stand in the community the command acts in."""

    person_id: int
    role: Role | None  # None: a visitor to one of the community's chats
    community_name: str


@dataclass(frozen=True)
class Subject(Generic[T]):
    """The numbered thing a command names before its other parameters: the parameter, what
    finding it gives, and how it is found for the person asking (a UserError saying it does not
    exist when they may not see it)."""

    param: Param
    kind: type[T]
    find: Callable[[Context], Awaitable[T]]

    def of(self, ctx: Context) -> T:
        """The thing the core found for this command before running its handler."""
        found = ctx.subject
        assert isinstance(found, self.kind), f"no {self.param.name} was found for this command"
        return found


# Why the asker may not use the command on this thing with these arguments, or None.
Check = Callable[[Asker, T, Args], str | None]


@dataclass(frozen=True)
class Rule(Generic[T]):
    """Who may use a command (see the module's docstring)."""

    least: Role | None = None
    subject: Subject[T] | None = None
    check: Check[T] | None = None
    # What /help adds for people whose use depends on the thing ("only polls you started"):
    # everyone below `always_for`, the least role the check always lets through (None: everyone).
    note: str = ""
    always_for: Role | None = None

    def lists_for(self, role: Role | None) -> bool:
        """Whether someone with this role here may use the command (on some things, for a
        command with a check)."""
        return roles.allows(role, self.least)

    def note_for(self, role: Role | None) -> str:
        always = self.always_for is not None and roles.allows(role, self.always_for)
        return "" if always else self.note

    def refusal(self, asker: Asker, found: Any, args: Args) -> str | None:
        """Why the asker may not go on with what the core found (None when nothing was to
        find), or None."""
        return self.check(asker, found, args) if self.check is not None else None

    def on(
        self,
        subject: Subject[Any],
        check: Check[Any] | None = None,
        *,
        note: str = "",
        always_for: Role | None = None,
    ) -> Rule[Any]:
        """This rule's role, for a command on `subject`."""
        return Rule(self.least, subject, check, note, always_for)

    def checking(self, check: Check[None], *, note: str = "") -> Rule[None]:
        """This rule's role, and a check on the arguments (a command on no one thing)."""
        return Rule(self.least, None, check, note)


ANYONE: Rule[Any] = Rule()  # even someone who is not a member yet
MEMBERS: Rule[Any] = Rule(Role.MEMBER)
ORGANISERS: Rule[Any] = Rule(Role.ORGANISER)
REPAIRS_TEAM: Rule[Any] = Rule(Role.REPAIRS)
ADMINS: Rule[Any] = Rule(Role.ADMIN)


def refused_below(role: Role, community_name: str, command: str) -> str:
    """The refusal for someone whose role is below the command's least."""
    join = "; send /join first" if role is Role.MEMBER else ""
    return f"Only {roles.describe(role)} of {community_name} can use /{command}{join}."
