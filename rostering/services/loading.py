"""A rota made from an engine ``Problem`` (the generated department, an INRC-II instance): its
sites, contracts, shift types, coverage (as dated rows), staff (each a new practitioner or nurse
resource, optionally linked to a user), leave (approved), preferences, partnerships, training
and rules. For the demo, the tests and the benchmark; the tables then read back through
``problem_build`` as the same problem (``tests/rostering/test_django_problem.py``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from rostering import problem as rp
from rostering.models import (
    Contract,
    CoverageRequirement,
    Leave,
    LeaveStatus,
    Partnership,
    Preference,
    Rota,
    RuleSetting,
    ShiftKind,
    ShiftType,
    Site,
    StaffMember,
    TrainingRequirement,
)
from scheduling import services as kernel
from scheduling.history import audited_bulk_create, audited_save


def _kind(shift: rp.ShiftType) -> str:
    if shift.is_night:
        return ShiftKind.NIGHT
    if shift.weekend_only:
        return ShiftKind.WEEKEND
    if shift.start is not None and shift.start >= dt.time(13):
        return ShiftKind.EVENING
    return ShiftKind.DAY


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def rota_from_problem(
    *,
    facility,
    actor,
    problem: rp.Problem,
    name: str,
    resource_kind: str = "practitioner",
    users: dict[str, object] | None = None,
    department=None,
    infusion_nurses: bool = False,
    solve_seconds: int = 30,
    weekly: bool = False,
) -> tuple[Rota, dict[str, StaffMember]]:
    """Creates the rota; returns it and its staff by the problem's person ids. ``users`` links
    a person id to the user who signs in as them. ``weekly``: the coverage of the first seven
    days becomes weekday rows, so the rota can be solved for any later span (else dated rows)."""
    users = users or {}
    with transaction.atomic():
        rota = audited_save(
            Rota(
                facility=facility,
                name=name,
                department=department,
                skills=list(problem.skills),
                weekend_days=list(problem.weekend_days),
                infusion_nurses=infusion_nurses,
                solve_seconds=solve_seconds,
            ),
            actor=actor,
        )
        sites = {
            code: audited_save(Site(rota=rota, code=code, name=code.title()), actor=actor) for code in problem.sites
        }
        contracts: dict[rp.Contract, Contract] = {}
        for person in problem.staff:
            if person.contract not in contracts:
                c = person.contract
                label = c.name or "Contract"
                if any(other.name == label for other in contracts.values()):
                    label = f"{label} ({'complete weekends' if c.complete_weekends else len(contracts) + 1})"
                contracts[c] = audited_save(
                    Contract(
                        rota=rota,
                        name=label,
                        complete_weekends=c.complete_weekends,
                        min_hours_per_week=_decimal(c.min_hours_per_week),
                        max_hours_per_week=_decimal(c.max_hours_per_week),
                        max_hours_4_weeks=_decimal(c.max_hours_4_weeks),
                        target_hours_per_week=_decimal(c.target_hours_per_week),
                        max_consecutive_days=c.max_consecutive_days,
                        max_consecutive_nights=c.max_consecutive_nights,
                        min_rest_hours=_decimal(c.min_rest_hours),
                        max_working_weekends=c.max_working_weekends,
                    ),
                    actor=actor,
                )
        shifts = {
            shift.code: audited_save(
                ShiftType(
                    rota=rota,
                    code=shift.code,
                    name=shift.name or shift.code,
                    kind=_kind(shift),
                    start_time=shift.start or dt.time(8),
                    end_time=shift.end or dt.time(16),
                    hours=_decimal(shift.hours),
                    site=sites.get(shift.site) if shift.site else None,
                    weekend_only=shift.weekend_only,
                    forbidden_successors=list(shift.forbidden_successors),
                ),
                actor=actor,
            )
            for shift in problem.shift_types
        }
        staff: dict[str, StaffMember] = {}
        for person in problem.staff:
            resource = kernel.resource_create(
                facility=facility,
                actor=actor,
                kind=resource_kind,
                name=person.name or person.id,
                department=department,
                user=users.get(person.id),
            )
            staff[person.id] = audited_save(
                StaffMember(
                    rota=rota,
                    resource=resource,
                    seniority=min(5, max(1, person.seniority or 1)),
                    skills=list(person.skills),
                    sites=list(person.sites),
                    contract=contracts[person.contract],
                ),
                actor=actor,
            )

        def date(day: int) -> dt.date:
            return problem.first_day + dt.timedelta(days=day)

        audited_bulk_create(CoverageRequirement, _coverage_rows(rota, problem, shifts, weekly), actor=actor)
        audited_bulk_create(
            Leave,
            [
                Leave(
                    staff=staff[row.person],
                    first_day=date(row.first_day),
                    last_day=date(row.last_day),
                    status=LeaveStatus.APPROVED,
                    reason=row.reason[:300],
                )
                for row in problem.leave
            ],
            actor=actor,
        )
        audited_bulk_create(
            Preference,
            [
                Preference(
                    staff=staff[row.person],
                    date=date(row.day),
                    shift_type=shifts[row.shift] if row.shift else None,
                    want=row.want,
                    priority=min(5, max(1, row.weight)),
                    reason=row.reason[:300],
                )
                for row in problem.preferences
            ],
            actor=actor,
        )
        audited_bulk_create(
            Partnership,
            [
                Partnership(rota=rota, first=staff[row.a], second=staff[row.b], weight=row.weight)
                for row in problem.partnerships
            ],
            actor=actor,
        )
        audited_bulk_create(
            TrainingRequirement,
            [
                TrainingRequirement(
                    staff=staff[row.person],
                    minimum=row.minimum,
                    first_day=date(row.first_day),
                    last_day=date(row.last_day),
                    shift_type=shifts[row.shift] if row.shift else None,
                    skill=row.skill or "",
                )
                for row in problem.training
            ],
            actor=actor,
        )
        audited_bulk_create(
            RuleSetting,
            [
                RuleSetting(rota=rota, code=rule.code, hard=rule.hard, weight=rule.weight, enabled=rule.enabled)
                for rule in problem.rules
            ],
            actor=actor,
        )
    return rota, staff


def _coverage_rows(rota, problem: rp.Problem, shifts: dict, weekly: bool) -> list[CoverageRequirement]:
    if not weekly:
        return [
            CoverageRequirement(
                rota=rota,
                shift_type=shifts[row.shift],
                skill=row.skill,
                date=problem.first_day + dt.timedelta(days=row.day),
                minimum=row.minimum,
                optimal=max(row.minimum, row.optimal),
            )
            for row in problem.coverage
        ]
    weekdays: dict[tuple[str, str, int, int], list[int]] = {}
    for row in problem.coverage:
        if row.day < 7:
            weekday = (problem.first_day + dt.timedelta(days=row.day)).isoweekday()
            key = (row.shift, row.skill, row.minimum, max(row.minimum, row.optimal))
            weekdays.setdefault(key, []).append(weekday)
    return [
        CoverageRequirement(
            rota=rota, shift_type=shifts[code], skill=skill, weekdays=sorted(days), minimum=minimum, optimal=optimal
        )
        for (code, skill, minimum, optimal), days in weekdays.items()
    ]
