"""A nurse manager adds a day of leave for a chair that holds two bookings, in a real browser: the
page lists both with links, one is moved to the next free slot and the other cancelled with a
reason, then the leave is added and both bookings show their new state. Also a window over
several weekdays removed on one day only, and the pages at a phone's width. axe-core on each
page. All names are invented."""

import re

import pytest
from playwright.sync_api import expect

from availability.models import AvailabilityException
from booking.models import Booking, PatientMessage, Status
from scheduling.models import Role
from tests.availability.factories import make_schedule, window
from tests.booking.conftest import build_clinic
from tests.booking.test_seams import book
from tests.browser.a11y import assert_accessible
from tests.factories import FacilityFactory, MembershipFactory, ResourceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clinic():
    facility = FacilityFactory(name="Larkspur Day Unit", slug="larkspur")
    admin = UserFactory(username="admin-larkspur")
    MembershipFactory(facility=facility, user=admin, role=Role.ADMIN)
    MembershipFactory(facility=facility, user=UserFactory(username="manager-odile"), role=Role.MANAGER)
    clinic = build_clinic(facility, admin)
    for patient, (name, mrn) in zip(
        clinic.patients, [("Perpetua Vanterpool", "LDU-0101"), ("Oswin Fairweather", "LDU-0102"), ("X", "LDU-0103")]
    ):
        patient.name, patient.mrn = name, mrn
        patient.save()
    return clinic


def no_sideways_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_leave_over_two_bookings_moves_one_and_cancels_the_other(clinic, log_in):
    moving = book(clinic, clinic.at("10:00"), clinic.at("10:30"), patient=clinic.patients[0])
    cancelling = book(clinic, clinic.at("14:00"), clinic.at("14:30"), patient=clinic.patients[1])
    page = log_in("manager-odile")
    page.goto(f"/f/larkspur/availability/resources/{clinic.chair.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Chair 01")
    assert_accessible(page, context="the chair's availability page")

    page.get_by_text("Add an exception").click()
    page.get_by_label("Kind").select_option("0")
    page.get_by_label("All day").check()
    page.get_by_label("First day", exact=True).fill(clinic.at("10:00").date().isoformat())
    page.get_by_label("Reason", exact=True).fill("Chair repair")
    page.get_by_role("button", name="Add exception").click()

    # The bookings the leave would strand, each with a link to its page.
    expect(page.get_by_role("heading", level=1)).to_have_text("Leave for Chair 01 holds 2 bookings")
    for booking in (moving, cancelling):
        card = page.locator(f"#leave-booking-{booking.pk}")
        expect(card).to_contain_text(booking.patient.name)
        expect(card.get_by_role("link", name=f"Booking #{booking.pk}")).to_have_attribute(
            "href", f"/f/larkspur/bookings/{booking.pk}/"
        )
    assert not AvailabilityException.objects.exists()
    assert_accessible(page, context="the leave page")
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_sideways_scroll(page), "the leave page is wider than a phone"
    page.set_viewport_size({"width": 1280, "height": 900})
    first = page.locator(f"#leave-booking-{moving.pk}")
    expect(first.get_by_label(re.compile("Move to the next free slot after the leave"))).to_be_checked()
    expect(first).to_contain_text("Chair 01, " + clinic.at("08:00", days_ahead=3).strftime("%a %-d %b %Y 08:00"))
    second = page.locator(f"#leave-booking-{cancelling.pk}")
    second.get_by_label("Cancel", exact=True).check()
    second.get_by_label("Reason for cancelling (told to the patient)").fill("The chair is being repaired")
    page.get_by_role("button", name="Apply these choices and add the leave").click()

    expect(page).to_have_url(re.compile(rf"/f/larkspur/availability/resources/{clinic.chair.pk}/$"))
    expect(page.get_by_role("status").filter(has_text="Leave added.")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Perpetua Vanterpool moved to")).to_be_visible()
    expect(page.locator("section[aria-labelledby=exceptions] table")).to_contain_text("Chair repair")
    exception = AvailabilityException.objects.get()
    assert (exception.start, exception.end) == (clinic.at("00:00"), clinic.at("00:00", days_ahead=3))

    moved = Booking.objects.get(replaces=moving)
    assert moved.start == clinic.at("08:00", days_ahead=3)
    page.goto(f"/f/larkspur/bookings/{moving.pk}/")
    expect(page.locator("#booking-status")).to_have_text("Rescheduled")
    page.goto(f"/f/larkspur/bookings/{moved.pk}/")
    expect(page.locator("#booking-status")).to_have_text("Scheduled")
    page.goto(f"/f/larkspur/bookings/{cancelling.pk}/")
    expect(page.locator("#booking-status")).to_have_text("Cancelled")
    assert Booking.objects.get(pk=cancelling.pk).cancel_reason == "The chair is being repaired"
    told = {message.booking_id: message.text for message in PatientMessage.objects.all()}
    assert "has moved to" in told[moved.pk] and "The chair is being repaired" in told[cancelling.pk]
    assert Booking.objects.get(pk=cancelling.pk).status == Status.CANCELLED


def test_a_window_over_three_days_removed_on_wednesday_only_at_phone_width(clinic, log_in):
    doctor = ResourceFactory(facility=clinic.facility, name="Dr Ilse Brackenbury")
    make_schedule(clinic.facility, doctor, clinic.admin, window(weekdays=[0, 2, 4], start="09:00", end="12:00"))
    page = log_in("manager-odile")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/f/larkspur/availability/resources/{doctor.pk}/")
    expect(page.get_by_text("This window covers Mon, Wed, Fri").first).to_be_visible()
    assert no_sideways_scroll(page)
    assert_accessible(page, context="the doctor's availability page on a phone")

    page.get_by_role("link", name="Remove the Wed window from 09:00 to 12:00").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove a window of Dr Ilse Brackenbury?")
    expect(page.get_by_text("this window covers Mon, Wed, Fri")).to_be_visible()
    expect(page.get_by_label("Remove Wednesday only")).to_be_checked()
    assert no_sideways_scroll(page)
    assert_accessible(page, context="the removal's confirmation")
    page.get_by_role("button", name="Remove", exact=True).click()

    expect(page.get_by_role("status").filter(has_text="Window removed on Wednesday")).to_be_visible()
    grid = page.locator(".week-grid")
    expect(grid.locator(".week-day").nth(0)).to_contain_text("09:00–12:00")
    expect(grid.locator(".week-day").nth(2)).not_to_contain_text("09:00–12:00")
    expect(grid.locator(".week-day").nth(4)).to_contain_text("This window covers Mon, Fri")
