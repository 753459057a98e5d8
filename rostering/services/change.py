"""Changing a published roster (issue 14, "Change"): a re-plan for sick leave or an emergency
cover, a what-if, the differences between two rosters, and swap requests.

- **Re-plan.** A new draft (purpose ``replan``, parent the published roster) solved from the
  published roster's own problem with the change added (a sick person's leave, a raised
  coverage). Every day already lived (before today in the facility's zone, and before the sick
  leave starts) is pinned as it was, today's started shifts too, and the published roster is
  the ``reference`` of the soft ``changes`` rule, so the solver moves as few shifts as it can.
  Publishing it (``rosters.roster_publish``) archives the parent.
- **What-if.** The same, purpose ``what_if`` (never publishable), with coverage changed.
- **Diff.** Every (person, day) whose shift differs between two rosters.
- **Swaps.** A rostered person asks to give a shift away or exchange it with a colleague on a
  published roster. The swap is applied to the roster in memory and the independent checker
  (``rostering.checker``) run on it: a hard violation the roster did not already have refuses
  it (409 ``swap_breaks_rules``, in words). A manager approves (checked again, under the
  roster's row lock, so two conflicting approvals cannot both apply) or declines; an approved
  swap changes the assignment rows, gives back their extra time in availability and queues the
  rota's sync so the new holders get theirs.

Errors: 403 ``permission_denied``; 404 for another facility's roster, person or swap; 400
``invalid`` naming the field; 409 ``roster_state`` / ``swap_state`` for a move the status does
not allow; 409 ``swap_breaks_rules`` with ``findings``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from dataclasses import replace
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from availability import services as availability
from booking.services import notifications as booking_notices
from rostering import checker, selectors
from rostering import problem as rp
from rostering.models import (
    Assignment,
    Leave,
    LeaveKind,
    LeaveStatus,
    Roster,
    RosterPurpose,
    RosterStatus,
    RuleSetting,
    SolveStatus,
    SwapRequest,
    SwapStatus,
)
from rostering.services import rosters
from scheduling import selectors as kernel
from scheduling.errors import ApplicationError, NotFound
from scheduling.history import audited_save
from scheduling.outbox import enqueue_on_commit
from scheduling.permissions import Action, roles_allowed

DEFAULT_CHANGES_WEIGHT = 50
MAX_WHAT_IF_ROWS = 50


# The roster services' own errors: 400 naming the field, 409 ``roster_state``.
_invalid = rosters._invalid
_state = rosters._state


def _local_now(facility) -> dt.datetime:
    return timezone.localtime(timezone.now(), ZoneInfo(facility.time_zone))


def _date(value, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise _invalid(field, "A date, YYYY-MM-DD.") from None


def _published(*, facility, actor, roster_id, for_update: bool = False) -> Roster:
    roster = selectors.roster_get(facility=facility, actor=actor, roster_id=roster_id, for_update=for_update)
    if roster.status != RosterStatus.PUBLISHED:
        raise _state(f"Only a published roster changes this way; this one is {roster.get_status_display().lower()}.")
    return roster


def _solved(roster: Roster) -> None:
    if roster.solve_status not in (SolveStatus.DONE, SolveStatus.STOPPED) or roster.objective is None:
        raise _state("The roster has no solved assignments to start from.")


# Re-planning


def _pins(*, problem: rp.Problem, solution: rp.Roster, until: int, today: int, now: dt.datetime, skip=()):
    """Pins every person's cell (shift or day off) on days before ``until``, and on ``today``
    (when not already pinned) the shifts that have started by ``now``, except ``skip``'s people."""
    pins = []
    for person in problem.staff:
        for day in range(min(until, problem.num_days)):
            pins.append(rp.Pin(person.id, day, solution.shift(person.id, day)))
    if until <= today < problem.num_days:
        for person in problem.staff:
            code = solution.shift(person.id, today)
            if code is None or person.id in skip:
                continue
            start = problem.shift(code).start
            if start is not None and start <= now.time():
                pins.append(rp.Pin(person.id, today, code))
    return tuple(pins)


def _changes_weight(rota_id: int) -> int:
    setting = RuleSetting.objects.filter(rota_id=rota_id, code="changes").first()
    return setting.weight if setting is not None and setting.weight else DEFAULT_CHANGES_WEIGHT


