"""Booking through the API: what is written, what is refused, and why."""

import datetime as dt

import pytest

from booking.models import Booking, BookingResource, Notification, Status
from conftest import token_client
from scheduling.models import Membership, Role
from tests.factories import PatientFactory, ResourceFactory


def test_booking_a_chair_writes_the_booking_its_resource_and_history(clinic, api_client, user):
    response = api_client.post(clinic.url(), clinic.body("10:00", "10:30"), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "scheduled"
    assert body["patient"]["id"] == clinic.patients[0].pk
    assert [r["resource"] for r in body["resources"]] == [clinic.chair.pk]
    booking = Booking.objects.get()
    assert booking.booked_by == user
    assert booking.history.get().history_user == user
    assert BookingResource.objects.get().resource == clinic.chair


def test_end_defaults_to_the_appointment_types_length(clinic, api_client):
    response = api_client.post(clinic.url(), clinic.body("10:00"), format="json")
    assert response.status_code == 201
    booking = Booking.objects.get()
    assert booking.end - booking.start == __import__("datetime").timedelta(minutes=30)


def test_the_same_time_cannot_be_booked_twice_but_touching_is_fine(clinic, api_client):
    assert api_client.post(clinic.url(), clinic.body("10:00", "10:30"), format="json").status_code == 201
    clash = api_client.post(clinic.url(), clinic.body("10:15", "10:45", patient=clinic.patients[1]), format="json")
    assert clash.status_code == 409
    assert clash.json()["code"] == "slot_taken"
    touching = api_client.post(clinic.url(), clinic.body("10:30", "11:00", patient=clinic.patients[1]), format="json")
    assert touching.status_code == 201
    assert Booking.objects.count() == 2


def test_a_patient_cannot_be_in_two_places_at_once(clinic, api_client):
    assert api_client.post(clinic.url(), clinic.body("10:00", "10:30"), format="json").status_code == 201
    response = api_client.post(clinic.url(), clinic.body("10:00", "10:30", resources=[clinic.theatre]), format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "patient_double_booked"
    assert "patient" in response.json()["fields"]


def test_a_patient_holds_a_bounded_number_of_future_bookings(clinic, api_client, settings):
    settings.BOOKING_MAX_FUTURE_PER_PATIENT = 2
    for hour in ("10:00", "11:00"):
        assert api_client.post(clinic.url(), clinic.body(hour, None), format="json").status_code == 201
    response = api_client.post(clinic.url(), clinic.body("12:00"), format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "too_many_future_bookings"


def test_outside_availability_is_refused_with_the_reason(clinic, api_client):
    response = api_client.post(clinic.url(), clinic.body("06:00", "06:30"), format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "not_bookable"
    assert response.json()["reason"] == "outside_availability"
    assert not Booking.objects.exists()


def test_a_procedure_books_theatre_and_team_all_or_nothing(clinic, api_client):
    surgeon = clinic.doctor
    body = clinic.body("13:00", "15:00", resources=[clinic.theatre, clinic.chair], kind="scheduled")
    body["resources"][1]["start"] = clinic.at("13:30").isoformat()
    body["resources"][1]["end"] = clinic.at("14:30").isoformat()
    response = api_client.post(clinic.url(), body, format="json")
    assert response.status_code == 201, response.content
    assert BookingResource.objects.count() == 2
    # The chair is taken 13:30–14:30 only: a second procedure that needs it then fails whole.
    other = clinic.body("14:00", "14:30", resources=[clinic.chair], patient=clinic.patients[1])
    assert api_client.post(clinic.url(), other, format="json").status_code == 409
    free = clinic.body("13:00", "13:30", resources=[clinic.chair], patient=clinic.patients[1])
    assert api_client.post(clinic.url(), free, format="json").status_code == 201
    assert surgeon  # the doctor's token schedule is untouched by exclusive bookings


def test_only_authorised_roles_book_theatres(clinic, facility, make_member):
    desk = token_client(make_member(facility, Role.SCHEDULER))
    response = desk.post(clinic.url(), clinic.body("10:00", "11:00", resources=[clinic.theatre]), format="json")
    assert response.status_code == 403
    assert not Booking.objects.exists()
    doctor = token_client(make_member(facility, Role.CLINICIAN))
    assert (
        doctor.post(clinic.url(), clinic.body("10:00", "11:00", resources=[clinic.theatre]), format="json").status_code
        == 201
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda c, b: b.update(end=c.at("09:00").isoformat()), "end"),  # end before start
        (lambda c, b: b.update(end=b["start"]), "end"),  # zero length
        (lambda c, b: b.update(start="2030-01-01T10:00:00"), "start"),  # naive
        (lambda c, b: b.update(start="3000-01-01T10:00:00+00:00"), "start"),  # absurd
        (lambda c, b: b.update(end=c.at("10:00", days_ahead=4).isoformat()), "end"),  # 48 hours
        (lambda c, b: b.update(start="tomorrow at ten"), "start"),
        (lambda c, b: b.update(resources=[]), "resources"),
        (lambda c, b: b.update(resources=[{"resource": c.chair.pk}, {"resource": c.chair.pk}]), "resources"),
        (lambda c, b: b.update(resources=[{"resource": 987654}]), "resources"),
        (lambda c, b: b.update(patient=987654), "patient"),
        (lambda c, b: b.update(appointment_type="visit"), "appointment_type"),
        (lambda c, b: b.update(status="completed"), "status"),  # unknown field
        (lambda c, b: b.update(kind="walk_in"), "kind"),  # walk-ins have their own endpoint
        (lambda c, b: b.update(note="x" * 2001), "note"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(clinic, api_client, change, field):
    body = clinic.body("10:00", "10:30")
    change(clinic, body)
    response = api_client.post(clinic.url(), body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert any(name.startswith(field) for name in response.json()["fields"]), response.json()
    assert not Booking.objects.exists()
    assert not Booking.history.exists()


def test_other_facilitys_patient_or_resource_is_refused(clinic, api_client, other_facility):
    foreign_patient = PatientFactory(facility=other_facility)
    foreign_chair = ResourceFactory(facility=other_facility)
    response = api_client.post(clinic.url(), clinic.body("10:00", patient=foreign_patient), format="json")
    assert response.status_code == 400
    assert "patient" in response.json()["fields"]
    response = api_client.post(clinic.url(), clinic.body("10:00", resources=[foreign_chair]), format="json")
    assert response.status_code == 400
    assert "resources" in response.json()["fields"]
    assert not Booking.objects.exists()


def test_notifications_reach_the_owner_and_the_departments_desk_after_commit(
    clinic, api_client, scheduler, facility, make_member, django_capture_on_commit_callbacks, mailoutbox
):
    owner = make_member(facility, Role.CLINICIAN, username="dr-owner")
    clinic.chair.user = owner
    clinic.chair.save()
    # The desk is told as the chair's department's desk, which this facility asks for
    # (who is told and who is not: tests/booking/test_notification_recipients.py).
    facility.notify_department_desk = True
    facility.save(update_fields=["notify_department_desk"])
    Membership.objects.filter(facility=facility, user=scheduler).update(department=clinic.chair.department)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api_client.post(clinic.url(), clinic.body("10:00", "10:30"), format="json")
    assert response.status_code == 201
    assert len(callbacks) == 1
    notices = Notification.objects.filter(booking_id=response.json()["id"])
    assert {n.recipient.username for n in notices} == {"desk", "dr-owner"}
    assert all("New booking" in n.message for n in notices)
    assert len(mailoutbox) == 2

    desk = token_client(scheduler)
    assert desk.get(clinic.url("notifications/unread-count/")).json() == {"unread": 1}
    listed = desk.get(clinic.url("notifications/")).json()["results"]
    assert desk.post(clinic.url(f"notifications/{listed[0]['id']}/read/")).status_code == 200
    assert desk.get(clinic.url("notifications/unread-count/")).json() == {"unread": 0}
    # Another member's notification is not yours to read.
    theirs = Notification.objects.get(recipient=owner)
    assert desk.post(clinic.url(f"notifications/{theirs.pk}/read/")).status_code == 404


def test_a_failed_booking_notifies_nobody(clinic, api_client, scheduler, django_capture_on_commit_callbacks):
    api_client.post(clinic.url(), clinic.body("10:00", "10:30"), format="json")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api_client.post(
            clinic.url(), clinic.body("10:00", "10:30", patient=clinic.patients[1]), format="json"
        )
    assert response.status_code == 409
    assert callbacks == []


def test_another_facilitys_bookings_are_404(clinic, api_client, other_facility, make_member):
    stranger = token_client(make_member(other_facility, Role.ADMIN))
    booking_id = api_client.post(clinic.url(), clinic.body("10:00"), format="json").json()["id"]
    foreign_url = f"/api/v1/facilities/{other_facility.slug}/bookings/{booking_id}/"
    for response in (
        stranger.get(foreign_url),
        stranger.post(foreign_url + "cancel/"),
        stranger.get(clinic.url(f"bookings/{booking_id}/")),
        stranger.post(clinic.url(f"bookings/{booking_id}/cancel/")),
    ):
        assert response.status_code == 404
    assert Booking.objects.get().status == Status.SCHEDULED


def test_listing_filters_by_resource_patient_status_and_range(clinic, api_client):
    api_client.post(clinic.url(), clinic.body("10:00"), format="json")
    api_client.post(
        clinic.url(), clinic.body("11:00", resources=[clinic.theatre], patient=clinic.patients[1]), format="json"
    )
    assert len(api_client.get(clinic.url(), {"resource": clinic.chair.pk}).json()["results"]) == 1
    assert len(api_client.get(clinic.url(), {"patient": clinic.patients[1].pk}).json()["results"]) == 1
    assert len(api_client.get(clinic.url(), {"status": "cancelled"}).json()["results"]) == 0
    api_client.post(clinic.url(), clinic.body("12:00", days_ahead=3), format="json")
    day = clinic.at("12:00", days_ahead=3).date().isoformat()
    listed = api_client.get(clinic.url(), {"from": day, "to": day}).json()["results"]
    assert [b["start"] for b in listed] == [clinic.at("12:00", days_ahead=3).astimezone(dt.UTC).isoformat()[:19] + "Z"]
    too_long = {"from": day, "to": clinic.at("10:00", days_ahead=200).date().isoformat()}
    assert api_client.get(clinic.url(), too_long).status_code == 400


@pytest.mark.parametrize("role", list(Role))
def test_booking_endpoints_follow_the_matrix(role, clinic, facility, make_member):
    from scheduling.permissions import Action, role_allows

    client = token_client(make_member(facility, role))
    listed = client.get(clinic.url())
    assert listed.status_code == (200 if role_allows(role, Action.BOOKING_VIEW) else 403)
    created = client.post(clinic.url(), clinic.body("10:00"), format="json")
    assert created.status_code == (201 if role_allows(role, Action.BOOKING_MANAGE) else 403)
    assert Booking.objects.count() == (1 if created.status_code == 201 else 0)


def test_facility_admin_sees_only_their_bookings_in_django_admin(
    clinic, api_client, client, other_facility, make_member
):
    from tests.booking.conftest import build_clinic

    api_client.post(clinic.url(), clinic.body("10:00"), format="json")
    other_admin = make_member(other_facility, Role.ADMIN)
    other = build_clinic(other_facility, other_admin)
    token_client(other_admin).post(other.url(), other.body("11:00"), format="json")
    clinic.admin.is_staff = True
    clinic.admin.save()
    client.force_login(clinic.admin)
    page = client.get("/admin/booking/booking/")
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    theirs = Booking.objects.get(facility=other_facility)
    assert client.get(f"/admin/booking/booking/{theirs.pk}/change/").status_code in (302, 404)


def test_walk_in_takes_the_slot_running_now_and_names_the_doctor(clinic, api_client, scheduler, monkeypatch):
    """At 10:10 a walk-in gets the doctor's 10:00 token slot (it has begun, it has room); when
    the day's last slot is full there is no free slot."""
    import datetime as dt

    from django.utils import timezone

    now = clinic.at("10:10", days_ahead=0)
    monkeypatch.setattr(timezone, "now", lambda: now)
    body = {"patient": clinic.patients[0].pk, "resource": clinic.doctor.pk, "appointment_type": clinic.visit.pk}
    response = api_client.post(clinic.url("walk-ins/"), body, format="json")
    assert response.status_code == 201, response.content
    walk_in = response.json()
    assert walk_in["kind"] == "walk_in"
    assert dt.datetime.fromisoformat(walk_in["start"]) == clinic.at("10:00", days_ahead=0)

    late = clinic.at("11:50", days_ahead=0)
    monkeypatch.setattr(timezone, "now", lambda: late)
    for patient in clinic.patients[1:]:
        body["patient"] = patient.pk
        assert api_client.post(clinic.url("walk-ins/"), body, format="json").status_code == 201
    body["patient"] = PatientFactory(facility=clinic.facility).pk
    full = api_client.post(clinic.url("walk-ins/"), body, format="json")
    assert full.status_code == 409
    assert full.json()["code"] == "no_free_slot"
