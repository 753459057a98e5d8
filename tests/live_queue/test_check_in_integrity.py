"""What check-in guarantees beyond the happy path: one open queue entry per patient per facility
day (held by the database), the emergency right checked again at check-in, no empty history
row, and a bounded number of queries."""

import datetime as dt

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from simple_history.models import HistoricalChanges

from booking import services as booking_services
from booking.models import Booking
from conftest import token_client
from live_queue import services
from live_queue.models import Encounter, Queue, QueueEntry
from scheduling.models import Membership, Role
from tests.booking.conftest import build_clinic
from tests.live_queue.conftest import book_today

# The budget of one check-in in the service, measured inside the test's transaction (so the
# durable block's SAVEPOINT/RELEASE pair is counted too): 11 today, 9 of them the check-in's own.
CHECK_IN_QUERY_BUDGET = 12


@pytest.fixture
def clinic(facility, user):
    return build_clinic(facility, user)


def walk_in(client, clinic, patient, **place):
    body = {"patient": patient.pk, **(place or {"resource": clinic.chair.pk})}
    return client.post(clinic.url("check-ins/"), body, format="json")


# --- one open entry per patient per facility day (issue 8, item 11) ---------------------------


def test_a_patient_already_queued_is_refused_naming_them_and_nothing_is_written(clinic, api_client):
    patient = clinic.patients[0]
    assert walk_in(api_client, clinic, patient).status_code == 201

    again = walk_in(api_client, clinic, patient)
    assert again.status_code == 409
    body = again.json()
    assert body["code"] == "already_queued"
    assert patient.name in body["detail"] and clinic.chair.name in body["detail"]
    assert body["patient"] == patient.pk
    # Another queue of the same day is refused too: one open entry per facility day.
    elsewhere = walk_in(api_client, clinic, patient, department=clinic.chair.department_id)
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (409, "already_queued")
    assert (Encounter.objects.count(), QueueEntry.objects.count()) == (1, 1)
    assert Queue.objects.get(resource=clinic.chair).last_token == 1  # the refused check-in took no token


def test_a_booked_patient_already_in_a_queue_is_refused_and_the_booking_stays_booked(clinic, api_client):
    patient = clinic.patients[0]
    later = book_today(clinic, patient, minutes_from_now=90)
    assert walk_in(api_client, clinic, patient).status_code == 201

    response = api_client.post(clinic.url("check-ins/"), {"booking": later.pk}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "already_queued")
    later.refresh_from_db()
    assert (later.status, later.checked_in_at) == ("scheduled", None)
    assert later.history.count() == 1
    assert (Encounter.objects.count(), QueueEntry.objects.count()) == (1, 1)


def test_a_skipped_patient_is_still_in_the_queue_and_a_finished_one_may_come_back(clinic, api_client):
    patient = clinic.patients[0]
    entry = walk_in(api_client, clinic, patient).json()
    queue_url = clinic.url(f"queues/{entry['queue']}/")
    entry_url = clinic.url(f"queue-entries/{entry['id']}/")
    api_client.post(queue_url + "call-next/")
    assert api_client.post(entry_url + "skip/").json()["status"] == "skipped"
    assert walk_in(api_client, clinic, patient).json()["code"] == "already_queued"
    assert api_client.post(entry_url + "recall/").json()["status"] == "waiting"

    api_client.post(queue_url + "call-next/")
    api_client.post(entry_url + "start/")
    api_client.post(entry_url + "complete/")
    back = walk_in(api_client, clinic, patient)
    assert back.status_code == 201, back.content
    assert back.json()["token_number"] == 2


def test_a_transfer_keeps_one_open_entry(clinic, api_client):
    entry = walk_in(api_client, clinic, clinic.patients[0]).json()
    moved = api_client.post(
        clinic.url(f"queue-entries/{entry['id']}/transfer/"), {"resource": clinic.doctor.pk}, format="json"
    )
    assert moved.status_code == 201, moved.content
    open_entries = QueueEntry.objects.filter(status__in=["waiting", "called", "in_progress", "skipped"])
    assert list(open_entries.values_list("queue__resource_id", "patient_id")) == [
        (clinic.doctor.pk, clinic.patients[0].pk)
    ]


def test_an_entry_carries_its_patient_and_facility_day(clinic, api_client):
    booking = book_today(clinic, clinic.patients[0])
    api_client.post(clinic.url("check-ins/"), {"booking": booking.pk}, format="json")
    entry = QueueEntry.objects.get()
    assert (entry.patient_id, entry.day) == (clinic.patients[0].pk, entry.queue.day)


# --- the emergency right, again at check-in (issue 8, item 5) ---------------------------------


def _emergency_booking(clinic, patient, booked_by):
    start = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)).replace(second=0, microsecond=0)
    return booking_services.booking_create(
        facility=clinic.facility,
        actor=booked_by,
        actor_role=Role.ADMIN,  # how it got booked is the lead's side; check-in must not trust it
        request=booking_services.BookingRequest(
            patient_id=patient.pk,
            appointment_type_id=clinic.visit.pk,
            start=start,
            end=start + dt.timedelta(minutes=20),
            resources=(booking_services.ResourceRequest(clinic.chair.pk),),
            kind="emergency",
            priority="emergency",
        ),
        now=start - dt.timedelta(hours=1),
    )


