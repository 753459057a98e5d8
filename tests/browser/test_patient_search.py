"""A scheduler finds a patient with the live search (htmx swaps only the table) and registers a
new one; another facility's patients never show up. All names are invented."""

import re

import pytest
from playwright.sync_api import expect

from scheduling.models import Patient, Role
from tests.factories import FacilityFactory, MembershipFactory, PatientFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clinic():
    facility = FacilityFactory(name="Brindlemoor Infusion Centre", slug="brindlemoor")
    other = FacilityFactory(name="Quenby Day Clinic", slug="quenby")
    scheduler = UserFactory(username="desk-ottoline")
    MembershipFactory(facility=facility, user=scheduler, role=Role.SCHEDULER)
    PatientFactory(facility=facility, mrn="BIC-000101", name="Peregrine Ashvale")
    PatientFactory(facility=facility, mrn="BIC-000102", name="Tamsyn Quillfeather")
    PatientFactory(facility=facility, mrn="BIC-000103", name="Oswin Larchmont")
    # Same surname as a Brindlemoor patient: a search that leaks across tenants would show her.
    PatientFactory(facility=other, mrn="QDC-000101", name="Ysolde Quillfeather")
    return {"facility": facility, "scheduler": scheduler}


def rows(page):
    return page.locator("#rows tbody tr")


def test_live_search_shows_only_the_matching_patient_of_this_facility(clinic, log_in):
    page = log_in("desk-ottoline")
    page.goto("/f/brindlemoor/patients/")

    assert page.evaluate("typeof window.htmx") == "object", "htmx did not load (static files?)"
    expect(rows(page)).to_have_count(3)
    page.evaluate("window.notReloaded = true")

    search = page.get_by_placeholder("Search by name, MRN or phone")
    with page.expect_response(lambda response: "q=quill" in response.url) as answer:
        search.fill("quill")
    assert answer.value.request.headers.get("hx-request") == "true"

    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Tamsyn Quillfeather")
    expect(rows(page).first).to_contain_text("BIC-000102")
    expect(page.locator("#rows")).not_to_contain_text("Ysolde")
    expect(page).to_have_url(re.compile(r"/f/brindlemoor/patients/\?q=quill$"))
    assert page.evaluate("window.notReloaded") is True, "the search reloaded the page instead of swapping the table"

    search.fill("QDC-000101")
    expect(page.locator("#rows")).to_contain_text("No patient matches.")
    expect(page.locator("#rows")).not_to_contain_text("Ysolde")

    search.fill("")
    expect(rows(page)).to_have_count(3)
    expect(page.locator("#rows")).not_to_contain_text("Ysolde")
    assert page.console_errors == []


def test_register_patient_rejects_a_duplicate_mrn_next_to_the_field_then_accepts_a_new_one(clinic, log_in):
    page = log_in("desk-ottoline")
    page.goto("/f/brindlemoor/patients/")
    page.get_by_role("button", name="Register patient").click()
    expect(page).to_have_url(re.compile(r"/f/brindlemoor/patients/new/$"))

    page.get_by_label("MRN").fill("BIC-000101")
    page.get_by_label("Name").fill("Rosalind Fenwhistle")
    page.get_by_label("Date of birth").fill("1984-03-02")
    page.get_by_label("Phone").fill("+00 5550 424242")
    page.get_by_role("button", name="Register").click()

    error = page.locator("#id_mrn + small.field-error")
    expect(error).to_have_text("A patient with this MRN already exists in the facility.")
    expect(page.locator("small.field-error")).to_have_count(1)
    expect(page.get_by_label("Name")).to_have_value("Rosalind Fenwhistle")
    assert not Patient.objects.filter(name="Rosalind Fenwhistle").exists()

    page.get_by_label("MRN").fill("BIC-000104")
    page.get_by_role("button", name="Register").click()

    registered = Patient.objects.get(facility=clinic["facility"], mrn="BIC-000104")
    expect(page).to_have_url(re.compile(rf"/f/brindlemoor/patients/{registered.pk}/$"))
    expect(page.get_by_role("status")).to_have_text("Registered Rosalind Fenwhistle (BIC-000104).")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rosalind Fenwhistle")
    expect(page.get_by_role("button", name="Book this patient")).to_be_visible()
    assert (registered.name, registered.date_of_birth.isoformat(), registered.phone) == (
        "Rosalind Fenwhistle",
        "1984-03-02",
        "+00 5550 424242",
    )
    assert Patient.objects.filter(facility=clinic["facility"]).count() == 4
    assert page.console_errors == []
