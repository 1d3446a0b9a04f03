"""What happens to a repair report, inside the writes that change it.

Every step is an event on the report's timeline. Each one the tenant should know about goes to
them by direct message on the platform they reported from, through the outbox; internal notes
never do. A tenant Moot cannot reach is named in the triage chat, so someone phones them. The
team's card in the triage chat is live: it shows the report as it stands when it is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot import roles
from bot.community.service import active_member
from bot.errors import UserError
from bot.events import Reply
from bot.numbers import next_number
from bot.outbox import queue as outbox
from bot.outbox.queue import Message
from bot.repairs import homes, render, stats, statuses
from bot.repairs.clocks import (
    DEFAULT_TARGETS,
    Nation,
    Priority,
    Target,
    read_targets,
    store_targets,
    working_day_before,
)
from bot.repairs.photos import CleanPhoto
from bot.repairs.spec import AWAAB, FIRST_PRIORITY, HOME, ReportSpec
from bot.repairs.views import SETTLED, ReportView, emergency_step, load, reference, settings_of
from bot.scheduler import reschedule, unschedule
from bot.text import clean
from storage.locking import locked, locked_one
from storage.models import Chat, Community, Membership, MembershipStatus, Person, Role
from storage.outbox import DeliveryStatus, OutboxEntry
from storage.repairs import (
    DETAIL_MAX,
    RepairEvent,
    RepairPause,
    RepairPhoto,
    RepairReport,
    RepairSettings,
    RepairStatus,
    RepairSupporter,
)

CARD = "repair-card"
NUMBER_KIND = "repair"
NO_ACCESS_REASON = "no access at the visit"
FINISHED = render.FINISHED  # closed, or withdrawn by the tenant: nothing more to do
DUE_SOON_JOB, OVERDUE_JOB = "repairs.due_soon", "repairs.overdue"
VISIT_JOB = "repairs.visit_reminder"
DIGEST_JOB = "repairs.digest"
DIGEST_HOUR = 9  # local time on the first of each month
VISIT_NOTICE = timedelta(days=1)


def report(
    session: Session,
    community_id: int,
    person_id: int,
    platform: str,
    spec: ReportSpec,
    now: datetime,
) -> str:
    """File a report; the receipt the tenant gets at once. The triage chat, if there is one,
    gets the team's card."""
    location, home_id = homes.where_reported(session, community_id, person_id, spec.location)
    number = next_number(session, community_id, NUMBER_KIND)
    filed = RepairReport(
        community_id=community_id,
        number=number,
        reporter_person_id=person_id,
        platform=platform,
        category=spec.category,
        location=location,
        home_id=home_id,
        description=spec.description,
        access=spec.access,
        vulnerability=spec.vulnerability,
        priority=FIRST_PRIORITY[spec.category],
        reported_at=now,
    )
    session.add(filed)
    session.flush()
    assert filed.id is not None
    _event(session, filed, person_id, "reported", "", now)
    _keep_target(session, load(session, filed.id), now)
    settings = settings_of(session, community_id)
    if settings.next_digest_at is None:
        _arm_digest(session, settings, now)
    if settings.triage_platform is not None and settings.triage_chat_id is not None:
        _post_card(session, filed, settings, now)
    else:  # no triage chat yet: the team hears by direct message, and gets the card later
        outbox.tell(
            session,
            [p for p in team(session, community_id) if p != person_id],
            Message(
                f"repair {reference(number)}",
                live=_card_message(filed).live,
                about=f"{TEAM_NEWS}:{filed.id}",
            ),
            now,
            community_id=community_id,
        )
        session.flush()
    reached = team_reached(session, filed.id)
    if not reached:
        _nobody_heard(session, filed, now, tell_tenant=False)
    return render.receipt(load(session, filed.id), team_reached=reached)


TEAM_NEWS = "repair-team"
NOBODY_HEARD = "team not reached"


def team(session: Session, community_id: int) -> list[int]:
    """The repairs team: active members with the repairs role, and admins."""
    return list(
        session.exec(
            select(Membership.person_id).where(
                Membership.community_id == community_id,
                Membership.status == MembershipStatus.ACTIVE,
                col(Membership.role).in_([Role.REPAIRS, Role.ADMIN]),
            )
        )
    )


def team_reached(session: Session, report_id: int) -> bool:
    """Whether the report has reached someone on the team, or still may: its card in the
    triage chat, or a direct message to one of them, that has not failed."""
    filed = session.get_one(RepairReport, report_id)
    if filed.card_delivery_id is not None:
        card = session.get_one(OutboxEntry, filed.card_delivery_id)
        if card.status != DeliveryStatus.FAILED:
            return True
    return (
        session.exec(
            select(OutboxEntry.id).where(
                OutboxEntry.about == f"{TEAM_NEWS}:{report_id}",
                col(OutboxEntry.status).in_([DeliveryStatus.PENDING, DeliveryStatus.SENT]),
            )
        ).first()
        is not None
    )


