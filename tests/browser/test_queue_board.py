"""The day of care in a real browser: the desk checks in a booked patient and a walk-in through the
pages, opens the waiting-room board in a second tab, calls the next patient, and the board shows
the called token by itself (htmx polling, no reload), while never naming anyone. The staff page
refreshes its list by itself too, without losing what the desk is typing. All names are invented."""

import pytest
from playwright.sync_api import expect

from live_queue.models import Encounter, QueueEntry
from live_queue.services import check_in
from scheduling.models import Role
from tests.booking.conftest import build_clinic
from tests.browser.conftest import ARTIFACTS
from tests.factories import FacilityFactory, MembershipFactory, UserFactory
from tests.live_queue.conftest import book_today

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMES = ["Oriel Pennyworth", "Tamsyn Quillfeather", "Bastian Mossgrove"]


@pytest.fixture
def clinic():
    facility = FacilityFactory(name="Brindlemoor Infusion Centre", slug="brindlemoor")
    admin = UserFactory(username="admin-brindlemoor")
    MembershipFactory(facility=facility, user=admin, role=Role.ADMIN)
    MembershipFactory(facility=facility, user=UserFactory(username="desk-ottoline"), role=Role.SCHEDULER)
    clinic = build_clinic(facility, admin)
    for number, (patient, name) in enumerate(zip(clinic.patients, NAMES, strict=True), start=1):
        patient.name, patient.mrn = name, f"BIC-00010{number}"
        patient.save()
    return clinic


def test_calling_a_patient_updates_the_waiting_room_board_by_itself(clinic, log_in):
    booked, walker, late = clinic.patients
    booking = book_today(clinic, booked)
    page = log_in("desk-ottoline")

    # Check in the booked patient from today's list.
    page.goto("/f/brindlemoor/queue/")
    assert page.evaluate("typeof window.htmx") == "object", "htmx did not load (static files?)"
    page.get_by_role("button", name=f"Check in {booked.name}").click()
    expect(page.get_by_role("status")).to_have_text(f"Token 1 — Chair 01 · {booked.name} checked in.")
    expect(page.get_by_role("button", name=f"Check in {booked.name}")).to_have_count(0)

    # A walk-in: live patient search, pick, where they wait, check in.
    page.get_by_placeholder("Search by name, MRN or phone").fill("quill")
    choice = page.locator("#patient-results label", has_text=walker.name)
    expect(choice).to_be_visible()
    choice.click()
    page.get_by_label("Waits for").select_option(label="Chair 01")
    page.get_by_role("button", name="Check in walk-in").click()
    expect(page.get_by_role("status")).to_have_text(f"Token 2 — Chair 01 · {walker.name} checked in.")
    assert Encounter.objects.get(patient=walker).booking_id is None
    assert Encounter.objects.get(patient=booked).booking_id == booking.pk

    # The staff page of the chair's queue, and the board in a second tab on a wall-sized screen.
    page.get_by_role("button", name="Open queue").click()
    expect(page.locator("table.waiting tbody tr")).to_have_count(2)
    board = page.context.new_page()
    board.set_viewport_size({"width": 1920, "height": 1080})
    board.goto(page.url + "board/")
    expect(board.locator(".board-head h1")).to_have_text("Chair 01")
    expect(board.locator(".board-empty").first).to_contain_text("Please take a seat")
    expect(board.locator(".next-tokens li")).to_have_text(["1", "2"])
    board.evaluate("window.notReloaded = true")

    page.get_by_label("Counter or room").fill("Room 2")
    page.get_by_role("button", name="Call next").click()
    expect(page.get_by_role("status")).to_have_text("Token 1 called to Room 2.")
    entry = QueueEntry.objects.get(token_number=1, queue__resource=clinic.chair)
    assert (entry.status, entry.counter, entry.encounter.patient_id) == ("called", "Room 2", booked.pk)

    # The board changes by itself within a few seconds, without a reload.
    expect(board.locator(".call-latest .call-token")).to_have_text("1", timeout=6_000)
    expect(board.locator(".call-latest .call-to")).to_have_text("→ Room 2")
    expect(board.locator(".next-tokens li")).to_have_text(["2"])
    assert board.evaluate("window.notReloaded") is True
    board_text = board.locator("body").inner_text()
    for patient in clinic.patients:
        assert patient.name not in board_text and patient.mrn not in board_text

    # The staff list refreshes itself too, and what the desk is typing in the call form stays.
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Counter or room").fill("Room 3")
    check_in(
        facility=clinic.facility,
        actor=clinic.admin,
        actor_role="admin",
        patient_id=late.pk,
        resource_id=clinic.chair.pk,
    )
    expect(page.locator("table.waiting tbody tr")).to_have_count(2, timeout=15_000)
    expect(page.locator("#queue-entries")).to_contain_text(late.name)
    expect(page.get_by_label("Counter or room")).to_have_value("Room 3")
    assert page.evaluate("window.notReloaded") is True
    expect(board.locator(".next-tokens li")).to_have_text(["2", "3"], timeout=6_000)

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "queue-staff-page.png"), full_page=True)
    board.screenshot(path=str(ARTIFACTS / "queue-board.png"))
    assert page.console_errors == []
