"""The nightly aggregates: each facility's own yesterday after its local 01:00, idempotent,
failures kept for admins and retried, missed days caught up, the backfill command, the report
email to subscribers, and two runs at once."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from analytics import aggregates, metrics, services
from analytics.models import ChairAppointment, ChairTime, DailyChairStats, NightlyRun, ReportSubscription
from scheduling.models import Membership, ResourceKind, Role
from tests.factories import FacilityFactory, ResourceFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def add_day(facility, day: dt.date, *, appointments: int = 3, minutes: int = 60, actual: int = 75, prefix="A"):
    """``appointments`` completed chair appointments on ``day``, each ``actual`` minutes long."""
    zone = ZoneInfo(facility.time_zone)
    for n in range(appointments):
        key = f"{prefix}{day:%Y%m%d}-{n}"
        ChairAppointment.objects.create(
            facility=facility,
            appointment_id=key,
            encounter_id=key,
            date=day,
            chair_name="Chair 1",
            regimen_category="medium",
            patient_type="INF",
            scheduled_minutes=minutes,
            status="completed",
        )
        start = dt.datetime.combine(day, dt.time(9 + n), tzinfo=zone)
        ChairTime.objects.create(
            facility=facility,
            encounter_id=key,
            actual_start=start,
            actual_end=start + dt.timedelta(minutes=actual),
            total_minutes=actual,
        )


@pytest.fixture
def auckland(db):
    return FacilityFactory(name="Harbour Infusion", slug="harbour", time_zone="Pacific/Auckland")


@pytest.fixture
def los_angeles(db):
    return FacilityFactory(name="Valley Clinic", slug="valley", time_zone="America/Los_Angeles")


def test_each_facility_runs_its_own_yesterday_once_its_clock_is_past_one(auckland, los_angeles):
    # 2026-03-10 13:30 UTC: 02:30 on the 11th in Auckland, 06:30 on the 10th in Los Angeles.
    now = dt.datetime(2026, 3, 10, 13, 30, tzinfo=UTC)
    assert services.nightly_due(facility_id=auckland.pk, now=now)[-1] == dt.date(2026, 3, 10)
    assert services.nightly_due(facility_id=los_angeles.pk, now=now)[-1] == dt.date(2026, 3, 9)
    # 11:30 UTC: 00:30 in Auckland, before 01:00: its 10th is not over long enough yet.
    early = dt.datetime(2026, 3, 10, 11, 30, tzinfo=UTC)
    assert services.nightly_due(facility_id=auckland.pk, now=early)[-1] == dt.date(2026, 3, 9)

    add_day(auckland, dt.date(2026, 3, 10))
    add_day(los_angeles, dt.date(2026, 3, 9))
    for facility in (auckland, los_angeles):
        runs = services.nightly_pass(facility_id=facility.pk, now=now)
        assert len(runs) == services.CATCH_UP_DAYS and {run.status for run in runs} == {"succeeded"}
    assert DailyChairStats.objects.get(facility=auckland).date == dt.date(2026, 3, 10)
    assert DailyChairStats.objects.get(facility=los_angeles).date == dt.date(2026, 3, 9)
    # A second pass in the same hour finds nothing to do.
    assert services.nightly_pass(facility_id=auckland.pk, now=now) == []


def test_re_running_a_day_replaces_its_aggregates(facility):
    day = dt.date(2026, 3, 9)
    add_day(facility, day)
    services.nightly_run(facility_id=facility.pk, day=day, trigger="nightly")
    assert DailyChairStats.objects.get(facility=facility, date=day).used_minutes == 225

    ChairTime.objects.filter(facility=facility).update(total_minutes=80)
    run = services.nightly_run(facility_id=facility.pk, day=day, trigger="rerun")
    assert run.status == "succeeded" and run.trigger == "rerun"
    assert DailyChairStats.objects.filter(facility=facility, date=day).count() == 1
    assert DailyChairStats.objects.get(facility=facility, date=day).used_minutes == 240
    assert NightlyRun.objects.filter(facility=facility, date=day).count() == 1


def test_a_failed_run_is_kept_with_its_error_the_old_figures_stay_and_the_next_pass_retries(facility, monkeypatch):
    day = dt.date(2026, 3, 9)
    now = dt.datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    add_day(facility, day)
    services.nightly_run(facility_id=facility.pk, day=day, trigger="nightly")
    ChairTime.objects.filter(facility=facility).update(total_minutes=80)

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(aggregates, "rebuild_suites", broken)
    run = services.nightly_run(facility_id=facility.pk, day=day, trigger="rerun")
    assert (run.status, run.error) == ("failed", "RuntimeError: disk full")
    assert DailyChairStats.objects.get(facility=facility, date=day).used_minutes == 225  # rolled back whole
    assert day in services.nightly_due(facility_id=facility.pk, now=now)

    monkeypatch.undo()
    services.nightly_pass(facility_id=facility.pk, now=now)
    run.refresh_from_db()
    assert (run.status, run.error) == ("succeeded", "")
    assert DailyChairStats.objects.get(facility=facility, date=day).used_minutes == 240


def test_missed_days_are_caught_up_by_the_next_pass(facility):
    # Beat was down for three nights: the pass after it runs each of those days.
    for back in range(1, 4):
        add_day(facility, dt.date(2026, 3, 12) - dt.timedelta(days=back))
    now = dt.datetime(2026, 3, 12, 3, 0, tzinfo=UTC)
    services.nightly_pass(facility_id=facility.pk, now=now)
    assert set(DailyChairStats.objects.filter(facility=facility).values_list("date", flat=True)) == {
        dt.date(2026, 3, 9),
        dt.date(2026, 3, 10),
        dt.date(2026, 3, 11),
    }


def test_the_backfill_command_rebuilds_a_range_and_records_each_day(facility):
    for day in (dt.date(2026, 1, 5), dt.date(2026, 2, 20), dt.date(2026, 4, 30)):
        add_day(facility, day)
    call_command("analytics_backfill", "--facility", facility.slug, "--from", "2026-01-01", "--to", "2026-04-30")
    assert DailyChairStats.objects.filter(facility=facility).count() == 3
    runs = NightlyRun.objects.filter(facility=facility)
    assert runs.count() == 120 and set(runs.values_list("trigger", flat=True)) == {"backfill"}

    with pytest.raises(CommandError, match="No facility"):
        call_command("analytics_backfill", "--facility", "nowhere", "--from", "2026-01-01", "--to", "2026-01-02")
    with pytest.raises(CommandError):
        call_command("analytics_backfill", "--facility", facility.slug, "--from", "2026-02-01", "--to", "2026-01-01")


def test_the_daily_report_goes_once_to_the_subscribers_who_may_still_see_it(facility, make_member, mailoutbox):
    manager = make_member(facility, Role.MANAGER, username="nm")
    analyst = make_member(facility, Role.ANALYST, username="an")
    demoted = make_member(facility, Role.ANALYST, username="was-analyst")
    make_member(facility, Role.MANAGER, username="not-subscribed")
    for user in (manager, analyst, demoted):
        services.report_subscribe(facility=facility, user=user, subscribe=True)
    Membership.objects.filter(user=demoted).update(role=Role.CLINICIAN)
    add_day(facility, dt.date(2026, 3, 9))
    now = dt.datetime(2026, 3, 10, 9, 0, tzinfo=UTC)

    services.nightly_pass(facility_id=facility.pk, now=now)
    reports = [message for message in mailoutbox if "09 Mar 2026" in message.subject]
    assert sorted(address for message in reports for address in message.to) == sorted([manager.email, analyst.email])
    assert all(len(message.to) == 1 for message in reports)  # nobody sees the others' addresses
    assert "Infusion chairs" in reports[0].body and "225 chair minutes used" in reports[0].body
    count = len(mailoutbox)
    services.nightly_pass(facility_id=facility.pk, now=now)
    services.nightly_run(facility_id=facility.pk, day=dt.date(2026, 3, 9), trigger="rerun")
    assert len(mailoutbox) == count  # once per day, whatever re-runs it

    services.report_subscribe(facility=facility, user=analyst, subscribe=False)
    assert not ReportSubscription.objects.filter(user=analyst).exists()


def test_the_report_of_a_day_names_its_at_risk_days_ahead(facility):
    ResourceFactory(facility=facility, kind=ResourceKind.CHAIR, name="Chair 1")
    day = dt.date(2026, 3, 9)
    add_day(facility, day)
    add_day(facility, day + dt.timedelta(days=2), appointments=10, minutes=60, actual=60, prefix="F")
    services.aggregates_rebuild(facility=facility, first=day, last=day + dt.timedelta(days=14))
    report = metrics.daily_report(facility=facility, day=day)
    (risk,) = report["at_risk"]
    assert risk["date"] == day + dt.timedelta(days=2)
    assert risk["reasons"] == ["over_demand"]  # 600 booked minutes on one chair open 600 minutes
    assert "Booked minutes alone reach" in metrics.report_text(report)


@pytest.mark.django_db(transaction=True)
def test_two_rebuilds_of_a_facility_at_once_wait_for_each_other(facility):
    day = dt.date(2026, 3, 9)
    add_day(facility, day)
    errors, barrier = [], threading.Barrier(2)

    def rebuild():
        try:
            barrier.wait()
            services.aggregates_rebuild(facility=facility, first=day, last=day)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=rebuild) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert DailyChairStats.objects.filter(facility=facility, date=day).count() == 1


def test_a_day_rebuilt_alone_equals_the_same_day_rebuilt_within_a_range(chair_history):
    facility, _ = chair_history  # four weeks, aggregated in one backfill
    fields = ["date", "demand_minutes", "expected_minutes", "used_minutes", "hour_used", "chair_names", "chair_used"]
    in_range = list(DailyChairStats.objects.filter(facility=facility).order_by("date").values(*fields))
    assert any(row["expected_minutes"] > row["demand_minutes"] for row in in_range)  # chronic overruns count
    for row in in_range:
        services.aggregates_rebuild(facility=facility, first=row["date"], last=row["date"])
    alone = list(DailyChairStats.objects.filter(facility=facility).order_by("date").values(*fields))
    assert alone == in_range
