"""A roster's life through the services, end to end: drafted from the rota's tables, solved by
the (eager) Celery task, checked, published into availability, archived."""

import datetime as dt

import pytest

from availability.models import AvailabilityException
from rostering.models import Assignment, RosterStatus, SolveStatus
from rostering.services import rosters
from scheduling.errors import ApplicationError
from tests.rostering.conftest import next_monday

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_roster_is_solved_checked_published_and_archived(facility, user, rota):
    roster = rosters.roster_create(
        facility=facility, actor=user, rota_id=rota.pk, first_day=next_monday(), num_days=14, time_limit_seconds=5
    )
    roster.refresh_from_db()
    assert roster.solve_status in (SolveStatus.DONE, SolveStatus.STOPPED), roster.error
    assert roster.objective is not None and roster.check_report["ok"]
    assert roster.check_report["soft_cost"] == roster.objective
    assert Assignment.objects.filter(roster=roster).count() > 0
    assert roster.progress, "the progress of the solve is kept"

    rosters.roster_publish(facility=facility, actor=user, roster_id=roster.pk)
    roster.refresh_from_db()
    assert roster.status == RosterStatus.PUBLISHED
    shifts = Assignment.objects.filter(roster=roster).count()
    extra = AvailabilityException.objects.filter(facility=facility, is_available=True).count()
    assert extra == shifts
    assert not Assignment.objects.filter(roster=roster, exception_id__isnull=True).exists()

    with pytest.raises(ApplicationError) as error:
        rosters.roster_publish(facility=facility, actor=user, roster_id=roster.pk)
    assert error.value.code == "roster_state"

    rosters.roster_archive(facility=facility, actor=user, roster_id=roster.pk)
    assert AvailabilityException.objects.filter(facility=facility, is_available=True).count() == 0


def test_an_infeasible_rota_says_which_rules_conflict(facility, user, rota):
    from rostering.models import CoverageRequirement

    CoverageRequirement.objects.filter(rota=rota).update(minimum=40, optimal=40)
    roster = rosters.roster_create(
        facility=facility, actor=user, rota_id=rota.pk, first_day=next_monday(), num_days=7, time_limit_seconds=5
    )
    roster.refresh_from_db()
    assert roster.solve_status == SolveStatus.INFEASIBLE
    assert roster.explanation["conflicts"]
    assert "cover" in roster.explanation["text"].lower()
    assert roster.first_day + dt.timedelta(days=6) == roster.last_day
