"""Repair reports in words: the tenant's receipt and updates, the team's card, the timeline."""

from __future__ import annotations

from datetime import datetime

from bot.events import Button
from bot.refs import qualified
from bot.repairs import statuses
from bot.repairs.clocks import Priority, RepairClock
from bot.repairs.spec import AWAAB, HOME, LABELS
from bot.repairs.views import EMERGENCY_STEP, ReportView, awaab_steps, emergency_step, reference
from storage.repairs import RepairCategory, RepairStatus

KEEP_IT_PRIVATE = (
    "Repairs are private between you and the repairs team: next time, send it to me in a direct "
    "message. Moot removes it from a group chat where the platform lets it."
)
# How each status reads, and the statuses after which nothing more is asked of the team (no
# buttons on the card): from the transition table.
STATUS_WORDS = statuses.WORDS
FINISHED = statuses.FINISHED

# What to do in an emergency out of hours. The national numbers are those of Great Britain
# (Northern Ireland's gas emergency line differs: a community there sets its own message with
# /emergencyinfo, as any community may, to name its landlord's out-of-hours line).
EMERGENCY_HEADING = (
    "🚨 In an emergency, do not wait for an answer here: Moot is not watched day and night."
)
DEFAULT_EMERGENCY = "\n".join(
    [
        "· If anyone is in danger, or there is fire or smoke, call 999.",
        "· If you smell gas, call the National Gas Emergency Service on 0800 111 999 (free, "
        "day and night).",
        "· In a power cut, or if you see damaged power lines, call 105 (free). If the "
        "electrics at home are sparking or wet, keep away and switch off at the fuse box if it "
        "is safe to.",
        "· For flooding, turn off the water at the stopcock if you can, and phone your "
        "landlord's emergency repairs line.",
    ]
)
# Reports that may be an emergency: their receipt says what to do now.
MAY_BE_EMERGENCY = frozenset(
    {
        RepairCategory.LEAK,
        RepairCategory.HEATING,
        RepairCategory.ELECTRICS,
        RepairCategory.STRUCTURAL,
        RepairCategory.SECURITY,
    }
)


def emergency(own: str | None) -> str:
    """What tenants are told to do in an emergency: the community's own words, or the national
    numbers."""
    return f"{EMERGENCY_HEADING}\n{own or DEFAULT_EMERGENCY}"


def may_be_emergency(view: ReportView) -> bool:
    return (
        view.report.category in MAY_BE_EMERGENCY
        or view.report.priority == Priority.EMERGENCY.value
        or view.report.emergency_at is not None
    )


def when(moment: datetime, view: ReportView) -> str:
    return moment.astimezone(view.zone).strftime("%a %d %b %Y, %H:%M")


def place(view: ReportView) -> str:
    if view.home is not None:
        return f"at home ({view.home.ref})"
    location = view.report.location
    return "at home" if location == HOME else f"in {location}"


def address(view: ReportView) -> str:
    """Where the team goes: the home's address from the register, when there is one."""
    if view.home is not None:
        return f"at {view.home.ref}, {view.home.address}"
    return place(view)


def priority_words(view: ReportView) -> str:
    if view.report.priority == AWAAB:
        return "damp and mould (Awaab's Law)"
    return view.report.priority


def target(view: ReportView) -> str:
    if view.steps_met:
        return "met: every step of Awaab's Law is done"
    due = view.due
    if due is None:
        return "paused (no access at the visit)"
    what = (
        "emergency hazard, Awaab's Law"
        if view.clock.what == EMERGENCY_STEP
        else priority_words(view)
    )
    return f"by {when(due, view)} ({what}: {view.clock.target.describe()})"


