"""The front-desk booking pages: who may open them, and that what the desk does through them
(book, a taken slot, cancel, reschedule, walk-in, notifications) changes exactly the rows it
should. Times on the pages are the facility's wall clock."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from booking import services
from booking.models import Booking, Notification, Status
from scheduling.models import Membership, Role
from tests.booking.conftest import build_clinic

PAGES = ["", "new/", "walk-in/", "notifications/", "{booking}/"]


def page_url(clinic, tail: str = "") -> str:
    return f"/f/{clinic.facility.slug}/bookings/{tail}"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def book(clinic, hhmm: str = "10:00", minutes: int = 30, resource=None, patient=None) -> Booking:
    start = clinic.at(hhmm)
    return services.booking_create(
        facility=clinic.facility,
        actor=clinic.admin,
        actor_role=Role.ADMIN,
        request=services.BookingRequest(
            patient_id=(patient or clinic.patients[0]).pk,
            appointment_type_id=clinic.visit.pk,
            start=start,
            end=start + dt.timedelta(minutes=minutes),
            resources=(services.ResourceRequest((resource or clinic.chair).pk),),
        ),
    )


def form_body(clinic, slot: str | None = None, resource=None, patient=None, **extra) -> dict:
    return {
        "patient": (patient or clinic.patients[0]).pk,
        "appointment_type": clinic.visit.pk,
        "resource": (resource or clinic.chair).pk,
        "date": clinic.at("10:00").date().isoformat(),
        "slot": slot or clinic.slot("10:00", "10:30"),
        "note": "",
        **extra,
    }


@pytest.fixture
def desk(clinic, scheduler):
    return client_for(scheduler)


# --- who may open the pages -------------------------------------------------------------------


@pytest.mark.parametrize("tail", PAGES)
def test_pages_render_for_a_scheduler(clinic, desk, tail):
    booking = book(clinic)
    response = desk.get(page_url(clinic, tail.format(booking=booking.pk)))
    assert response.status_code == 200
    assert b"Notifications" in response.content


@pytest.mark.parametrize("tail", PAGES + ["slots/", "patients/?q=a", "patients/pick/"])
def test_an_analyst_is_refused(clinic, facility, make_member, tail):
    booking = book(clinic)
    analyst = client_for(make_member(facility, Role.ANALYST))
    assert analyst.get(page_url(clinic, tail.format(booking=booking.pk))).status_code == 403


def test_an_analyst_cannot_book_or_cancel(clinic, facility, make_member):
    booking = book(clinic)
    analyst = client_for(make_member(facility, Role.ANALYST))
    body = form_body(clinic, slot=clinic.slot("11:00", "11:30"))
    assert analyst.post(page_url(clinic, "new/"), body).status_code == 403
    assert analyst.post(page_url(clinic, f"{booking.pk}/cancel/")).status_code == 403
    assert Booking.objects.count() == 1
    booking.refresh_from_db()
    assert booking.status == Status.SCHEDULED


@pytest.mark.parametrize("tail", PAGES)
def test_another_facilitys_member_gets_404(clinic, other_facility, make_member, tail):
    booking = book(clinic)
    stranger = client_for(make_member(other_facility, Role.SCHEDULER))
    assert stranger.get(page_url(clinic, tail.format(booking=booking.pk))).status_code == 404


def test_another_facilitys_booking_is_404_in_my_facility(clinic, other_facility, make_member):
    booking = book(clinic)
    stranger = make_member(other_facility, Role.SCHEDULER)
    own_pages = f"/f/{other_facility.slug}/bookings/"
    client = client_for(stranger)
    assert client.get(f"{own_pages}{booking.pk}/").status_code == 404
    assert client.post(f"{own_pages}{booking.pk}/cancel/").status_code == 404
    booking.refresh_from_db()
    assert booking.status == Status.SCHEDULED


def test_anonymous_is_sent_to_the_login_page(clinic):
    response = Client().get(page_url(clinic))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- the day board ------------------------------------------------------------------------------


def test_day_board_shows_bookings_and_links_free_slots_to_the_form(clinic, desk):
    booking = book(clinic, "10:00")
    day = clinic.at("10:00").date().isoformat()
    response = desk.get(page_url(clinic), {"date": day})
    html = response.content.decode()
    assert response.status_code == 200
    assert booking.patient.name in html
    assert f"/bookings/{booking.pk}/" in html
    # The chair's free 10:30 slot links to the form, prefilled; its booked 10:00 does not.
    assert f"new/?resource={clinic.chair.pk}&amp;date={day}&amp;slot={clinic.link_slot('10:30', '11:00')}" in html
    assert f"new/?resource={clinic.chair.pk}&amp;date={day}&amp;slot={clinic.link_slot('10:00', '10:30')}" not in html
    # The doctor's token slots show how many tokens are left.
    assert f"new/?resource={clinic.doctor.pk}&amp;date={day}&amp;slot={clinic.link_slot('09:00', '09:15')}" in html
    # A scheduler may not book theatres: their free time is shown but not linked.
    assert f"new/?resource={clinic.theatre.pk}" not in html
    assert "Theatre 1" in html


def test_day_board_filters_by_resource_and_steps_days(clinic, desk):
    day = clinic.at("10:00").date()
    response = desk.get(page_url(clinic), {"date": day.isoformat(), "resource": clinic.doctor.pk})
    html = response.content.decode()
    assert "Dr Wren Hollins" in html and "Chair 01</a>" not in html
    assert f"?date={(day + dt.timedelta(days=1)).isoformat()}&amp;resource={clinic.doctor.pk}" in html
    assert f"?date={(day - dt.timedelta(days=1)).isoformat()}&amp;resource={clinic.doctor.pk}" in html


def test_day_board_htmx_request_gets_only_the_board(clinic, desk):
    response = desk.get(page_url(clinic), {"date": clinic.at("10:00").date().isoformat()}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"day-board" in response.content


def test_a_bad_date_falls_back_to_today(clinic, desk):
    response = desk.get(page_url(clinic), {"date": "2026-02-31"})
    assert response.status_code == 200
    assert b"Showing today" in response.content


# --- the pickers --------------------------------------------------------------------------------


def test_patient_search_finds_only_this_facilitys_patients(clinic, desk, other_facility):
    from tests.factories import PatientFactory

    PatientFactory(facility=other_facility, name=clinic.patients[0].name + " Elsewhere", mrn="ELSE-1")
    response = desk.get(page_url(clinic, "patients/"), {"q": clinic.patients[0].name})
    html = response.content.decode()
    assert clinic.patients[0].name in html
    assert "ELSE-1" not in html
    picked = desk.get(page_url(clinic, "patients/pick/"), {"patient": clinic.patients[0].pk}).content.decode()
    assert f'name="patient" value="{clinic.patients[0].pk}"' in picked


def test_slot_picker_lists_free_slots_in_local_time(clinic, desk):
    book(clinic, "10:00")
    day = clinic.at("10:00").date().isoformat()
    chair = desk.get(
        page_url(clinic, "slots/"),
        {
            "resource": clinic.chair.pk,
            "date": day,
            "appointment_type": clinic.visit.pk,
            "slot_initial": clinic.slot("11:00", "11:30"),
        },
    ).content.decode()
    assert f'value="{clinic.slot("09:30", "10:00")}"' in chair
    assert f'value="{clinic.slot("10:00", "10:30")}"' not in chair  # taken
    assert f'value="{clinic.slot("11:00", "11:30")}" checked' in chair
    doctor = desk.get(page_url(clinic, "slots/"), {"resource": clinic.doctor.pk, "date": day}).content.decode()
    assert f'value="{clinic.slot("09:00", "09:15")}"' in doctor and "2 of 2 left" in doctor


# --- booking through the form -------------------------------------------------------------------


def test_booking_through_the_form_writes_one_booking_and_redirects(clinic, desk, scheduler):
    response = desk.post(page_url(clinic, "new/"), form_body(clinic, note="Bring last scan"))
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page_url(clinic, f"{booking.pk}/")
    assert (booking.patient, booking.start, booking.end) == (clinic.patients[0], clinic.at("10:00"), clinic.at("10:30"))
    assert [r.resource for r in booking.resources.all()] == [clinic.chair]
    assert (booking.booked_by, booking.status, booking.note) == (scheduler, Status.SCHEDULED, "Bring last scan")
    detail = desk.get(response["Location"]).content.decode()
    assert "Booked " + clinic.patients[0].name in detail  # the flash message
    assert "10:00–10:30" in detail


def test_a_token_slot_is_booked_through_the_form(clinic, desk):
    body = form_body(clinic, slot=clinic.slot("09:15", "09:30"), resource=clinic.doctor)
    response = desk.post(page_url(clinic, "new/"), body)
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert booking.token.slot.resource_id == clinic.doctor.pk
    assert (booking.start, booking.token.slot.allocated) == (clinic.at("09:15"), 1)


def test_the_form_reads_times_as_the_facilitys_wall_clock(facility, user, scheduler):
    facility.time_zone = "Asia/Kolkata"  # UTC+05:30 all year
    facility.save()
    clinic = build_clinic(facility, user)
    desk = client_for(scheduler)
    # The picker shows the Kolkata wall clock and carries the UTC instants behind it.
    day = clinic.at("10:00").date().isoformat()
    picker = desk.get(
        page_url(clinic, "slots/"), {"resource": clinic.chair.pk, "date": day, "appointment_type": clinic.visit.pk}
    ).content.decode()
    value = f"{day}T04:30:00+00:00/{day}T05:00:00+00:00"
    assert f'value="{value}"> 10:00–10:30</label>' in picker
    response = desk.post(page_url(clinic, "new/"), form_body(clinic, slot=value))
    assert response.status_code == 302
    start = Booking.objects.get().start
    assert start.astimezone(dt.UTC).time() == dt.time(4, 30)
    assert start.astimezone(ZoneInfo("Asia/Kolkata")).time() == dt.time(10, 0)


def test_a_taken_slot_rerenders_with_the_error_and_writes_nothing(clinic, desk):
    book(clinic, "10:00", patient=clinic.patients[1])
    response = desk.post(page_url(clinic, "new/"), form_body(clinic))
    html = response.content.decode()
    assert response.status_code == 409
    assert "This time of the resource is already booked." in html
    assert "Already booked." in html  # next to the slot
    assert f'name="patient" value="{clinic.patients[0].pk}"' in html  # the pick is kept
    assert Booking.objects.count() == 1


def test_a_patient_already_booked_then_keeps_the_pick_and_shows_the_error_by_the_patient(clinic, desk):
    book(clinic, "10:00", resource=clinic.doctor, minutes=15)
    response = desk.post(page_url(clinic, "new/"), form_body(clinic))
    html = response.content.decode()
    assert response.status_code == 409
    assert "The patient already has a booking at this time." in html
    assert "Already booked at this time." in html
    assert f'name="patient" value="{clinic.patients[0].pk}"' in html
    assert Booking.objects.count() == 1


def test_a_scheduler_booking_a_theatre_is_refused_by_the_form(clinic, desk):
    response = desk.post(page_url(clinic, "new/"), form_body(clinic, resource=clinic.theatre))
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"patient": ""}, "Search for the patient and pick one."),
        ({"slot": ""}, "Pick one of the free slots."),
        ({"slot": "25:00-25:30"}, "Pick one of the free slots."),
        ({"date": "not-a-date"}, "Enter a valid date."),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(clinic, desk, change, message):
    response = desk.post(page_url(clinic, "new/"), {**form_body(clinic), **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Booking.objects.exists()


def test_outside_availability_shows_the_services_reason(clinic, desk):
    response = desk.post(page_url(clinic, "new/"), form_body(clinic, slot=clinic.slot("21:00", "21:30")))
    assert response.status_code == 409
    assert "not available for the whole interval" in response.content.decode()
    assert not Booking.objects.exists()


# --- one booking: cancel, reschedule ------------------------------------------------------------


def test_detail_shows_the_booking_and_its_desk_actions(clinic, desk):
    booking = book(clinic)
    html = desk.get(page_url(clinic, f"{booking.pk}/")).content.decode()
    assert clinic.patients[0].name in html and clinic.visit.name in html and "Chair 01" in html
    assert "Booked as <strong>Scheduled</strong>" in html
    assert f"/bookings/{booking.pk}/cancel/" in html
    assert f"/bookings/{booking.pk}/no-show/" not in html  # not before the appointment starts
    assert f"/bookings/{booking.pk}/approve/" not in html
    assert f"/bookings/{booking.pk}/reschedule/" in html


def test_cancel_via_post_frees_the_slot(clinic, desk, scheduler):
    booking = book(clinic)
    response = desk.post(page_url(clinic, f"{booking.pk}/cancel/"), {"reason": "Asked by phone"})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert (booking.status, booking.holds_time, booking.status_changed_by) == (Status.CANCELLED, False, scheduler)
    html = desk.get(page_url(clinic, f"{booking.pk}/")).content.decode()
    assert "Booking cancelled." in html
    assert "Scheduled → <strong>Cancelled</strong>" in html
    assert f"/bookings/{booking.pk}/cancel/" not in html
    # The slot is free again: booking it through the form succeeds.
    again = desk.post(page_url(clinic, "new/"), form_body(clinic, patient=clinic.patients[1]))
    assert again.status_code == 302


def test_a_transition_the_life_cycle_refuses_shows_the_message(clinic, desk):
    booking = book(clinic)
    desk.post(page_url(clinic, f"{booking.pk}/cancel/"), {"reason": "Asked by phone"})
    response = desk.post(page_url(clinic, f"{booking.pk}/cancel/"), {"reason": "Asked again"})
    assert response.status_code == 409
    assert "A booking that is cancelled cannot become cancelled." in response.content.decode()


def test_requested_bookings_can_be_approved_or_denied(clinic, desk):
    start = clinic.at("12:00")
    requested = services.booking_create(
        facility=clinic.facility,
        actor=clinic.admin,
        actor_role=Role.ADMIN,
        request=services.BookingRequest(
            patient_id=clinic.patients[2].pk,
            appointment_type_id=clinic.visit.pk,
            start=start,
            end=start + dt.timedelta(minutes=30),
            resources=(services.ResourceRequest(clinic.chair.pk),),
            requested=True,
        ),
    )
    html = desk.get(page_url(clinic, f"{requested.pk}/")).content.decode()
    assert f"/bookings/{requested.pk}/approve/" in html and f"/bookings/{requested.pk}/deny/" in html
    assert desk.post(page_url(clinic, f"{requested.pk}/approve/")).status_code == 302
    requested.refresh_from_db()
    assert requested.status == Status.APPROVED


def test_reschedule_via_post_moves_the_booking(clinic, desk):
    booking = book(clinic, "10:00")
    body = {"date": clinic.at("14:00").date().isoformat(), "slot": clinic.slot("14:00", "14:30")}
    response = desk.post(page_url(clinic, f"{booking.pk}/reschedule/"), body)
    new = Booking.objects.get(replaces=booking)
    assert response.status_code == 302
    assert response["Location"] == page_url(clinic, f"{new.pk}/")
    booking.refresh_from_db()
    assert booking.status == Status.RESCHEDULED and not booking.holds_time
    assert (new.status, new.start, new.end, new.patient) == (
        Status.SCHEDULED,
        clinic.at("14:00"),
        clinic.at("14:30"),
        booking.patient,
    )
    assert [r.resource for r in new.resources.all()] == [clinic.chair]
    html = desk.get(response["Location"]).content.decode()
    assert "Rescheduled to" in html and f"booking #{booking.pk}" in html
    old_html = desk.get(page_url(clinic, f"{booking.pk}/")).content.decode()
    assert "Scheduled → <strong>Rescheduled</strong>" in old_html and f"booking #{new.pk}" in old_html


def test_reschedule_into_a_taken_slot_changes_nothing(clinic, desk):
    booking = book(clinic, "10:00")
    book(clinic, "14:00", patient=clinic.patients[1])
    body = {"date": clinic.at("14:00").date().isoformat(), "slot": clinic.slot("14:00", "14:30")}
    response = desk.post(page_url(clinic, f"{booking.pk}/reschedule/"), body)
    assert response.status_code == 409
    assert "This time of the resource is already booked." in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == Status.SCHEDULED
    assert Booking.objects.count() == 2


# --- walk-ins -----------------------------------------------------------------------------------


@pytest.fixture
def frozen_now(monkeypatch):
    """Pins django.utils.timezone.now, which the services and selectors all read."""

    def freeze(instant: dt.datetime) -> dt.datetime:
        monkeypatch.setattr(timezone, "now", lambda: instant)
        return instant

    return freeze


def test_walk_in_takes_the_slot_running_now(clinic, desk, frozen_now):
    now = frozen_now(clinic.at("10:10", days_ahead=1))
    body = {
        "patient": clinic.patients[0].pk,
        "resource": clinic.chair.pk,
        "appointment_type": clinic.visit.pk,
        "priority": "routine",
        "note": "",
    }
    response = desk.post(page_url(clinic, "walk-in/"), body)
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page_url(clinic, f"{booking.pk}/")
    assert booking.kind == "walk_in"
    assert booking.start >= now - dt.timedelta(minutes=30) and booking.start.date() == now.date()
    assert booking.start == clinic.at("10:00", days_ahead=1)  # the chair's 10:00 slot is running and free
    assert "Walk-in booked" in desk.get(response["Location"]).content.decode()


def test_walk_in_with_no_room_left_today_says_so(clinic, desk, frozen_now):
    frozen_now(clinic.at("20:30", days_ahead=1))  # the chair closed at 20:00
    body = {
        "patient": clinic.patients[0].pk,
        "resource": clinic.chair.pk,
        "appointment_type": clinic.visit.pk,
        "priority": "routine",
    }
    response = desk.post(page_url(clinic, "walk-in/"), body)
    assert response.status_code == 409
    assert "No slot of this resource has room left today." in response.content.decode()
    assert not Booking.objects.exists()


# --- notifications ------------------------------------------------------------------------------


def tell_the_chairs_desk(clinic, *members) -> None:
    """The facility tells the front desk of the chair's department, of which ``members`` are."""
    clinic.facility.notify_department_desk = True
    clinic.facility.save(update_fields=["notify_department_desk"])
    Membership.objects.filter(facility=clinic.facility, user__in=members).update(department=clinic.chair.department)


