"""Many polls' tallies read at once, for the web's lists of polls: the same figures
`views.tally` gives one poll, from a few grouped queries instead of several per poll."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import TextClause, bindparam, text
from sqlmodel import Session, col, select

from bot import roles
from bot.polls.ballots import decode
from bot.polls.views import PollView, Tally, thaw
from storage.models import Membership, MembershipStatus, Role
from storage.polls import Electorate, PaperTally, PollElector, PollKind, PollStatus


def _each(sql: str) -> TextClause:
    return text(sql).bindparams(bindparam("polls", expanding=True))


_COUNTS = {
    False: _each("SELECT poll_id, choice, votes FROM pollcount WHERE poll_id IN :polls"),
    True: _each(
        "SELECT poll_id, choice, count(*) FROM secretballot WHERE poll_id IN :polls "
        "GROUP BY poll_id, choice"
    ),
}
_MARKS = {
    False: _each("SELECT poll_id, marks FROM vote WHERE poll_id IN :polls"),
    True: _each("SELECT poll_id, marks FROM secretballot WHERE poll_id IN :polls"),
}
_TURNOUTS = {
    False: _each("SELECT poll_id, count(*) FROM vote WHERE poll_id IN :polls GROUP BY poll_id"),
    True: _each("SELECT poll_id, count(*) FROM voterroll WHERE poll_id IN :polls GROUP BY poll_id"),
}
# As views._MEMBERS_WHO_VOTED, for many polls: `everyone` picks the polls whose electorate is a
# role (any member who voted may be outside it), the rest only count members who left.
_MEMBERS_WHO_VOTED = {
    secret: text(
        f"SELECT v.poll_id, m.person_id FROM membership m CROSS JOIN {table} v "
        "WHERE v.poll_id IN :polls AND v.person_id = m.person_id "
        "AND m.community_id = :community AND (m.status != :active OR v.poll_id IN :everyone)"
    ).bindparams(bindparam("polls", expanding=True), bindparam("everyone", expanding=True))
    for secret, table in ((False, "vote"), (True, "voterroll"))
}
_VOTED = _each("SELECT poll_id FROM vote WHERE person_id = :person AND poll_id IN :polls")


def tallies(session: Session, views: Sequence[PollView]) -> dict[int, Tally]:
    """Each poll's tally by its id, as `views.tally` would give it; the polls are one
    community's (a page's)."""
    found = {v.id: thaw(v.poll.final_tally) for v in views if v.poll.final_tally is not None}
    live = [v for v in views if v.poll.final_tally is None]
    if not live:
        return found
    run = session.connection().execute
    counts: dict[int, dict[int, int]] = defaultdict(dict)
    ballots: dict[int, list[tuple[int, ...]]] = defaultdict(list)
    online: dict[int, int] = {}
    for secret in (False, True):
        chosen = _ids(v for v in live if _by_choice(v) and bool(v.poll.secret) is secret)
        marked = _ids(v for v in live if not _by_choice(v) and bool(v.poll.secret) is secret)
        if chosen:
            for poll_id, choice, n in run(_COUNTS[secret], {"polls": chosen}):
                if choice is not None:
                    counts[poll_id][int(choice)] = int(n)
        if marked:
            for poll_id, marks in run(_MARKS[secret], {"polls": marked}):
                ballots[poll_id].append(decode(None, marks))
        # A secret ballot's turnout counts the ballots still waiting to be sealed, too.
        turned_out = marked + chosen if secret else marked
        if turned_out:
            online.update({p: int(n) for p, n in run(_TURNOUTS[secret], {"polls": turned_out})})
    paper = _paper(session, _ids(live))
    sizes = _electorate_sizes(session, live)
    for view in live:
        poll_id = view.id
        if _by_choice(view):
            got = counts.get(poll_id, {})
            voted = online.get(poll_id, 0) if view.poll.secret else sum(got.values())
        else:
            marks = ballots.get(poll_id, [])
            voted = online.get(poll_id, 0)
            got = (
                dict(Counter(o for b in marks for o in set(b)))
                if view.kind is not PollKind.SCORE
                else {}
            )
        paper_ballots, paper_counts = paper.get(poll_id, (0, Counter()))
        found[poll_id] = Tally(
            voted,
            got,
            ballots.get(poll_id, []),
            paper_ballots,
            dict(paper_counts),
            sizes[poll_id],
        )
    return found


def voted_in(session: Session, poll_ids: list[int], person_id: int | None) -> set[int]:
    """The polls (of those given) this person has voted in."""
    if person_id is None or not poll_ids:
        return set()
    rows = session.connection().execute(_VOTED, {"person": person_id, "polls": poll_ids})
    return {int(poll_id) for (poll_id,) in rows}


def _by_choice(view: PollView) -> bool:
    return view.kind in (PollKind.SINGLE, PollKind.PROPOSAL)


def _ids(views: Iterable[PollView]) -> list[int]:
    return [v.id for v in views]


def _paper(session: Session, poll_ids: list[int]) -> dict[int, tuple[int, Counter[int]]]:
    found: dict[int, tuple[int, Counter[int]]] = {}
    for entry in session.exec(select(PaperTally).where(col(PaperTally.poll_id).in_(poll_ids))):
        ballots, counts = found.get(entry.poll_id, (0, Counter()))
        counts.update({int(k): v for k, v in json.loads(entry.counts).items()})
        found[entry.poll_id] = (ballots + entry.ballots, counts)
    return found


def _electorate_sizes(session: Session, views: list[PollView]) -> dict[int, int]:
    """As `views.electorate_size` for each poll: the community's members read once, the
    registers and the voters who left in one query each."""
    sizes = {v.id: v.poll.electorate_size for v in views if v.poll.electorate_size is not None}
    counted = [v for v in views if v.poll.electorate_size is None]
    if not counted:
        return sizes
    registered = [v for v in counted if _on_register(v)]
    eligible: dict[int, set[int]] = {v.id: set() for v in registered}
    if registered:
        for poll_id, person in session.exec(
            select(PollElector.poll_id, PollElector.person_id).where(
                col(PollElector.poll_id).in_(_ids(registered))
            )
        ):
            eligible[poll_id].add(person)
    by_members = [v for v in counted if not _on_register(v)]
    if by_members:
        community_id = by_members[0].poll.community_id
        members = list(
            session.exec(
                select(Membership.person_id, Membership.role).where(
                    Membership.community_id == community_id,
                    Membership.status == MembershipStatus.ACTIVE,
                )
            )
        )
        for view in by_members:
            needed = _role_needed(view)
            eligible[view.id] = {p for p, role in members if roles.allows(Role(role), needed)}
    outside = _voted_outside(
        session, [v for v in counted if v.poll.electorate != Electorate.REGISTER]
    )
    for view in counted:
        sizes[view.id] = len(eligible[view.id]) + len(outside[view.id] - eligible[view.id])
    return sizes


def _on_register(view: PollView) -> bool:
    return view.poll.electorate == Electorate.REGISTER and view.status in (
        PollStatus.OPEN,
        PollStatus.CLOSED,
    )


def _role_needed(view: PollView) -> Role | None:
    poll = view.poll
    if poll.electorate == Electorate.ROLE and poll.electorate_role:
        return Role(poll.electorate_role)
    return None


def _voted_outside(session: Session, views: list[PollView]) -> dict[int, set[int]]:
    """Each poll's voting members who left or (for a role's poll) any who voted; less the
    electorate, those are the voters outside it (views._voted_outside)."""
    found: dict[int, set[int]] = defaultdict(set)
    for secret in (False, True):
        these = [v for v in views if bool(v.poll.secret) is secret]
        if not these:
            continue
        rows = session.connection().execute(
            _MEMBERS_WHO_VOTED[secret],
            {
                "polls": _ids(these),
                "community": these[0].poll.community_id,
                "active": MembershipStatus.ACTIVE.value,
                "everyone": _ids(v for v in these if v.poll.electorate == Electorate.ROLE),
            },
        )
        for poll_id, person in rows:
            found[int(poll_id)].add(int(person))
    return found
