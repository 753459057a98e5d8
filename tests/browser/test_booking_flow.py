"""The front desk books, reschedules and cancels through the pages, like a person would: from a
free slot of the day board to the form (live patient search, slot picker), then the booking's
page. Each step is checked on the page and in the database. All names are invented."""

import re

import pytest
from playwright.sync_api import expect

from booking.models import Booking, Status
from scheduling.models import Role
from tests.booking.conftest import build_clinic
from tests.factories import FacilityFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clinic():
    facility = FacilityFactory(name="Brindlemoor Infusion Centre", slug="brindlemoor")
    admin = UserFactory(username="admin-brindlemoor")
    MembershipFactory(facility=facility, user=admin, role=Role.ADMIN)
    MembershipFactory(facility=facility, user=UserFactory(username="desk-ottoline"), role=Role.SCHEDULER)
    clinic = build_clinic(facility, admin)
    patient = clinic.patients[1]
    patient.name, patient.mrn = "Tamsyn Quillfeather", "BIC-000102"
    patient.save()
    return clinic


def test_book_reschedule_and_cancel_from_the_day_board(clinic, log_in):
    page = log_in("desk-ottoline")
    day = clinic.at("10:00").date()
    page.goto(f"/f/brindlemoor/bookings/?date={day.isoformat()}")
    assert page.evaluate("typeof window.htmx") == "object", "htmx did not load (static files?)"
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{day:%A} {day.day} {day:%B %Y}")
    chair_row = page.locator("table.day-board tbody tr", has_text="Chair 01")
    ten, eleven = clinic.link_slot("10:00", "10:30"), clinic.link_slot("11:00", "11:30")
    expect(chair_row.locator(f"a.chip-free[href$='slot={ten}']")).to_be_visible()
    expect(chair_row.locator("a.chip-booked")).to_have_count(0)

    # A free slot opens the form with the resource, date and slot already chosen.
    chair_row.locator(f"a.chip-free[href$='slot={ten}']").click()
    expect(page).to_have_url(re.compile(rf"/bookings/new/\?resource=\d+&date=.*&slot={re.escape(ten)}$"))
    expect(page.get_by_label("Resource")).to_have_value(str(clinic.chair.pk))
    expect(page.get_by_label("Date")).to_have_value(day.isoformat())

    # Live patient search, then pick one.
    page.get_by_placeholder("Search patients by name, MRN or phone").fill("quill")
    result = page.locator("#patient-results button", has_text="Tamsyn Quillfeather")
    expect(result).to_be_visible()
    result.click()
    expect(page.locator("#patient-picker .picked")).to_contain_text("Tamsyn Quillfeather")
    expect(page.locator("#patient-picker input[name=patient]")).to_have_value(str(clinic.patients[1].pk))

    # Choosing the type reloads the slot picker; the slot picked on the board stays chosen.
    with page.expect_response(lambda r: "/bookings/slots/" in r.url and f"appointment_type={clinic.visit.pk}" in r.url):
        page.get_by_label("Appointment type").select_option(str(clinic.visit.pk))
    expect(page.locator(f"#slot-picker input[value='{clinic.slot('10:00', '10:30')}']")).to_be_checked()
    page.get_by_label("Note").fill("First infusion")
    page.get_by_role("button", name="Book", exact=True).click()

    booking = Booking.objects.get()
    expect(page).to_have_url(re.compile(rf"/f/brindlemoor/bookings/{booking.pk}/$"))
    expect(page.get_by_role("status")).to_contain_text("Booked Tamsyn Quillfeather")
    expect(page.locator("#booking-status")).to_have_text("Scheduled")
    expect(page.locator("#booking-when")).to_contain_text("10:00–10:30")
    assert (booking.patient_id, booking.start, booking.end, booking.note) == (
        clinic.patients[1].pk,
        clinic.at("10:00"),
        clinic.at("10:30"),
        "First infusion",
    )
    assert [row.resource_id for row in booking.resources.all()] == [clinic.chair.pk]

    # Reschedule to 11:00 the same day through the picker on the booking's page.
    slot = page.locator("#reschedule .slot-option", has_text="11:00–11:30")
    expect(slot).to_be_visible()
    expect(page.locator("#reschedule .slot-option", has_text="10:00–10:30")).to_have_count(0)  # its own time
    slot.click()
    page.get_by_role("button", name="Reschedule").click()

    moved = Booking.objects.get(replaces=booking)
    expect(page).to_have_url(re.compile(rf"/f/brindlemoor/bookings/{moved.pk}/$"))
    expect(page.get_by_role("status")).to_contain_text("Rescheduled to")
    expect(page.locator("#booking-when")).to_contain_text("11:00–11:30")
    expect(page.locator("#booking-status")).to_have_text("Scheduled")
    booking.refresh_from_db()
    assert booking.status == Status.RESCHEDULED and not booking.holds_time
    assert (moved.start, moved.end, moved.status) == (clinic.at("11:00"), clinic.at("11:30"), Status.SCHEDULED)

    # Cancel it, saying why: the confirmation opens over the booking and will not go without a
    # reason (the browser asks for it, nothing changes).
    page.get_by_role("button", name="Cancel booking…").click()
    dialog = page.get_by_role("dialog", name="Cancel this booking?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Yes, cancel").click()
    expect(dialog).to_be_visible()
    moved.refresh_from_db()
    assert moved.status == Status.SCHEDULED
    dialog.get_by_label("Why is it cancelled?").fill("The patient asked to cancel")
    dialog.get_by_role("button", name="Yes, cancel").click()
    expect(page.get_by_role("status")).to_have_text("Booking cancelled.")
    expect(page.locator("#booking-status")).to_have_text("Cancelled")
    expect(page.locator("#status-history")).to_contain_text("Scheduled → Cancelled")
    expect(page.locator("#cancel-reason")).to_have_text("The patient asked to cancel")
    expect(page.get_by_role("button", name="Cancel booking")).to_have_count(0)
    expect(page.locator("#reschedule")).to_have_count(0)
    moved.refresh_from_db()
    assert (moved.status, moved.holds_time) == (Status.CANCELLED, False)
    assert Booking.objects.filter(holds_time=True).count() == 0

    # Back on the board the chair is free again at 10:00 and 11:00; the day's list keeps both.
    page.goto(f"/f/brindlemoor/bookings/?date={day.isoformat()}")
    expect(chair_row.locator("a.chip-booked")).to_have_count(0)
    expect(chair_row.locator(f"a.chip-free[href$='slot={ten}']")).to_be_visible()
    expect(chair_row.locator(f"a.chip-free[href$='slot={eleven}']")).to_be_visible()
    listed = page.locator("details.day-list tbody tr")
    expect(listed).to_have_count(2)
    expect(listed.nth(0)).to_contain_text("Rescheduled")
    expect(listed.nth(1)).to_contain_text("Cancelled")

    # The filters swap only the board (htmx) and keep the address shareable.
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Resource").select_option(str(clinic.doctor.pk))
    expect(page.locator("table.day-board tbody tr")).to_have_count(1)
    expect(page.locator("table.day-board tbody tr")).to_contain_text("Dr Wren Hollins")
    expect(page).to_have_url(re.compile(rf"resource={clinic.doctor.pk}"))
    assert page.evaluate("window.notReloaded") is True
    assert page.console_errors == []
