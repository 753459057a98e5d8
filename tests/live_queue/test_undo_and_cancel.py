"""Where the booking life cycle meets the queue: a checked-in booking is cancelled only through
the queue ("left"), a booking is checked in only on its day, and a mistaken check-in is undone
(entry and encounter removed, on record; the booking booked again)."""

import pytest
from django.test import Client

from booking import services as booking_services
from booking.models import Booking
from conftest import token_client
from live_queue import services
from live_queue.models import Encounter, QueueEntry
from scheduling.errors import ApplicationError
from scheduling.models import Role
from tests.booking.conftest import build_clinic
from tests.booking.test_lifecycle import book
from tests.live_queue.conftest import book_today


@pytest.fixture
def clinic(facility, user):
    return build_clinic(facility, user)


def checked_in(client, clinic, booking):
    response = client.post(clinic.url("check-ins/"), {"booking": booking.pk}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


# --- cancelling a checked-in booking (issue 8, item 7) ----------------------------------------


def test_a_checked_in_booking_is_not_cancelled_from_the_booking_api(clinic, api_client):
    booking = book_today(clinic, clinic.patients[0])
    entry = checked_in(api_client, clinic, booking)

    response = api_client.post(clinic.url(f"bookings/{booking.pk}/cancel/"), {"reason": "Unwell"}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "checked_in"
    assert "Left" in body["detail"] and "Undo check-in" in body["detail"]
    booking.refresh_from_db()
    assert booking.status == "checked_in"
    assert QueueEntry.objects.get(pk=entry["id"]).status == "waiting"
    detail = api_client.get(clinic.url(f"bookings/{booking.pk}/")).json()
    assert detail["allowed_transitions"] == ["in_progress"]  # the queue's moves are not the API's


def test_left_cancels_the_booking_and_call_next_no_longer_calls_the_patient(clinic, api_client):
    booking = book_today(clinic, clinic.patients[0])
    entry = checked_in(api_client, clinic, booking)
    left = api_client.post(clinic.url(f"queue-entries/{entry['id']}/left/"))
    assert left.json()["status"] == "left"
    cancelled = Booking.objects.get(pk=booking.pk)
    assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", "Left the queue without being seen.")
    empty = api_client.post(clinic.url(f"queues/{entry['queue']}/call-next/"))
    assert (empty.status_code, empty.json()["code"]) == (409, "queue_empty")


def test_cancelling_a_checked_in_booking_from_its_page_shows_why_not(clinic, api_client, user):
    booking = book_today(clinic, clinic.patients[0])
    checked_in(api_client, clinic, booking)
    browser = Client()
    browser.force_login(user)

    response = browser.post(f"/f/{clinic.facility.slug}/bookings/{booking.pk}/cancel/", {"reason": "Unwell"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "This patient is checked in" in page
    assert "Undo check-in" in page
    assert Booking.objects.get(pk=booking.pk).status == "checked_in"


# --- checked in only on its day (issue 8, item 8) ---------------------------------------------


def test_the_booking_service_checks_in_only_todays_bookings(clinic, api_client, user):
    future = book(api_client, clinic, "10:00")  # two days ahead
    with pytest.raises(ApplicationError) as refused:
        booking_services.booking_transition(
            facility=clinic.facility, actor=user, booking_id=future["id"], to_status="checked_in"
        )
    assert (refused.value.code, refused.value.status_code) == ("not_today", 409)
    row = Booking.objects.get(pk=future["id"])
    assert (row.status, row.checked_in_at) == ("scheduled", None)


def test_only_the_queue_moves_a_checked_in_booking_back(clinic, api_client, user):
    booking = book_today(clinic, clinic.patients[0])
    checked_in(api_client, clinic, booking)
    with pytest.raises(ApplicationError) as refused:
        booking_services.booking_transition(
            facility=clinic.facility, actor=user, booking_id=booking.pk, to_status="scheduled"
        )
    assert (refused.value.code, refused.value.status_code) == ("checked_in", 409)
    assert Booking.objects.get(pk=booking.pk).status == "checked_in"


# --- undo a mistaken check-in -----------------------------------------------------------------


def test_undo_check_in_removes_entry_and_encounter_on_record_and_books_the_booking_again(clinic, facility, make_member):
    desk = make_member(facility, Role.SCHEDULER, username="desk")
    client = token_client(desk)
    booking = book_today(clinic, clinic.patients[0])
    entry = checked_in(client, clinic, booking)
    encounter_id = Encounter.objects.get().pk

    response = client.post(clinic.url(f"queue-entries/{entry['id']}/undo-check-in/"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body == {
        "entry": entry["id"],
        "token_number": 1,
        "queue": entry["queue"],
        "patient": {"id": clinic.patients[0].pk, "mrn": clinic.patients[0].mrn, "name": clinic.patients[0].name},
        "booking": booking.pk,
        "booking_status": "scheduled",
    }
    assert not QueueEntry.objects.exists() and not Encounter.objects.exists()
    booking.refresh_from_db()
    assert (booking.status, booking.checked_in_at, booking.status_changed_by) == ("scheduled", None, desk)
    # The deletions are on record, with who made them.
    gone_entry = QueueEntry.history.filter(id=entry["id"]).latest("history_id")
    gone_encounter = Encounter.history.filter(id=encounter_id).latest("history_id")
    assert (gone_entry.history_type, gone_entry.history_user) == ("-", desk)
    assert (gone_encounter.history_type, gone_encounter.history_user) == ("-", desk)

    # The patient can be checked in again, and is called as usual.
    again = checked_in(client, clinic, booking)
    assert again["token_number"] == 2
    called = client.post(clinic.url(f"queues/{again['queue']}/call-next/")).json()
    assert called["id"] == again["id"]


def test_undo_a_walk_in_who_was_called_or_skipped(clinic, api_client):
    first = api_client.post(
        clinic.url("check-ins/"), {"patient": clinic.patients[0].pk, "resource": clinic.chair.pk}, format="json"
    ).json()
    second = api_client.post(
        clinic.url("check-ins/"), {"patient": clinic.patients[1].pk, "resource": clinic.chair.pk}, format="json"
    ).json()
    queue_url = clinic.url(f"queues/{first['queue']}/")
    api_client.post(queue_url + "call-next/")
    api_client.post(queue_url + "call-next/")
    api_client.post(clinic.url(f"queue-entries/{second['id']}/skip/"))

    for entry in (first, second):
        undone = api_client.post(clinic.url(f"queue-entries/{entry['id']}/undo-check-in/"))
        assert undone.status_code == 200, undone.content
        assert (undone.json()["booking"], undone.json()["booking_status"]) == (None, None)
    assert not QueueEntry.objects.exists() and not Encounter.objects.exists()


def test_no_undo_once_care_started_or_after_a_transfer(clinic, api_client):
    booking = book_today(clinic, clinic.patients[0])
    entry = checked_in(api_client, clinic, booking)
    api_client.post(clinic.url(f"queues/{entry['queue']}/call-next/"))
    api_client.post(clinic.url(f"queue-entries/{entry['id']}/start/"))
    refused = api_client.post(clinic.url(f"queue-entries/{entry['id']}/undo-check-in/"))
    assert (refused.status_code, refused.json()["code"]) == (409, "invalid_transition")
    assert "care has started" in refused.json()["detail"]
    assert Booking.objects.get(pk=booking.pk).status == "in_progress"
    assert QueueEntry.objects.count() == 1

    walk = api_client.post(
        clinic.url("check-ins/"), {"patient": clinic.patients[1].pk, "resource": clinic.chair.pk}, format="json"
    ).json()
    moved = api_client.post(
        clinic.url(f"queue-entries/{walk['id']}/transfer/"), {"resource": clinic.doctor.pk}, format="json"
    ).json()
    refused = api_client.post(clinic.url(f"queue-entries/{moved['id']}/undo-check-in/"))
    assert (refused.status_code, refused.json()["code"]) == (409, "invalid_transition")
    assert QueueEntry.objects.count() == 3


def test_undo_needs_its_own_right_and_stays_in_the_facility(clinic, facility, other_facility, make_member):
    entry = services.check_in(
        facility=clinic.facility,
        actor=clinic.admin,
        actor_role=Role.ADMIN,
        patient_id=clinic.patients[0].pk,
        resource_id=clinic.chair.pk,
    )
    doctor = token_client(make_member(facility, Role.CLINICIAN))
    assert doctor.post(clinic.url(f"queue-entries/{entry.pk}/undo-check-in/")).status_code == 403
    stranger = token_client(make_member(other_facility, Role.ADMIN))
    foreign = f"/api/v1/facilities/{other_facility.slug}/queue-entries/{entry.pk}/undo-check-in/"
    assert stranger.post(foreign).status_code == 404
    assert QueueEntry.objects.filter(pk=entry.pk, status="waiting").exists()


def test_undo_check_in_from_the_queue_page(clinic, facility, make_member):
    booking = book_today(clinic, clinic.patients[0])
    desk = make_member(facility, Role.SCHEDULER, username="desk")
    entry = services.check_in(facility=facility, actor=desk, actor_role=Role.SCHEDULER, booking_id=booking.pk)
    browser = Client()
    browser.force_login(desk)
    queue_page = f"/f/{facility.slug}/queue/{entry.queue_id}/"
    undo_url = f"{queue_page}entries/{entry.pk}/undo-check-in/"

    page = browser.get(queue_page).content.decode()
    assert f'action="{undo_url}"' in page
    assert "Undo check-in" in page

    response = browser.post(undo_url, follow=True)
    assert response.redirect_chain == [(queue_page, 302)]
    notices = [str(message) for message in response.context["messages"]]
    assert notices == [f"Check-in of token 1 undone: {clinic.patients[0].name} is booked again."]
    assert not QueueEntry.objects.exists()
    assert Booking.objects.get(pk=booking.pk).status == "scheduled"

    doctor = Client()
    doctor.force_login(make_member(facility, Role.CLINICIAN))
    walk = services.check_in(
        facility=facility,
        actor=desk,
        actor_role=Role.SCHEDULER,
        patient_id=clinic.patients[1].pk,
        resource_id=clinic.chair.pk,
    )
    assert "undo-check-in" not in doctor.get(queue_page).content.decode()
    assert doctor.post(f"{queue_page}entries/{walk.pk}/undo-check-in/").status_code == 403