def _against(problem: rp.Problem, *, reference: rp.Roster, pins, rota_id: int) -> rp.Problem:
    """The problem with the base roster as the reference of a soft ``changes`` rule."""
    problem = replace(problem, pins=pins, reference=reference)
    return problem.with_rule("changes", hard=False, weight=_changes_weight(rota_id), enabled=True)


def _day_index(roster: Roster, day: dt.date) -> int:
    return (day - roster.first_day).days


def _create(*, facility, actor, base: Roster, problem: rp.Problem, purpose: str, note: str, name: str, limit):
    return rosters.roster_create(
        facility=facility,
        actor=actor,
        rota_id=base.rota_id,
        first_day=base.first_day,
        num_days=base.num_days,
        name=name[:200],
        time_limit_seconds=limit,
        purpose=purpose,
        parent=base,
        note=note,
        problem=problem,
    )


def replan_for_sick_leave(
    *,
    facility,
    actor,
    roster_id,
    staff_id,
    first_day,
    last_day,
    reason: str = "",
    time_limit_seconds: int | None = None,
) -> Roster:
    """Records the person's sick leave (approved) and drafts a re-plan of the published roster
    around it: days before today and before the leave stay as published, the person is off on
    the leave's days, and as few other shifts as possible move. Returns the draft (solve queued)."""
    selectors.require(facility=facility, actor=actor, action=Action.ROSTER_MANAGE)
    first = _date(first_day, "first_day")
    last = _date(last_day, "last_day")
    if last < first:
        raise _invalid("last_day", "The last day of the sick leave is before its first.")
    if len(reason) > 300:
        raise _invalid("reason", "At most 300 characters.")
    with transaction.atomic():
        published = _published(facility=facility, actor=actor, roster_id=roster_id, for_update=True)
        _solved(published)
        member = selectors.staff_get(facility=facility, staff_id=staff_id)
        if member.rota_id != published.rota_id:
            raise _invalid("staff_id", "This person is not on the roster's rota.")
        problem = selectors.roster_problem(roster=published)
        person = str(member.pk)
        if person not in {item.id for item in problem.staff}:
            raise _invalid("staff_id", "This person is not part of the published roster.")
        if first > published.last_day or last < published.first_day:
            raise _invalid("first_day", "The sick leave does not touch the roster's days.")
        now = _local_now(facility)
        today = _day_index(published, now.date())
        until = max(today, _day_index(published, first))
        if until >= published.num_days:
            raise _state("Every day of the roster has passed: there is nothing left to re-plan.")
        leave_first = max(until, _day_index(published, first))
        leave_last = min(published.num_days - 1, _day_index(published, last))
        if leave_last < leave_first:
            raise _invalid("last_day", "The sick leave has ended: the days already worked stay as they were.")
        audited_save(
            Leave(
                staff=member,
                first_day=first,
                last_day=last,
                kind=LeaveKind.SICK,
                status=LeaveStatus.APPROVED,
                reason=reason,
            ),
            actor=actor,
        )
        solution = selectors.roster_solution(roster=published)
        problem = replace(
            problem, leave=problem.leave + (rp.Leave(person, leave_first, leave_last, reason or "Sick leave"),)
        )
        pins = _pins(problem=problem, solution=solution, until=until, today=today, now=now, skip={person})
        problem = _against(problem, reference=solution, pins=pins, rota_id=published.rota_id)
        note = f"Sick leave of {member}, {first:%d %b} – {last:%d %b %Y}" + (f": {reason}" if reason else "")
        return _create(
            facility=facility,
            actor=actor,
            base=published,
            problem=problem,
            purpose=RosterPurpose.REPLAN,
            note=note,
            name=f"{published.name} (re-plan: sick leave of {member})",
            limit=time_limit_seconds,
        )


def _coverage_row(problem: rp.Problem, base: Roster, row: dict, prefix: str) -> rp.Coverage:
    """One coverage change, checked: its date inside the roster, a known shift and skill."""
    day = _date(row.get("date"), f"{prefix}date")
    if not base.first_day <= day <= base.last_day:
        raise _invalid(f"{prefix}date", "Outside the roster's days.")
    code = row.get("shift_code")
    if code not in {shift.code for shift in problem.shift_types}:
        raise _invalid(f"{prefix}shift_code", "No such shift in the roster.")
    skill = row.get("skill")
    if not isinstance(skill, str) or (problem.skills and skill not in problem.skills):
        raise _invalid(f"{prefix}skill", f"One of the rota's skills: {', '.join(problem.skills)}.")
    minimum = row.get("minimum")
    if not isinstance(minimum, int) or isinstance(minimum, bool) or not 0 <= minimum <= len(problem.staff):
        raise _invalid(f"{prefix}minimum", f"Between 0 and {len(problem.staff)} people.")
    return rp.Coverage(_day_index(base, day), code, skill, minimum, minimum)


