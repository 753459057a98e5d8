"""In a real browser: the desk of a department reads the notice of a booking made by a colleague,
goes from the notifications to their settings, chooses email only and is told so; both pages
pass axe and fit a 390-pixel phone. All names invented."""

import pytest
from playwright.sync_api import expect

from scheduling.models import Membership, NotifyBy, Role
from tests.booking.conftest import build_clinic
from tests.booking.test_pages import book
from tests.browser.a11y import assert_accessible
from tests.factories import FacilityFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clinic():
    facility = FacilityFactory(name="Thistledown Infusion Unit", slug="thistledown", notify_department_desk=True)
    admin = UserFactory(username="admin-thistledown")
    MembershipFactory(facility=facility, user=admin, role=Role.ADMIN)
    clinic = build_clinic(facility, admin)
    desk = UserFactory(username="desk-ingrid")
    MembershipFactory(facility=facility, user=desk, role=Role.SCHEDULER, department=clinic.chair.department)
    patient = clinic.patients[0]
    patient.name, patient.mrn = "Rosalind Quillfeather", "TIU-000301"
    patient.save()
    return clinic


def _fits_the_phone(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_the_desk_reads_the_notice_and_chooses_email_only(clinic, page, log_in):
    book(clinic, "10:00")  # by the administrator; the notice is sent (eagerly) once it commits
    log_in("desk-ingrid")

    page.goto("/f/thistledown/bookings/notifications/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Notifications")
    expect(page.locator(".notice.unread")).to_contain_text("New booking: Rosalind Quillfeather")
    assert_accessible(page)

    page.get_by_role("link", name="Settings: in the app or by email").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notification settings")
    expect(page.get_by_label("In the app and by email")).to_be_checked()
    assert_accessible(page)
    page.get_by_label("By email only").check()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Saved: you will hear of changes by email only.")).to_be_visible()
    expect(page.get_by_label("By email only")).to_be_checked()
    desk = Membership.objects.get(facility=clinic.facility, user__username="desk-ingrid")
    assert desk.notify_by == NotifyBy.EMAIL

    page.set_viewport_size({"width": 390, "height": 844})
    assert _fits_the_phone(page)
    page.goto("/f/thistledown/bookings/notifications/")
    assert _fits_the_phone(page)