def receipt(view: ReportView, *, team_reached: bool = True) -> str:
    """What the tenant gets at once. `team_reached`: the report is on its way to someone on
    the repairs team; when it is not, the tenant is told so, not promised news."""
    hearing = (
        "You will hear from Moot at every step."
        if team_reached
        else NOT_PASSED_ON.format(community=view.community.name)
    )
    return (
        f"Thank you. Your report is {view.reference}: "
        f"{LABELS[view.report.category]}, {place(view)}.\n"
        f"Target: {target(view)}.\n"
        f"{hearing}\n"
        f"Add photos with /photo {view.report.number} (on Telegram, send the photo with that "
        f"as its caption). /myreports lists your reports; /repair {view.report.number} shows "
        "this one."
    ) + (f"\n{emergency(view.emergency_text)}" if may_be_emergency(view) else "")


NOT_PASSED_ON = (
    "⚠ Moot could not pass your report to the repairs team of {community} yet: they have not "
    "chosen a chat for reports, and none of them can get a message from Moot. It is kept, and "
    "goes to them as soon as they can be reached; Moot is asking in the community's chat for "
    "that. If it is urgent, please also contact them another way."
)


def not_passed_on(view: ReportView) -> str:
    """For the tenant, when the team turned out to be unreachable after the receipt."""
    return f"🔧 {view.reference}: " + NOT_PASSED_ON.format(community=view.community.name)


def nobody_heard(community: str) -> str:
    """For the community's chats: a report waits and the team cannot be reached (no names)."""
    return (
        f"📣 A repair report is waiting for the repairs team of {community}, and Moot cannot "
        "reach any of them: there is no triage chat yet, and none of them can get a direct "
        "message from Moot. An admin can run /triagechat in the repairs team's chat (the "
        "waiting reports arrive there at once); on Telegram, team members can also open a "
        "chat with Moot."
    )


def tenant_update(view: ReportView, status: RepairStatus, said: str | None) -> str:
    row = statuses.TABLE[status]
    lines = [
        f"🔧 {view.reference} ({LABELS[view.report.category]}, {place(view)}): {row.words}.",
        row.news,
    ]
    if status == RepairStatus.VISIT and view.report.visit_at is not None:
        lines.append(
            f"Visit: {when(view.report.visit_at, view)}. Please make sure someone can let us in."
        )
    if said:
        lines.append(f"From the repairs team: {said}")
    if status == RepairStatus.NEEDS_INFO:
        n = view.report.number
        lines.append(f"Answer with /repaircomment {n} and your answer (a photo: /photo {n}).")
    if row.shows_target:
        lines.append(f"Target: {target(view)}.")
    return "\n".join(lines)


def tenant_buttons(view: ReportView) -> tuple[Button, ...]:
    """Once it is marked fixed, the tenant is asked whether it is."""
    if view.report.status != RepairStatus.FIXED:
        return ()
    ref = qualified(view.report.community_id, view.report.number)
    return (
        Button("Yes, it is fixed", f"isfixed {ref} yes"),
        Button("No, it is not", f"isfixed {ref} no"),
    )


def visit_reminder(view: ReportView) -> str:
    assert view.report.visit_at is not None
    let_in = " Please make sure someone can let us in." if view.report.location == HOME else ""
    return (
        f"🔧 A reminder: the repairs visit for {view.reference} ({LABELS[view.report.category]}, "
        f"{place(view)}) is tomorrow, {when(view.report.visit_at, view)}.{let_in}"
    )


def investigated(view: ReportView, findings: str) -> str:
    _, (summary, _), (safety, _) = awaab_steps(view.report, view.pauses)
    return "\n".join(
        [
            f"🔧 {view.reference}: the damp and mould has been investigated.",
            f"Found: {findings}",
            f"Under Awaab's Law you get a written summary by {_due(summary, view)}, and the "
            f"safety work starts by {_due(safety, view)}.",
        ]
    )


def emergency_hazard(view: ReportView, hazard: str) -> str:
    """For the tenant: the team treats the report as an emergency hazard under Awaab's Law."""
    step = emergency_step(view.report)
    assert step is not None
    return "\n".join(
        [
            f"🚨 {view.reference}: the repairs team is treating this as an emergency hazard: "
            f"{hazard}",
            f"Under Awaab's Law it must be made safe by {_due(step[0], view)} (within 24 hours "
            "of your report). If it cannot be made safe by then, you must be offered somewhere "
            "safe to stay.",
            emergency(view.emergency_text),
        ]
    )