def _with_coverage(problem: rp.Problem, changes: list[rp.Coverage]) -> rp.Problem:
    """The problem with each change replacing the coverage of its (day, shift, skill); the
    optimal stays at least the minimum."""
    cells = {(row.day, row.shift, row.skill): row for row in problem.coverage}
    for change in changes:
        old = cells.get((change.day, change.shift, change.skill))
        raised = old is not None and change.minimum >= old.minimum
        optimal = max(change.minimum, old.optimal) if raised else change.minimum
        cells[change.day, change.shift, change.skill] = replace(change, optimal=optimal)
    return replace(problem, coverage=tuple(cells[key] for key in sorted(cells)))


def emergency_cover(
    *,
    facility,
    actor,
    roster_id,
    date,
    shift_code,
    skill,
    minimum,
    note: str = "",
    time_limit_seconds: int | None = None,
) -> Roster:
    """Drafts a re-plan of the published roster with the coverage of (date, shift, skill)
    raised to ``minimum``; the past and today's started shifts stay as published."""
    selectors.require(facility=facility, actor=actor, action=Action.ROSTER_MANAGE)
    if len(note) > 300:
        raise _invalid("note", "At most 300 characters.")
    with transaction.atomic():
        published = _published(facility=facility, actor=actor, roster_id=roster_id, for_update=True)
        _solved(published)
        problem = selectors.roster_problem(roster=published)
        change = _coverage_row(
            problem, published, {"date": date, "shift_code": shift_code, "skill": skill, "minimum": minimum}, ""
        )
        now = _local_now(facility)
        today = _day_index(published, now.date())
        if change.day < today:
            raise _invalid("date", "The day has passed.")
        solution = selectors.roster_solution(roster=published)
        problem = _with_coverage(problem, [change])
        pins = _pins(problem=problem, solution=solution, until=max(today, 0), today=today, now=now)
        problem = _against(problem, reference=solution, pins=pins, rota_id=published.rota_id)
        day = published.first_day + dt.timedelta(days=change.day)
        text = f"Emergency cover: {change.minimum} {change.skill} on {change.shift} {day:%a %d %b %Y}"
        return _create(
            facility=facility,
            actor=actor,
            base=published,
            problem=problem,
            purpose=RosterPurpose.REPLAN,
            note=f"{text}: {note}" if note else text,
            name=f"{published.name} (re-plan: {change.shift} {day:%d %b})",
            limit=time_limit_seconds,
        )


def what_if_create(
    *, facility, actor, roster_id, coverage: list[dict], note: str = "", time_limit_seconds: int | None = None
) -> Roster:
    """A what-if of a solved roster (published or draft): its problem with ``coverage`` changed
    (each ``{date, shift_code, skill, minimum}``), solved close to it; never publishable."""
    selectors.require(facility=facility, actor=actor, action=Action.ROSTER_MANAGE)
    if not isinstance(coverage, list | tuple) or not coverage:
        raise _invalid("coverage", "At least one coverage change.")
    if len(coverage) > MAX_WHAT_IF_ROWS:
        raise _invalid("coverage", f"At most {MAX_WHAT_IF_ROWS} changes.")
    if len(note) > 300:
        raise _invalid("note", "At most 300 characters.")
    base = selectors.roster_get(facility=facility, actor=actor, roster_id=roster_id)
    if base.status == RosterStatus.ARCHIVED:
        raise _state("The roster is archived.")
    _solved(base)
    problem = selectors.roster_problem(roster=base)
    changes = []
    for index, row in enumerate(coverage):
        if not isinstance(row, dict):
            raise _invalid(f"coverage.{index}", "An object with date, shift_code, skill and minimum.")
        changes.append(_coverage_row(problem, base, row, f"coverage.{index}."))
    solution = selectors.roster_solution(roster=base)
    now = _local_now(facility)
    today = _day_index(base, now.date())
    pins = _pins(problem=problem, solution=solution, until=max(today, 0), today=today, now=now)
    problem = _against(_with_coverage(problem, changes), reference=solution, pins=pins, rota_id=base.rota_id)
    words = "; ".join(
        f"{row.minimum} {row.skill} on {row.shift} {base.first_day + dt.timedelta(days=row.day):%d %b}"
        for row in changes
    )
    return _create(
        facility=facility,
        actor=actor,
        base=base,
        problem=problem,
        purpose=RosterPurpose.WHAT_IF,
        note=(f"What if {words}" + (f": {note}" if note else ""))[:300],
        name=f"{base.name} (what-if)",
        limit=time_limit_seconds,
    )


