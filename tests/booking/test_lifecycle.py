"""The life cycle table, reschedule, tokens and emergencies."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking import services
from booking.lifecycle import QUEUE_ONLY, TRANSITIONS
from booking.models import Booking, Status, TokenBooking, TokenSlot
from conftest import token_client
from scheduling.models import Role


def book(client, clinic, *args, **kwargs):
    response = client.post(clinic.url(), clinic.body(*args, **kwargs), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_cancelling_frees_the_time_and_cannot_happen_twice(clinic, api_client, user):
    booking = book(api_client, clinic, "10:00", "10:30")
    cancelled = api_client.post(clinic.url(f"bookings/{booking['id']}/cancel/"), {"reason": "Unwell"}, format="json")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    row = Booking.objects.get(pk=booking["id"])
    assert (row.status_changed_by, row.holds_time) == (user, False)
    again = api_client.post(clinic.url(f"bookings/{booking['id']}/cancel/"), {"reason": "Unwell"}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    assert again.json()["allowed"] == []
    book(api_client, clinic, "10:00", "10:30", patient=clinic.patients[1])  # the time is free again


@pytest.mark.parametrize("current", list(Status))
@pytest.mark.parametrize("target", [Status.CANCELLED, Status.APPROVED, Status.DENIED, Status.NO_SHOW])
def test_every_transition_follows_the_table(current, target, clinic, user):
    booking = services.booking_create(
        facility=clinic.facility,
        actor=user,
        actor_role=Role.ADMIN,
        request=services.BookingRequest(
            patient_id=clinic.patients[0].pk,
            appointment_type_id=clinic.visit.pk,
            start=clinic.at("10:00"),
            end=clinic.at("10:30"),
            resources=(services.ResourceRequest(clinic.chair.pk),),
        ),
    )
    Booking.objects.filter(pk=booking.pk).update(status=current)
    during = clinic.at("10:10")  # a no-show can be recorded only once the appointment has begun
    if (current, target) in QUEUE_ONLY:  # the queue's entry moves with it: only the queue asks
        with pytest.raises(services.appointments.ApplicationError) as error:
            services.booking_transition(
                facility=clinic.facility,
                actor=user,
                booking_id=booking.pk,
                to_status=target,
                now=during,
                reason="Unwell",
            )
        assert error.value.code == "checked_in"
        assert Booking.objects.get(pk=booking.pk).status == current
    if target in TRANSITIONS[current]:
        moved = services.booking_transition(
            facility=clinic.facility,
            actor=user,
            booking_id=booking.pk,
            to_status=target,
            now=during,
            from_queue=(current, target) in QUEUE_ONLY,
            reason="Unwell",
        )
        assert moved.status == target
    else:
        with pytest.raises(services.appointments.ApplicationError) as error:
            services.booking_transition(
                facility=clinic.facility,
                actor=user,
                booking_id=booking.pk,
                to_status=target,
                now=during,
                reason="Unwell",
            )
        assert error.value.code == "invalid_transition"
        assert Booking.objects.get(pk=booking.pk).status == current


def test_requests_are_approved_or_denied_by_staff(clinic, api_client):
    requested = book(api_client, clinic, "10:00", requested=True)
    assert requested["status"] == "requested"
    assert api_client.post(clinic.url(f"bookings/{requested['id']}/approve/")).json()["status"] == "approved"
    other = book(api_client, clinic, "11:00", requested=True, patient=clinic.patients[1])
    assert api_client.post(clinic.url(f"bookings/{other['id']}/deny/")).json()["status"] == "denied"
    assert Booking.objects.get(pk=other["id"]).holds_time is False


def test_reschedule_moves_in_one_transaction_and_links_the_bookings(clinic, api_client):
    old = book(api_client, clinic, "10:00", "10:30")
    response = api_client.post(
        clinic.url(f"bookings/{old['id']}/reschedule/"), {"start": clinic.at("14:00").isoformat()}, format="json"
    )
    assert response.status_code == 201, response.content
    new = response.json()
    assert new["rescheduled_from"] == old["id"]
    assert new["end"] != old["end"]
    assert Booking.objects.get(pk=old["id"]).status == Status.RESCHEDULED
    # The old time is free; the new one is taken.
    book(api_client, clinic, "10:00", "10:30", patient=clinic.patients[1])


def test_reschedule_into_a_taken_time_changes_nothing(clinic, api_client):
    old = book(api_client, clinic, "10:00", "10:30")
    book(api_client, clinic, "14:00", "14:30", patient=clinic.patients[1])
    response = api_client.post(
        clinic.url(f"bookings/{old['id']}/reschedule/"), {"start": clinic.at("14:00").isoformat()}, format="json"
    )
    assert response.status_code == 409
    assert Booking.objects.get(pk=old["id"]).status == Status.SCHEDULED
    assert Booking.objects.count() == 2


def test_tokens_run_out_and_come_back_when_cancelled(clinic, api_client):
    first = book(api_client, clinic, "09:15", "09:30", resources=[clinic.doctor])
    book(api_client, clinic, "09:15", "09:30", resources=[clinic.doctor], patient=clinic.patients[1])
    full = api_client.post(
        clinic.url(),
        clinic.body("09:15", "09:30", resources=[clinic.doctor], patient=clinic.patients[2]),
        format="json",
    )
    assert full.status_code == 409
    assert full.json()["code"] == "slot_full"
    slot = TokenSlot.objects.get()
    assert (slot.capacity, slot.allocated) == (2, 2)
    assert first["token"]["slot"] == slot.pk
    api_client.post(clinic.url(f"bookings/{first['id']}/cancel/"), {"reason": "Unwell"}, format="json")
    slot.refresh_from_db()
    assert slot.allocated == 1
    book(api_client, clinic, "09:15", "09:30", resources=[clinic.doctor], patient=clinic.patients[2])
    assert TokenBooking.objects.filter(holds_time=True).count() == 2
    listed = api_client.get(clinic.url(), {"resource": clinic.doctor.pk, "token": "true"}).json()["results"]
    assert len(listed) == 3


def test_token_bookings_must_be_one_whole_slot(clinic, api_client):
    response = api_client.post(clinic.url(), clinic.body("09:10", "09:25", resources=[clinic.doctor]), format="json")
    assert response.status_code == 409
    assert response.json()["reason"] == "not_slot_aligned"


def test_emergency_displaces_routine_bookings_and_tokens(
    clinic, facility, make_member, django_capture_on_commit_callbacks
):
    desk = token_client(make_member(facility, Role.SCHEDULER, username="desk"))
    routine = book(desk, clinic, "10:00", "10:30")
    token = book(desk, clinic, "09:30", "09:45", resources=[clinic.doctor], patient=clinic.patients[1])
    refused = desk.post(
        clinic.url(), clinic.body("10:00", "11:00", kind="emergency", patient=clinic.patients[2]), format="json"
    )
    assert refused.status_code == 403

    doctor = token_client(make_member(facility, Role.CLINICIAN))
    with django_capture_on_commit_callbacks(execute=True):
        chair = doctor.post(
            clinic.url(), clinic.body("10:00", "11:00", kind="emergency", patient=clinic.patients[2]), format="json"
        )
        assert chair.status_code == 201, chair.content
        assert chair.json()["priority"] == "emergency"
        # An emergency may also take a doctor outside and across their token slots.
        seen = doctor.post(
            clinic.url(),
            clinic.body("07:00", "10:00", kind="emergency", resources=[clinic.doctor], patient=clinic.patients[0]),
            format="json",
        )
        assert seen.status_code == 201, seen.content
    assert Booking.objects.get(pk=routine["id"]).status == Status.NEEDS_RESCHEDULE
    assert Booking.objects.get(pk=token["id"]).status == Status.NEEDS_RESCHEDULE
    assert TokenSlot.objects.get().allocated == 0
    assert {n.event for n in Booking.objects.get(pk=routine["id"]).notifications.all()} == {"needs_reschedule"}
    # The doctor's time the emergency took is not handed out as tokens again.
    retake = desk.post(
        clinic.url(),
        clinic.body("09:30", "09:45", resources=[clinic.doctor], patient=clinic.patients[1]),
        format="json",
    )
    assert retake.status_code == 409
    assert retake.json()["code"] == "slot_taken"
    # Displaced bookings are rescheduled, not dropped.
    moved = desk.post(
        clinic.url(f"bookings/{routine['id']}/reschedule/"), {"start": clinic.at("15:00").isoformat()}, format="json"
    )
    assert moved.status_code == 201


def test_a_booking_costs_a_bounded_number_of_queries(clinic, user):
    def create(patient_index, hour):
        return services.booking_create(
            facility=clinic.facility,
            actor=user,
            actor_role=Role.ADMIN,
            request=services.BookingRequest(
                patient_id=clinic.patients[patient_index % 3].pk,
                appointment_type_id=clinic.visit.pk,
                start=clinic.at(hour, days_ahead=3 + patient_index // 3),
                end=clinic.at(hour, days_ahead=3 + patient_index // 3) + dt.timedelta(minutes=30),
                resources=(services.ResourceRequest(clinic.chair.pk),),
            ),
        )

    def cost(hour):
        with CaptureQueriesContext(connection) as queries:
            create(0, hour)
        return len(queries)

    create(1, "09:00")  # the chair's configuration is cached from here on
    few = cost("08:00")
    for index in range(30):
        create(index + 3, f"{10 + index % 9}:00")
    many = cost("19:00")
    assert many == few, (few, many)
    assert few <= 30  # tests/booking/test_queries.py holds the tighter budget


def test_no_show_waits_for_the_appointment_to_begin(clinic, api_client):
    booking = book(api_client, clinic, "10:00", "10:30")
    early = api_client.post(clinic.url(f"bookings/{booking['id']}/no-show/"))
    assert early.status_code == 409
    assert early.json()["code"] == "too_early"
    assert Booking.objects.get(pk=booking["id"]).status == Status.SCHEDULED
