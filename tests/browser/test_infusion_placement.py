"""The front desk places a patient's next infusion cycle in one click from the patient page and
reads why that day and chair were chosen. All names are invented."""

import re

import pytest
from playwright.sync_api import expect

from scheduling.models import Role
from tests.browser.a11y import assert_accessible
from tests.factories import FacilityFactory, MembershipFactory, UserFactory
from tests.infusion.factories import build_center
from tests.infusion.test_placement_pages import chair_booking

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_place_the_next_cycle_from_the_patient_page(log_in):
    facility = FacilityFactory(name="Larkspur Infusion Unit", slug="larkspur")
    admin = UserFactory(username="admin-larkspur")
    MembershipFactory(facility=facility, user=admin, role=Role.ADMIN)
    MembershipFactory(facility=facility, user=UserFactory(username="desk-imogen"), role=Role.SCHEDULER)
    center = build_center(facility, admin, chairs=2, patients=2)
    patient = center.patients[0]
    patient.name = "Odalys Fenwright"
    patient.save()
    chair_booking(center, days_ago=3, status="completed")

    page = log_in("desk-imogen")
    page.goto(f"/f/larkspur/patients/{patient.pk}/")
    assert_accessible(page)
    page.get_by_role("button", name="Place the next cycle").click()

    expect(page).to_have_url(re.compile(r"/f/larkspur/infusion/placements/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Placement of Odalys Fenwright")
    expect(page.get_by_role("heading", name="Placed", exact=True)).to_be_visible()
    expect(page.locator(".explanation")).to_contain_text("Target ")
    expect(page.get_by_role("row").filter(has_text="Chosen")).to_contain_text("Chair 0")
    expect(page.get_by_role("link", name="open the booking")).to_be_visible()
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("() => document.querySelector('main').scrollWidth") <= 390
    assert page.console_errors == []