# Differences


def _cells(roster: Roster) -> dict[tuple[int, dt.date], str]:
    return {
        (staff_id, day): code
        for staff_id, day, code in Assignment.objects.filter(roster=roster).values_list(
            "staff_id", "date", "shift_type__code"
        )
    }


def roster_diff(*, base: Roster, other: Roster) -> list[dict]:
    """Every (person, day) of the days both rosters cover whose shift differs: ``{staff_id,
    name, date, before, after}`` (a shift code, or None for a day off), by day then name."""
    first = max(base.first_day, other.first_day)
    last = min(base.last_day, other.last_day)
    before = {key: code for key, code in _cells(base).items() if first <= key[1] <= last}
    after = {key: code for key, code in _cells(other).items() if first <= key[1] <= last}
    keys = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    names = dict(
        selectors.staff_list(facility=base.rota.facility)
        .filter(pk__in={staff_id for staff_id, _ in keys})
        .values_list("pk", "resource__name")
    )
    rows = [
        {
            "staff_id": staff_id,
            "name": names.get(staff_id, ""),
            "date": day,
            "before": before.get((staff_id, day)),
            "after": after.get((staff_id, day)),
        }
        for staff_id, day in keys
    ]
    return sorted(rows, key=lambda row: (row["date"], row["name"], row["staff_id"]))


def diff_base(*, facility, actor, roster: Roster, against=None) -> Roster:
    """The roster to compare ``roster`` with: ``against`` if given, else its parent (400
    naming ``against`` when it has none)."""
    if against is not None:
        return selectors.roster_get(facility=facility, actor=actor, roster_id=against)
    if roster.parent_id is None:
        raise _invalid("against", "The roster has no parent: name a roster to compare against.")
    return selectors.roster_get(facility=facility, actor=actor, roster_id=roster.parent_id)


def roster_diff_summary(changes: list[dict]) -> dict[str, int]:
    """Counts of a diff: cells changed, people and days touched, shifts added (off → working),
    removed (working → off) and moved (one shift for another)."""
    return {
        "changed": len(changes),
        "people": len({row["staff_id"] for row in changes}),
        "days": len({row["date"] for row in changes}),
        "added": sum(1 for row in changes if row["before"] is None),
        "removed": sum(1 for row in changes if row["after"] is None),
        "moved": sum(1 for row in changes if row["before"] is not None and row["after"] is not None),
    }


# Swaps


def _swap_state(message: str) -> ApplicationError:
    return ApplicationError("swap_state", message, status_code=409)


def _member_on(facility, roster: Roster, staff_id, field: str):
    try:
        member = selectors.staff_get(facility=facility, staff_id=staff_id)
    except NotFound:
        raise _invalid(field, "No such rostered person in this facility.") from None
    if member.rota_id != roster.rota_id or not member.active:
        raise _invalid(field, "This person is not on the roster's rota.")
    return member


def _swapped(
    solution: rp.Roster, *, requester: str, requester_day: int, partner: str, partner_day: int | None
) -> rp.Roster:
    """The roster with the swap applied: the requester's shift on their day goes to the
    partner; with a partner day, the partner's shift that day goes to the requester."""
    assignments, skills = dict(solution.assignments), dict(solution.skills)

    def move(giver: str, taker: str, day: int) -> None:
        assignments[taker, day] = assignments.pop((giver, day))
        if (giver, day) in skills:
            skills[taker, day] = skills.pop((giver, day))
        else:
            skills.pop((taker, day), None)

    if partner_day is None:
        move(requester, partner, requester_day)
    elif partner_day == requester_day:
        first, second = assignments[requester, requester_day], assignments[partner, partner_day]
        first_skill, second_skill = skills.get((requester, requester_day)), skills.get((partner, partner_day))
        assignments[requester, requester_day], assignments[partner, partner_day] = second, first
        for who, skill in ((requester, second_skill), (partner, first_skill)):
            if skill:
                skills[who, requester_day] = skill
            else:
                skills.pop((who, requester_day), None)
    else:
        move(requester, partner, requester_day)
        move(partner, requester, partner_day)
    return rp.Roster(assignments={key: code for key, code in assignments.items() if code}, skills=skills)