def made_safe(view: ReportView, done: str) -> str:
    return (
        f"✅ {view.reference}: the emergency hazard is made safe: {done}\n"
        f"The repair goes on. Target: {target(view)}."
    )


def _due(clock: RepairClock, view: ReportView) -> str:
    due = clock.due(view.nation, view.zone)
    return when(due, view) if due is not None else "a date set once the pause ends"


def written_summary(view: ReportView, summary: str) -> str:
    return f"📄 Written summary of the investigation into {view.reference}:\n{summary}"


def assigned(view: ReportView) -> str:
    return (
        f"🔧 You are assigned {view.reference} in {view.community.name}: "
        f"{LABELS[view.report.category]}, {place(view)}. Target: {target(view)}. "
        f"/repair {view.report.number} shows it."
    )


def due_soon(view: ReportView) -> str:
    return (
        f"⏰ {view.reference} ({LABELS[view.report.category]}, {place(view)}) is due "
        f"{target(view)}: one working day left."
    )


def overdue(view: ReportView) -> str:
    due = view.due
    assert due is not None
    return (
        f"🔴 {view.reference} ({LABELS[view.report.category]}, {place(view)}) is overdue: its "
        f"target was {when(due, view)}."
    )


def priority_update(view: ReportView) -> str:
    text = (
        f"🔧 {view.reference}: the repairs team set its priority to {priority_words(view)}.\n"
        f"Target: {target(view)}."
    )
    if view.report.priority == Priority.EMERGENCY.value:
        text += f"\n{emergency(view.emergency_text)}"
    return text


def card(view: ReportView) -> tuple[str, list[Button]]:
    """The repairs team's card in the triage chat: no vulnerability note, only that one exists."""
    report = view.report
    lines = [
        f"🔧 {view.reference} · {LABELS[report.category]} · {address(view)} · "
        f"{STATUS_WORDS[report.status]}",
        f"Reported by {view.reporter} on {when(report.reported_at, view)}",
        report.description[:600],
        f"Target: {target(view)}",
    ]
    if view.repeats:
        lines.append(repeat_warning(view))
    if report.access:
        lines.append(f"Access: {report.access}")
    if view.photos:
        count = len(view.photos)
        lines.append(f"📷 {count} photo{'' if count == 1 else 's'}: /photos {report.number}")
    if view.supporters:
        lines.append(f"{len(view.supporters)} more with the same problem")
    if view.assignee:
        lines.append(f"Assigned to {view.assignee}")
    if report.priority == AWAAB and report.investigated_at is not None:
        lines.append(
            f"Awaab's Law: investigated {when(report.investigated_at, view)} · next: "
            f"{view.clock.what}"
        )
    if report.visit_at is not None and report.status == RepairStatus.VISIT:
        lines.append(f"Visit: {when(report.visit_at, view)}")
    hazard = emergency_step(report)
    if hazard is not None and report.made_safe_at is not None:
        lines.append(
            f"🚨 Emergency hazard (Awaab's Law): made safe {when(report.made_safe_at, view)}"
        )
    elif hazard is not None and report.status not in FINISHED:
        lines.append(
            f"🚨 Emergency hazard (Awaab's Law): make safe by {_due(hazard[0], view)} "
            f"(/madesafe {report.number} what was done)"
        )
    if report.vulnerability:
        lines.append(f"⚠ A vulnerability note: /repair {report.number} (repairs team only)")
    ref = qualified(report.community_id, report.number)
    buttons = [] if report.status in FINISHED else _team_buttons(view, ref)
    return "\n".join(lines), buttons


def repeat_warning(view: ReportView) -> str:
    """For the repairs team: damp and mould reported at the same home within 12 months."""
    others = ", ".join(f"{reference(r.number)} ({STATUS_WORDS[r.status]})" for r in view.repeats)
    if view.home is None:
        return f"⚠ Repeat damp and mould in this tenant's home: also {others}, within 12 months"
    return (
        f"⚠ Repeat damp and mould at {view.home.ref}: also {others}, within 12 months · "
        f"/homerepairs {view.home.ref}"
    )


