"""Moves that end a booking (cancel, deny, no-show) ask first, on a page of their own that works
without script: who, when, which resources, what follows, and for cancel and deny a reason. An
empty reason changes nothing; a given one is kept and shown on the booking."""

import datetime as dt

import pytest
from django.test import Client

from booking import services
from booking.models import Booking, Status
from live_queue import services as queue_services
from scheduling.models import Comment, Role
from tests.booking.test_pages import book, client_for, page_url
from tests.live_queue.conftest import book_today


def request_booking(clinic, hhmm: str = "12:00") -> Booking:
    start = clinic.at(hhmm)
    return services.booking_create(
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


@pytest.fixture
def desk(clinic, scheduler) -> Client:
    return client_for(scheduler)


def test_the_cancel_confirmation_names_the_booking_and_asks_for_a_reason(clinic, desk):
    booking = book(clinic, "10:00")
    response = desk.get(page_url(clinic, f"{booking.pk}/cancel/"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1 and "Cancel this booking?" in html
    assert clinic.patients[0].name in html and "Chair 01" in html and "10:00" in html
    assert 'name="reason"' in html and "required" in html
    assert "Yes, cancel" in html and "Keep the booking" in html
    assert f'href="{page_url(clinic, f"{booking.pk}/")}"' in html  # "keep" goes back to the booking
    assert "cannot be undone" in html
    booking.refresh_from_db()
    assert booking.status == Status.SCHEDULED


@pytest.mark.parametrize("reason", ["", "   \t  "])
def test_cancel_without_a_reason_shows_the_confirmation_again_and_changes_nothing(clinic, desk, reason):
    booking = book(clinic, "10:00")
    response = desk.post(page_url(clinic, f"{booking.pk}/cancel/"), {"reason": reason})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Cancel this booking?" in html
    assert 'aria-invalid="true"' in html and "Say why" in html
    booking.refresh_from_db()
    assert (booking.status, booking.cancel_reason, booking.holds_time) == (Status.SCHEDULED, "", True)


def test_cancel_with_a_reason_cancels_and_the_booking_shows_why(clinic, desk):
    booking = book(clinic, "10:00")
    response = desk.post(page_url(clinic, f"{booking.pk}/cancel/"), {"reason": "  Asked   by phone "})
    assert response.status_code == 302
    assert response["Location"] == page_url(clinic, f"{booking.pk}/")
    booking.refresh_from_db()
    assert (booking.status, booking.cancel_reason) == (Status.CANCELLED, "Asked by phone")
    html = desk.get(response["Location"]).content.decode()
    assert '<dd id="cancel-reason">Asked by phone</dd>' in html
    assert "Scheduled → <strong>Cancelled</strong>" in html and "— Asked by phone" in html
    # Once cancelled, its confirmation is not offered again: it says why instead.
    again = desk.get(page_url(clinic, f"{booking.pk}/cancel/"))
    assert again.status_code == 409
    assert "This booking is cancelled: it can no longer be cancelled." in again.content.decode()


def test_the_booking_page_links_to_the_confirmation_and_carries_it_as_a_dialog(clinic, desk):
    booking = book(clinic, "10:00")
    html = desk.get(page_url(clinic, f"{booking.pk}/")).content.decode()
    assert html.count("<h1") == 1
    confirm = page_url(clinic, f"{booking.pk}/cancel/")
    assert f'<a href="{confirm}" role="button"' in html and 'data-confirm-dialog="confirm-cancel"' in html
    assert '<dialog id="confirm-cancel"' in html and 'formmethod="dialog"' in html
    assert "js/confirm_dialog.js" in html
    assert "<script>" not in html  # the Content-Security-Policy allows no inline script


def test_deny_asks_for_a_reason_and_keeps_it_as_a_comment(clinic, desk, scheduler):
    requested = request_booking(clinic)
    url = page_url(clinic, f"{requested.pk}/deny/")
    confirmation = desk.get(url).content.decode()
    assert "Deny this request?" in confirmation and 'name="reason"' in confirmation
    assert "Keep the request" in confirmation

    assert desk.post(url, {"reason": " "}).status_code == 400
    requested.refresh_from_db()
    assert requested.status == Status.REQUESTED
    assert not Comment.objects.exists()

    assert desk.post(url, {"reason": "No referral letter"}).status_code == 302
    requested.refresh_from_db()
    assert (requested.status, requested.status_changed_by) == (Status.DENIED, scheduler)
    comment = Comment.objects.get()
    assert (comment.text, comment.author, comment.object_id) == ("Denied: No referral letter", scheduler, requested.pk)
    html = desk.get(page_url(clinic, f"{requested.pk}/")).content.decode()
    assert "Denied: No referral letter" in html


def test_no_show_asks_first_and_says_it_cannot_be_undone(clinic, desk):
    started = book_today(clinic, clinic.patients[1], minutes_from_now=-30)
    url = page_url(clinic, f"{started.pk}/no-show/")
    html = desk.get(url).content.decode()
    assert "Mark this patient as a no-show?" in html and "cannot be undone" in html
    assert 'name="reason"' not in html
    assert desk.post(url).status_code == 302
    started.refresh_from_db()
    assert started.status == Status.NO_SHOW


def test_approve_is_a_post_only_move(clinic, desk):
    requested = request_booking(clinic)
    assert desk.get(page_url(clinic, f"{requested.pk}/approve/")).status_code == 405
    requested.refresh_from_db()
    assert requested.status == Status.REQUESTED


def test_a_checked_in_bookings_cancel_confirmation_sends_the_desk_to_the_queue(clinic, desk, user):
    booking = book_today(clinic, clinic.patients[0])
    queue_services.check_in(facility=clinic.facility, actor=user, actor_role=Role.ADMIN, booking_id=booking.pk)
    response = desk.get(page_url(clinic, f"{booking.pk}/cancel/"))
    assert response.status_code == 409
    assert "Undo check-in" in response.content.decode()
    assert Booking.objects.get(pk=booking.pk).status == Status.CHECKED_IN


def test_a_checked_in_bookings_page_offers_no_cancel_it_would_refuse(clinic, desk, user):
    booking = book_today(clinic, clinic.patients[0])
    queue_services.check_in(facility=clinic.facility, actor=user, actor_role=Role.ADMIN, booking_id=booking.pk)
    page = desk.get(page_url(clinic, f"{booking.pk}/")).content.decode()
    assert f"{booking.pk}/cancel/" not in page
    assert f"{booking.pk}/no-show/" not in page


def test_the_confirmation_is_for_staff_of_this_facility_only(clinic, facility, other_facility, make_member):
    booking = book(clinic, "10:00")
    analyst = client_for(make_member(facility, Role.ANALYST))
    assert analyst.get(page_url(clinic, f"{booking.pk}/cancel/")).status_code == 403
    stranger = client_for(make_member(other_facility, Role.SCHEDULER))
    assert stranger.get(f"/f/{other_facility.slug}/bookings/{booking.pk}/cancel/").status_code == 404
