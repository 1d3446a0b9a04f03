"""Leases: work that must have one owner at a time among the Moot processes on one database (the
scheduler's timers, the outbox dispatcher of each platform) is held through a row of `lease`.

A holder takes a role when nobody holds it or its holder let it run out, and renews it well
before it runs out; a holder that dies simply stops renewing, and another process takes the role
once `expires_at` has passed. Each taking raises the role's `epoch`, so `moot status` and a
holder's renewal tell one holding from the next: a renewal names the epoch it took, and fails
once anyone else has taken the role since, however briefly. A holder also stops acting on its
own well before its lease can run out (bot/leases.py `holds`), and the work that must never be
done by a process that lost its role checks in its own transaction (the sealing of secret
ballots: bot/polls/sealing.py).

Times are the holders' own clocks, as seconds since 1970 (wall-clock time, never a test's
moved clock). Processes on different machines must keep their clocks within a few seconds of
each other (NTP does), since a lease runs `LEASE_SECONDS` and is renewed every
`RENEW_SECONDS`; docs/operating.md says so.

Every statement here is one of the store's write statements and works on both SQLite and
PostgreSQL (`INSERT … ON CONFLICT … DO UPDATE … WHERE … RETURNING`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Float, String, text
from sqlmodel import Field, Session, col, select

from storage.table import Table

ROLE_MAX = 64
HOLDER_MAX = 200


class Lease(Table, table=True):
    """Who holds a role, since when, until when, and at which epoch."""

    role: str = Field(primary_key=True, sa_type=String(ROLE_MAX))
    holder: str = Field(sa_type=String(HOLDER_MAX))
    epoch: int
    taken_at: float = Field(sa_type=Float())
    expires_at: float = Field(sa_type=Float())

    def live(self, now: float) -> bool:
        """Whether its holder still holds it at `now` (wall-clock seconds)."""
        return self.expires_at > now


@dataclass(frozen=True)
class Held:
    """A lease as its holder knows it: the role and the epoch it was taken at."""

    role: str
    holder: str
    epoch: int


_TAKE = text(
    "INSERT INTO lease (role, holder, epoch, taken_at, expires_at) "
    "VALUES (:role, :holder, 1, :now, :until) "
    "ON CONFLICT (role) DO UPDATE SET "
    "epoch = CASE WHEN lease.holder = excluded.holder THEN lease.epoch ELSE lease.epoch + 1 END, "
    "taken_at = CASE WHEN lease.holder = excluded.holder THEN lease.taken_at "
    "ELSE excluded.taken_at END, "
    "holder = excluded.holder, expires_at = excluded.expires_at "
    "WHERE lease.holder = excluded.holder OR lease.expires_at <= :now OR :force "
    "RETURNING epoch"
)
_RENEW = text(
    "UPDATE lease SET expires_at = :until "
    "WHERE role = :role AND holder = :holder AND epoch = :epoch AND expires_at > :now"
)
_RELEASE = text(
    "UPDATE lease SET expires_at = :now WHERE role = :role AND holder = :holder AND epoch = :epoch"
)


def take(
    session: Session, role: str, holder: str, now: float, seconds: float, *, force: bool = False
) -> Held | None:
    """Inside a write: take `role` for `seconds` from `now` if nobody else holds it (or its
    holder let it run out), or whoever holds it with `force` (the caller knows its holder is
    dead); None if someone else holds it. Taking a role one already holds renews it at the
    same epoch."""
    parameters = {"role": role, "holder": holder, "now": now, "until": now + seconds}
    epoch = session.execute(_TAKE, {**parameters, "force": force}).scalar()
    return None if epoch is None else Held(role, holder, int(epoch))


def renew(session: Session, held: Held, now: float, seconds: float) -> bool:
    """Inside a write: keep `held` for `seconds` more; False if it ran out or was taken over
    meanwhile (the holder must then stop the work at once)."""
    parameters = {"role": held.role, "holder": held.holder, "epoch": held.epoch}
    renewed = session.execute(_RENEW, {**parameters, "now": now, "until": now + seconds})
    return bool(renewed.rowcount)  # type: ignore[attr-defined]


def release(session: Session, held: Held, now: float) -> None:
    """Inside a write: give `held` up now, so another process may take it at once rather than
    when it would have run out."""
    session.execute(
        _RELEASE, {"role": held.role, "holder": held.holder, "epoch": held.epoch, "now": now}
    )


def holders(session: Session) -> list[Lease]:
    """Every role with its holder, for `moot status`, `/outbox` and the metrics."""
    return list(session.exec(select(Lease).order_by(col(Lease.role))))