def test_notifications_are_listed_unread_first_and_marked_read(
    clinic, desk, scheduler, django_capture_on_commit_callbacks
):
    tell_the_chairs_desk(clinic, scheduler)
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(clinic)
    assert Notification.objects.filter(recipient=scheduler, read_at__isnull=True).count() == 1
    day = desk.get(page_url(clinic)).content.decode()
    assert 'id="unread-count"' in day and ">1</span>" in day
    html = desk.get(page_url(clinic, "notifications/")).content.decode()
    assert "New booking:" in html and 'class="notice unread"' in html
    response = desk.post(page_url(clinic, "notifications/read-all/"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=scheduler, read_at__isnull=True).exists()
    html = desk.get(page_url(clinic, "notifications/")).content.decode()
    assert 'class="notice unread"' not in html and 'id="unread-count"' not in html
    opened = desk.post(page_url(clinic, f"notifications/{Notification.objects.get(recipient=scheduler).pk}/read/"))
    assert opened["Location"] == page_url(clinic, f"{booking.pk}/")


def test_someone_elses_notification_is_404(clinic, desk, facility, make_member, django_capture_on_commit_callbacks):
    colleague = make_member(facility, Role.SCHEDULER)
    tell_the_chairs_desk(clinic, colleague)
    with django_capture_on_commit_callbacks(execute=True):
        book(clinic)
    theirs = Notification.objects.get(recipient=colleague)
    assert desk.post(page_url(clinic, f"notifications/{theirs.pk}/read/")).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_day_board_queries_do_not_grow_with_resources_or_bookings(clinic, desk, django_assert_max_num_queries):
    from tests.availability.factories import make_schedule, window
    from tests.booking.conftest import EVERY_DAY
    from tests.factories import PatientFactory, ResourceFactory

    day = clinic.at("10:00").date().isoformat()
    book(clinic, "10:00")
    with django_assert_max_num_queries(40) as few:
        desk.get(page_url(clinic), {"date": day})
    for number in range(2, 26):
        chair = ResourceFactory(facility=clinic.facility, kind="chair", name=f"Chair {number:02d}")
        make_schedule(clinic.facility, chair, clinic.admin, window(EVERY_DAY, "08:00", "20:00", type="open"))
        book(clinic, "10:00", resource=chair, patient=PatientFactory(facility=clinic.facility))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = desk.get(page_url(clinic), {"date": day})
    assert response.content.decode().count("chip-line chip-name") == 25


def test_reschedule_keeps_the_length_of_an_open_window_booking(clinic, desk):
    booking = book(clinic, "10:00", minutes=60)
    body = {"date": clinic.at("14:00").date().isoformat(), "slot": clinic.slot("14:00", "14:30")}
    assert desk.post(page_url(clinic, f"{booking.pk}/reschedule/"), body).status_code == 302
    new = Booking.objects.get(replaces=booking)
    assert (new.start, new.end) == (clinic.at("14:00"), clinic.at("15:00"))


def test_reschedule_of_a_token_takes_the_new_slot(clinic, desk):
    booking = book(clinic, "09:00", minutes=15, resource=clinic.doctor)
    body = {"date": clinic.at("10:00").date().isoformat(), "slot": clinic.slot("11:45", "12:00")}
    assert desk.post(page_url(clinic, f"{booking.pk}/reschedule/"), body).status_code == 302
    new = Booking.objects.get(replaces=booking)
    assert (new.start, new.end, new.token.slot.resource_id) == (
        clinic.at("11:45"),
        clinic.at("12:00"),
        clinic.doctor.pk,
    )
    booking.token.slot.refresh_from_db()
    assert booking.token.slot.allocated == 0