def team_unreachable(session: Session, entry: OutboxEntry, now: datetime) -> None:
    """A direct message to the team about a new report failed for good. When nobody on the
    team has the report or still may, the truth is told: the community's chats are asked for
    a triage chat, and the tenant hears that the report waits (once)."""
    report_id = int((entry.about or "").partition(":")[2])
    filed = locked_one(session, RepairReport, report_id)  # failures landing at once: told once
    if not team_reached(session, report_id):
        _nobody_heard(session, filed, now, tell_tenant=True)


def _nobody_heard(
    session: Session, filed: RepairReport, now: datetime, *, tell_tenant: bool
) -> None:
    """No triage chat, and nobody on the team can get a direct message: ask in the
    community's chats (naming no tenant) for a triage chat, and tell the tenant (unless their
    receipt says so already). Once per report."""
    assert filed.id is not None
    said = session.exec(
        select(RepairEvent.id).where(
            RepairEvent.report_id == filed.id, RepairEvent.kind == NOBODY_HEARD
        )
    ).first()
    if said is not None:
        return
    _event(session, filed, None, NOBODY_HEARD, "", now, internal=True)
    community = session.get_one(Community, filed.community_id)
    for chat in session.exec(select(Chat).where(Chat.community_id == filed.community_id)):
        outbox.post(
            session,
            platform=chat.platform,
            chat_id=chat.platform_chat_id,
            message=Message(
                "a call for a triage chat", reply=Reply(render.nobody_heard(community.name))
            ),
            now=now,
            community_id=filed.community_id,
        )
    if tell_tenant:
        outbox.direct(
            session,
            filed.reporter_person_id,
            Message(
                f"news of repair {reference(filed.number)}",
                reply=Reply(render.not_passed_on(load(session, filed.id))),
            ),
            now,
            community_id=filed.community_id,
            prefer=filed.platform,
        )


def _post_card(
    session: Session,
    filed: RepairReport,
    settings: RepairSettings,
    now: datetime,
    requested_by: int | None = None,
) -> None:
    """The team's live card for the report, in the triage chat."""
    assert settings.triage_platform is not None
    assert settings.triage_chat_id is not None
    card = outbox.post(
        session,
        platform=settings.triage_platform,
        chat_id=settings.triage_chat_id,
        thread_id=settings.triage_thread_id,
        message=_card_message(filed),
        now=now,
        community_id=filed.community_id,
        requested_by=requested_by,
    )
    session.flush()
    filed.card_delivery_id = card.id


def schedule_visit(
    session: Session, report_id: int, visit_at: datetime, actor_id: int, now: datetime
) -> None:
    """Book (or move) a visit: the tenant is told now and reminded the day before."""
    filed = locked_one(session, RepairReport, report_id)
    if filed.visit_at == visit_at and filed.status == RepairStatus.VISIT:
        raise UserError(f"The visit for {reference(filed.number)} is at that time already.")
    filed.visit_at = visit_at
    change_status(session, report_id, RepairStatus.VISIT, None, actor_id, now, again=True)
    subject = f"report:{report_id}"
    if visit_at - VISIT_NOTICE > now:
        reschedule(
            session,
            VISIT_JOB,
            subject,
            visit_at - VISIT_NOTICE,
            {"report": report_id, "visit": visit_at.isoformat()},
        )
    else:
        unschedule(session, VISIT_JOB, subject)


def remind_visit(session: Session, report_id: int, visit: str, now: datetime) -> None:
    """The day before a visit, tell the tenant again (unless it moved or the report moved on)."""
    filed = locked_one(session, RepairReport, report_id)
    if (
        filed.status != RepairStatus.VISIT
        or filed.visit_at is None
        or filed.visit_at.isoformat() != visit
    ):
        return
    # Everyone who follows it (a communal problem's "me too"s too); one who cannot be reached
    # is named in the triage chat, like any other step.
    view = load(session, report_id)
    _tell_tenant(session, view, Reply(render.visit_reminder(view)), now, None)


def change_status(
    session: Session,
    report_id: int,
    status: RepairStatus,
    said: str | None,
    actor_id: int,
    now: datetime,
    *,
    again: bool = False,
) -> ReportView:
    """Move the report on, as the transition table (`statuses.TABLE`) allows and says, and tell
    the tenant; the report as it now stands. A move the table does not allow is refused before
    anything changes. `again`: the same status set afresh (a visit moved)."""
    filed = locked_one(session, RepairReport, report_id)
    refused = statuses.refusal(
        reference(filed.number), filed.number, filed.status, status, said, again=again
    )
    if refused is not None:
        raise UserError(refused)
    move = statuses.Move(filed.status, status)
    if move.ends_pause:
        for pause in _open_pauses(session, report_id):
            pause.ended = now
    if move.begins_pause:
        session.add(RepairPause(report_id=report_id, began=now, reason=NO_ACCESS_REASON))
    filed.status = status
    if move.closes:
        filed.closed_at = now
    if move.clears_fix:
        filed.fixed_at, filed.fix_hours, filed.fixed_on_time = None, None, None
    _event(session, filed, actor_id, status.value, said or "", now)
    session.flush()
    # The one load of the report in the move: after the status, its pauses and the event are
    # written, so it shows the report as it now stands. What follows changes only the report's
    # own fields (the fix, the target), which the view shares, not what it worked out.
    view = load(session, report_id)
    if move.records_fix:
        _record_fix(view, now)
    if move.moves_target or (filed.priority == AWAAB and filed.investigated_at is not None):
        _keep_target(session, view, now)  # settled, back open, paused, on, or a step met
    _tell_tenant(
        session,
        view,
        Reply(render.tenant_update(view, status, said), buttons=render.tenant_buttons(view)),
        now,
        actor_id,
    )
    _edit_card(session, filed, now)
    return view


