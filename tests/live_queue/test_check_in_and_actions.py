"""Check-in, encounters, token numbers, and the queue's actions through the API."""

import pytest

from booking.models import Booking
from conftest import token_client
from live_queue.models import Encounter, QueueEntry
from scheduling.models import Role
from tests.booking.conftest import build_clinic
from tests.factories import PatientFactory
from tests.live_queue.conftest import book_today


@pytest.fixture
def clinic(facility, user):
    return build_clinic(facility, user)


def check_in(client, clinic, **body):
    response = client.post(clinic.url("check-ins/"), body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_the_encounter_is_created_at_check_in_and_not_before(clinic, api_client):
    booking = book_today(clinic, clinic.patients[0])
    assert not Encounter.objects.exists()
    entry = check_in(api_client, clinic, booking=booking.pk)
    assert entry["token_number"] == 1
    assert entry["queue_name"] == clinic.chair.name
    assert entry["patient"]["id"] == clinic.patients[0].pk
    encounter = Encounter.objects.get()
    assert encounter.booking_id == booking.pk
    booking.refresh_from_db()
    assert booking.status == "checked_in"
    assert booking.checked_in_at is not None
    again = api_client.post(clinic.url("check-ins/"), {"booking": booking.pk}, format="json")
    assert again.status_code == 409
    assert Encounter.objects.count() == 1


def test_walk_in_without_booking_and_department_queues(clinic, api_client):
    department = clinic.chair.department
    first = check_in(api_client, clinic, patient=clinic.patients[1].pk, department=department.pk)
    second = check_in(api_client, clinic, patient=clinic.patients[2].pk, department=department.pk, priority="urgent")
    assert (first["token_number"], second["token_number"]) == (1, 2)
    assert first["queue"] == second["queue"]
    assert first["booking"] is None


def test_only_todays_bookings_check_in(clinic, api_client):
    from tests.booking.test_lifecycle import book

    future = book(api_client, clinic, "10:00")
    response = api_client.post(clinic.url("check-ins/"), {"booking": future["id"]}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "not_today"
    assert Booking.objects.get(pk=future["id"]).status == "scheduled"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "booking"),
        ({"patient": 999999, "resource": 1}, "patient"),
        ({"booking": "seven"}, "booking"),
        ({"patient": None}, "patient"),
        ({"patient": 1, "resource": 1, "department": 1}, "department"),
        ({"patient": 1, "priority": "vip"}, "priority"),
        ({"patient": 1, "token_number": 1}, "token_number"),
    ],
)
def test_bad_check_in_is_400_naming_the_field(clinic, api_client, body, field):
    if "patient" in body and body["patient"] == 1:
        body["patient"] = clinic.patients[0].pk
    if body.get("resource") == 1:
        body["resource"] = clinic.chair.pk
    if body.get("department") == 1:
        body["department"] = clinic.chair.department_id
    response = api_client.post(clinic.url("check-ins/"), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    assert not Encounter.objects.exists()


def test_the_day_of_care_from_check_in_to_completion(clinic, api_client):
    booking = book_today(clinic, clinic.patients[0])
    entry = check_in(api_client, clinic, booking=booking.pk)
    walk_in = check_in(api_client, clinic, patient=clinic.patients[1].pk, resource=clinic.chair.pk)
    queue_url = clinic.url(f"queues/{entry['queue']}/")

    listing = api_client.get(queue_url + "entries/").json()
    assert [row["entry"]["token_number"] for row in listing["waiting"]] == [1, 2]
    assert set(listing["waiting"][0]["score"]) >= {"score", "reference", "boost_minutes", "waited_minutes"}

    called = api_client.post(queue_url + "call-next/", {"counter": "Room 3"}, format="json").json()
    assert (called["token_number"], called["status"], called["counter"]) == (1, "called", "Room 3")
    board = api_client.get(queue_url + "board/").json()
    assert board["called"][0]["token_number"] == 1
    assert "name" not in str(board)  # the waiting room never sees names
    assert board["waiting"] == [2]

    entry_url = clinic.url(f"queue-entries/{called['id']}/")
    assert api_client.post(entry_url + "start/").json()["status"] == "in_progress"
    assert api_client.post(entry_url + "complete/").json()["status"] == "completed"
    booking.refresh_from_db()
    assert booking.status == "completed"
    assert booking.actual_start and booking.actual_end and booking.actual_end >= booking.actual_start
    done = QueueEntry.objects.get(pk=called["id"])
    assert done.checked_in_at <= done.called_at <= done.started_at <= done.ended_at

    # Illegal moves answer 409 and change nothing.
    assert api_client.post(entry_url + "start/").status_code == 409
    second_url = clinic.url(f"queue-entries/{walk_in['id']}/")
    assert api_client.post(second_url + "complete/").status_code == 409
    assert api_client.post(queue_url + "call-next/").json()["token_number"] == 2
    assert api_client.post(second_url + "skip/").json()["status"] == "skipped"
    assert api_client.post(second_url + "recall/").json()["status"] == "waiting"
    assert api_client.post(second_url + "left/").json()["status"] == "left"
    empty = api_client.post(queue_url + "call-next/")
    assert empty.status_code == 409
    assert empty.json()["code"] == "queue_empty"


def test_staff_moves_vip_and_transfer_are_audited(clinic, api_client, user):
    first = check_in(api_client, clinic, patient=clinic.patients[0].pk, resource=clinic.chair.pk)
    second = check_in(api_client, clinic, patient=clinic.patients[1].pk, resource=clinic.chair.pk)
    queue_url = clinic.url(f"queues/{first['queue']}/entries/")
    order = lambda: [row["entry"]["token_number"] for row in api_client.get(queue_url).json()["waiting"]]  # noqa: E731
    assert order() == [1, 2]
    assert (
        api_client.post(clinic.url(f"queue-entries/{second['id']}/bump/"), {"minutes": 30}, format="json").status_code
        == 200
    )
    assert order() == [2, 1]
    api_client.post(clinic.url(f"queue-entries/{second['id']}/send-back/"), {"minutes": 60}, format="json")
    assert order() == [1, 2]
    no_reason = api_client.post(clinic.url(f"queue-entries/{second['id']}/vip/"), {"reason": " "}, format="json")
    assert no_reason.status_code == 400
    vip = api_client.post(
        clinic.url(f"queue-entries/{second['id']}/vip/"), {"reason": "Frail, travelled far"}, format="json"
    )
    assert vip.json()["is_vip"] is True
    history = QueueEntry.objects.get(pk=second["id"]).history.order_by("history_date")
    assert [h.manual_minutes for h in history] == [0, -30, 30, 30]
    assert history.last().vip_reason == "Frail, travelled far"
    assert all(h.history_user == user for h in history)

    triage_to_doctor = api_client.post(
        clinic.url(f"queue-entries/{first['id']}/transfer/"), {"resource": clinic.doctor.pk}, format="json"
    )
    assert triage_to_doctor.status_code == 201
    moved = triage_to_doctor.json()
    assert (moved["queue_name"], moved["token_number"], moved["transferred_from"]) == (
        clinic.doctor.name,
        1,
        first["id"],
    )
    assert moved["arrived_at"] == first["arrived_at"]
    assert QueueEntry.objects.get(pk=first["id"]).status == "transferred"


def test_queue_roles_and_isolation(clinic, api_client, facility, other_facility, make_member):
    entry = check_in(api_client, clinic, patient=clinic.patients[0].pk, resource=clinic.chair.pk)
    analyst = token_client(make_member(facility, Role.ANALYST))
    assert analyst.get(clinic.url("queues/")).status_code == 403
    assert analyst.post(clinic.url(f"queues/{entry['queue']}/call-next/")).status_code == 403
    stranger = token_client(make_member(other_facility, Role.ADMIN))
    assert stranger.get(clinic.url(f"queues/{entry['queue']}/entries/")).status_code == 404
    other_url = f"/api/v1/facilities/{other_facility.slug}/"
    assert stranger.post(other_url + f"queues/{entry['queue']}/call-next/").status_code == 404
    assert stranger.post(other_url + f"queue-entries/{entry['id']}/start/").status_code == 404
    foreign_patient = PatientFactory(facility=other_facility)
    response = api_client.post(
        clinic.url("check-ins/"), {"patient": foreign_patient.pk, "resource": clinic.chair.pk}, format="json"
    )
    assert response.status_code == 400
    assert QueueEntry.objects.get(pk=entry["id"]).status == "waiting"


def test_nightly_sweep_marks_unattended_bookings_no_show(clinic, api_client):
    import datetime as dt

    from booking.tasks import mark_no_shows, mark_no_shows_everywhere

    attended = book_today(clinic, clinic.patients[0])
    missed = book_today(clinic, clinic.patients[1], minutes_from_now=30)
    check_in(api_client, clinic, booking=attended.pk)
    day = attended.start.astimezone(__import__("zoneinfo").ZoneInfo(clinic.facility.time_zone)).date()
    assert mark_no_shows.delay(facility_id=clinic.facility.pk, day=day.isoformat()).get() == 1
    assert mark_no_shows.delay(facility_id=clinic.facility.pk, day=day.isoformat()).get() == 0  # idempotent
    missed.refresh_from_db()
    attended.refresh_from_db()
    assert (missed.status, missed.status_changed_by) == ("no_show", None)
    assert attended.status == "checked_in"
    assert mark_no_shows_everywhere.delay().get() >= 1
    assert dt  # the sweep's own default day is yesterday, exercised by beat


def test_only_roles_that_may_book_emergencies_check_in_as_emergency(clinic, facility, make_member):
    desk = token_client(make_member(facility, Role.SCHEDULER))
    body = {"patient": clinic.patients[0].pk, "resource": clinic.chair.pk, "priority": "emergency"}
    assert desk.post(clinic.url("check-ins/"), body, format="json").status_code == 403
    assert not Encounter.objects.exists()
    doctor = token_client(make_member(facility, Role.CLINICIAN))
    assert doctor.post(clinic.url("check-ins/"), body, format="json").json()["priority"] == "emergency"


def test_yesterdays_queue_calls_nobody(clinic, api_client):
    import datetime as dt

    entry = check_in(api_client, clinic, patient=clinic.patients[0].pk, resource=clinic.chair.pk)
    QueueEntry.objects.get(pk=entry["id"]).queue.__class__.objects.filter(pk=entry["queue"]).update(
        day=dt.date.today() - dt.timedelta(days=1)
    )
    response = api_client.post(clinic.url(f"queues/{entry['queue']}/call-next/"))
    assert response.status_code == 409
    assert response.json()["code"] == "queue_closed"


def test_a_polled_page_after_the_session_expired_sends_the_browser_to_login(client, clinic):
    response = client.get(f"/f/{clinic.facility.slug}/patients/", HTTP_HX_REQUEST="true")
    assert response.status_code == 401
    assert response["HX-Redirect"].startswith("/accounts/login/?next=")


def test_queue_list_and_detail_count_who_is_waiting(clinic, api_client):
    entry = check_in(api_client, clinic, patient=clinic.patients[0].pk, resource=clinic.chair.pk)
    check_in(api_client, clinic, patient=clinic.patients[1].pk, resource=clinic.chair.pk)
    assert api_client.get(clinic.url(f"queues/{entry['queue']}/")).json()["waiting"] == 2
    assert [q["waiting"] for q in api_client.get(clinic.url("queues/")).json()["results"]] == [2]
