"""The rota's tables as the engine's ``Problem``: the one place that turns rows into the solver's
and the checker's input. People are named by their StaffMember pk (as a string), shifts by their
code, days by their index from ``first_day``.

- Coverage: a row for one ``date`` overrides the weekday rows of its shift and skill on that
  date; several weekday rows for one shift and skill take the largest. A weekend-only shift asks
  for nobody on a weekday.
- Approved leave is leave (the leave rule); requested leave is a wish to be off each of its days
  (a preference of weight ``REQUESTED_LEAVE_WEIGHT``) until a manager decides.
- History: the last published shifts before ``first_day`` tell the rest and consecutive rules
  how the previous roster ended (a night on the eve forbids a day on day 0).
- Rules: the rota's rule rows; a rota without any reads the defaults.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import replace

from rostering import problem as rp
from rostering.models import (
    Assignment,
    CoverageRequirement,
    Leave,
    LeaveStatus,
    Partnership,
    Preference,
    RosterStatus,
    RuleSetting,
    ShiftType,
    StaffMember,
    TrainingRequirement,
)

REQUESTED_LEAVE_WEIGHT = 5
HISTORY_DAYS = 14  # how far back the previous roster's end is read


def problem_build(
    *,
    rota,
    first_day: dt.date,
    num_days: int,
    extra_coverage: tuple[rp.Coverage, ...] = (),
    extra_leave: tuple[rp.Leave, ...] = (),
    pins: tuple[rp.Pin, ...] = (),
    reference: rp.Roster | None = None,
    name: str = "",
) -> rp.Problem:
    """The rota's problem over ``num_days`` from ``first_day``. ``extra_coverage`` replaces the
    coverage of the (day, shift, skill) it names (a what-if's "3 on Friday night");
    ``extra_leave`` adds leave (a sick day being re-planned); ``pins`` and ``reference`` are
    passed through (re-planning pins the past and prices changes against the reference)."""
    last_day = first_day + dt.timedelta(days=num_days - 1)
    shift_types = list(ShiftType.objects.filter(rota=rota).select_related("site"))
    staff = list(StaffMember.objects.filter(rota=rota, active=True).select_related("resource", "contract"))
    ids = {member.pk for member in staff}

    def index(day: dt.date) -> int:
        return (day - first_day).days

    def clip(first: dt.date, last: dt.date) -> tuple[int, int] | None:
        if last < first_day or first > last_day:
            return None
        return max(0, index(first)), min(num_days - 1, index(last))

    history = _history(rota=rota, first_day=first_day, staff=staff)
    problem_staff = tuple(
        rp.Staff(
            id=str(member.pk),
            name=member.resource.name,
            seniority=member.seniority,
            skills=tuple(member.skills),
            sites=tuple(member.sites),
            contract=_contract(member.contract),
            history=history.get(member.pk, rp.History()),
        )
        for member in staff
    )
    problem_shifts = tuple(
        rp.ShiftType(
            code=shift.code,
            name=shift.name,
            start=shift.start_time,
            end=shift.end_time,
            hours=float(shift.hours),
            site=shift.site.code if shift.site else None,
            is_night=shift.is_night,
            weekend_only=shift.weekend_only,
            forbidden_successors=tuple(shift.forbidden_successors),
        )
        for shift in shift_types
    )
    weekend_days = tuple(rota.weekend_days) or (6, 7)
    coverage = _coverage(rota, first_day, num_days, shift_types, weekend_days, extra_coverage)

    leave, preferences = list(extra_leave), []
    for row in Leave.objects.filter(staff__in=ids, first_day__lte=last_day, last_day__gte=first_day).exclude(
        status=LeaveStatus.DECLINED
    ):
        span = clip(row.first_day, row.last_day)
        if row.status == LeaveStatus.APPROVED:
            leave.append(rp.Leave(str(row.staff_id), span[0], span[1], row.reason or row.get_kind_display()))
        else:
            preferences.extend(
                rp.Preference(str(row.staff_id), day, None, False, REQUESTED_LEAVE_WEIGHT, "leave requested")
                for day in range(span[0], span[1] + 1)
            )
    for row in Preference.objects.filter(staff__in=ids, date__range=(first_day, last_day)).select_related("shift_type"):
        preferences.append(
            rp.Preference(
                str(row.staff_id),
                index(row.date),
                row.shift_type.code if row.shift_type else None,
                row.want,
                row.priority,
                row.reason,
            )
        )
    partnerships = tuple(
        rp.Partnership(str(row.first_id), str(row.second_id), row.weight)
        for row in Partnership.objects.filter(rota=rota, first__in=ids, second__in=ids)
    )
    training = []
    for row in TrainingRequirement.objects.filter(
        staff__in=ids, first_day__lte=last_day, last_day__gte=first_day
    ).select_related("shift_type"):
        span = clip(row.first_day, row.last_day)
        training.append(
            rp.TrainingRequirement(
                str(row.staff_id),
                row.minimum,
                span[0],
                span[1],
                row.shift_type.code if row.shift_type else None,
                row.skill or None,
            )
        )
    rules = (
        tuple(
            rp.Rule(row.code, hard=row.hard, weight=row.weight, enabled=row.enabled)
            for row in RuleSetting.objects.filter(rota=rota)
        )
        or rp.default_rules()
    )
    problem = rp.Problem(
        first_day=first_day,
        num_days=num_days,
        shift_types=problem_shifts,
        staff=problem_staff,
        skills=tuple(rota.skills),
        sites=tuple(rota.sites.values_list("code", flat=True)),
        coverage=coverage,
        leave=tuple(leave),
        preferences=tuple(preferences),
        partnerships=partnerships,
        training=tuple(training),
        pins=tuple(pins),
        reference=reference,
        rules=rules,
        weekend_days=weekend_days,
        name=name or rota.name,
    )
    if reference is not None and problem.rule("changes") is None:
        problem = problem.with_rule("changes", hard=False, weight=50)
    problem.validate()
    return problem


def _contract(contract) -> rp.Contract:
    def number(value):
        return None if value is None else float(value)

    return rp.Contract(
        name=contract.name,
        max_hours_per_week=number(contract.max_hours_per_week),
        min_hours_per_week=number(contract.min_hours_per_week),
        max_hours_4_weeks=number(contract.max_hours_4_weeks),
        target_hours_per_week=number(contract.target_hours_per_week),
        max_consecutive_days=contract.max_consecutive_days,
        max_consecutive_nights=contract.max_consecutive_nights,
        min_rest_hours=number(contract.min_rest_hours),
        max_working_weekends=contract.max_working_weekends,
        complete_weekends=contract.complete_weekends,
    )


def _coverage(rota, first_day, num_days, shift_types, weekend_days, extra) -> tuple[rp.Coverage, ...]:
    by_shift = {shift.pk: shift for shift in shift_types}
    weekly: dict[tuple[str, str, int], int] = defaultdict(int)
    weekly_optimal: dict[tuple[str, str, int], int] = defaultdict(int)
    dated: dict[tuple[int, str, str], tuple[int, int]] = {}
    last_day = first_day + dt.timedelta(days=num_days - 1)
    rows = CoverageRequirement.objects.filter(rota=rota).filter(date__isnull=True) | CoverageRequirement.objects.filter(
        rota=rota, date__range=(first_day, last_day)
    )
    for row in rows:
        shift = by_shift.get(row.shift_type_id)
        if shift is None:
            continue
        if row.date is not None:
            dated[(row.date - first_day).days, shift.code, row.skill] = (row.minimum, row.optimal)
            continue
        for weekday in row.weekdays or range(1, 8):
            key = (shift.code, row.skill, weekday)
            weekly[key] = max(weekly[key], row.minimum)
            weekly_optimal[key] = max(weekly_optimal[key], row.optimal)
    weekend_only = {shift.code for shift in shift_types if shift.weekend_only}
    cells: dict[tuple[int, str, str], tuple[int, int]] = {}
    for day in range(num_days):
        weekday = (first_day + dt.timedelta(days=day)).isoweekday()
        for (code, skill, row_weekday), minimum in weekly.items():
            if row_weekday != weekday or (code in weekend_only and weekday not in weekend_days):
                continue
            cells[day, code, skill] = (minimum, max(minimum, weekly_optimal[code, skill, weekday]))
    cells.update(dated)
    for row in extra:
        cells[row.day, row.shift, row.skill] = (row.minimum, max(row.minimum, row.optimal))
    return tuple(
        rp.Coverage(day, code, skill, minimum, optimal)
        for (day, code, skill), (minimum, optimal) in sorted(cells.items())
        if minimum or optimal
    )


def _history(*, rota, first_day: dt.date, staff) -> dict[int, rp.History]:
    """How each person's last published roster ended before ``first_day``: the last shift on
    the eve and the runs that lead up to it."""
    start = first_day - dt.timedelta(days=HISTORY_DAYS)
    worked: dict[int, dict[dt.date, str]] = defaultdict(dict)
    for staff_id, day, code in Assignment.objects.filter(
        roster__rota=rota,
        roster__status=RosterStatus.PUBLISHED,
        date__range=(start, first_day - dt.timedelta(days=1)),
    ).values_list("staff_id", "date", "shift_type__code"):
        worked[staff_id][day] = code
    history = {}
    for member in staff:
        days = worked.get(member.pk)
        if not days:
            continue
        eve = first_day - dt.timedelta(days=1)
        last = days.get(eve)
        same = working = off = 0
        day = eve
        while day >= start:
            code = days.get(day)
            if last is None:
                if code is not None:
                    break
                off += 1
            else:
                if code is None:
                    break
                working += 1
                if code == last and same == working - 1:
                    same += 1
            day -= dt.timedelta(days=1)
        history[member.pk] = replace(
            rp.History(),
            last_shift=last,
            consecutive_same_shift=same,
            consecutive_working_days=working,
            consecutive_days_off=off,
        )
    return history