def confirm_fixed(session: Session, report_id: int, fixed: bool, now: datetime) -> None:
    """The tenant answers "Is it fixed?": yes closes the report, no reopens it for the team
    (and the triage chat hears so)."""
    filed = locked_one(session, RepairReport, report_id)
    ref = reference(filed.number)
    if filed.status != RepairStatus.FIXED:
        raise UserError(f"{ref} is not marked fixed, so there is nothing to confirm.")
    if fixed:
        filed.status, filed.closed_at = RepairStatus.CLOSED, now
        _event(session, filed, filed.reporter_person_id, "confirmed fixed", "", now)
    else:
        filed.status, filed.fixed_at = RepairStatus.REPORTED, None
        filed.fix_hours, filed.fixed_on_time = None, None
        _event(session, filed, filed.reporter_person_id, "reopened", "the tenant says not", now)
        _keep_target(session, load(session, report_id), now)
        _tell_triage(session, filed, f"🔁 {ref} is reopened: the tenant says it is not fixed.", now)
    session.flush()
    _edit_card(session, filed, now)


def set_priority(
    session: Session, report_id: int, priority: Priority, actor_id: int, now: datetime
) -> None:
    filed = locked_one(session, RepairReport, report_id)
    ref = reference(filed.number)
    if filed.status in FINISHED:
        raise UserError(f"{ref} is {render.STATUS_WORDS[filed.status]}.")
    if filed.priority == priority.value:
        raise UserError(f"{ref} is {priority.value} already.")
    filed.priority = priority.value
    _told_step(session, filed, actor_id, "priority", priority.value, render.priority_update, now)


def assign(
    session: Session, report_id: int, member_number: int, actor_id: int, now: datetime
) -> str:
    """Give the report to a member of the repairs team, who is told; their name."""
    filed = locked_one(session, RepairReport, report_id)
    ref = reference(filed.number)
    if filed.status in FINISHED:
        raise UserError(f"{ref} is {render.STATUS_WORDS[filed.status]}.")
    member = active_member(session, filed.community_id, member_number)
    if member is None or not roles.allows(Role(member.role), Role.REPAIRS):
        raise UserError(
            f"Member #{member_number} is not on the repairs team here (an admin gives the role "
            "with /role N repairs)."
        )
    name = session.get_one(Person, member.person_id).name
    if filed.assignee_person_id == member.person_id:
        raise UserError(f"{ref} is assigned to {name} already.")
    filed.assignee_person_id = member.person_id
    session.flush()
    _event(session, filed, actor_id, "assigned", name, now)
    view = load(session, report_id)
    outbox.direct(
        session,
        member.person_id,
        Message(f"repair {ref} assigned to you", reply=Reply(render.assigned(view))),
        now,
        community_id=filed.community_id,
        requested_by=actor_id,
    )
    _edit_card(session, filed, now)
    return name


def alert(session: Session, report_id: int, due: str, overdue: bool, now: datetime) -> None:
    """A target is a working day away, or passed: the triage chat and the assignee hear, once
    per target. An alert armed for a target that has since moved, for a report settled
    meanwhile, or for a target it was already sent for (moved away and back), says nothing."""
    locked_one(session, RepairReport, report_id)  # sent once, however many processes run it
    view = load(session, report_id)
    current, filed = view.due, view.report
    if filed.status in SETTLED or current is None or current.isoformat() != due:
        return
    told = filed.overdue_told_for if overdue else filed.due_soon_told_for
    if told == current:
        return
    if overdue:
        filed.overdue_told_for = current
    else:
        filed.due_soon_told_for = current
    session.add(filed)
    text = render.overdue(view) if overdue else render.due_soon(view)
    _tell_triage(session, view.report, text, now)
    if view.report.assignee_person_id is not None:
        outbox.direct(
            session,
            view.report.assignee_person_id,
            Message(f"a target for repair {view.reference}", reply=Reply(text)),
            now,
            community_id=view.report.community_id,
        )


