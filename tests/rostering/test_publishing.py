"""Where a published roster meets the other apps and their failures: the people's availability,
the infusion center's nurses on duty, the checker's gate, a re-plan replacing its parent, the
broker down after the commit, and a stop asked for while the worker solves."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection

from availability.models import AvailabilityException
from config.celery import app as celery_app
from conftest import DEAD_REDIS
from infusion.selectors import capacity as infusion
from rostering import problem as rp
from rostering.models import Assignment, Roster, RosterStatus, SolveStatus
from rostering.services import publishing, rosters
from rostering.services.loading import rota_from_problem
from scheduling import outbox
from scheduling.errors import ApplicationError
from scheduling.models import OutboxMessage
from tests.rostering.conftest import next_monday

pytestmark = pytest.mark.django_db(transaction=True)


def _nurses_problem(first_day: dt.date) -> rp.Problem:
    shifts = (
        rp.ShiftType("EARLY", "Early", dt.time(7), dt.time(15), 8.0),
        rp.ShiftType("LATE", "Late", dt.time(13), dt.time(21), 8.0),
        rp.ShiftType(
            "NIGHT", "Night", dt.time(21), dt.time(7), 10.0, is_night=True, forbidden_successors=("EARLY", "LATE")
        ),
    )
    staff = tuple(rp.Staff(f"n{i}", f"Nurse {chr(65 + i)} Fictive", skills=("chemo",)) for i in range(8))
    coverage = tuple(
        rp.Coverage(day, code, "chemo", need, need)
        for day in range(7)
        for code, need in (("EARLY", 3), ("LATE", 2), ("NIGHT", 1))
    )
    return rp.Problem(first_day, 7, shifts, staff, skills=("chemo",), coverage=coverage, name="Infusion nurses")


@pytest.fixture
def nurse_rota(facility, user):
    rota, _ = rota_from_problem(
        facility=facility,
        actor=user,
        problem=_nurses_problem(next_monday()),
        name="Infusion nurses",
        resource_kind="nurse",
        infusion_nurses=True,
        solve_seconds=3,
    )
    return rota


def _solved(facility, user, rota, first_day=None, num_days=7) -> Roster:
    roster = rosters.roster_create(
        facility=facility,
        actor=user,
        rota_id=rota.pk,
        first_day=first_day or next_monday(),
        num_days=num_days,
        time_limit_seconds=3,
    )
    roster.refresh_from_db()
    assert roster.solve_status in (SolveStatus.DONE, SolveStatus.STOPPED), roster.error
    return roster


def test_a_published_nurse_roster_gives_the_infusion_center_its_nurses_on_duty(facility, user, nurse_rota):
    roster = _solved(facility, user, nurse_rota)
    rosters.roster_publish(facility=facility, actor=user, roster_id=roster.pk)

    wednesday = roster.first_day + dt.timedelta(days=2)
    duties = infusion.nurses_on_duty(facility=facility, day=wednesday)
    assert {duty.source for duty in duties} == {"roster"}
    spans = {(duty.start, duty.end): duty.nurses for duty in duties}
    assert spans[dt.time(7), dt.time(15)] == 3
    assert spans[dt.time(13), dt.time(21)] == 2
    # Tuesday's night reaches into Wednesday morning; Wednesday's starts at 21:00.
    assert spans[dt.time(0), dt.time(7)] == 1
    assert spans[dt.time(21), publishing.END_OF_DAY] == 1

    rosters.roster_archive(facility=facility, actor=user, roster_id=roster.pk)
    assert {duty.source for duty in infusion.nurses_on_duty(facility=facility, day=wednesday)} != {"roster"}


def test_the_checker_refuses_a_roster_that_breaks_a_hard_rule_and_nothing_is_published(facility, user, nurse_rota):
    roster = _solved(facility, user, nurse_rota)
    # Someone's edit emptied Monday's early shift (one row less may still leave the three it
    # needs: the solver may staff a shift above its minimum): coverage is now short.
    Assignment.objects.filter(roster=roster, date=roster.first_day, shift_type__code="EARLY").delete()

    with pytest.raises(ApplicationError) as error:
        rosters.roster_publish(facility=facility, actor=user, roster_id=roster.pk)
    assert (error.value.code, error.value.status_code) == ("roster_check_failed", 409)
    assert any(row["rule"] == "coverage" for row in error.value.extra["hard_violations"])
    roster.refresh_from_db()
    assert roster.status == RosterStatus.DRAFT
    assert not AvailabilityException.objects.exists()


def test_a_re_plan_replaces_its_parent_and_the_shifts_it_keeps_keep_their_availability(facility, user, nurse_rota):
    first = _solved(facility, user, nurse_rota)
    rosters.roster_publish(facility=facility, actor=user, roster_id=first.pk)
    kept = {
        (row.staff_id, row.date, row.shift_type_id): row.exception_id for row in Assignment.objects.filter(roster=first)
    }
    second = _solved(facility, user, nurse_rota)
    rosters.roster_publish(facility=facility, actor=user, roster_id=second.pk)

    first.refresh_from_db()
    assert first.status == RosterStatus.ARCHIVED
    rows = list(Assignment.objects.filter(roster=second))
    assert AvailabilityException.objects.filter(is_available=True).count() == len(rows)
    for row in rows:
        previous = kept.get((row.staff_id, row.date, row.shift_type_id))
        if previous is not None:
            assert row.exception_id == previous  # handed over, not removed and made again
    assert not Assignment.objects.filter(roster=first, exception_id__isnull=False).exists()
    # The sync is idempotent: running it again changes nothing.
    assert publishing.rota_sync(rota_id=nurse_rota.pk, actor_id=user.pk)["added"] == 0
    assert AvailabilityException.objects.filter(is_available=True).count() == len(rows)


def test_with_the_broker_down_a_publish_commits_and_its_sync_waits_in_the_outbox(
    facility, user, nurse_rota, celery_broker
):
    roster = _solved(facility, user, nurse_rota)
    celery_broker(DEAD_REDIS)
    rosters.roster_publish(facility=facility, actor=user, roster_id=roster.pk)

    roster.refresh_from_db()
    assert roster.status == RosterStatus.PUBLISHED
    waiting = OutboxMessage.objects.get(sent_at__isnull=True)
    assert waiting.task == "rostering.sync_rota"
    assert not AvailabilityException.objects.exists()

    celery_app.conf.task_always_eager = True  # the broker is back
    assert outbox.outbox_drain() == 1
    assert (
        AvailabilityException.objects.filter(is_available=True).count()
        == Assignment.objects.filter(roster=roster).count()
    )
    assert outbox.outbox_drain() == 0


def test_a_stop_asked_for_while_the_worker_solves_ends_it_early_with_the_best_roster(facility, user, rota):
    celery_app.conf.task_always_eager = False
    from unittest import mock

    with mock.patch("rostering.tasks.solve_roster.apply_async"), mock.patch("rostering.tasks.solve_roster.delay"):
        roster = rosters.roster_create(
            facility=facility, actor=user, rota_id=rota.pk, first_day=next_monday(), num_days=14, time_limit_seconds=120
        )
    outcome = {}

    def work() -> None:
        try:
            outcome["status"] = rosters.roster_solve_execute(roster_id=roster.pk)
        finally:
            connection.close()

    worker = threading.Thread(target=work)
    started = time.monotonic()
    worker.start()
    deadline = time.monotonic() + 60
    while not Roster.objects.get(pk=roster.pk).progress and time.monotonic() < deadline:
        time.sleep(0.2)
    assert Roster.objects.get(pk=roster.pk).solve_status == SolveStatus.RUNNING
    rosters.roster_stop(facility=facility, actor=user, roster_id=roster.pk)
    worker.join(timeout=60)
    assert outcome["status"] == SolveStatus.STOPPED
    assert time.monotonic() - started < 100
    roster.refresh_from_db()
    assert roster.solve_status == SolveStatus.STOPPED and roster.objective is not None
    assert roster.check_report["ok"] and Assignment.objects.filter(roster=roster).exists()
    # A message delivered again finds the roster no longer queued and leaves it alone.
    assert rosters.roster_solve_execute(roster_id=roster.pk) == "skipped"
