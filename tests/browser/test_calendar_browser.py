"""The week and the month in a real browser, as the desk uses them: a resource's week shows the
booking on its day, a free chip opens the booking form prefilled, the tabs keep the filters, a
day opens its day board; on a 390-pixel phone the day board and the week scroll inside their own
box, never the page; axe finds nothing serious. All names are invented."""

import re

import pytest
from playwright.sync_api import expect

from scheduling.models import Role
from tests.booking.conftest import build_clinic
from tests.booking.test_pages import book
from tests.browser.a11y import assert_accessible
from tests.factories import FacilityFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "hollowmere"
PHONE = {"width": 390, "height": 844}
PAGE_SCROLLS_SIDEWAYS = "() => document.documentElement.scrollWidth > window.innerWidth"


@pytest.fixture
def clinic():
    facility = FacilityFactory(name="Hollowmere Day Unit", slug=SLUG)
    admin = UserFactory(username="admin-hollowmere")
    MembershipFactory(facility=facility, user=admin, role=Role.ADMIN)
    MembershipFactory(facility=facility, user=UserFactory(username="desk-marisol"), role=Role.SCHEDULER)
    clinic = build_clinic(facility, admin)
    patient = clinic.patients[0]
    patient.name, patient.mrn = "Ottilie Brackwater", "HDU-000311"
    patient.save()
    return clinic


def test_the_week_of_a_resource_shows_the_booking_and_books_from_a_free_chip(clinic, log_in):
    booking = book(clinic, "10:00")
    day = clinic.at("10:00").date()
    page = log_in("desk-marisol")
    page.goto(f"/f/{SLUG}/bookings/week/?date={day.isoformat()}&resource={clinic.chair.pk}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Week of")
    expect(page.locator("h1")).to_have_count(1)
    row = page.locator("table.week-board tbody tr", has_text="Chair 01")
    cell = row.locator("td").nth(day.weekday())
    chip = cell.locator("a.chip-booked")
    expect(chip).to_have_count(1)
    expect(chip).to_contain_text("10:00 O. Brackwater")
    expect(chip).to_have_attribute("href", f"/f/{SLUG}/bookings/{booking.pk}/")
    for other in {0, 1, 2, 3, 4, 5, 6} - {day.weekday()}:
        expect(row.locator("td").nth(other).locator("a.chip-booked")).to_have_count(0)
    assert_accessible(page, context="the week of a resource")

    # The tabs keep the resource and the date.
    page.get_by_role("link", name="Month", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/bookings/month/\?date={day.isoformat()}&resource={clinic.chair.pk}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{day:%B %Y}")
    assert_accessible(page, context="the month of a resource")
    # A day of the month opens its day board, still of the chair alone.
    page.get_by_role("link", name=re.compile(rf"^{day:%A} {day.day} {day:%B %Y}: 1 booked")).click()
    expect(page).to_have_url(re.compile(rf"/bookings/\?date={day.isoformat()}&resource={clinic.chair.pk}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{day:%A} {day.day} {day:%B %Y}")
    expect(page.locator("table.day-board tbody tr")).to_have_count(1)

    # Back to the week; a day's heading opens its day board too.
    page.get_by_role("link", name="Week", exact=True).click()
    page.get_by_role("link", name=f"Day board of {day:%A} {day.day} {day:%B %Y}").click()
    expect(page).to_have_url(re.compile(rf"/bookings/\?date={day.isoformat()}&resource={clinic.chair.pk}$"))
    page.get_by_role("link", name="Week", exact=True).click()

    # A free chip opens the booking form with the resource, the day and the slot chosen.
    eleven = clinic.link_slot("11:00", "11:30")
    row = page.locator("table.week-board tbody tr", has_text="Chair 01")
    row.locator("td").nth(day.weekday()).locator(f"a.chip-free[href$='slot={eleven}']").click()
    expect(page).to_have_url(re.compile(rf"/bookings/new/\?resource={clinic.chair.pk}&date={day}&slot="))
    expect(page.get_by_label("Resource")).to_have_value(str(clinic.chair.pk))
    expect(page.get_by_label("Date")).to_have_value(day.isoformat())
    expect(page.locator("input[name=slot_initial]")).to_have_value(clinic.slot("11:00", "11:30"))


def test_a_filter_change_swaps_the_week_and_the_tabs_follow(clinic, log_in):
    day = clinic.at("10:00").date()
    page = log_in("desk-marisol")
    page.goto(f"/f/{SLUG}/bookings/week/?date={day.isoformat()}")
    expect(page.locator("table.week-board tbody tr")).to_have_count(3)
    with page.expect_response(lambda r: "/bookings/week/" in r.url and f"resource={clinic.doctor.pk}" in r.url):
        page.get_by_label("Resource").select_option(str(clinic.doctor.pk))
    expect(page.locator("table.week-board tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(rf"resource={clinic.doctor.pk}"))
    expect(page.get_by_role("link", name="Day", exact=True)).to_have_attribute(
        "href", re.compile(rf"date={day.isoformat()}&resource={clinic.doctor.pk}$")
    )
    expect(page.locator("h1")).to_have_count(1)


@pytest.mark.parametrize("tail", ["", "week/", "month/"])
def test_on_a_phone_the_calendars_scroll_inside_their_box_not_the_page(clinic, log_in, tail):
    for hhmm, patient in (("10:00", clinic.patients[0]), ("11:00", clinic.patients[1])):
        book(clinic, hhmm, patient=patient)
    day = clinic.at("10:00").date()
    page = log_in("desk-marisol")
    page.set_viewport_size(PHONE)
    page.goto(f"/f/{SLUG}/bookings/{tail}?date={day.isoformat()}")
    board = page.locator(".board-scroll")
    expect(board).to_be_visible()
    assert not page.evaluate(PAGE_SCROLLS_SIDEWAYS), "the page scrolls sideways at 390 px"
    if tail != "month/":
        # The grid is wider than the phone: its own box scrolls.
        assert board.evaluate("(box) => box.scrollWidth > box.clientWidth")
    # The filters stack, one above the other.
    boxes = [page.get_by_label(name).bounding_box() for name in ("Date", "Department", "Resource")]
    assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]
    assert_accessible(page, context=f"bookings/{tail} on a phone")