def post_digest(session: Session, community_id: int, due: str, now: datetime) -> None:
    """The month's repairs figures, posted in every chat of the community but the triage chat,
    and the next digest armed."""
    settings = settings_of(session, community_id)
    if settings.next_digest_at is None or settings.next_digest_at.isoformat() != due:
        return
    figures = stats.gather(session, community_id, now)
    zone = ZoneInfo(session.get_one(Community, community_id).timezone)
    month = (now.astimezone(zone).replace(day=1) - timedelta(days=1)).strftime("%B %Y")
    text = f"📋 Monthly repairs digest, to the end of {month}\n" + stats.render(figures)
    for chat in session.exec(select(Chat).where(Chat.community_id == community_id)):
        if (chat.platform, chat.platform_chat_id) == (
            settings.triage_platform,
            settings.triage_chat_id,
        ):
            continue
        outbox.post(
            session,
            platform=chat.platform,
            chat_id=chat.platform_chat_id,
            message=Message("the monthly repairs digest", reply=Reply(text)),
            now=now,
            community_id=community_id,
        )
    _arm_digest(session, settings, now)


def _arm_digest(session: Session, settings: RepairSettings, now: datetime) -> None:
    zone = ZoneInfo(session.get_one(Community, settings.community_id).timezone)
    local = now.astimezone(zone)
    first = (local.replace(day=1) + timedelta(days=32)).replace(day=1)
    due = datetime(first.year, first.month, 1, DIGEST_HOUR, tzinfo=zone).astimezone(now.tzinfo)
    settings.next_digest_at = due
    session.add(settings)
    reschedule(
        session,
        DIGEST_JOB,
        f"community:{settings.community_id}",
        due,
        {"community": settings.community_id, "due": due.isoformat()},
    )


def _record_fix(view: ReportView, now: datetime) -> None:
    """How long it took, and whether within its target as it stood (for the statistics): under
    Awaab's Law with every step met, whether each step was met by its date."""
    filed, due = view.report, view.due
    filed.fixed_at = now
    filed.fix_hours = (now - filed.reported_at).total_seconds() / 3600
    if view.steps_met:
        filed.fixed_on_time = view.steps_met_in_time(now)
    else:
        filed.fixed_on_time = due is not None and now <= due


def _told_step(
    session: Session,
    filed: RepairReport,
    actor_id: int,
    what: str,
    detail: str,
    words: Callable[[ReportView], str],
    now: datetime,
) -> None:
    """A step that moves the clocks and that the tenant hears of: on the timeline, the targets
    kept in step, the tenant told (`words` for the report as it now stands), the card updated."""
    session.flush()
    assert filed.id is not None
    _event(session, filed, actor_id, what, detail, now)
    view = load(session, filed.id)  # once, after the step: the target and the tenant's words
    _keep_target(session, view, now)
    _tell_tenant(session, view, Reply(words(view)), now, actor_id)
    _edit_card(session, filed, now)


def _keep_target(
    session: Session, view: ReportView, now: datetime, *, alert_if_passed: bool = True
) -> bool:
    """Store the report's target as it now stands (none once settled, paused, or every step of
    Awaab's Law is met), with its one pair of alerts: a working day before it and at it. Only a
    target that moved plans them again, replacing the pair planned before, so a step that leaves
    the target where it was (or the same priority or target set again) says nothing twice.
    Without `alert_if_passed`, a target that has already passed raises no alert of its own (the
    caller sums such reports up). `view`: the report loaded after the change that may move its
    target. Whether the target moved."""
    filed, report_id = view.report, view.id
    due = None if filed.status in SETTLED else view.due
    if due == filed.target_at:
        return False
    filed.target_at = due
    session.add(filed)
    subject = f"report:{report_id}"
    if due is None:
        unschedule(session, DUE_SOON_JOB, subject)
        unschedule(session, OVERDUE_JOB, subject)
        return True
    payload = {"report": report_id, "due": due.isoformat()}
    before = working_day_before(due, view.nation, view.zone)
    if before > now:
        reschedule(session, DUE_SOON_JOB, subject, before, payload)
    else:
        unschedule(session, DUE_SOON_JOB, subject)
    if alert_if_passed or due > now:
        reschedule(session, OVERDUE_JOB, subject, due, payload)
    else:
        unschedule(session, OVERDUE_JOB, subject)
    return True


def investigated(
    session: Session, report_id: int, findings: str, actor_id: int, now: datetime
) -> None:
    """Damp and mould was investigated: Awaab's Law's next clocks (the written summary, the
    safety work) start now, and the tenant hears what was found and by when the rest is due."""
    filed = _awaab(session, report_id)
    if filed.investigated_at is not None:
        raise UserError(f"{reference(filed.number)} was investigated already.")
    filed.investigated_at = now
    if filed.status == RepairStatus.REPORTED:  # the card moves on: its Acknowledge button goes
        filed.status = RepairStatus.ACKNOWLEDGED
        _event(session, filed, actor_id, RepairStatus.ACKNOWLEDGED.value, "", now)
    _told_step(
        session,
        filed,
        actor_id,
        "investigated",
        findings,
        lambda view: render.investigated(view, findings),
        now,
    )


