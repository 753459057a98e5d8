"""The demo rostering (``rostering.demo``, run by ``seed_demo``): at the cancer centre, a
registrars' rota and an infusion nurses' rota, each with a roster the independent checker
passed, published into availability and the infusion center; the ``registrar`` login is one of
the registrars and sees their shifts and their own requests; a second run adds nothing."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model

from availability.models import AvailabilityException, Schedule
from infusion.models import NurseShift
from rostering import checker, demo, selectors
from rostering.models import (
    Assignment,
    Leave,
    LeaveStatus,
    Preference,
    Roster,
    RosterStatus,
    Rota,
    StaffMember,
)
from rostering.services import rosters
from scheduling.demo import LOGINS, seed_demo
from scheduling.models import Facility, Role

pytestmark = pytest.mark.django_db

ROSTERING_TABLES = [Rota, StaffMember, Leave, Preference, Roster, Assignment]


@pytest.fixture
def demo_world(settings, monkeypatch):
    """The kernel's demo (facilities, logins, departments), with short solves and a registrars'
    roster of one week, so the test stays quick on a loaded machine."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setattr(demo, "REGISTRARS_SECONDS", 5)
    monkeypatch.setattr(demo, "REGISTRARS_ROSTER_DAYS", 7)
    monkeypatch.setattr(demo, "NURSES_SECONDS", 3)
    seed_demo()
    admin = get_user_model().objects.get(username="admin")
    return Facility.objects.get(slug=demo.ROSTERING_FACILITY), admin


def _counts(facility) -> dict:
    counts = {model.__name__: model.objects.count() for model in ROSTERING_TABLES}
    counts.update({f"{model.__name__} history": model.history.count() for model in ROSTERING_TABLES})
    counts["extra time"] = AvailabilityException.objects.filter(facility=facility).count()
    counts["nurse rows"] = NurseShift.objects.filter(facility=facility).count()
    counts["schedules"] = Schedule.objects.filter(facility=facility).count()
    return counts


def test_the_demo_publishes_checked_rosters_and_a_second_run_adds_nothing(demo_world):
    facility, admin = demo_world
    other = Facility.objects.exclude(pk=facility.pk).get()
    assert demo.seed(facility=other, actor=admin) == 0
    assert demo.seed(facility=facility, actor=admin) > 30
    first = _counts(facility)
    assert demo.seed(facility=facility, actor=admin) == 0
    assert demo.seed(facility=other, actor=admin) == 0
    assert _counts(facility) == first

    assert set(Rota.objects.values_list("name", flat=True)) == {demo.REGISTRARS_ROTA, demo.NURSES_ROTA}
    assert Rota.objects.get(name=demo.REGISTRARS_ROTA).staff.count() == demo.REGISTRARS
    # A rostered person's weekly pattern has no windows: their time is their published shifts
    # (so the availability demo, run again, gives them no demo week).
    rostered = StaffMember.objects.values("resource_id")
    patterns = Schedule.objects.filter(resource_id__in=rostered)
    assert patterns.count() == StaffMember.objects.count()
    assert not patterns.filter(availabilities__isnull=False).exists()
    for roster in Roster.objects.all():
        assert roster.status == RosterStatus.PUBLISHED, (roster, roster.solve_status, roster.error)
        assert roster.rota.facility == facility
        assert roster.first_day.weekday() == 0
        # The services' verdict and the independent checker's own, on what is stored now.
        assert rosters.roster_check(roster=roster).ok
        report = checker.check(selectors.roster_problem(roster=roster), selectors.roster_solution(roster=roster))
        assert report.ok and report.hard_violations == []
        assert roster.assignments.exists()
        # Every shift from today on is extra time on the person's resource (availability).
        zone = ZoneInfo(facility.time_zone)
        today = dt.datetime.now(zone).date()
        assert not roster.assignments.filter(date__gt=today, exception_id__isnull=True).exists()

    nurses = Roster.objects.get(rota__name=demo.NURSES_ROTA)
    assert nurses.num_days == demo.DAYS
    # The infusion center reads the published nurses' roster: on each weekday ahead, 3 early and 2 late.
    weekday = next(
        nurses.first_day + dt.timedelta(days=n)
        for n in range(7, 14)
        if (nurses.first_day + dt.timedelta(days=n)).weekday() < 5
    )
    rows = NurseShift.objects.filter(facility=facility, date=weekday, source="roster").order_by("start_time")
    assert [(row.start_time, row.end_time, row.nurses) for row in rows] == [
        (dt.time(8), dt.time(14), 3),
        (dt.time(12), dt.time(18), 2),
    ]


def test_the_registrar_login_sees_their_shifts_and_only_their_own_requests(demo_world):
    facility, admin = demo_world
    demo.seed(facility=facility, actor=admin)
    assert (demo.REGISTRAR_LOGIN, Role.CLINICIAN, False, [facility.slug]) in LOGINS
    registrar = get_user_model().objects.get(username=demo.REGISTRAR_LOGIN)

    mine = selectors.staff_for_user(facility=facility, user=registrar)
    assert [member.rota.name for member in mine] == [demo.REGISTRARS_ROTA]
    member = mine.get()
    roster = selectors.published_roster_on(rota=member.rota, day=Roster.objects.get(rota=member.rota).first_day)
    assert roster is not None
    assert selectors.roster_get(facility=facility, actor=registrar, roster_id=roster.pk) == roster
    shifts = selectors.assignment_list(roster=roster, staff=member)
    assert shifts.exists()
    assert {row.staff_id for row in shifts} == {member.pk}

    leave = selectors.leave_list(facility=facility, actor=registrar)
    assert {row.staff_id for row in leave} == {member.pk}
    assert {row.status for row in leave} >= {LeaveStatus.REQUESTED, LeaveStatus.APPROVED}
    preferences = selectors.preference_list(facility=facility, actor=registrar)
    assert preferences.count() >= 2 and {row.staff_id for row in preferences} == {member.pk}
    # A manager (here the admin) sees everybody's.
    assert selectors.leave_list(facility=facility, actor=admin).count() > leave.count()
    # Approved leave is kept: no shift on the registrar's study day.
    study = leave.get(status=LeaveStatus.APPROVED, kind="study")
    assert not Assignment.objects.filter(staff=member, date=study.first_day, roster__status="published").exists()
