"""Re-planning a published roster (sick leave, emergency cover), what-ifs and the diff of a
re-plan against its parent, through the services (the eager Celery task solves inline)."""

import dataclasses
import datetime as dt

import pytest
from django.utils import timezone

from rostering import selectors
from rostering.models import (
    Assignment,
    Leave,
    LeaveKind,
    LeaveStatus,
    RosterPurpose,
    RosterStatus,
    SolveStatus,
    StaffMember,
)
from rostering.services import change, rosters
from scheduling.errors import ApplicationError

pytestmark = pytest.mark.django_db(transaction=True)


def _cells(roster) -> dict:
    return {(row.staff_id, row.date): row.shift_type.code for row in Assignment.objects.filter(roster=roster)}


def _busiest(roster) -> StaffMember:
    """A person with shifts on the roster's days 3-5 (so sick leave there changes something)."""
    days = [roster.first_day + dt.timedelta(days=i) for i in (3, 4, 5)]
    for member in StaffMember.objects.filter(rota=roster.rota):
        if Assignment.objects.filter(roster=roster, staff=member, date__in=days).exists():
            return member
    raise AssertionError("nobody works days 3-5")


def test_sick_leave_replan_keeps_the_past_frees_the_person_and_replaces_the_parent(
    facility, user, published_roster, monkeypatch
):
    parent = published_roster
    # "Now" is the roster's second day at noon: its first day is the past.
    noon = dt.datetime.combine(
        parent.first_day + dt.timedelta(days=1), dt.time(12), tzinfo=timezone.get_current_timezone()
    )
    monkeypatch.setattr(change, "_local_now", lambda facility: noon)
    sick = _busiest(parent)
    first, last = parent.first_day + dt.timedelta(days=3), parent.first_day + dt.timedelta(days=5)

    replan = change.replan_for_sick_leave(
        facility=facility,
        actor=user,
        roster_id=parent.pk,
        staff_id=sick.pk,
        first_day=first,
        last_day=last,
        reason="Flu",
    )
    replan.refresh_from_db()
    assert replan.solve_status in (SolveStatus.DONE, SolveStatus.STOPPED), replan.error or replan.explanation
    assert (replan.purpose, replan.parent_id, replan.status) == (RosterPurpose.REPLAN, parent.pk, RosterStatus.DRAFT)
    assert replan.check_report["ok"]
    assert Leave.objects.filter(
        staff=sick, first_day=first, last_day=last, kind=LeaveKind.SICK, status=LeaveStatus.APPROVED
    ).exists()

    before, after = _cells(parent), _cells(replan)
    for day in range(3):  # the past (day 0) and the days before the leave (1, 2) are as published
        date = parent.first_day + dt.timedelta(days=day)
        assert {k: v for k, v in before.items() if k[1] == date} == {k: v for k, v in after.items() if k[1] == date}
    assert not Assignment.objects.filter(roster=replan, staff=sick, date__range=(first, last)).exists()
    problem = selectors.roster_problem(roster=replan)
    assert problem.rule("changes").weight == 50 and problem.reference is not None

    diff = change.roster_diff(base=parent, other=replan)
    assert diff
    assert {row["date"] for row in diff} <= {parent.first_day + dt.timedelta(days=i) for i in range(3, 7)}
    assert any(row["staff_id"] == sick.pk and row["after"] is None for row in diff)
    summary = change.roster_diff_summary(diff)
    assert summary["changed"] == len(diff) and summary["removed"] >= 1

    rosters.roster_publish(facility=facility, actor=user, roster_id=replan.pk)
    parent.refresh_from_db()
    replan.refresh_from_db()
    assert (parent.status, replan.status) == (RosterStatus.ARCHIVED, RosterStatus.PUBLISHED)


def test_emergency_cover_raises_the_coverage_and_is_met(facility, user, published_roster):
    day = published_roster.first_day + dt.timedelta(days=2)
    problem = selectors.roster_problem(roster=published_roster)
    row = next(item for item in problem.coverage if item.day == 2 and item.shift == "D")
    replan = change.emergency_cover(
        facility=facility,
        actor=user,
        roster_id=published_roster.pk,
        date=day,
        shift_code="D",
        skill=row.skill,
        minimum=row.minimum + 1,
        note="Major incident",
    )
    replan.refresh_from_db()
    assert replan.solve_status in (SolveStatus.DONE, SolveStatus.STOPPED), replan.error or replan.explanation
    assert "Major incident" in replan.note
    raised = next(
        item
        for item in selectors.roster_problem(roster=replan).coverage
        if (item.day, item.shift, item.skill) == (2, "D", row.skill)
    )
    assert raised.minimum == row.minimum + 1
    assert replan.check_report["ok"]  # the checker counts the raised cover as met
    with pytest.raises(ApplicationError) as error:
        change.emergency_cover(
            facility=facility,
            actor=user,
            roster_id=published_roster.pk,
            date=day,
            shift_code="X",
            skill=row.skill,
            minimum=1,
        )
    assert error.value.fields == {"shift_code": ["No such shift in the roster."]}


def test_a_what_if_is_never_publishable_and_leaves_the_published_roster_alone(facility, user, published_roster):
    before = _cells(published_roster)
    problem = selectors.roster_problem(roster=published_roster)
    row = problem.coverage[0]
    what_if = change.what_if_create(
        facility=facility,
        actor=user,
        roster_id=published_roster.pk,
        coverage=[
            {
                "date": published_roster.first_day + dt.timedelta(days=row.day),
                "shift_code": row.shift,
                "skill": row.skill,
                "minimum": row.minimum + 1,
            }
        ],
    )
    what_if.refresh_from_db()
    assert what_if.purpose == RosterPurpose.WHAT_IF and what_if.solve_status in (SolveStatus.DONE, SolveStatus.STOPPED)
    with pytest.raises(ApplicationError) as error:
        rosters.roster_publish(facility=facility, actor=user, roster_id=what_if.pk)
    assert error.value.code == "roster_state"
    published_roster.refresh_from_db()
    assert published_roster.status == RosterStatus.PUBLISHED and _cells(published_roster) == before


def test_a_registrar_may_not_replan(facility, registrar, published_roster):
    member = StaffMember.objects.filter(rota=published_roster.rota).first()
    with pytest.raises(ApplicationError) as error:
        change.replan_for_sick_leave(
            facility=facility,
            actor=registrar,
            roster_id=published_roster.pk,
            staff_id=member.pk,
            first_day=published_roster.first_day,
            last_day=published_roster.first_day,
        )
    assert error.value.code == "permission_denied"
    assert not Leave.objects.filter(kind=LeaveKind.SICK).exists()


def test_with_coverage_replaces_the_cell_or_adds_it():
    from rostering import problem as rp

    base = rp.Problem(
        first_day=dt.date(2030, 1, 7),
        num_days=2,
        shift_types=(rp.ShiftType("D"),),
        staff=(rp.Staff("1"),),
        coverage=(rp.Coverage(0, "D", "a", 1, 2),),
    )
    raised = change._with_coverage(base, [rp.Coverage(0, "D", "a", 3, 3), rp.Coverage(1, "D", "a", 1, 1)])
    assert raised.coverage == (rp.Coverage(0, "D", "a", 3, 3), rp.Coverage(1, "D", "a", 1, 1))
    lowered = change._with_coverage(base, [rp.Coverage(0, "D", "a", 0, 0)])
    assert lowered.coverage == (rp.Coverage(0, "D", "a", 0, 0),)
    assert dataclasses.replace(base, coverage=()).coverage == ()