def test_the_desk_cannot_check_in_an_emergency_it_booked_itself(clinic, facility, make_member):
    desk = make_member(facility, Role.SCHEDULER, username="desk")
    booking = _emergency_booking(clinic, clinic.patients[0], booked_by=desk)

    response = token_client(desk).post(clinic.url("check-ins/"), {"booking": booking.pk}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    booking.refresh_from_db()
    assert booking.status == "scheduled"
    assert not Encounter.objects.exists() and not QueueEntry.objects.exists()


def test_the_desk_checks_in_an_emergency_a_clinician_booked(clinic, facility, make_member):
    desk = make_member(facility, Role.SCHEDULER, username="desk")
    doctor = make_member(facility, Role.CLINICIAN, username="dr-hollins")
    booking = _emergency_booking(clinic, clinic.patients[0], booked_by=doctor)

    response = token_client(desk).post(clinic.url("check-ins/"), {"booking": booking.pk}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["priority"] == "emergency"


def test_the_booked_by_right_counts_as_it_is_now(clinic, facility, make_member):
    desk = make_member(facility, Role.SCHEDULER, username="desk")
    former_doctor = make_member(facility, Role.CLINICIAN, username="dr-gone")
    booking = _emergency_booking(clinic, clinic.patients[0], booked_by=former_doctor)
    Membership.objects.filter(user=former_doctor, facility=facility).update(role=Role.SCHEDULER)

    response = token_client(desk).post(clinic.url("check-ins/"), {"booking": booking.pk}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


def test_a_clinician_checks_in_an_emergency_the_desk_booked(clinic, facility, make_member):
    desk = make_member(facility, Role.SCHEDULER, username="desk")
    doctor = make_member(facility, Role.CLINICIAN, username="dr-hollins")
    booking = _emergency_booking(clinic, clinic.patients[0], booked_by=desk)

    response = token_client(doctor).post(clinic.url("check-ins/"), {"booking": booking.pk}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["priority"] == "emergency"


def test_a_clinicians_routine_booking_cannot_be_raised_to_emergency_by_the_desk(clinic, facility, make_member):
    desk = make_member(facility, Role.SCHEDULER, username="desk")
    doctor = make_member(facility, Role.CLINICIAN, username="dr-hollins")
    booking = book_today(clinic, clinic.patients[0], actor=doctor)
    Booking.objects.filter(pk=booking.pk).update(kind="scheduled", priority="routine")
    body = {"booking": booking.pk, "priority": "emergency"}
    response = token_client(desk).post(clinic.url("check-ins/"), body, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert Booking.objects.get(pk=booking.pk).status == "scheduled"


# --- history (issue 8, item 9) and cost ---------------------------------------------------------


def _history_counts() -> dict[str, int]:
    """Rows of every historical table of the project."""
    return {
        model._meta.db_table: model.objects.count()
        for model in apps.get_models()
        if issubclass(model, HistoricalChanges)
    }


def test_a_queue_is_derived_state_without_history(clinic, api_client):
    entry = walk_in(api_client, clinic, clinic.patients[0]).json()
    assert not hasattr(Queue, "history")
    assert api_client.get(clinic.url(f"queues/{entry['queue']}/history/")).status_code == 404
    assert len(api_client.get(clinic.url(f"queue-entries/{entry['id']}/history/")).json()["results"]) == 1


def test_a_check_in_writes_one_meaningful_history_row_per_changed_row(clinic, user):
    services.check_in(
        facility=clinic.facility,
        actor=user,
        actor_role=Role.ADMIN,
        patient_id=clinic.patients[1].pk,
        resource_id=clinic.chair.pk,
    )  # the chair's queue exists from here on
    booking = book_today(clinic, clinic.patients[0])
    before = _history_counts()

    services.check_in(facility=clinic.facility, actor=user, actor_role=Role.ADMIN, booking_id=booking.pk)

    after = _history_counts()
    grown = {table: after[table] - before[table] for table in after if after[table] != before[table]}
    assert grown == {
        "booking_historicalbooking": 1,
        "live_queue_historicalencounter": 1,
        "live_queue_historicalqueueentry": 1,
    }
    record = booking.history.order_by("-history_id").first()
    assert record.history_user == user
    assert {change.field for change in record.diff_against(record.prev_record).changes} >= {
        "status",
        "checked_in_at",
    }


def _cost(work) -> int:
    with CaptureQueriesContext(connection) as queries:
        work()
    return len(queries)


def test_a_booking_check_in_stays_within_its_query_budget(clinic, user):
    first_of_day = book_today(clinic, clinic.patients[0])
    second = book_today(clinic, clinic.patients[1], minutes_from_now=30)

    def check_in(booking):
        return lambda: services.check_in(
            facility=clinic.facility, actor=user, actor_role=Role.ADMIN, booking_id=booking.pk
        )

    first_use = _cost(check_in(first_of_day))  # makes the chair's queue of today
    queue_exists = _cost(check_in(second))
    assert QueueEntry.objects.filter(queue__resource=clinic.chair).count() == 2
    assert first_use <= CHECK_IN_QUERY_BUDGET, first_use
    assert queue_exists == first_use  # one upsert makes the queue or takes its next token


def test_a_walk_in_check_in_stays_within_its_query_budget(clinic, user):
    def walk(patient):
        return lambda: services.check_in(
            facility=clinic.facility,
            actor=user,
            actor_role=Role.ADMIN,
            patient_id=patient.pk,
            resource_id=clinic.chair.pk,
            appointment_type_id=clinic.visit.pk,
        )

    assert _cost(walk(clinic.patients[0])) <= CHECK_IN_QUERY_BUDGET
    assert _cost(walk(clinic.patients[1])) <= CHECK_IN_QUERY_BUDGET