def send_summary(
    session: Session, report_id: int, summary: str, actor_id: int, now: datetime
) -> None:
    """The written summary Awaab's Law asks for after the investigation, sent to the tenant
    and kept on the timeline."""
    filed = _awaab(session, report_id)
    if filed.investigated_at is None:
        raise UserError(
            f"Record the investigation first (/investigated {filed.number} what was found)."
        )
    filed.summary_at = now
    _told_step(
        session,
        filed,
        actor_id,
        "written summary",
        summary,
        lambda view: render.written_summary(view, summary),
        now,
    )


def _awaab(session: Session, report_id: int) -> RepairReport:
    filed = locked_one(session, RepairReport, report_id)
    ref = reference(filed.number)
    if filed.status in FINISHED:
        raise UserError(f"{ref} is {render.STATUS_WORDS[filed.status]}.")
    if filed.priority != AWAAB:
        raise UserError(f"{ref} is not on Awaab's Law's clock (damp and mould).")
    return filed


def add_photo(
    session: Session, report_id: int, photo: CleanPhoto, person_id: int, now: datetime
) -> int:
    """Attach a cleaned photo (kept on disk already); how many the report has now."""
    filed = locked_one(session, RepairReport, report_id)
    ref = reference(filed.number)
    if filed.status in FINISHED:
        raise UserError(f"{ref} is {render.STATUS_WORDS[filed.status]}.")
    known = session.exec(
        select(RepairPhoto.id).where(
            RepairPhoto.report_id == report_id, RepairPhoto.sha256 == photo.sha256
        )
    ).first()
    if known is not None:
        raise UserError(f"That photo is on {ref} already.")
    session.add(
        RepairPhoto(
            report_id=report_id,
            sha256=photo.sha256,
            content_type=photo.content_type,
            size=len(photo.data),
            added_by_person_id=person_id,
            added_at=now,
        )
    )
    _event(session, filed, person_id, "photo", "a photo was added", now)
    session.flush()
    view = load(session, report_id)
    if view.may_follow(person_id):  # the tenant, or a neighbour who said me too: the team hears
        name = session.get_one(Person, person_id).name
        text = f"📷 {ref}: {name} ({_who(filed, person_id)}) added a photo: /photos {filed.number}"
        _tell_triage(session, filed, text, now)
        _tell_assignee(session, filed, f"a photo on repair {ref}", text, now)
    _edit_card(session, filed, now)
    return len(view.photos)


COMMENT = "tenant comment"
# Where a report goes back to when the tenant answers "needs information" (the status it had
# before; a pause or a settled state is not gone back to).
RESUMABLE = (
    RepairStatus.REPORTED,
    RepairStatus.ACKNOWLEDGED,
    RepairStatus.INVESTIGATING,
    RepairStatus.VISIT,
    RepairStatus.IN_PROGRESS,
)


def tenant_comment(
    session: Session, report_id: int, person_id: int, comment: str, now: datetime
) -> RepairStatus | None:
    """The tenant (or a neighbour who said me too) adds to a report, and the triage chat and
    the assignee hear at once. The reporter's answer to "needs information" puts the report
    back where it was: the status it went back to, if it did."""
    filed = locked_one(session, RepairReport, report_id)
    ref = reference(filed.number)
    if filed.status in FINISHED:
        raise UserError(
            f"{ref} is {render.STATUS_WORDS[filed.status]}: if the problem is back, /report it."
        )
    said = clean(comment).strip()[:DETAIL_MAX]
    if not said:
        raise UserError(f"Write what to add after the reference: /repaircomment {filed.number} …")
    _event(session, filed, person_id, COMMENT, said, now)
    resumed = None
    if filed.status == RepairStatus.NEEDS_INFO and person_id == filed.reporter_person_id:
        resumed = _status_before_needs_info(session, report_id)
        filed.status = resumed
        _event(session, filed, person_id, resumed.value, "the tenant answered", now)
    session.flush()
    if resumed is not None:
        _keep_target(session, load(session, report_id), now)
    name = session.get_one(Person, person_id).name
    verb = "answered" if resumed is not None else "added"
    text = f"💬 {ref}: {name} ({_who(filed, person_id)}) {verb}: {said[:1500]}"
    if resumed is not None:
        text += f"\nIt is back to {render.STATUS_WORDS[resumed]}."
    _tell_triage(session, filed, text, now)
    _tell_assignee(session, filed, f"a comment on repair {ref}", text, now)
    _edit_card(session, filed, now)
    return resumed


def _who(filed: RepairReport, person_id: int) -> str:
    return "the tenant" if person_id == filed.reporter_person_id else "said me too"


def _tell_assignee(
    session: Session, filed: RepairReport, summary: str, text: str, now: datetime
) -> None:
    if filed.assignee_person_id is not None:
        outbox.direct(
            session,
            filed.assignee_person_id,
            Message(summary, reply=Reply(text)),
            now,
            community_id=filed.community_id,
        )


