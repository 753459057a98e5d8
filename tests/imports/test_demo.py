"""The demo's imports (``imports/demo.py``, run by ``manage.py seed_demo``): three months of
generated infusion history for each demo facility and the January OR file for Riverside, loaded
through the pipeline; running the demo again, the same day or later, duplicates nothing."""

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from analytics import selectors as analytics
from imports import demo, generate
from imports import selectors as imports
from imports.formats import Kind
from imports.models import Status
from scheduling.models import Facility
from tests.imports.conftest import OR_FILE

pytestmark = pytest.mark.django_db

CHAIR_KINDS = (Kind.CHAIR_APPOINTMENTS, Kind.CHAIR_TIMES, Kind.NURSE_CAPACITY)


def _counts(facility):
    return {kind: analytics.fact_count(kind=kind, facility_id=facility.pk) for kind in Kind.values}


def _imported_appointments(facility) -> pd.DataFrame:
    """The chair appointments the demo imported, not those the demo's bookings of the days
    ahead make (analytics turns bookings into facts too)."""
    rows = pd.DataFrame(list(analytics.fact_rows(kind=Kind.CHAIR_APPOINTMENTS, facility_id=facility.pk)))
    return rows[rows["source"] == "import"]


def test_the_demo_loads_months_of_history_once():
    call_command("seed_demo")
    facilities = {facility.slug: facility for facility in Facility.objects.all()}
    first = {slug: _counts(facility) for slug, facility in facilities.items()}

    for slug, facility in facilities.items():
        today = timezone.now().astimezone(ZoneInfo(facility.time_zone)).date()
        assert all(record.status == Status.LOADED for record in imports.import_list(facility=facility))
        rows = _imported_appointments(facility)
        history, plan = rows[rows["date"] < today], rows[rows["date"] >= today]
        weekdays = generate.weekdays(today - dt.timedelta(days=demo.HISTORY_DAYS), demo.HISTORY_DAYS)
        assert sorted(set(history["date"])) == weekdays  # the last 90 days up to yesterday
        assert sorted(set(plan["date"])) == generate.weekdays(today, demo.PLAN_DAYS)  # and the plan ahead
        assert len(history) > 2000 and history.loc[history["status"] != "cancelled", "chair_id"].notna().all()
        assert set(history["status"]) == {"completed", "cancelled", "no-show"}
        assert set(plan["status"]) == {"scheduled", "cancelled"}
        assert first[slug][Kind.CHAIR_TIMES] == (history["status"] == "completed").sum()
        assert first[slug][Kind.NURSE_CAPACITY] == rows["date"].nunique()
    assert first["riverside"][Kind.OR_CASES] == len(pd.read_csv(OR_FILE)) == 686
    assert first["hillcrest"][Kind.OR_CASES] == 0
    cases = pd.DataFrame(list(analytics.fact_rows(kind=Kind.OR_CASES, facility_id=facilities["riverside"].pk)))
    theatres = {r.pk: r.name for r in facilities["riverside"].resources.filter(kind="theatre")}
    assert set(cases["suite_id"].map(theatres)) == {f"Theatre {n}" for n in range(1, 9)}
    assert set(zip(cases["suite_name"], cases["suite_id"].map(theatres), strict=True)) == {
        (str(n), f"Theatre {n}") for n in range(1, 9)
    }

    call_command("seed_demo")
    assert {slug: _counts(facility) for slug, facility in facilities.items()} == first
    assert sum(imports.import_list(facility=f).count() for f in facilities.values()) == 11  # 4 of them plans


def test_a_later_run_adds_only_the_days_since(db):
    call_command("seed_demo")
    facility = Facility.objects.get(slug="hillcrest")
    admin = get_user_model().objects.get(username="admin")
    today = timezone.now().astimezone(ZoneInfo(facility.time_zone)).date()
    before = _imported_appointments(facility)
    counts = _counts(facility)

    later = today + dt.timedelta(days=7)
    added = demo.seed(facility=facility, actor=admin, today=later)

    after = _imported_appointments(facility)
    # The week since: planned days become history; the plan reaches a week further.
    became_history = generate.weekdays(today, 7)
    history = after[after["date"] < later]
    assert sorted(set(history["date"]) - set(before.loc[before["date"] < today, "date"])) == became_history
    assert set(history.loc[history["date"] >= today, "status"]) <= {"completed", "cancelled", "no-show"}
    planned_further = generate.weekdays(today + dt.timedelta(days=demo.PLAN_DAYS), 7)
    assert sorted(set(after["date"]) - set(before["date"])) == planned_further
    assert after["appointment_id"].is_unique
    # A planned day's appointments became its history: the ones booked ahead that the nurses
    # who came could not run are cancelled, none is left "scheduled" in the past.
    assert len(after[after["date"].isin(became_history)]) == len(before[before["date"].isin(became_history)])
    # The days loaded before are untouched: same rows, same import.
    kept = after[after["date"] < today].drop(columns=["loaded_at"]).sort_values("appointment_id")
    before = before[before["date"] < today].drop(columns=["loaded_at"]).sort_values("appointment_id")
    assert kept.reset_index(drop=True).equals(before.reset_index(drop=True))
    grown = _counts(facility)
    assert added == sum(grown[kind] - counts[kind] for kind in CHAIR_KINDS) > 0
    assert grown[Kind.NURSE_CAPACITY] - counts[Kind.NURSE_CAPACITY] == len(planned_further)
    assert demo.seed(facility=facility, actor=admin, today=later) == 0


def test_a_run_over_a_weekend_only_adds_nothing(db):
    """The history has weekdays only: run again on a Sunday or a Monday after the Friday was
    loaded, the days since are all weekend, and there is nothing to add (it used to crash on an
    empty block, so `make run` failed on Sundays and Mondays)."""
    call_command("seed_demo")
    facility = Facility.objects.get(slug="hillcrest")
    admin = get_user_model().objects.get(username="admin")
    today = timezone.now().astimezone(ZoneInfo(facility.time_zone)).date()
    saturday = today + dt.timedelta(days=7 + (5 - today.weekday()) % 7)
    assert demo.seed(facility=facility, actor=admin, today=saturday) > 0  # up to the Friday
    counts = _counts(facility)
    for later in (saturday + dt.timedelta(days=1), saturday + dt.timedelta(days=2)):  # Sunday, Monday
        assert demo.seed(facility=facility, actor=admin, today=later) == 0
    assert _counts(facility) == counts
