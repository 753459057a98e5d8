"""Real concurrent clients at the desk: distinct token numbers without gaps, and two staff
pressing "call next" never call the same patient."""

from collections import Counter

import pytest

from conftest import token_client
from live_queue.models import Encounter, Queue, QueueEntry
from scheduling.models import Role
from tests.booking.conftest import build_clinic
from tests.booking.test_concurrency import run_concurrently
from tests.factories import FacilityFactory, MembershipFactory, PatientFactory, ResourceFactory, UserFactory
from tests.live_queue.conftest import book_today

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def busy_clinic(db):
    facility = FacilityFactory(slug="busy-desk")
    admin = UserFactory(username="desk-admin")
    MembershipFactory(facility=facility, user=admin, role=Role.ADMIN)
    clinic = build_clinic(facility, admin)
    clinic.patients = [PatientFactory(facility=facility) for _ in range(30)]
    return clinic


def test_thirty_simultaneous_check_ins_get_thirty_numbers_without_gaps(busy_clinic):
    clinic = busy_clinic
    chairs = [ResourceFactory(facility=clinic.facility) for _ in range(10)]
    bookings = [
        book_today(clinic, patient, resource=chair) for patient, chair in zip(clinic.patients, chairs, strict=False)
    ]
    clients = [token_client(clinic.admin) for _ in range(40)]

    def attempt(i):
        if i < 10:  # ten booked patients, each checked in twice at the same instant: one fails
            body = {"booking": bookings[i].pk, "resource": clinic.theatre.pk}
        elif i < 20:
            body = {"booking": bookings[i - 10].pk, "resource": clinic.theatre.pk}
        else:  # twenty walk-ins
            body = {"patient": clinic.patients[i - 10].pk, "resource": clinic.theatre.pk}
        return clients[i].post(clinic.url("check-ins/"), body, format="json").status_code

    statuses = Counter(run_concurrently(40, attempt))
    assert statuses == {201: 30, 409: 10}, statuses
    tokens = sorted(QueueEntry.objects.values_list("token_number", flat=True))
    assert tokens == list(range(1, 31))


def test_two_desks_calling_next_at_once_never_call_the_same_patient(busy_clinic):
    clinic = busy_clinic
    client = token_client(clinic.admin)
    for patient in clinic.patients[:12]:
        assert (
            client.post(
                clinic.url("check-ins/"), {"patient": patient.pk, "resource": clinic.chair.pk}, format="json"
            ).status_code
            == 201
        )
    queue_id = QueueEntry.objects.first().queue_id
    desks = [token_client(clinic.admin) for _ in range(12)]

    def call(i):
        response = desks[i].post(clinic.url(f"queues/{queue_id}/call-next/"), {"counter": f"Desk {i}"}, format="json")
        return response.json()["id"] if response.status_code == 200 else response.json()["code"]

    called = run_concurrently(12, call)
    assert len(set(called)) == 12, called
    assert QueueEntry.objects.filter(status="called").count() == 12
    assert client.post(clinic.url(f"queues/{queue_id}/call-next/")).json()["code"] == "queue_empty"


def test_ten_simultaneous_walk_ins_of_one_patient_queue_them_once(busy_clinic):
    clinic = busy_clinic
    patient = clinic.patients[0]
    clients = [token_client(clinic.admin) for _ in range(10)]

    def attempt(i):
        # Half of them aim at another queue: one open entry per patient per facility day.
        place = {"resource": clinic.chair.pk} if i % 2 else {"department": clinic.chair.department_id}
        response = clients[i].post(clinic.url("check-ins/"), {"patient": patient.pk, **place}, format="json")
        return response.status_code, response.json()["code"] if response.status_code != 201 else "created"

    results = run_concurrently(10, attempt)
    assert Counter(results) == {(201, "created"): 1, (409, "already_queued"): 9}, results
    assert Encounter.objects.count() == 1
    assert QueueEntry.objects.count() == 1
    # Each refused check-in rolled back its token, and the queue it would have made.
    assert list(Queue.objects.values_list("last_token", flat=True)) == [1]