def _status_before_needs_info(session: Session, report_id: int) -> RepairStatus:
    """The status the report had before it last needed information."""
    statuses = {status.value for status in RepairStatus}
    kinds = session.exec(
        select(RepairEvent.kind)
        .where(RepairEvent.report_id == report_id)
        .order_by(col(RepairEvent.at).desc(), col(RepairEvent.id).desc())
    )
    for kind in kinds:
        if kind in statuses and kind != RepairStatus.NEEDS_INFO.value:
            status = RepairStatus(kind)
            return status if status in RESUMABLE else RepairStatus.ACKNOWLEDGED
    return RepairStatus.ACKNOWLEDGED


def check_may_withdraw(view: ReportView) -> None:
    """Only a report still open, that no neighbour has joined, is withdrawn (checked as the
    withdrawal is written: the team may have moved it on meanwhile)."""
    filed, ref = view.report, view.reference
    if filed.status == RepairStatus.FIXED:
        raise UserError(
            f"{ref} is marked fixed: if it is, close it with /isfixed {filed.number} yes; if "
            f"not, /isfixed {filed.number} no."
        )
    if filed.status in SETTLED:
        raise UserError(f"{ref} is {render.STATUS_WORDS[filed.status]} already.")
    if view.supporters:
        count = len(view.supporters)
        raise UserError(
            f"{count} neighbour{'' if count == 1 else 's'} said me too to {ref}, so it stays open "
            "for them; the repairs team closes it once it is sorted. Tell them with "
            f"/repaircomment {filed.number} …"
        )


def withdraw(
    session: Session, report_id: int, person_id: int, reason: str | None, now: datetime
) -> None:
    """The tenant no longer needs it: settled, its alerts and visit reminder cancelled, the
    team told, the card updated."""
    locked_one(session, RepairReport, report_id)  # a move made meanwhile is seen, not undone
    view = load(session, report_id)
    check_may_withdraw(view)
    filed, ref = view.report, view.reference
    for pause in _open_pauses(session, report_id):
        pause.ended = now
    filed.status, filed.closed_at = RepairStatus.WITHDRAWN, now
    _event(session, filed, person_id, RepairStatus.WITHDRAWN.value, reason or "", now)
    session.flush()
    _keep_target(session, load(session, report_id), now)  # after the pauses ended
    subject = f"report:{report_id}"
    for kind in (DUE_SOON_JOB, OVERDUE_JOB, VISIT_JOB):
        unschedule(session, kind, subject)
    why = f": {reason.rstrip('.')}." if reason else "."
    visit = (
        f" The visit booked for {render.when(filed.visit_at, view)} is off."
        if filed.visit_at is not None and filed.visit_at > now
        else ""
    )
    _tell_triage(session, filed, f"↩ {ref} is withdrawn by the tenant{why}{visit}", now)
    _tell_assignee(
        session, filed, f"repair {ref} withdrawn", f"↩ {ref} is withdrawn by the tenant{why}", now
    )
    _edit_card(session, filed, now)


def emergency_hazard(
    session: Session, report_id: int, hazard: str, actor_id: int, now: datetime
) -> None:
    """The team judges the report an emergency hazard (Awaab's Law, any category): it must be
    made safe within 24 hours of the report, and the tenant hears so, with what to do now."""
    filed = locked_one(session, RepairReport, report_id)
    ref = reference(filed.number)
    if filed.status in SETTLED:
        raise UserError(f"{ref} is {render.STATUS_WORDS[filed.status]}.")
    if filed.emergency_at is not None:
        raise UserError(f"{ref} is an emergency hazard already.")
    filed.emergency_at = now
    _told_step(
        session,
        filed,
        actor_id,
        "emergency hazard",
        hazard,
        lambda view: render.emergency_hazard(view, hazard),
        now,
    )


def made_safe(session: Session, report_id: int, done: str, actor_id: int, now: datetime) -> None:
    """The emergency hazard is made safe: its clock stops, the repair goes on to its own."""
    filed = locked_one(session, RepairReport, report_id)
    ref = reference(filed.number)
    if filed.emergency_at is None:
        raise UserError(
            f"{ref} is not an emergency hazard (/emergencyhazard {filed.number} what it is)."
        )
    if filed.made_safe_at is not None:
        raise UserError(f"{ref} was made safe already.")
    if filed.status in FINISHED:
        raise UserError(f"{ref} is {render.STATUS_WORDS[filed.status]}.")
    filed.made_safe_at = now
    _told_step(
        session,
        filed,
        actor_id,
        "made safe",
        done,
        lambda view: render.made_safe(view, done),
        now,
    )


def emergency_due(view: ReportView) -> datetime | None:
    """When the report's emergency hazard must be made safe by, if it is one."""
    step = emergency_step(view.report)
    return step[0].due(view.nation, view.zone) if step is not None else None