def _key(finding: checker.Finding) -> tuple:
    return (finding.rule, finding.person, finding.days)


def _swap_findings(
    *, roster: Roster, requester, requester_date: dt.date, partner, partner_date: dt.date | None, today: dt.date
) -> list[dict]:
    """Validates the swap against the roster as it stands now (400 naming the field) and
    returns the hard violations it would add, in words (empty: none)."""
    for day, field in ((requester_date, "requester_date"), (partner_date, "partner_date")):
        if day is None:
            continue
        if not roster.first_day <= day <= roster.last_day:
            raise _invalid(field, "Outside the roster's days.")
        if day < today:
            raise _invalid(field, "The day has passed.")
    solution = selectors.roster_solution(roster=roster)
    mine, theirs = str(requester.pk), str(partner.pk)
    r_day = _day_index(roster, requester_date)
    p_day = None if partner_date is None else _day_index(roster, partner_date)
    if solution.shift(mine, r_day) is None:
        raise _invalid("requester_date", f"{requester} does not work on {requester_date:%a %d %b}.")
    if p_day is None:
        if solution.shift(theirs, r_day) is not None:
            raise _invalid("partner_staff_id", f"{partner} already works on {requester_date:%a %d %b}.")
    else:
        if solution.shift(theirs, p_day) is None:
            raise _invalid("partner_date", f"{partner} does not work on {partner_date:%a %d %b}.")
        if p_day != r_day:
            if solution.shift(theirs, r_day) is not None:
                raise _invalid("partner_staff_id", f"{partner} already works on {requester_date:%a %d %b}.")
            if solution.shift(mine, p_day) is not None:
                raise _invalid("partner_date", f"{requester} already works on {partner_date:%a %d %b}.")
    problem = selectors.roster_problem(roster=roster)
    # Pins are how a re-plan was solved, not rules of the roster; leave approved since counts.
    problem = replace(problem, pins=(), leave=problem.leave + _current_leave(roster, (requester, partner), problem))
    people = {item.id for item in problem.staff}
    if mine not in people or theirs not in people:
        raise _invalid("partner_staff_id", "Both people must be part of the published roster.")
    before = Counter(_key(item) for item in checker.check(problem, solution).hard_violations)
    after = checker.check(
        problem, _swapped(solution, requester=mine, requester_day=r_day, partner=theirs, partner_day=p_day)
    )
    new = []
    for finding in after.hard_violations:
        key = _key(finding)
        if before[key]:
            before[key] -= 1
            continue
        new.append({"rule": finding.rule, "message": finding.message})
    return new


def _current_leave(roster: Roster, members, problem: rp.Problem) -> tuple[rp.Leave, ...]:
    known = {(item.person, item.first_day, item.last_day) for item in problem.leave}
    rows = []
    for row in Leave.objects.filter(
        staff__in=members,
        status=LeaveStatus.APPROVED,
        first_day__lte=roster.last_day,
        last_day__gte=roster.first_day,
    ):
        first = max(0, _day_index(roster, row.first_day))
        last = min(roster.num_days - 1, _day_index(roster, row.last_day))
        if (str(row.staff_id), first, last) not in known:
            rows.append(rp.Leave(str(row.staff_id), first, last, row.reason or row.get_kind_display()))
    return tuple(rows)


def _refuse(findings: list[dict]) -> ApplicationError:
    words = "; ".join(item["message"] for item in findings)
    return ApplicationError(
        "swap_breaks_rules",
        f"The swap would break {len(findings)} rule(s) the roster keeps: {words}",
        status_code=409,
        extra={"findings": findings},
    )


