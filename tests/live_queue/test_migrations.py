"""Migration 0002 on rows the old code wrote: each entry gets its patient and day, and a patient
queued twice on one day (which the old code allowed) keeps one open entry, the other closed on
record, so the new constraint can hold."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("live_queue", "0001_initial")]
AFTER = [("live_queue", "0002_one_open_entry_per_patient_day")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_apps():
    apps = _migrate(BEFORE)
    yield apps
    _migrate(_latest())


def _latest():
    executor = MigrationExecutor(connection)
    return [key for key in executor.loader.graph.leaf_nodes() if key[0] == "live_queue"]


def test_entries_get_patient_and_day_and_duplicates_are_closed_on_record(old_apps):
    apps = old_apps
    Facility = apps.get_model("scheduling", "Facility")
    Patient = apps.get_model("scheduling", "Patient")
    Department = apps.get_model("scheduling", "Department")
    User = apps.get_model("auth", "User")
    Queue = apps.get_model("live_queue", "Queue")
    Encounter = apps.get_model("live_queue", "Encounter")
    QueueEntry = apps.get_model("live_queue", "QueueEntry")

    facility = Facility.objects.create(name="Migration clinic", slug="migration-clinic", time_zone="Europe/London")
    desk = User.objects.create(username="migration-desk")
    twice, once = (
        Patient.objects.create(
            facility=facility, mrn=f"MRN-M{i}", name=f"Testperson Twice{i}", date_of_birth=dt.date(1980, 1, 1)
        )
        for i in range(2)
    )
    department = Department.objects.create(facility=facility, code="OPD", name="Outpatients")
    today = dt.date(2026, 3, 2)
    queue = Queue.objects.create(facility=facility, day=today, department=department, name="Outpatients")
    now = timezone.now()

    def entry(patient, token, status="waiting"):
        encounter = Encounter.objects.create(facility=facility, patient=patient, checked_in_at=now, checked_in_by=desk)
        return QueueEntry.objects.create(
            facility=facility,
            queue=queue,
            encounter=encounter,
            token_number=token,
            status=status,
            arrived_at=now,
            checked_in_at=now,
        )

    first, second, third = entry(twice, 1), entry(twice, 2, status="called"), entry(once, 3)

    apps = _migrate(AFTER)
    QueueEntry = apps.get_model("live_queue", "QueueEntry")
    HistoricalQueueEntry = apps.get_model("live_queue", "HistoricalQueueEntry")
    rows = {e.pk: e for e in QueueEntry.objects.all()}
    assert {pk: (e.patient_id, e.day) for pk, e in rows.items()} == {
        first.pk: (twice.pk, today),
        second.pk: (twice.pk, today),
        third.pk: (once.pk, today),
    }
    # The one called stays; the other is closed, and the history says why.
    assert (rows[second.pk].status, rows[first.pk].status, rows[third.pk].status) == ("called", "left", "waiting")
    record = HistoricalQueueEntry.objects.get(id=first.pk)
    assert (record.status, record.history_type, record.patient_id, record.day) == ("left", "~", twice.pk, today)
    assert "Duplicate open entry" in record.history_change_reason
