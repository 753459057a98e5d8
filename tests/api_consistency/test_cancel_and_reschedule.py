"""Cancelling takes a reason, kept on the booking and shown; a reschedule links both ways."""

from django.test import Client

from booking.models import Booking, Status
from conftest import token_client
from tests.api_consistency.conftest import book


def test_staff_cancel_needs_a_reason_and_the_reason_is_kept_and_shown(clinic, scheduler):
    desk = token_client(scheduler)
    booking = book(desk, clinic, "10:00", "10:30")
    url = clinic.url(f"bookings/{booking['id']}/cancel/")
    for body in ({}, {"reason": "   "}):
        refused = desk.post(url, body, format="json")
        assert refused.status_code == 400, refused.content
        assert "reason" in refused.json()["fields"]
    assert Booking.objects.get(pk=booking["id"]).status == Status.SCHEDULED

    cancelled = desk.post(url, {"reason": "Patient moved away"}, format="json")
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["cancel_reason"] == "Patient moved away"
    assert Booking.objects.get(pk=booking["id"]).cancel_reason == "Patient moved away"
    assert desk.get(clinic.url(f"bookings/{booking['id']}/")).json()["cancel_reason"] == "Patient moved away"
    history = desk.get(clinic.url(f"bookings/{booking['id']}/history/")).json()["results"]
    assert {"field": "cancel_reason", "old": "", "new": "Patient moved away"} in history[0]["changes"]


def test_the_booking_page_asks_for_the_reason_and_shows_it(clinic, scheduler):
    booking = book(token_client(scheduler), clinic, "10:00", "10:30")
    browser = Client()
    browser.force_login(scheduler)
    page = f"/f/{clinic.facility.slug}/bookings/{booking['id']}/"
    assert 'name="reason"' in browser.get(page).content.decode()
    refused = browser.post(f"{page}cancel/", {})
    assert refused.status_code == 400
    assert Booking.objects.get(pk=booking["id"]).status == Status.SCHEDULED
    done = browser.post(f"{page}cancel/", {"reason": "Asked by phone"}, follow=True)
    assert done.status_code == 200
    assert "Asked by phone" in browser.get(page).content.decode()
    assert Booking.objects.get(pk=booking["id"]).status == Status.CANCELLED


def test_the_old_booking_of_a_reschedule_links_to_its_replacement(clinic, api_client):
    old = book(api_client, clinic, "10:00", "10:30")
    moved = api_client.post(
        clinic.url(f"bookings/{old['id']}/reschedule/"), {"start": clinic.at("14:00").isoformat()}, format="json"
    )
    assert moved.status_code == 201, moved.content
    new = moved.json()
    assert (new["rescheduled_from"], new["rescheduled_to"]) == (old["id"], None)
    old_now = api_client.get(clinic.url(f"bookings/{old['id']}/")).json()
    assert (old_now["status"], old_now["rescheduled_to"], old_now["rescheduled_from"]) == (
        "rescheduled",
        new["id"],
        None,
    )
    listed = {b["id"]: b for b in api_client.get(clinic.url()).json()["results"]}
    assert listed[old["id"]]["rescheduled_to"] == new["id"]
