"""Pages reached by following links rather than typed in, at a phone's width: the day board
filtered to one resource (its list of the day's bookings opens and must scroll inside itself) and
the manager's nightly runs (a hidden label in its last column once dragged the page sideways)."""

from zoneinfo import ZoneInfo

import pytest

from booking.models import Booking
from scheduling.models import Role
from tests.browser.test_accessibility import MEMBERS, SLUG, clinic  # noqa: F401 - the fixture
from tests.browser.test_phone import _assert_fits

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_day_board_of_one_resource_fits_a_phone(clinic, log_in):  # noqa: F811 - the fixture
    booking = Booking.objects.filter(facility=clinic.facility).order_by("start").first()
    day = booking.start.astimezone(ZoneInfo(clinic.facility.time_zone)).date()
    page = log_in(MEMBERS[Role.SCHEDULER])
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"/f/{SLUG}/bookings/?date={day.isoformat()}&resource={clinic.chair.pk}")

    assert page.locator("details.day-list[open]").get_by_role("link", name=booking.patient.name).count() == 1
    _assert_fits(page, context="the day board of one resource on a phone")


def test_the_nightly_runs_fit_a_phone(clinic, log_in):  # noqa: F811 - the fixture
    page = log_in(MEMBERS[Role.MANAGER])
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"/f/{SLUG}/analytics/runs/")

    assert page.get_by_role("button", name="Re-run this day").count() >= 7
    _assert_fits(page, context="the nightly runs on a phone")
