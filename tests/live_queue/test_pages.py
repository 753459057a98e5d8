"""The queue pages through Django's test client, as the front desk uses them: check-in of booked
patients and walk-ins, the queue's actions, and the waiting-room board that never shows a name."""

import re

import pytest
from django.test import Client

from booking.models import Booking
from live_queue import services
from live_queue.models import Encounter, Queue, QueueEntry
from scheduling.models import Role
from tests.booking.conftest import build_clinic
from tests.factories import PatientFactory, ResourceFactory
from tests.live_queue.conftest import book_today


@pytest.fixture
def clinic(facility, user):
    return build_clinic(facility, user)


@pytest.fixture
def browser_of(db):
    def sign_in(member):
        client = Client()
        client.force_login(member)
        return client

    return sign_in


@pytest.fixture
def desk_client(desk, browser_of):
    return browser_of(desk)


def pages(clinic, tail: str = "") -> str:
    return f"/f/{clinic.facility.slug}/queue/{tail}"


def walk_in(clinic, patient, resource=None, priority="routine"):
    """A patient already in the queue, checked in through the service."""
    return services.check_in(
        facility=clinic.facility,
        actor=clinic.admin,
        actor_role="admin",
        patient_id=patient.pk,
        resource_id=(resource or clinic.chair).pk,
        priority=priority,
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- access -----------------------------------------------------------------------------------


def test_pages_answer_the_desk_refuse_an_analyst_and_hide_other_facilities(
    clinic, desk_client, browser_of, make_member, other_facility
):
    entry = walk_in(clinic, clinic.patients[0])
    urls = [pages(clinic), pages(clinic, f"{entry.queue_id}/"), pages(clinic, f"{entry.queue_id}/board/")]
    for url in urls:
        assert desk_client.get(url).status_code == 200, url

    analyst = browser_of(make_member(clinic.facility, Role.ANALYST))
    for url in urls:
        assert analyst.get(url).status_code == 403, url
    assert analyst.post(pages(clinic, f"{entry.queue_id}/call-next/")).status_code == 403
    assert QueueEntry.objects.get(pk=entry.pk).status == "waiting"

    # A member of another facility: neither this facility's pages nor its queue under their own.
    stranger = browser_of(make_member(other_facility, Role.ADMIN))
    for url in urls:
        assert stranger.get(url).status_code == 404, url
    theirs = f"/f/{other_facility.slug}/queue/"
    assert stranger.get(theirs).status_code == 200
    assert stranger.get(theirs + f"{entry.queue_id}/").status_code == 404
    assert stranger.get(theirs + f"{entry.queue_id}/board/").status_code == 404
    assert stranger.post(theirs + f"{entry.queue_id}/entries/{entry.pk}/start/").status_code == 404
    assert QueueEntry.objects.get(pk=entry.pk).status == "waiting"


def test_signed_out_visitors_go_to_the_login_page(clinic):
    response = Client().get(pages(clinic))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- check-in ---------------------------------------------------------------------------------


def test_check_in_of_a_booking_from_the_home_page(clinic, desk_client):
    booking = book_today(clinic, clinic.patients[0])
    home = desk_client.get(pages(clinic))
    assert home.status_code == 200
    assert clinic.patients[0].name in home.content.decode()
    assert f'name="booking" value="{booking.pk}"' in home.content.decode()
    assert not Encounter.objects.exists()

    response = desk_client.post(pages(clinic, "check-in/booking/"), {"booking": booking.pk}, follow=True)
    assert response.redirect_chain == [(pages(clinic), 302)]
    assert messages_of(response) == [f"Token 1 — Chair 01 · {clinic.patients[0].name} checked in."]
    encounter = Encounter.objects.get()
    assert (encounter.booking_id, encounter.patient_id) == (booking.pk, clinic.patients[0].pk)
    entry = QueueEntry.objects.get()
    assert (entry.encounter_id, entry.token_number, entry.status, entry.queue.resource_id) == (
        encounter.pk,
        1,
        "waiting",
        clinic.chair.pk,
    )
    assert entry.appointment_at == booking.start
    booking.refresh_from_db()
    assert booking.status == "checked_in"
    # Checked in, the booking leaves the list of arrivals, and the queue shows one waiting.
    body = response.content.decode()
    assert f'name="booking" value="{booking.pk}"' not in body
    assert "<b>1</b> waiting" in body

    # Twice is refused with the service's message; nothing more is written.
    again = desk_client.post(pages(clinic, "check-in/booking/"), {"booking": booking.pk})
    assert again.status_code == 409
    assert "flash-error" in again.content.decode()
    assert (Encounter.objects.count(), QueueEntry.objects.count()) == (1, 1)


def test_walk_in_check_in_with_live_patient_search(clinic, desk_client):
    patient = clinic.patients[1]
    found = desk_client.get(pages(clinic, "patients/"), {"q": patient.mrn}, HTTP_HX_REQUEST="true")
    assert found.status_code == 200
    assert f'name="patient" value="{patient.pk}"' in found.content.decode()
    assert "<html" not in found.content.decode()

    body = {"patient": patient.pk, "place": f"resource:{clinic.chair.pk}", "priority": "urgent"}
    response = desk_client.post(pages(clinic, "check-in/walk-in/"), body, follow=True)
    assert response.redirect_chain == [(pages(clinic), 302)]
    assert messages_of(response) == [f"Token 1 — Chair 01 · {patient.name} checked in."]
    encounter = Encounter.objects.get()
    assert (encounter.patient_id, encounter.booking_id) == (patient.pk, None)
    entry = QueueEntry.objects.get()
    assert (entry.token_number, entry.priority, entry.appointment_at) == (1, "urgent", None)

    # A department queue, the next walk-in of it gets its own token numbers.
    department = clinic.chair.department
    body = {"patient": clinic.patients[2].pk, "place": f"department:{department.pk}", "priority": "routine"}
    response = desk_client.post(pages(clinic, "check-in/walk-in/"), body, follow=True)
    assert messages_of(response) == [f"Token 1 — {department.name} · {clinic.patients[2].name} checked in."]
    assert Queue.objects.get(department=department).last_token == 1


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"place": "resource:{chair}", "priority": "routine"}, "Search for the patient and pick one."),
        ({"patient": "{patient}", "priority": "routine"}, "Choose where the patient waits."),
        ({"patient": "{foreign}", "place": "resource:{chair}", "priority": "routine"}, "Unknown patient."),
        ({"patient": "{patient}", "place": "resource:{foreign_chair}", "priority": "routine"}, "Select a valid"),
        ({"patient": "{patient}", "place": "resource:{chair}", "priority": "vip"}, "Select a valid"),
    ],
)
def test_a_bad_walk_in_names_the_problem_and_writes_nothing(clinic, desk_client, other_facility, body, problem):
    ids = {
        "chair": clinic.chair.pk,
        "patient": clinic.patients[0].pk,
        "foreign": PatientFactory(facility=other_facility).pk,
        "foreign_chair": ResourceFactory(facility=other_facility).pk,
    }
    response = desk_client.post(pages(clinic, "check-in/walk-in/"), {k: v.format(**ids) for k, v in body.items()})
    assert response.status_code == 400
    assert problem in response.content.decode()
    assert not Encounter.objects.exists() and not QueueEntry.objects.exists()


