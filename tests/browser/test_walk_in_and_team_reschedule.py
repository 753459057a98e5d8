"""In a real browser: the walk-in form's resource select follows the chosen type, and a team type
says it cannot be a walk-in before anything is sent; a clinician reschedules a theatre case from
its page, offered only the times when the whole team is free, and the case keeps its team. All
names are invented."""

import re

import pytest
from playwright.sync_api import expect

from booking import services
from booking.models import Booking, Status
from scheduling.models import ResourceKind, Role
from tests.availability.factories import make_schedule, window
from tests.booking.conftest import EVERY_DAY, TEAM, build_clinic
from tests.browser.a11y import assert_accessible
from tests.factories import AppointmentTypeFactory, FacilityFactory, MembershipFactory, ResourceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clinic():
    facility = FacilityFactory(name="Thornbury Surgical Centre", slug="thornbury")
    admin = UserFactory(username="admin-thornbury")
    MembershipFactory(facility=facility, user=admin, role=Role.ADMIN)
    MembershipFactory(facility=facility, user=UserFactory(username="dr-amberlee"), role=Role.CLINICIAN)
    clinic = build_clinic(facility, admin)
    clinic.patients[0].name = "Rosalind Quenby"
    clinic.patients[0].save()
    clinic.surgeon = ResourceFactory(facility=facility, kind=ResourceKind.PRACTITIONER, name="Dr Isolde Marchbank")
    clinic.anaesthetist = ResourceFactory(facility=facility, kind=ResourceKind.PRACTITIONER, name="Dr Tobin Ashcombe")
    clinic.nurse = ResourceFactory(facility=facility, kind=ResourceKind.NURSE, name="Nurse Wenna Pollard")
    for person in (clinic.surgeon, clinic.anaesthetist, clinic.nurse):
        make_schedule(facility, person, admin, window(EVERY_DAY, "08:00", "20:00", type="open"))
    clinic.case = AppointmentTypeFactory(
        facility=facility, code="theatre-case", name="Theatre case", default_minutes=120, resource_needs=TEAM
    )
    clinic.chemo = AppointmentTypeFactory(
        facility=facility,
        code="chemo",
        name="Chemotherapy",
        default_minutes=30,
        resource_needs=[{"role": "Chair", "kinds": ["chair"]}],
    )
    return clinic


def _team(clinic) -> list:
    return [clinic.theatre, clinic.surgeon, clinic.anaesthetist, clinic.nurse]


def _book(clinic, type_, resources, start, end, patient):
    return services.booking_create(
        facility=clinic.facility,
        actor=clinic.admin,
        actor_role=Role.ADMIN,
        request=services.BookingRequest(
            patient_id=patient.pk,
            appointment_type_id=type_.pk,
            start=clinic.at(start),
            end=clinic.at(end),
            resources=tuple(services.ResourceRequest(r.pk) for r in resources),
        ),
    )


def test_the_walk_in_resource_follows_the_type(clinic, log_in):
    page = log_in("dr-amberlee")
    page.goto("/f/thornbury/bookings/walk-in/")
    resource = page.locator("#id_resource")
    expect(resource.locator("option")).to_have_count(7)  # without a type, the prompt and all six of any kind
    with page.expect_response(lambda r: "/bookings/walk-in/resource/" in r.url):
        page.get_by_label("Appointment type").select_option(str(clinic.chemo.pk))
    expect(page.locator("label[for=id_resource]")).to_contain_text("Chair")  # the need's role
    expect(page.locator("#id_resource option[value]:not([value=''])")).to_have_count(1)
    expect(page.locator("#id_resource")).to_contain_text("Chair 01")

    with page.expect_response(lambda r: "/bookings/walk-in/resource/" in r.url):
        page.get_by_label("Appointment type").select_option(str(clinic.case.pk))
    notice = page.locator(".walk-in-team")
    expect(notice).to_contain_text("Theatre case needs a team")
    expect(page.locator("#id_resource")).to_have_count(0)
    assert_accessible(page, context="the walk-in form with a team type")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    notice.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New booking")
    expect(page.get_by_label("Appointment type")).to_have_value(str(clinic.case.pk))
    assert not Booking.objects.exists()
    assert page.console_errors == []


def test_a_theatre_case_is_rescheduled_to_a_time_the_whole_team_is_free(clinic, log_in):
    case = _book(clinic, clinic.case, _team(clinic), "10:00", "12:00", clinic.patients[0])
    # The surgeon sees someone else 14:00-15:00: the theatre alone is free then.
    _book(clinic, clinic.visit, [clinic.surgeon], "14:00", "15:00", clinic.patients[1])
    page = log_in("dr-amberlee")
    page.goto(f"/f/thornbury/bookings/{case.pk}/")
    options = page.locator("#reschedule .slot-option")
    expect(options.first).to_be_visible()
    expect(page.locator("#reschedule")).to_contain_text("are all free")
    labels = [text.strip() for text in options.all_inner_texts()]
    assert labels == ["08:00–10:00", "12:00–14:00", "16:00–18:00", "18:00–20:00"], labels
    assert_accessible(page, context="a theatre case's page with its reschedule picker")

    page.locator("#reschedule .slot-option", has_text="16:00–18:00").click()
    page.get_by_role("button", name="Reschedule").click()
    moved = Booking.objects.get(replaces=case)
    expect(page).to_have_url(re.compile(rf"/f/thornbury/bookings/{moved.pk}/$"))
    expect(page.locator("#booking-when")).to_contain_text("16:00–18:00")
    for member in _team(clinic):
        expect(page.locator(".booking-card")).to_contain_text(member.name)
    assert {row.resource_id for row in moved.resources.all()} == {r.pk for r in _team(clinic)}
    case.refresh_from_db()
    assert case.status == Status.RESCHEDULED
    assert page.console_errors == []