def _team_buttons(view: ReportView, ref: str) -> list[Button]:
    """The moves the transition table's row offers for the report's status (those it puts first
    before the priorities), the priorities it is not, and Take it."""
    first: list[Button] = []
    then: list[Button] = []
    for to, label, leads in statuses.card_buttons(view.report.status):
        (first if leads else then).append(Button(label, f"repairstatus {ref} {to.value}"))
    priorities = [
        Button(priority.value.capitalize(), f"priority {ref} {priority.value}")
        for priority in Priority
        if priority.value != view.report.priority
    ]
    return [*first, *priorities, Button("Take it", f"assign {ref} me"), *then]


def page(view: ReportView, *, for_team: bool) -> str:
    """The whole report and its timeline; the vulnerability note and internal notes only for
    the repairs team."""
    report = view.report
    lines = [
        f"{view.reference}: {LABELS[report.category]}, "
        f"{address(view) if for_team else place(view)} · {STATUS_WORDS[report.status]}",
        f"Reported by {view.reporter} on {when(report.reported_at, view)}",
        f"What is wrong: {report.description}",
    ]
    if report.access:
        lines.append(f"Access: {report.access}")
    if view.photos:
        lines.append(f"Photos: {len(view.photos)} (/photos {report.number})")
    if for_team and report.vulnerability:
        lines.append(f"⚠ Vulnerability: {report.vulnerability}")
    lines.append(f"Target: {target(view)}")
    if for_team and view.repeats:
        lines.append(repeat_warning(view))
    lines += ["", "Clock:"]
    hazard = emergency_step(report)
    if hazard is not None:
        explained = hazard[0].explain(view.nation, view.zone)
        explained[0] += " — done" if hazard[1] else ""
        lines += [f"· {line}" for line in explained]
    if report.priority == AWAAB:
        for clock, met in awaab_steps(report, view.pauses):
            explained = clock.explain(view.nation, view.zone)
            explained[0] += " — done" if met else ""
            lines += [f"· {line}" for line in explained]
    else:
        clock = view.priority_clock or view.clock
        lines += [f"· {line}" for line in clock.explain(view.nation, view.zone)]
    lines += ["", "Timeline:"]
    for event in view.events:
        if event.internal and not for_team:
            continue
        note = " (internal)" if event.internal else ""
        detail = f": {event.detail}" if event.detail else ""
        lines.append(f"· {when(event.at, view)} {event.kind}{note}{detail}")
    return "\n".join(lines)


def evidence(view: ReportView, *, for_team: bool, exported_at: datetime) -> str:
    """The whole record as a document a tenant can keep or send on (to the Housing Ombudsman,
    say): the page, and when and from where it was exported."""
    return (
        f"Repair report {view.reference}, {view.community.name}\n"
        f"Exported from Moot on {when(exported_at, view)} ({view.community.timezone})\n\n"
        f"{page(view, for_team=for_team)}\n"
    )


def communal(views: list[ReportView]) -> tuple[str, list[Button]]:
    """Open communal problems, with no names or descriptions: enough to say "me too"."""
    if not views:
        return "No communal problems are open. /report tells the repairs team about one.", []
    lines = ["Open communal problems (say Me too to hear every update):"]
    buttons = []
    for view in views:
        lines.append(
            f"{view.reference} · {LABELS[view.report.category]} · {view.report.location} · "
            f"{STATUS_WORDS[view.report.status]}"
        )
        ref = qualified(view.report.community_id, view.report.number)
        buttons.append(Button(f"Me too: {view.reference}", f"metoo {ref}"))
    return "\n".join(lines), buttons[:25]


def listing(views: list[ReportView]) -> str:
    if not views:
        return "You have not reported any repairs here. /report tells the repairs team about one."
    lines = ["Your repair reports:"]
    for view in views:
        lines.append(
            f"{view.reference} · {LABELS[view.report.category]} · "
            f"{STATUS_WORDS[view.report.status]} · target {target(view)}"
        )
    return "\n".join(lines)
