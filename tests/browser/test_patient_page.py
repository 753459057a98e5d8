"""The front desk opens a patient from the patient list, sees their upcoming booking on the
patient page, and books them again from there: the booking form opens with the patient chosen.
Also each role's overview in the browser, at desk and phone widths. All names are invented."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from booking import services as booking_services
from scheduling.models import Role
from tests.booking.conftest import build_clinic
from tests.browser.a11y import axe_violations, describe
from tests.factories import FacilityFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clinic():
    facility = FacilityFactory(name="Brindlemoor Infusion Centre", slug="brindlemoor")
    admin = UserFactory(username="admin-brindlemoor")
    MembershipFactory(facility=facility, user=admin, role=Role.ADMIN)
    MembershipFactory(facility=facility, user=UserFactory(username="desk-ottoline"), role=Role.SCHEDULER)
    MembershipFactory(facility=facility, user=UserFactory(username="analyst-ferris"), role=Role.ANALYST)
    clinic = build_clinic(facility, admin)
    patient = clinic.patients[0]
    patient.name, patient.mrn = "Tamsyn Quillfeather", "BIC-000102"
    patient.save()
    start = clinic.at("10:00", days_ahead=3)
    clinic.upcoming = booking_services.booking_create(
        facility=facility,
        actor=admin,
        actor_role=Role.ADMIN,
        request=booking_services.BookingRequest(
            patient_id=patient.pk,
            appointment_type_id=clinic.visit.pk,
            start=start,
            end=start + dt.timedelta(minutes=30),
            resources=(booking_services.ResourceRequest(clinic.chair.pk),),
        ),
        now=timezone.now(),
    )
    return clinic


def serious_problems(page) -> str:
    """axe's serious and critical findings, as text ('' when there are none)."""
    return describe(axe_violations(page))


def test_open_a_patient_from_the_list_and_book_them_again(clinic, log_in):
    page = log_in("desk-ottoline")
    page.goto("/f/brindlemoor/patients/")
    page.get_by_role("link", name="Tamsyn Quillfeather").click()

    expect(page).to_have_url(re.compile(rf"/f/brindlemoor/patients/{clinic.patients[0].pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tamsyn Quillfeather")
    upcoming = page.locator("#upcoming")
    day = clinic.upcoming.start.astimezone(dt.UTC).date()
    expect(upcoming.locator("tbody tr")).to_have_count(1)
    expect(upcoming).to_contain_text(f"{day.day} {day:%b %Y}, 10:00–10:30")
    expect(upcoming).to_contain_text("Chair 01")
    expect(upcoming).to_contain_text("Scheduled")
    expect(page.locator("#past")).to_contain_text("No past booking.")
    problems = serious_problems(page)
    assert problems == "", problems

    page.get_by_role("button", name="Book this patient").click()
    expect(page).to_have_url(re.compile(rf"/f/brindlemoor/bookings/new/\?patient={clinic.patients[0].pk}$"))
    picker = page.locator("#patient-picker")
    expect(picker).to_contain_text("Tamsyn Quillfeather")
    expect(picker.locator('input[name="patient"]')).to_have_value(str(clinic.patients[0].pk))
    assert page.console_errors == []


def test_a_comment_added_on_the_patient_page_shows_as_text(clinic, log_in):
    page = log_in("desk-ottoline")
    page.goto(f"/f/brindlemoor/patients/{clinic.patients[0].pk}/")
    page.get_by_label("Add a comment").fill("<script>alert(1)</script> prefers mornings")
    page.get_by_role("button", name="Add comment").click()
    expect(page).to_have_url(re.compile(r"#comments$"))
    expect(page.locator("#comments .comment-list")).to_contain_text("<script>alert(1)</script> prefers mornings")
    assert page.console_errors == []


@pytest.mark.parametrize("username", ["desk-ottoline", "admin-brindlemoor", "analyst-ferris"])
def test_the_overview_fits_a_phone_and_passes_axe(username, clinic, log_in):
    page = log_in(username)
    page.goto("/f/brindlemoor/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Today at Brindlemoor Infusion Centre")
    problems = serious_problems(page)
    assert problems == "", problems
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/f/brindlemoor/patients/{clinic.patients[0].pk}/" if username == "desk-ottoline" else "/f/brindlemoor/")
    main_width = page.evaluate("() => document.querySelector('main').scrollWidth")
    assert main_width <= 390, f"the page's content is {main_width}px wide on a 390px phone"