def set_emergency_text(session: Session, community_id: int, text: str | None) -> None:
    settings = settings_of(session, community_id)
    settings.emergency_text = text
    session.add(settings)


def add_note(session: Session, report_id: int, note: str, actor_id: int, now: datetime) -> None:
    """An internal note for the repairs team: on the timeline, never sent to the tenant."""
    filed = locked_one(session, RepairReport, report_id)
    _event(session, filed, actor_id, "note", note, now, internal=True)


def set_triage_chat(
    session: Session,
    community_id: int,
    platform: str,
    chat_id: str,
    thread_id: str | None,
    actor_id: int,
    now: datetime,
) -> int:
    """Make this chat the team's; the open reports that have no card yet (filed before there
    was a triage chat, or whose card could not be posted) get theirs there now. How many."""
    settings = settings_of(session, community_id)
    settings.triage_platform, settings.triage_chat_id = platform, chat_id
    settings.triage_thread_id = thread_id
    session.add(settings)
    waiting = session.exec(
        select(RepairReport)
        .where(
            RepairReport.community_id == community_id,
            col(RepairReport.status).not_in(list(SETTLED)),
        )
        .order_by(col(RepairReport.number))
    ).all()
    posted = 0
    for filed in waiting:
        if filed.card_delivery_id is not None:
            card = session.get_one(OutboxEntry, filed.card_delivery_id)
            if card.status != DeliveryStatus.FAILED:
                continue
        _post_card(session, filed, settings, now, requested_by=actor_id)
        posted += 1
    return posted


def move_chat(session: Session, platform: str, old: str, new: str) -> None:
    """A chat changed its id (a Telegram group became a supergroup): the triage chat follows."""
    for settings in session.exec(
        select(RepairSettings).where(
            RepairSettings.triage_platform == platform, RepairSettings.triage_chat_id == old
        )
    ):
        settings.triage_chat_id = new


def set_target(
    session: Session, community_id: int, priority: Priority, target: Target | None, now: datetime
) -> tuple[int, list[str]]:
    """The community's own target for a priority (None: back to the usual one); open reports
    of that priority take it at once. How many open reports that moved, and the references of
    those now overdue: the triage chat gets one summary, not an alert per report."""
    # Locked, so two targets set at once both stand. (A first setting ever, made by two
    # processes at once, is kept single by the primary key: the second fails.)
    settings = locked(session, RepairSettings, community_id) or settings_of(session, community_id)
    targets = read_targets(settings.targets)
    targets[priority] = target or DEFAULT_TARGETS[priority]
    settings.targets = store_targets(targets)
    session.add(settings)
    session.flush()
    open_ids = session.exec(
        select(RepairReport.id)
        .where(
            RepairReport.community_id == community_id,
            RepairReport.priority == priority.value,
            col(RepairReport.status).not_in(list(SETTLED)),
        )
        .order_by(col(RepairReport.id))
    ).all()
    overdue: list[str] = []
    moved_count = 0
    for report_id in open_ids:
        if report_id is None:
            continue
        locked_one(session, RepairReport, report_id)  # in id order, as every write locks them
        view = load(session, report_id)
        if not _keep_target(session, view, now, alert_if_passed=False):
            continue
        moved_count += 1
        moved = view.report
        if moved.target_at is not None and moved.target_at <= now:
            overdue.append(reference(moved.number))
    if moved_count:
        shown = ", ".join(overdue[:20]) + (
            f" and {len(overdue) - 20} more" if len(overdue) > 20 else ""
        )
        late = f" Overdue now: {shown}." if overdue else " None is overdue."
        _post_triage(
            session,
            community_id,
            f"new targets for {priority.value} repairs",
            f"⏱ {priority.value.capitalize()} repairs are now due within "
            f"{(target or DEFAULT_TARGETS[priority]).describe()}: {moved_count} open report(s) "
            f"moved.{late}",
            now,
        )
    return moved_count, overdue


def set_nation(session: Session, community_id: int, nation: Nation) -> None:
    settings = settings_of(session, community_id)
    settings.nation = nation.value
    session.add(settings)


def _event(
    session: Session,
    filed: RepairReport,
    actor_id: int | None,
    kind: str,
    detail: str,
    now: datetime,
    *,
    internal: bool = False,
) -> None:
    assert filed.id is not None
    session.add(
        RepairEvent(
            report_id=filed.id,
            at=now,
            actor_person_id=actor_id,
            kind=kind,
            detail=detail,
            internal=internal,
        )
    )


def _open_pauses(session: Session, report_id: int) -> list[RepairPause]:
    return list(
        session.exec(
            select(RepairPause).where(
                RepairPause.report_id == report_id, col(RepairPause.ended).is_(None)
            )
        )
    )


TENANT_NEWS = "repair-tenant"


