"""The patient page: details, bookings to come and past with their status, queue visits,
comments and history, and "book this patient" / "check in" from there; scoped to the facility
and closed to analysts. All names are invented."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from live_queue import services as queue_services
from scheduling import services as kernel_services
from scheduling.models import Comment, Role
from tests.factories import PatientFactory
from tests.frontdesk.conftest import book, on_today

DAY = 24 * 60


def patient_url(facility, patient) -> str:
    return reverse("frontdesk:patient", kwargs={"facility_slug": facility.slug, "patient_id": patient.pk})


def detail_url(booking) -> str:
    return reverse("booking:detail", kwargs={"facility_slug": booking.facility.slug, "booking_id": booking.pk})


def test_the_page_shows_details_bookings_comments_and_history(clinic, signed_in):
    patient = clinic.patients[0]
    kernel_services.patient_update(
        facility=clinic.facility, actor=clinic.admin, patient_id=patient.pk, changes={"phone": "+44 20 7946 0001"}
    )
    coming = book(clinic, patient, minutes_from_now=3 * DAY)
    gone = book(clinic, patient, minutes_from_now=-3 * DAY)
    kernel_services.comment_add(
        facility=clinic.facility, actor=clinic.admin, target=patient, text="Prefers mornings <b>only</b>"
    )
    desk = signed_in(Role.SCHEDULER)

    response = desk.get(patient_url(clinic.facility, patient))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert f"<h1>{patient.name}</h1>" in html
    assert patient.mrn in html
    assert "17 May 1980 (age " in html
    assert "+44 20 7946 0001" in html
    assert "Times on these pages are in Europe/London." in html
    upcoming = html[html.index('id="upcoming"') : html.index('id="past"')]
    past = html[html.index('id="past"') : html.index('id="visits"')]
    assert detail_url(coming) in upcoming and detail_url(gone) not in upcoming
    assert detail_url(gone) in past and detail_url(coming) not in past
    assert "Scheduled" in upcoming and "Chair 01" in upcoming and clinic.visit.name in upcoming
    assert "Prefers mornings &lt;b&gt;only&lt;/b&gt;" in html  # text, never markup
    history = html[html.index('id="history"') :]
    assert "Phone: +00 5550 123456 → +44 20 7946 0001" in history
    assert "Registered" in history
    assert f'href="/f/{clinic.facility.slug}/bookings/new/?patient={patient.pk}"' in html
    assert "Book this patient" in html


def test_check_in_from_the_page_moves_the_booking_into_the_queue(clinic, signed_in):
    patient = clinic.patients[0]
    today = book(clinic, patient, minutes_from_now=on_today(clinic, 30))
    desk = signed_in(Role.SCHEDULER)
    page = desk.get(patient_url(clinic.facility, patient)).content.decode()
    form = re.search(
        r'<form method="post" action="([^"]+)"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken"[^>]*>'
        r'<input type="hidden" name="booking" value="(\d+)">',
        page,
    )
    assert form is not None, "no check-in form for today's booking"
    assert form.group(1) == reverse("live_queue:check_in_booking", kwargs={"facility_slug": clinic.facility.slug})
    assert int(form.group(2)) == today.pk

    assert desk.post(form.group(1), {"booking": form.group(2)}).status_code == 302

    today.refresh_from_db()
    assert today.status == "checked_in"
    page = desk.get(patient_url(clinic.facility, patient)).content.decode()
    assert 'name="booking"' not in page  # nothing left to check in
    visits = page[page.index('id="visits"') : page.index('id="comments"')]
    assert "Chair 01" in visits and "Waiting" in visits


def test_a_booking_of_another_day_offers_no_check_in(clinic, signed_in):
    patient = clinic.patients[0]
    book(clinic, patient, minutes_from_now=2 * DAY)
    page = signed_in(Role.SCHEDULER).get(patient_url(clinic.facility, patient)).content.decode()
    assert 'name="booking"' not in page


def test_queue_visits_show_check_in_called_and_completed_times(clinic, signed_in):
    patient = clinic.patients[1]
    entry = queue_services.check_in(
        facility=clinic.facility,
        actor=clinic.admin,
        actor_role="admin",
        patient_id=patient.pk,
        resource_id=clinic.chair.pk,
        priority="routine",
    )
    queue_services.call_next(facility=clinic.facility, actor=clinic.admin, queue_id=entry.queue_id)
    queue_services.entry_start(facility=clinic.facility, actor=clinic.admin, entry_id=entry.pk)
    queue_services.entry_complete(facility=clinic.facility, actor=clinic.admin, entry_id=entry.pk)
    page = signed_in(Role.CLINICIAN).get(patient_url(clinic.facility, patient)).content.decode()
    visits = page[page.index('id="visits"') : page.index('id="comments"')]
    assert "Completed" in visits
    assert visits.count("—") == 0  # checked in, called and completed all have a time


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.SCHEDULER, Role.CLINICIAN, Role.ANALYST])
def test_analysts_are_refused_the_patient_page(role, clinic, signed_in):
    response = signed_in(role).get(patient_url(clinic.facility, clinic.patients[0]))
    assert response.status_code == (403 if role == Role.ANALYST else 200)


def test_another_facilitys_patient_and_an_unknown_id_are_not_found(clinic, signed_in, other_facility):
    stranger = PatientFactory(facility=other_facility, name="Ysolde Elsewhere")
    desk = signed_in(Role.SCHEDULER)
    response = desk.get(patient_url(clinic.facility, stranger))
    assert response.status_code == 404
    assert "Ysolde" not in response.content.decode()
    assert desk.get(f"/f/{clinic.facility.slug}/patients/999999999/").status_code == 404
    assert desk.get(patient_url(other_facility, stranger)).status_code == 404  # not a member there


def test_staff_add_a_comment_and_a_blank_one_is_refused(clinic, signed_in):
    patient = clinic.patients[0]
    clinician = signed_in(Role.CLINICIAN)
    url = reverse("frontdesk:patient_comment", kwargs={"facility_slug": clinic.facility.slug, "patient_id": patient.pk})

    response = clinician.post(url, {"text": "Needle-shy: use the small gauge."})
    assert response.status_code == 302
    assert response["Location"].endswith(f"{patient_url(clinic.facility, patient)}#comments")
    comment = Comment.objects.get()
    assert (comment.target, comment.author, comment.facility) == (patient, clinician.member, clinic.facility)
    assert "Needle-shy" in clinician.get(patient_url(clinic.facility, patient)).content.decode()

    blank = clinician.post(url, {"text": "   "})
    assert blank.status_code == 400
    assert "field-error" in blank.content.decode()
    assert Comment.objects.count() == 1


def test_comments_are_refused_to_analysts_and_on_another_facilitys_patient(clinic, signed_in, other_facility):
    stranger = PatientFactory(facility=other_facility)
    desk = signed_in(Role.SCHEDULER)
    foreign = reverse(
        "frontdesk:patient_comment", kwargs={"facility_slug": clinic.facility.slug, "patient_id": stranger.pk}
    )
    assert desk.post(foreign, {"text": "Should not land"}).status_code == 404
    own = reverse(
        "frontdesk:patient_comment", kwargs={"facility_slug": clinic.facility.slug, "patient_id": clinic.patients[0].pk}
    )
    assert signed_in(Role.ANALYST).post(own, {"text": "Should not land"}).status_code == 403
    assert not Comment.objects.exists()


def test_long_lists_are_paginated_each_on_its_own(clinic, signed_in):
    patient = clinic.patients[0]
    for day in range(1, 13):
        book(clinic, patient, minutes_from_now=-day * DAY)
    for number in range(12):
        kernel_services.patient_update(
            facility=clinic.facility, actor=clinic.admin, patient_id=patient.pk, changes={"name": f"Renamed {number}"}
        )
    desk = signed_in(Role.SCHEDULER)
    url = patient_url(clinic.facility, patient)

    first = desk.get(url).content.decode()
    past = first[first.index('id="past"') : first.index('id="visits"')]
    assert past.count("/bookings/") == 10
    assert "Page 1 of 2 · 12 in all" in past
    assert 'href="?past=2#past"' in past

    second = desk.get(url, {"past": 2, "history": 2}).content.decode()
    past = second[second.index('id="past"') : second.index('id="visits"')]
    assert past.count("/bookings/") == 2
    assert 'href="?past=1&amp;history=2#past"' in past  # turning one list keeps the other's page
    history = second[second.index('id="history"') :]
    assert "Page 2 of 2 · 13 in all" in history
    assert "Registered" in history  # the oldest entry, on the last page


def test_a_changed_date_of_birth_reads_as_a_date_in_history(clinic, signed_in):
    patient = clinic.patients[0]
    kernel_services.patient_update(
        facility=clinic.facility,
        actor=clinic.admin,
        patient_id=patient.pk,
        changes={"date_of_birth": dt.date(1981, 6, 1)},
    )
    page = signed_in(Role.SCHEDULER).get(patient_url(clinic.facility, patient)).content.decode()
    assert "Date of birth: 1980-05-17 → 1981-06-01" in page
    assert clinic.admin.username in page[page.index('id="history"') :]
