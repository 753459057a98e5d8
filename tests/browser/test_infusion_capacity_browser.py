"""The infusion day view and the manager's configuration pages in a real browser, on a phone
(390 px) and on a desk screen: Chart.js draws the day's chart from the table's figures, no page
scrolls sideways, and axe finds nothing serious."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from infusion.models import InfusionSettings
from scheduling.models import Role
from tests.browser.a11y import assert_accessible
from tests.factories import MembershipFactory, UserFactory
from tests.infusion.factories import build_center, next_monday

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = ["", "settings/", "patient-types/", "patient-types/INF/", "mix/", "routes/", "routes/next_cycle/", "nurses/"]


@pytest.fixture
def busy_day(facility):
    manager = UserFactory(username="manager-brio")
    MembershipFactory(facility=facility, user=manager, role=Role.MANAGER)
    center = build_center(facility, manager, chairs=4, patients=6)
    day = next_monday()
    for _ in range(3):
        center.book(day, "09:00", "11:00", code="CMO-SHORT")
    center.shift(day, "08:00", "16:00", 1)
    InfusionSettings.objects.create(facility=facility, chairs_per_nurse=2)
    return center, day


def test_the_pages_fit_a_phone_and_pass_axe(busy_day, log_in):
    center, day = busy_day
    tab = log_in("manager-brio")
    tab.goto(f"/f/{center.facility.slug}/infusion/?date={day:%Y-%m-%d}")
    expect(tab.get_by_role("heading", level=1)).to_contain_text("Infusion center")
    expect(tab.locator("canvas[data-chart='chart-hours']")).to_be_visible()
    expect(tab.get_by_text("2 hours over what the nurses support")).to_be_visible()
    problems = []
    for width in (1280, 390):
        tab.set_viewport_size({"width": width, "height": 900})
        for tail in PAGES:
            query = f"?date={day:%Y-%m-%d}" if tail in ("", "nurses/") else ""
            response = tab.goto(f"/f/{center.facility.slug}/infusion/{tail}{query}")
            assert response.status == 200, tail
            widths = tab.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            if widths[0] > widths[1]:
                problems.append(f"{tail or 'day view'} is {widths[0]} px wide at {width} px")
            try:
                assert_accessible(tab, context=f"{tail or 'day view'} at {width} px")
            except AssertionError as failure:
                problems.append(str(failure))
    assert problems == [], "\n\n".join(problems)
    assert tab.console_errors == []


def test_a_manager_enters_the_nurses_on_duty_of_a_day(busy_day, log_in):
    center, day = busy_day
    tab = log_in("manager-brio")
    tab.goto(f"/f/{center.facility.slug}/infusion/nurses/?date={day + dt.timedelta(days=1):%Y-%m-%d}")
    tab.get_by_label("From").fill("08:00")
    tab.get_by_label("To", exact=True).fill("12:00")
    tab.get_by_role("spinbutton", name="Nurses on duty").fill("2")
    tab.get_by_role("button", name="Add", exact=True).click()
    expect(tab.get_by_text("08:00–12:00: 2 nurses (entered by a manager)")).to_be_visible()
