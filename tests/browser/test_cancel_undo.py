"""Undoable and confirmable, in a real browser: the desk cancels a booking through its
confirmation (without script, on the confirmation's own page; with script, in a dialog over the
booking) giving a reason that the booking then shows, and checks a patient in and takes the
check-in back from the notice right after it, the booking scheduled again. All names invented."""

import pytest
from playwright.sync_api import expect

from booking.models import Booking, Status
from live_queue.models import QueueEntry
from scheduling.models import Role
from tests.booking.conftest import build_clinic
from tests.booking.test_pages import book
from tests.browser.a11y import assert_accessible
from tests.browser.conftest import TEST_PASSWORD
from tests.factories import FacilityFactory, MembershipFactory, UserFactory
from tests.live_queue.conftest import book_today

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMES = ["Wilmer Threadgold", "Odalys Fernwhistle", "Caspian Bellweather"]


@pytest.fixture
def clinic():
    facility = FacilityFactory(name="Harrowgate Day Clinic", slug="harrowgate")
    admin = UserFactory(username="admin-harrowgate")
    MembershipFactory(facility=facility, user=admin, role=Role.ADMIN)
    MembershipFactory(facility=facility, user=UserFactory(username="desk-marisol"), role=Role.SCHEDULER)
    clinic = build_clinic(facility, admin)
    for number, (patient, name) in enumerate(zip(clinic.patients, NAMES, strict=True), start=1):
        patient.name, patient.mrn = name, f"HDC-00020{number}"
        patient.save()
    return clinic


def test_cancel_asks_for_a_reason_without_script_and_in_a_dialog_with_it(clinic, browser, live_server, log_in):
    first = book(clinic, "10:00")
    second = book(clinic, "11:00", patient=clinic.patients[1])

    # Without script: the button is a link to the confirmation page, which asks the same.
    plain = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        tab = plain.new_page()
        tab.goto("/accounts/login/")
        tab.get_by_label("Username").fill("desk-marisol")
        tab.get_by_label("Password").fill(TEST_PASSWORD)
        tab.get_by_role("button", name="Sign in").click()
        tab.goto(f"/f/harrowgate/bookings/{first.pk}/")
        tab.get_by_role("button", name="Cancel booking…").click()
        expect(tab.get_by_role("heading", level=1)).to_have_text("Cancel this booking?")
        expect(tab.locator("main")).to_contain_text(NAMES[0])
        expect(tab.locator("main")).to_contain_text("Chair 01")
        tab.get_by_role("button", name="Keep the booking").click()  # a link styled as a button
        expect(tab.locator("#booking-status")).to_have_text("Scheduled")
        tab.get_by_role("button", name="Cancel booking…").click()
        tab.get_by_label("Why is it cancelled?").fill("Moved to another clinic")
        tab.get_by_role("button", name="Yes, cancel").click()
        expect(tab.locator("#booking-status")).to_have_text("Cancelled")
        expect(tab.locator("#cancel-reason")).to_have_text("Moved to another clinic")
    finally:
        plain.close()
    assert Booking.objects.get(pk=first.pk).cancel_reason == "Moved to another clinic"

    # With script: the same confirmation opens as a dialog over the booking.
    page = log_in("desk-marisol")
    page.goto(f"/f/harrowgate/bookings/{second.pk}/")
    page.get_by_role("button", name="Cancel booking…").click()
    dialog = page.get_by_role("dialog", name="Cancel this booking?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(NAMES[1])
    assert_accessible(page, context="the cancel dialog")
    dialog.get_by_role("button", name="Keep the booking").click()
    expect(dialog).to_be_hidden()
    assert Booking.objects.get(pk=second.pk).status == Status.SCHEDULED

    page.get_by_role("button", name="Cancel booking…").click()
    dialog.get_by_role("button", name="Yes, cancel").click()  # empty: the browser asks for it
    expect(dialog).to_be_visible()
    assert Booking.objects.get(pk=second.pk).status == Status.SCHEDULED
    dialog.get_by_label("Why is it cancelled?").fill("Feeling better, will call back")
    dialog.get_by_role("button", name="Yes, cancel").click()
    expect(page.get_by_role("status")).to_have_text("Booking cancelled.")
    expect(page.locator("#cancel-reason")).to_have_text("Feeling better, will call back")
    expect(page.locator("#status-history")).to_contain_text("Feeling better, will call back")
    assert Booking.objects.get(pk=second.pk).status == Status.CANCELLED
    assert page.console_errors == []


def test_a_check_in_is_undone_from_its_notice(clinic, log_in):
    patient = clinic.patients[2]
    booking = book_today(clinic, patient)
    page = log_in("desk-marisol")
    page.goto("/f/harrowgate/queue/")
    page.get_by_role("button", name=f"Check in {patient.name}").click()
    expect(page.get_by_role("status")).to_have_text(f"Token 1 — Chair 01 · {patient.name} checked in.")
    assert Booking.objects.get(pk=booking.pk).status == Status.CHECKED_IN
    assert_accessible(page, context="the queue home after a check-in")

    page.get_by_role("button", name="Undo check-in of token 1").click()
    expect(page.get_by_role("status")).to_have_text(f"Check-in of token 1 undone: {patient.name} is booked again.")
    expect(page.get_by_role("button", name=f"Check in {patient.name}")).to_be_visible()
    row = Booking.objects.get(pk=booking.pk)
    assert (row.status, row.checked_in_at) == (Status.SCHEDULED, None)
    assert not QueueEntry.objects.exists()

    # Checked in again, for real: the queue's page and the home fit a phone, and pass axe.
    page.get_by_role("button", name=f"Check in {patient.name}").click()
    expect(page.get_by_role("status")).to_contain_text(f"{patient.name} checked in.")
    page.set_viewport_size({"width": 390, "height": 844})
    for url in ("/f/harrowgate/queue/", f"/f/harrowgate/queue/{QueueEntry.objects.get().queue_id}/"):
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
        assert_accessible(page, context=f"{url} on a phone")
    assert page.console_errors == []
