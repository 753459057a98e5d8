"""The demo's analytics: after ``seed_demo`` the dashboards have figures at once (history
aggregated, the January OR month included), appointment types are mapped, the nurse manager
gets the daily report; running it again writes nothing new."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from analytics import demo, metrics, selectors
from analytics.models import AppointmentTypeMapping, DailyChairStats, DailySuiteStats, ReportSubscription
from imports import generate
from scheduling.models import Facility

pytestmark = pytest.mark.django_db


def test_the_demo_has_figures_to_show_and_a_second_run_adds_nothing():
    call_command("seed_demo")
    riverside = Facility.objects.get(slug="riverside")
    today = timezone.now().astimezone(ZoneInfo(riverside.time_zone)).date()

    assert DailySuiteStats.objects.filter(facility=riverside, date__month=1, date__year=2022).count() > 100
    theatres = metrics.or_suites(
        facility=riverside, first=dt.date(2022, 1, 1), last=dt.date(2022, 1, 31), by_suite=False
    )[0]
    assert theatres["cases"] == 686
    month = metrics.chair_rates(facility=riverside, first=today - dt.timedelta(days=28), last=today)
    assert month["appointments"] > 500 and 0.3 < month["utilization"] < 1.2
    assert DailyChairStats.objects.filter(facility=riverside, date__gte=today).exists()  # the days ahead
    assert AppointmentTypeMapping.objects.filter(facility=riverside).count() == len(demo.MAPPINGS)
    assert ReportSubscription.objects.filter(facility=riverside, user__username="manager").exists()
    assert selectors.settings_for(facility_id=riverside.pk).risk_utilization_percent == demo.DEMO_RISK_PERCENT
    # The plan ahead is scored: every day of the next two weeks has its figures.
    ahead = metrics.chair_days(facility=riverside, first=today, last=today + dt.timedelta(days=13))
    assert {row["date"] for row in ahead} >= set(generate.weekdays(today, 14))
    assert all(row["demand_minutes"] > 0 for row in ahead if row["date"].weekday() < 5)
    assert {row["utilization"] for row in ahead} == {None}  # not 0 %: those days have not happened

    for facility in Facility.objects.all():
        assert demo.seed(facility=facility, actor=None) == 0