def _describe(swap: SwapRequest) -> str:
    if swap.partner_date is None:
        return f"{swap.requester} gives {swap.requester_date:%a %d %b}'s shift to {swap.partner}"
    return (
        f"{swap.requester} ({swap.requester_date:%a %d %b}) and {swap.partner} "
        f"({swap.partner_date:%a %d %b}) exchange shifts"
    )


def _notify(*, facility, recipient_ids, actor, title: str, message: str) -> None:
    """Tells the people (the actor left out) after the commit, as booking tells of bookings."""
    recipients = sorted({pk for pk in recipient_ids if pk is not None and pk != actor.pk})
    if not recipients:
        return
    event_id = str(uuid.uuid4())
    transaction.on_commit(
        lambda: booking_notices.notify_members(
            facility=facility, recipient_ids=recipients, title=title, message=message, event_id=event_id
        )
    )


def _manager_ids(facility) -> list[int]:
    return list(
        kernel.member_user_list(facility=facility, roles=roles_allowed(Action.ROSTER_MANAGE)).values_list(
            "pk", flat=True
        )
    )


def swap_request_create(
    *,
    facility,
    actor,
    roster_id,
    requester_staff_id,
    requester_date,
    partner_staff_id,
    partner_date=None,
    reason: str = "",
) -> SwapRequest:
    """Asks to give the requester's shift on ``requester_date`` to the partner (``partner_date``
    None) or to exchange it for the partner's on ``partner_date``. A rostered person asks for
    their own shifts only; a manager for anyone. Refused (409 ``swap_breaks_rules``, nothing
    saved) when it would break a hard rule; otherwise pending, and the partner and the managers
    are told."""
    selectors.require(facility=facility, actor=actor, action=Action.ROSTER_REQUEST)
    manager = selectors.can_manage(facility=facility, actor=actor)
    first = _date(requester_date, "requester_date")
    second = None if partner_date in (None, "") else _date(partner_date, "partner_date")
    if len(reason) > 300:
        raise _invalid("reason", "At most 300 characters.")
    with transaction.atomic():
        roster = _published(facility=facility, actor=actor, roster_id=roster_id, for_update=True)
        requester = _member_on(facility, roster, requester_staff_id, "requester_staff_id")
        if not manager and not selectors.staff_for_user(facility=facility, user=actor, rota=roster.rota).filter(
            pk=requester.pk
        ):
            raise ApplicationError(
                "permission_denied", "You can ask to swap your own shifts only.", extra={"action": "roster.request"}
            )
        partner = _member_on(facility, roster, partner_staff_id, "partner_staff_id")
        if partner.pk == requester.pk:
            raise _invalid("partner_staff_id", "Swap with someone else.")
        findings = _swap_findings(
            roster=roster,
            requester=requester,
            requester_date=first,
            partner=partner,
            partner_date=second,
            today=_local_now(facility).date(),
        )
        if findings:
            raise _refuse(findings)
        swap = SwapRequest(
            roster=roster,
            requester=requester,
            requester_date=first,
            partner=partner,
            partner_date=second,
            reason=reason,
            findings=[],
            created_by=actor,
        )
        audited_save(swap, actor=actor)
        _notify(
            facility=facility,
            recipient_ids=[partner.resource.user_id, requester.resource.user_id, *_manager_ids(facility)],
            actor=actor,
            title="Shift swap requested",
            message=f"Shift swap requested: {_describe(swap)} ({roster.name})."
            + (f" Reason: {reason}" if reason else ""),
        )
    return swap


