"""The rota's tables read back as the engine's problem: what a manager enters is what the solver
and the checker are asked."""

import datetime as dt
from dataclasses import replace

import pytest

from rostering import problem as rp
from rostering.models import Leave, LeaveStatus, Preference, RuleSetting
from rostering.services.loading import rota_from_problem
from rostering.services.problem import REQUESTED_LEAVE_WEIGHT, problem_build

pytestmark = pytest.mark.django_db


def test_a_loaded_problem_reads_back_the_same(facility, user, small_problem):
    rota, staff = rota_from_problem(facility=facility, actor=user, problem=small_problem, name="Registrars")
    built = problem_build(rota=rota, first_day=small_problem.first_day, num_days=small_problem.num_days)
    rename = {str(member.pk): person for person, member in staff.items()}

    def original(person: str) -> str:
        return rename[person]

    assert {row.id for row in built.staff} == set(rename)
    for person in built.staff:
        source = small_problem.person(original(person.id))
        assert (person.skills, person.sites, person.seniority) == (source.skills, source.sites, source.seniority)
        assert replace(person.contract, name="") == replace(source.contract, name="")
    assert set(built.coverage) == {row for row in small_problem.coverage if row.minimum or row.optimal}
    assert sorted((original(row.person), row.first_day, row.last_day) for row in built.leave) == sorted(
        (row.person, row.first_day, row.last_day) for row in small_problem.leave
    )
    assert sorted(
        (original(row.person), row.day, row.shift, row.want, row.weight) for row in built.preferences
    ) == sorted((row.person, row.day, row.shift, row.want, min(5, row.weight)) for row in small_problem.preferences)
    assert sorted(
        (original(row.person), row.minimum, row.first_day, row.last_day, row.shift) for row in built.training
    ) == sorted((row.person, row.minimum, row.first_day, row.last_day, row.shift) for row in small_problem.training)
    assert {rule.code: (rule.hard, rule.weight) for rule in built.rules} == {
        rule.code: (rule.hard, rule.weight) for rule in small_problem.rules
    }
    assert set(built.shift_types) == set(small_problem.shift_types)


def test_weekly_coverage_repeats_by_weekday_and_a_dated_row_overrides_it(facility, user, small_problem):
    rota, _ = rota_from_problem(facility=facility, actor=user, problem=small_problem, name="Registrars", weekly=True)
    later = small_problem.first_day + dt.timedelta(days=28)
    built = problem_build(rota=rota, first_day=later, num_days=14)
    first_week = {(row.day % 7, row.shift, row.skill): row.minimum for row in small_problem.coverage if row.day < 7}
    assert {(row.day % 7, row.shift, row.skill): row.minimum for row in built.coverage if row.minimum} == {
        key: value for key, value in first_week.items() if value
    }
    night = rota.shift_types.get(code="N")
    rota.coverage.create(shift_type=night, skill="city", date=later + dt.timedelta(days=4), minimum=3, optimal=3)
    built = problem_build(rota=rota, first_day=later, num_days=14)
    assert [row.minimum for row in built.coverage if (row.day, row.shift, row.skill) == (4, "N", "city")] == [3]


def test_requested_leave_is_a_wish_and_approved_leave_is_leave(facility, user, rota_and_staff):
    rota, staff = rota_and_staff
    member = next(iter(staff.values()))
    start = dt.date(2027, 3, 1)
    Leave.objects.filter(staff=member).delete()
    Preference.objects.filter(staff=member).delete()
    Leave.objects.create(staff=member, first_day=start, last_day=start + dt.timedelta(days=1))
    Leave.objects.create(
        staff=member,
        first_day=start + dt.timedelta(days=3),
        last_day=start + dt.timedelta(days=3),
        status=LeaveStatus.APPROVED,
    )
    Leave.objects.create(
        staff=member,
        first_day=start + dt.timedelta(days=5),
        last_day=start + dt.timedelta(days=5),
        status=LeaveStatus.DECLINED,
    )
    built = problem_build(rota=rota, first_day=start, num_days=7)
    mine = str(member.pk)
    assert [(row.first_day, row.last_day) for row in built.leave if row.person == mine] == [(3, 3)]
    assert [(row.day, row.shift, row.want, row.weight) for row in built.preferences if row.person == mine] == [
        (0, None, False, REQUESTED_LEAVE_WEIGHT),
        (1, None, False, REQUESTED_LEAVE_WEIGHT),
    ]


def test_a_rule_switched_off_or_made_hard_is_what_the_next_solve_reads(facility, user, rota):
    RuleSetting.objects.filter(rota=rota, code="fair_nights").update(enabled=False)
    RuleSetting.objects.filter(rota=rota, code="preferences").update(hard=True)
    built = problem_build(rota=rota, first_day=dt.date(2027, 3, 1), num_days=7)
    assert built.rule("fair_nights") is None
    assert built.rule("preferences") == rp.Rule("preferences", hard=True, weight=10)


def test_the_previous_roster_s_last_night_is_the_history_of_the_next(facility, user, rota_and_staff):
    from rostering.models import Assignment, Roster, RosterStatus

    rota, staff = rota_and_staff
    member = next(iter(staff.values()))
    before = Roster.objects.create(
        rota=rota,
        name="Before",
        first_day=dt.date(2027, 2, 22),
        num_days=7,
        status=RosterStatus.PUBLISHED,
        created_by=user,
    )
    night = rota.shift_types.get(code="N")
    day = rota.shift_types.get(code="D")
    for offset, shift in ((3, day), (4, night), (5, night), (6, night)):
        Assignment.objects.create(
            roster=before, staff=member, date=before.first_day + dt.timedelta(days=offset), shift_type=shift
        )
    built = problem_build(rota=rota, first_day=dt.date(2027, 3, 1), num_days=7)
    history = built.person(str(member.pk)).history
    assert (history.last_shift, history.consecutive_same_shift, history.consecutive_working_days) == ("N", 3, 4)
    assert built.person(str(next(reversed(staff.values())).pk)).history == rp.History()
