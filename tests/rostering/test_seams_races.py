"""Races at the seams: two overlapping drafts of one rota published at the same moment leave
one published roster (the other archived), and the rota's sync run twice at once gives each
shift one piece of extra time."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection

from availability.models import AvailabilityException
from rostering import checker
from rostering.models import Assignment, Roster, RosterStatus
from rostering.services import publishing, rosters
from tests.rostering.test_seams_leave import published_week
from tests.rostering.test_setup_api import make_small_rota

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def small_rota(facility, user, registrar, other_registrar):
    return make_small_rota(facility, user, {"Dr Reg": registrar, "Dr Other": other_registrar})


def _together(targets) -> list:
    barrier = threading.Barrier(len(targets))
    errors = []

    def run(target):
        try:
            barrier.wait(timeout=10)
            target()
        except Exception as error:  # noqa: BLE001 - reported to the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_two_overlapping_drafts_published_at_once_leave_one_published(facility, user, small_rota, monkeypatch):
    rota, staff = small_rota
    first = published_week(user, rota, staff, status=RosterStatus.DRAFT)
    second = published_week(user, rota, staff, status=RosterStatus.DRAFT)

    def slow_check(*, roster):  # both pass the checker while the other is between lock and commit
        time.sleep(0.5)
        return checker.CheckReport()

    monkeypatch.setattr(rosters, "roster_check", slow_check)
    errors = _together(
        [
            lambda roster=roster: rosters.roster_publish(facility=facility, actor=user, roster_id=roster.pk)
            for roster in (first, second)
        ]
    )
    assert not errors, errors
    statuses = sorted(Roster.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True))
    assert statuses == [RosterStatus.ARCHIVED, RosterStatus.PUBLISHED]


def test_the_rota_sync_run_twice_at_once_gives_each_shift_one_extra_time(facility, user, small_rota):
    rota, staff = small_rota
    roster = published_week(user, rota, staff)
    errors = _together([lambda: publishing.rota_sync(rota_id=rota.pk, actor_id=user.pk)] * 2)
    assert not errors, errors
    shifts = Assignment.objects.filter(roster=roster)
    extra = AvailabilityException.objects.filter(facility=facility, is_available=True)
    assert extra.count() == shifts.count() == 3
    assert sorted(shifts.values_list("exception_id", flat=True)) == sorted(extra.values_list("pk", flat=True))
    assert publishing.rota_sync(rota_id=rota.pk, actor_id=user.pk)["added"] == 0
    assert {row.start.date() for row in extra} == {row.date for row in shifts}
    assert all(row.end - row.start == dt.timedelta(hours=9) for row in extra)
