"""Which roles may do what."""

from __future__ import annotations

from storage.models import Role

# Each role and the roles it includes: an admin can do everything, organisers and the repairs
# team can do what members can.
_INCLUDES: dict[Role, frozenset[Role]] = {
    Role.MEMBER: frozenset({Role.MEMBER}),
    Role.ORGANISER: frozenset({Role.ORGANISER, Role.MEMBER}),
    Role.REPAIRS: frozenset({Role.REPAIRS, Role.MEMBER}),
    Role.ADMIN: frozenset(Role),
}


def allows(have: Role | None, need: Role | None) -> bool:
    if need is None:
        return True
    return have is not None and need in _INCLUDES[have]


def as_title(role: Role) -> str:
    """A role as a sentence names it: "You are now on the repairs team in Elm Court"."""
    return {
        Role.MEMBER: "a member",
        Role.ORGANISER: "an organiser",
        Role.REPAIRS: "on the repairs team",
        Role.ADMIN: "an admin",
    }[role]


def describe(role: Role) -> str:
    return {
        Role.MEMBER: "members",
        Role.ORGANISER: "organisers",
        Role.REPAIRS: "the repairs team",
        Role.ADMIN: "admins",
    }[role]