# --- the staff page and its actions -----------------------------------------------------------


def test_the_staff_page_lists_the_queue_in_order_with_the_score(clinic, desk_client):
    first = walk_in(clinic, clinic.patients[0])
    second = walk_in(clinic, clinic.patients[1], priority="emergency")
    response = desk_client.get(pages(clinic, f"{first.queue_id}/"))
    body = response.content.decode()
    assert body.index(clinic.patients[1].name) < body.index(clinic.patients[0].name)  # the emergency first
    assert "emergency first" in body and "score " in body
    assert 'hx-trigger="every 10s"' in body and "data-poll-pause-while-busy" in body
    assert 'name="counter"' in body

    # The poll gets only the list region, never the call form.
    region = desk_client.get(pages(clinic, f"{first.queue_id}/"), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in region and 'name="counter"' not in region
    assert f'id="entry-{second.pk}"' in region and clinic.patients[1].name in region


def test_call_next_start_and_complete_through_the_page(clinic, desk_client):
    booking = book_today(clinic, clinic.patients[0])
    entry = services.check_in(facility=clinic.facility, actor=clinic.admin, actor_role="admin", booking_id=booking.pk)
    queue_page = pages(clinic, f"{entry.queue_id}/")

    response = desk_client.post(queue_page + "call-next/", {"counter": "Room 2"}, follow=True)
    assert response.redirect_chain == [(queue_page, 302)]
    assert messages_of(response) == ["Token 1 called to Room 2."]
    entry.refresh_from_db()
    assert (entry.status, entry.counter, entry.called_by.username) == ("called", "Room 2", "desk")
    assert 'value="Room 2"' in response.content.decode()  # the desk's room is remembered

    response = desk_client.post(queue_page + f"entries/{entry.pk}/start/", follow=True)
    assert messages_of(response) == ["Token 1 is with the clinician."]
    entry.refresh_from_db()
    assert entry.status == "in_progress" and entry.started_at
    response = desk_client.post(queue_page + f"entries/{entry.pk}/complete/", follow=True)
    assert messages_of(response) == ["Token 1 completed."]
    entry.refresh_from_db()
    booking.refresh_from_db()
    assert (entry.status, booking.status) == ("completed", "completed")

    empty = desk_client.post(queue_page + "call-next/", {"counter": "Room 2"})
    assert empty.status_code == 409
    assert "Nobody is waiting in this queue." in empty.content.decode()


def test_skip_recall_and_left_through_the_page(clinic, desk_client):
    entry = walk_in(clinic, clinic.patients[0])
    queue_page = pages(clinic, f"{entry.queue_id}/")
    desk_client.post(queue_page + "call-next/")
    desk_client.post(queue_page + f"entries/{entry.pk}/skip/")
    entry.refresh_from_db()
    assert entry.status == "skipped"
    assert "Recall" in desk_client.get(queue_page).content.decode()
    response = desk_client.post(queue_page + f"entries/{entry.pk}/recall/", follow=True)
    assert messages_of(response)[-1] == "Token 1 is waiting again, in their place."
    entry.refresh_from_db()
    assert entry.status == "waiting"
    response = desk_client.post(queue_page + f"entries/{entry.pk}/left/", follow=True)
    assert messages_of(response) == ["Token 1 left without being seen."]
    entry.refresh_from_db()
    assert entry.status == "left" and entry.ended_at


def test_bump_send_back_vip_and_transfer_through_the_page(clinic, desk_client):
    first = walk_in(clinic, clinic.patients[0])
    second = walk_in(clinic, clinic.patients[1])
    queue_page = pages(clinic, f"{first.queue_id}/")

    response = desk_client.post(queue_page + f"entries/{second.pk}/bump/", follow=True)
    assert messages_of(response) == ["Token 2 bumped up 15 minutes."]
    second.refresh_from_db()
    assert second.manual_minutes == -15
    body = response.content.decode()
    assert body.index(clinic.patients[1].name) < body.index(clinic.patients[0].name)
    response = desk_client.post(queue_page + f"entries/{second.pk}/send-back/", follow=True)
    assert messages_of(response) == ["Token 2 sent back 15 minutes."]
    second.refresh_from_db()
    assert second.manual_minutes == 0

    response = desk_client.post(queue_page + f"entries/{first.pk}/vip/", {"reason": "Frail, came far"}, follow=True)
    assert messages_of(response) == ["Token 1 marked VIP: Frail, came far."]
    first.refresh_from_db()
    assert (first.is_vip, first.vip_reason) == (True, "Frail, came far")
    assert "VIP · Frail, came far" in response.content.decode()

    response = desk_client.post(queue_page + f"entries/{first.pk}/transfer/", {"place": f"resource:{clinic.doctor.pk}"})
    assert response.status_code == 302
    first.refresh_from_db()
    moved = QueueEntry.objects.get(transferred_from=first)
    assert first.status == "transferred"
    assert (moved.queue.resource_id, moved.token_number, moved.is_vip, moved.arrived_at) == (
        clinic.doctor.pk,
        1,
        True,
        first.arrived_at,
    )
    followed = desk_client.get(queue_page)
    assert messages_of(followed) == [f"Token 1 transferred to {clinic.doctor.name}, where it is token 1."]


def test_an_illegal_action_shows_the_message_and_changes_nothing(clinic, desk_client):
    entry = walk_in(clinic, clinic.patients[0])
    queue_page = pages(clinic, f"{entry.queue_id}/")
    before = entry.history.count()

    response = desk_client.post(queue_page + f"entries/{entry.pk}/complete/")
    assert response.status_code == 409
    assert "A patient who is waiting cannot become completed." in response.content.decode()
    assert clinic.patients[0].name in response.content.decode()  # the queue page, with its list

    no_reason = desk_client.post(queue_page + f"entries/{entry.pk}/vip/", {"reason": "  "})
    assert no_reason.status_code == 400
    assert "Say why the patient is raised." in no_reason.content.decode()
    same_queue = desk_client.post(
        queue_page + f"entries/{entry.pk}/transfer/", {"place": f"resource:{clinic.chair.pk}"}
    )
    assert same_queue.status_code == 400
    assert "The patient is already in this queue." in same_queue.content.decode()

    entry.refresh_from_db()
    assert (entry.status, entry.is_vip, entry.manual_minutes, entry.history.count()) == ("waiting", False, 0, before)
    assert QueueEntry.objects.count() == 1


# --- the waiting-room board -------------------------------------------------------------------


def test_the_board_shows_tokens_and_counters_but_never_a_name(clinic, desk_client):
    booking = book_today(clinic, clinic.patients[0])
    entry = services.check_in(facility=clinic.facility, actor=clinic.admin, actor_role="admin", booking_id=booking.pk)
    for patient in clinic.patients[1:]:
        walk_in(clinic, patient)
    services.call_next(facility=clinic.facility, actor=clinic.admin, queue_id=entry.queue_id, counter="Room 4")

    staff = desk_client.get(pages(clinic, f"{entry.queue_id}/")).content.decode()
    board_page = desk_client.get(pages(clinic, f"{entry.queue_id}/board/"))
    board_region = desk_client.get(pages(clinic, f"{entry.queue_id}/board/"), HTTP_HX_REQUEST="true")
    assert board_page.status_code == board_region.status_code == 200
    for patient in clinic.patients:
        assert patient.name in staff
        for html in (board_page.content.decode(), board_region.content.decode()):
            assert patient.name not in html
            assert patient.mrn not in html
            for part in patient.name.split():
                assert part not in html
    board = board_page.content.decode()
    assert 'hx-trigger="every 3s"' in board
    assert 'class="topbar"' not in board  # no navigation on the wall screen
    assert 'data-token="1"' in board and "Room 4" in board
    region = board_region.content.decode()
    assert "<html" not in region and "Chair 01" in region
    next_tokens = region.split('class="next-tokens">')[1].split("</ol>")[0]
    assert re.findall(r"<li>(\d+)</li>", next_tokens) == ["2", "3"]
    assert Booking.objects.get(pk=booking.pk).status == "checked_in"