def _pk(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise NotFound("Swap request") from None
    if not 0 < number < 2**63:
        raise NotFound("Swap request")
    return number


def swap_get(*, facility, actor, swap_id, for_update: bool = False) -> SwapRequest:
    """A swap the actor may see (``selectors.swap_list``), or 404."""
    queryset = selectors.swap_list(facility=facility, actor=actor)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    swap = queryset.filter(pk=_pk(swap_id)).first()
    if swap is None:
        raise NotFound("Swap request")
    return swap


def swap_decide(*, facility, actor, swap_id, approve: bool, note: str = "") -> SwapRequest:
    """A manager approves or declines a pending swap. Approving checks it again against the
    roster as it is now, under the roster's row lock (so of two conflicting approvals only the
    first applies), moves the assignment rows, gives back their extra time and queues the
    rota's sync; the requester and the partner are told either way."""
    selectors.require(facility=facility, actor=actor, action=Action.ROSTER_MANAGE)
    if len(note) > 300:
        raise _invalid("note", "At most 300 characters.")
    with transaction.atomic():
        found = swap_get(facility=facility, actor=actor, swap_id=swap_id)
        roster = selectors.roster_get(facility=facility, actor=actor, roster_id=found.roster_id, for_update=True)
        swap = swap_get(facility=facility, actor=actor, swap_id=swap_id, for_update=True)
        if swap.status != SwapStatus.PENDING:
            raise _swap_state(f"The swap has already been {swap.get_status_display().lower()}.")
        if approve:
            if roster.status != RosterStatus.PUBLISHED:
                raise _swap_state("The roster is no longer published: the swap can only be declined.")
            try:
                findings = _swap_findings(
                    roster=roster,
                    requester=swap.requester,
                    requester_date=swap.requester_date,
                    partner=swap.partner,
                    partner_date=swap.partner_date,
                    today=_local_now(facility).date(),
                )
            except ApplicationError as error:
                if error.code != "invalid":
                    raise
                raise _swap_state(f"The roster has changed since the swap was asked: {error.message}") from None
            if findings:
                raise _refuse(findings)
            _apply(facility=facility, actor=actor, roster=roster, swap=swap)
        swap.status = SwapStatus.APPROVED if approve else SwapStatus.DECLINED
        swap.decided_by = actor
        swap.decided_at = timezone.now()
        swap.decision_note = note
        audited_save(swap, actor=actor)
        verdict = "approved" if approve else "declined"
        _notify(
            facility=facility,
            recipient_ids=[swap.requester.resource.user_id, swap.partner.resource.user_id],
            actor=actor,
            title=f"Shift swap {verdict}",
            message=f"Shift swap {verdict}: {_describe(swap)} ({roster.name})." + (f" {note}" if note else ""),
        )
    return swap


def _apply(*, facility, actor, roster: Roster, swap: SwapRequest) -> None:
    rows = Assignment.objects.select_for_update().filter(roster=roster)
    mine = rows.get(staff=swap.requester, date=swap.requester_date)
    changed = [mine]
    if swap.partner_date is None:
        mine.staff = swap.partner
    elif swap.partner_date == swap.requester_date:
        theirs = rows.get(staff=swap.partner, date=swap.partner_date)
        mine.shift_type, theirs.shift_type = theirs.shift_type, mine.shift_type
        mine.skill, theirs.skill = theirs.skill, mine.skill
        changed.append(theirs)
    else:
        theirs = rows.get(staff=swap.partner, date=swap.partner_date)
        mine.staff, theirs.staff = swap.partner, swap.requester
        changed.append(theirs)
    for row in changed:
        if row.exception_id:
            try:
                availability.exception_remove(facility=facility, actor=actor, exception_id=row.exception_id)
            except ApplicationError as error:
                if error.code not in ("exception_past", "not_found"):
                    raise
        row.exception_id = None
        audited_save(row, actor=actor)
    from rostering import tasks  # tasks import services

    enqueue_on_commit(tasks.sync_rota, rota_id=roster.rota_id, actor_id=actor.pk)


def swap_withdraw(*, facility, actor, swap_id) -> SwapRequest:
    """The requester (or a manager) withdraws a pending swap."""
    selectors.require(facility=facility, actor=actor, action=Action.ROSTER_REQUEST)
    with transaction.atomic():
        swap = swap_get(facility=facility, actor=actor, swap_id=swap_id, for_update=True)
        if (
            not selectors.can_manage(facility=facility, actor=actor)
            and swap.requester.resource.user_id != actor.pk
            and swap.created_by_id != actor.pk
        ):
            raise ApplicationError(
                "permission_denied", "Only who asked for the swap may withdraw it.", extra={"action": "roster.request"}
            )
        if swap.status != SwapStatus.PENDING:
            raise _swap_state(f"The swap has already been {swap.get_status_display().lower()}.")
        swap.status = SwapStatus.WITHDRAWN
        swap.decided_at = timezone.now()
        audited_save(swap, actor=actor)
        _notify(
            facility=facility,
            recipient_ids=[swap.partner.resource.user_id, *_manager_ids(facility)],
            actor=actor,
            title="Shift swap withdrawn",
            message=f"Shift swap withdrawn: {_describe(swap)} ({swap.roster.name}).",
        )
    return swap
