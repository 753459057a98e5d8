"""Where analytics meets the other apps: a file loaded for days already aggregated shows at
once; a backfill over days to come leaves their nightly runs to come."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from analytics import services
from analytics.models import DailyChairStats, NightlyRun
from tests.imports.conftest import upload, uploader  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 9)
APPOINTMENTS = (
    "appointment_id,encounter_id,date,chair,regimen_category,patient_type,scheduled_chair_minutes,status\n"
    "A1,E1,2026-03-09,,short,INF,30,completed\n"
    "A2,E2,2026-03-09,,medium,CMO-SHORT,120,completed\n"
    "A3,E3,2026-03-10,,medium,CMO-SHORT,120,cancelled\n"
)
TIMES = (
    "encounter_id,actual_start,actual_end,total_chair_minutes\n"
    "E1,2026-03-09 09:00,2026-03-09 09:40,40\n"
    "E2,2026-03-09 10:00,2026-03-09 12:10,130\n"
)


def test_a_file_loaded_for_days_already_aggregated_shows_without_a_backfill(facility, upload):  # noqa: F811
    services.nightly_run(facility_id=facility.pk, day=DAY, trigger="nightly")
    assert not DailyChairStats.objects.filter(facility=facility).exists()  # nothing known yet

    record, _ = upload(APPOINTMENTS, kind="chair_appointments")
    assert record.status == "loaded", record.message
    stats = {row.date: row for row in DailyChairStats.objects.filter(facility=facility)}
    assert (stats[DAY].appointments, stats[DAY].demand_minutes) == (2, 150)
    assert (stats[DAY + dt.timedelta(days=1)].cancelled, stats[DAY + dt.timedelta(days=1)].demand_minutes) == (1, 0)

    upload(TIMES, kind="chair_times")  # its days are those of its encounters' appointments
    assert DailyChairStats.objects.get(facility=facility, date=DAY).used_minutes == 170


def test_a_backfill_over_days_to_come_records_runs_for_past_days_only(facility):
    today = timezone.localdate(timezone=ZoneInfo(facility.time_zone))
    services.aggregates_backfill(
        facility=facility, first=today - dt.timedelta(days=3), last=today + dt.timedelta(days=5)
    )
    assert sorted(NightlyRun.objects.filter(facility=facility).values_list("date", flat=True)) == [
        today - dt.timedelta(days=n) for n in (3, 2, 1)
    ]
