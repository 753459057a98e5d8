"""The overview at /f/<slug>/: today for each role, in the facility's zone. The desk sees the
day's bookings, who waits and who is late; a clinician their own day; managers and admins the
chairs and theatres in use and the queues; analysts counts only, never a patient's name."""

import pytest
from django.urls import reverse

from live_queue import services as queue_services
from scheduling.models import Role
from tests.frontdesk.conftest import book, on_today

ROLES = [Role.ADMIN, Role.MANAGER, Role.SCHEDULER, Role.CLINICIAN, Role.ANALYST]


def overview(clinic) -> str:
    return reverse("frontdesk:overview", kwargs={"facility_slug": clinic.facility.slug})


def patient_link(clinic, patient) -> str:
    return reverse("frontdesk:patient", kwargs={"facility_slug": clinic.facility.slug, "patient_id": patient.pk})


def walk_in(clinic, patient, resource=None):
    return queue_services.check_in(
        facility=clinic.facility,
        actor=clinic.admin,
        actor_role="admin",
        patient_id=patient.pk,
        resource_id=(resource or clinic.chair).pk,
        priority="routine",
    )


def section(html: str, anchor: str) -> str:
    start = html.index(f'id="{anchor}"')
    end = html.find("<section", start + 1)
    return html[start : end if end != -1 else len(html)]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_gets_one_h1_and_the_zone_line(role, clinic, signed_in):
    response = signed_in(role).get(overview(clinic))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert f"Today at {clinic.facility.name}" in html
    assert "Times on these pages are in Europe/London." in html


def test_a_non_member_gets_404(clinic, signed_in, other_facility):
    assert signed_in(Role.SCHEDULER).get(f"/f/{other_facility.slug}/").status_code == 404


def test_the_desk_sees_todays_bookings_who_waits_and_who_is_late(clinic, signed_in):
    late_patient, waiting_patient, later_patient = clinic.patients
    late = book(clinic, late_patient, minutes_from_now=on_today(clinic, -40), resource=clinic.theatre)
    later = book(clinic, later_patient, minutes_from_now=on_today(clinic, 60, length=20))
    walk_in(clinic, waiting_patient)
    html = signed_in(Role.SCHEDULER).get(overview(clinic)).content.decode()

    late_rows = section(html, "late")
    assert late_patient.name in late_rows and patient_link(clinic, late_patient) in late_rows
    assert later_patient.name not in late_rows
    assert "min" in late_rows
    waiting = section(html, "waiting")
    assert waiting_patient.name in waiting and patient_link(clinic, waiting_patient) in waiting
    assert "Chair 01" in waiting
    day = section(html, "day")
    for booking in (late, later):
        assert booking.patient.name in day
        assert (
            reverse("booking:detail", kwargs={"facility_slug": clinic.facility.slug, "booking_id": booking.pk}) in day
        )
    assert "Theatre 1" in day and "Scheduled" in day
    for name in ("booking:new", "booking:walk_in", "live_queue:home"):
        assert reverse(name, kwargs={"facility_slug": clinic.facility.slug}) in html


def test_a_patient_over_an_hour_past_their_start_is_missing(clinic, signed_in):
    gone = clinic.patients[0]
    book(clinic, gone, minutes_from_now=on_today(clinic, -90), resource=clinic.theatre)
    html = signed_in(Role.SCHEDULER).get(overview(clinic)).content.decode()
    assert gone.name in section(html, "missing")
    assert gone.name not in section(html, "late")


def test_a_booking_of_tomorrow_is_not_on_todays_list(clinic, signed_in):
    tomorrow = book(clinic, clinic.patients[0], minutes_from_now=26 * 60)
    html = signed_in(Role.SCHEDULER).get(overview(clinic)).content.decode()
    assert tomorrow.patient.name not in html
    assert "No booking today." in html


def test_a_clinician_sees_only_their_own_day(clinic, signed_in):
    clinician = signed_in(Role.CLINICIAN)
    clinic.doctor.user = clinician.member
    clinic.doctor.save()
    mine, other, waiting = clinic.patients
    book(clinic, mine, minutes_from_now=on_today(clinic, 5, length=20), resource=clinic.doctor)
    book(clinic, other, minutes_from_now=on_today(clinic, 5, length=20), resource=clinic.chair)
    walk_in(clinic, waiting, resource=clinic.doctor)

    html = clinician.get(overview(clinic)).content.decode()

    my_day = section(html, "my-day")
    assert mine.name in my_day and patient_link(clinic, mine) in my_day
    assert other.name not in html
    queues = section(html, "my-queues")
    assert waiting.name in queues and clinic.doctor.name in queues


def test_a_clinician_with_no_resource_is_told_why_the_day_is_empty(clinic, signed_in):
    html = signed_in(Role.CLINICIAN).get(overview(clinic)).content.decode()
    assert "No bookable resource stands for you" in html


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_managers_see_chairs_and_theatres_in_use_queue_lengths_and_statuses(role, clinic, signed_in):
    seated, waiting, booked = clinic.patients
    in_chair = book(clinic, seated, minutes_from_now=on_today(clinic, -5, length=60), length=60)
    queue_services.check_in(facility=clinic.facility, actor=clinic.admin, actor_role="admin", booking_id=in_chair.pk)
    walk_in(clinic, waiting, resource=clinic.theatre)
    book(clinic, booked, minutes_from_now=on_today(clinic, 70, length=20), resource=clinic.theatre)
    client = signed_in(role)
    client.member.is_staff = True
    client.member.save()

    html = client.get(overview(clinic)).content.decode()

    floor = section(html, "floor")
    assert '<div class="figure">1 / 1</div>chairs in use' in floor
    assert '<div class="figure">0 / 1</div>theatres in use' in floor
    queues = section(html, "queues")
    assert "Chair 01" in queues and "Theatre 1" in queues
    statuses = section(html, "statuses")
    assert "Checked in" in statuses and "Scheduled" in statuses
    assert (reverse("admin:index") in html) is (role == Role.ADMIN)
    for patient in clinic.patients:
        assert patient.name not in html


def test_an_analyst_sees_counts_and_analytics_never_a_patient(clinic, signed_in):
    for patient, minutes in zip(clinic.patients[:2], (10, 60), strict=True):
        book(clinic, patient, minutes_from_now=on_today(clinic, minutes, length=20))
    walk_in(clinic, clinic.patients[2], resource=clinic.theatre)

    response = signed_in(Role.ANALYST).get(overview(clinic))

    html = response.content.decode()
    for patient in clinic.patients:
        assert patient.name not in html
        assert patient.mrn not in html
    assert f"/f/{clinic.facility.slug}/patients/" not in html
    assert reverse("analytics:home", kwargs={"facility_slug": clinic.facility.slug}) in html
    statuses = section(html, "statuses")
    assert "Scheduled" in statuses and ">2<" in statuses
    assert "Theatre 1" in section(html, "queues")


def test_the_facility_home_redirects_a_single_membership_to_the_overview(clinic, signed_in):
    desk = signed_in(Role.SCHEDULER)
    response = desk.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == overview(clinic)