def _tell_tenant(
    session: Session, view: ReportView, reply: Reply, now: datetime, actor_id: int | None
) -> None:
    """By direct message to the reporter where they reported from, and to everyone who said
    "me too" where they said it (as `view` has them). Whoever cannot be reached, now or when
    Moot tries, is named in the triage chat so someone can phone them (`tenant_unreachable`)."""
    filed, ref = view.report, view.reference
    followers = {filed.reporter_person_id: filed.platform, **view.supporters}
    for person_id, platform in followers.items():
        outbox.direct(
            session,
            person_id,
            Message(f"news of repair {ref}", reply=reply, about=f"{TENANT_NEWS}:{filed.id}"),
            now,
            community_id=filed.community_id,
            requested_by=actor_id,
            prefer=platform,
        )


def tenant_unreachable(session: Session, entry: OutboxEntry, now: datetime) -> None:
    """A tenant's news could not be delivered, for good: tell the repairs team."""
    filed = locked_one(session, RepairReport, int((entry.about or "").partition(":")[2]))
    person = session.get(Person, entry.person_id) if entry.person_id is not None else None
    name = person.name if person is not None and person.name else "A tenant"
    role = "the tenant" if entry.person_id == filed.reporter_person_id else "said me too"
    lives = (
        homes.homes_of(session, filed.community_id, entry.person_id)
        if entry.person_id is not None
        else []
    )
    home = "; ".join(f"{h.ref}, {h.address}" for h in lives) or "no home in the register"
    _tell_triage(
        session,
        filed,
        f"☎ Moot could not tell {name} ({role}; home: {home}) of {reference(filed.number)} "
        f"about a step ({entry.error}). Please phone them.",
        now,
    )


def me_too(session: Session, report_id: int, person_id: int, platform: str, now: datetime) -> int:
    """Someone else has the same communal problem: they follow the report from now on; how
    many follow it."""
    locked_one(session, RepairReport, report_id)  # a report settled meanwhile takes none
    view = load(session, report_id)
    if view.report.location == HOME:
        raise UserError(
            f"{view.reference} is about someone's home; only communal problems take a me too."
        )
    if view.report.status in SETTLED:
        raise UserError(f"{view.reference} is {render.STATUS_WORDS[view.report.status]} already.")
    if view.may_follow(person_id):
        raise UserError(f"You already hear every update on {view.reference}.")
    session.add(
        RepairSupporter(report_id=report_id, person_id=person_id, platform=platform, added_at=now)
    )
    _event(session, view.report, person_id, "me too", "someone else has the same problem", now)
    session.flush()
    _edit_card(session, view.report, now)
    return len(view.supporters) + 2


def mark_duplicate(
    session: Session, report_id: int, of_report_id: int, actor_id: int, now: datetime
) -> None:
    """The same problem was reported twice: the later report is closed as a duplicate and its
    reporter and followers follow the earlier one."""
    if report_id == of_report_id:
        raise UserError("A report cannot be a duplicate of itself.")
    for both in sorted((report_id, of_report_id)):  # lower id first, as every write locks them
        locked_one(session, RepairReport, both)
    kept = load(session, of_report_id)
    if kept.report.status in SETTLED:
        raise UserError(f"{kept.reference} is {render.STATUS_WORDS[kept.report.status]} already.")
    gone = change_status(
        session,
        report_id,
        RepairStatus.DUPLICATE,
        f"It is the same problem as {kept.reference}; you will hear its updates from now on.",
        actor_id,
        now,
    )
    movers = {gone.report.reporter_person_id: gone.report.platform, **gone.supporters}
    for person_id, platform in movers.items():
        if not kept.may_follow(person_id):
            session.add(
                RepairSupporter(
                    report_id=of_report_id, person_id=person_id, platform=platform, added_at=now
                )
            )
    _event(session, kept.report, actor_id, "merged", f"{gone.reference} was the same problem", now)
    session.flush()
    _edit_card(session, kept.report, now)


def _tell_triage(session: Session, filed: RepairReport, text: str, now: datetime) -> None:
    """A note about one report for the repairs team."""
    summary = f"a note about repair {reference(filed.number)}"
    _post_triage(session, filed.community_id, summary, text, now)


def _post_triage(
    session: Session, community_id: int, summary: str, text: str, now: datetime
) -> None:
    """A note for the repairs team: in its triage chat, or by direct message to each of them
    until there is one."""
    settings = settings_of(session, community_id)
    message = Message(summary, reply=Reply(text))
    if settings.triage_platform is None or settings.triage_chat_id is None:
        outbox.tell(session, team(session, community_id), message, now, community_id=community_id)
        return
    outbox.post(
        session,
        platform=settings.triage_platform,
        chat_id=settings.triage_chat_id,
        thread_id=settings.triage_thread_id,
        message=message,
        now=now,
        community_id=community_id,
    )


def _card_message(filed: RepairReport) -> Message:
    return Message(f"repair {reference(filed.number)}", live=f"{CARD}:{filed.id}")


def _edit_card(session: Session, filed: RepairReport, now: datetime) -> None:
    if filed.card_delivery_id is not None:
        outbox.edit_cards(session, [filed.card_delivery_id], _card_message(filed), now)
