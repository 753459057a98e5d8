"""axe-core on every page a member can reach, as each role: signed in through the login page, the
test follows the links of the overview and the top bar breadth-first within the facility (and
the pages those link to), runs axe on each, and fails listing every serious or critical
violation with the page and elements it was found on. The login page, the password change and
the error pages are checked too. All names are invented."""

import contextlib
import datetime as dt
import re
from collections import deque
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from booking import services as booking_services
from imports import services as import_services
from live_queue.services import check_in
from scheduling.models import Role
from tests.booking.conftest import build_clinic
from tests.browser.a11y import assert_accessible, axe_violations, describe
from tests.factories import FacilityFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "aldhelm"
MEMBERS = {
    Role.ADMIN: "admin-perpetua",
    Role.MANAGER: "manager-osric",
    Role.SCHEDULER: "desk-wilhelmina",
    Role.CLINICIAN: "dr-ambrose",
    Role.ANALYST: "analyst-rosalind",
}
PAGES_PER_ROLE = 60
# Links that are not pages to check: signing out, files, the API, Django admin (its own UI).
SKIP = re.compile(r"/logout|/api/|/admin/|\.csv|/file/|/export/|download", re.IGNORECASE)
NURSES_ONE_BAD = "date,nurses_available,max_chairs_supported\n2026-03-02,6,14\n2026-03-03,5,12\n2026-03-04,many,12\n"


def _book_today(clinic, patient, minutes_from_now: int):
    start = (timezone.now() + dt.timedelta(minutes=minutes_from_now)).replace(second=0, microsecond=0)
    return booking_services.booking_create(
        facility=clinic.facility,
        actor=clinic.admin,
        actor_role=Role.ADMIN,
        request=booking_services.BookingRequest(
            patient_id=patient.pk,
            appointment_type_id=clinic.visit.pk,
            start=start,
            end=start + dt.timedelta(minutes=20),
            resources=(booking_services.ResourceRequest(clinic.chair.pk),),
            kind="emergency",  # emergencies skip availability, so any time of today can be booked
        ),
        now=start - dt.timedelta(hours=1),
    )


@pytest.fixture
def clinic(django_capture_on_commit_callbacks):
    """A facility with a long name (the switcher must not clip it), a member of each role, the
    admin also a member of a second facility (so the switcher shows), bookings of today (one
    checked in, so the queue has an entry), and an import with a bad row (so its report has
    problems to show)."""
    facility = FacilityFactory(name="St Aldhelm's Community Hospital and Infusion Centre", slug=SLUG)
    users = {}
    for role, username in MEMBERS.items():
        users[role] = UserFactory(username=username)
        MembershipFactory(facility=facility, user=users[role], role=role)
    MembershipFactory(facility=FacilityFactory(name="Hollowmere Day Unit", slug="hollowmere"), user=users[Role.ADMIN])
    clinic = build_clinic(facility, users[Role.ADMIN])
    first = _book_today(clinic, clinic.patients[0], minutes_from_now=5)
    _book_today(clinic, clinic.patients[1], minutes_from_now=60)
    check_in(facility=facility, actor=users[Role.SCHEDULER], actor_role=Role.SCHEDULER, booking_id=first.pk)
    with django_capture_on_commit_callbacks(execute=True):
        import_services.import_upload(
            facility=facility,
            actor=users[Role.SCHEDULER],
            uploaded_file=SimpleUploadedFile("nurses.csv", NURSES_ONE_BAD.encode(), content_type="text/csv"),
            kind=None,
            load_valid_rows=False,
        )
    return clinic


def _page_key(url: str) -> tuple:
    """Pages that differ only in query values (another day, another page of a list) are one."""
    parts = urlsplit(url)
    return parts.path, tuple(sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)}))


def _settle(page) -> None:
    """Lets htmx's loads of the page (hx-trigger="load") finish before axe looks."""
    # A page that polls often is never idle; what it has drawn by then is enough.
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_load_state("networkidle", timeout=3_000)


def _links(page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map((link) => link.href)")
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin or not parts.path.startswith(f"/f/{SLUG}/"):
            continue
        if SKIP.search(href):
            continue
        found.append(href.split("#")[0])
    return found


def crawl(page, origin: str, start: str) -> tuple[list[str], list[str], list[str]]:
    """Breadth-first from ``start``: (pages visited, their axe failures, links that did not
    answer 200 with the page that shows them)."""
    queue, seen = deque([(origin + start, "the start")]), {_page_key(origin + start)}
    visited, failures, broken = [], [], []
    while queue and len(visited) < PAGES_PER_ROLE:
        url, found_on = queue.popleft()
        response = page.goto(url)
        visited.append(url)
        if response is None or response.status != 200:
            broken.append(f"{url} answered {response.status if response else 'nothing'} (linked from {found_on})")
            continue
        _settle(page)
        violations = axe_violations(page)
        if violations:
            failures.append(f"{url}\n{describe(violations)}")
        headings = page.locator("h1").count()
        if headings != 1:  # the page's title, once (axe counts only a missing one, as moderate)
            failures.append(f"{url}\n- {headings} <h1> elements, not one")
        for link in _links(page, origin):
            key = _page_key(link)
            if key not in seen:
                seen.add(key)
                queue.append((link, url))
    return visited, failures, broken


@pytest.mark.parametrize("role", list(MEMBERS))
def test_every_page_of_the_role_passes_axe(role, clinic, log_in, live_server):
    page = log_in(MEMBERS[role])
    visited, failures, broken = crawl(page, live_server.url, f"/f/{SLUG}/")

    assert len(visited) > 3, visited  # the crawl reached the sections, not just the overview
    assert (failures, broken) == ([], []), (
        f"{len(failures)} of {len(visited)} pages failed axe:\n\n"
        + "\n\n".join(failures)
        + "\n\nLinks that did not answer 200:\n"
        + "\n".join(broken)
    )


def test_the_login_and_password_pages_pass_axe(clinic, page, log_in):
    page.goto("/accounts/login/")
    assert_accessible(page, context="the login page")
    page.get_by_label("Username").fill(MEMBERS[Role.SCHEDULER])
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert_accessible(page, context="the login page with its error")

    log_in(MEMBERS[Role.SCHEDULER])
    page.goto("/accounts/password/")
    assert_accessible(page, context="the password change")
    page.get_by_role("button", name="Change password").click()
    assert_accessible(page, context="the password change with its errors")


def test_the_error_pages_pass_axe(clinic, page, log_in):
    response = page.goto("/no-such-page/")
    assert response.status == 404
    assert_accessible(page, context="404 signed out")

    log_in(MEMBERS[Role.ANALYST])
    response = page.goto(f"/f/{SLUG}/patients/")
    assert response.status == 403
    assert_accessible(page, context="403 for the analyst")
    response = page.goto(f"/f/{SLUG}/no-such-page/")
    assert response.status == 404
    assert_accessible(page, context="404 signed in")


def wait_for_htmx_to_settle(page):
    """htmx wires up new content when it settles, 20 ms after the swap. A person cannot press a key
    that fast, a test can, and its Enter would then fall on a button that does nothing yet."""
    page.wait_for_function("() => !document.querySelector('.htmx-added, .htmx-settling, .htmx-request')")


ACTIVE = "() => { const a = document.activeElement; return a ? (a.id || a.tagName.toLowerCase()) : null; }"


def test_typing_in_a_live_search_keeps_focus_in_the_box(clinic, log_in):
    page = log_in(MEMBERS[Role.SCHEDULER])
    page.goto(f"/f/{SLUG}/patients/")
    search = page.get_by_role("searchbox", name="Search patients")
    search.focus()
    with page.expect_response(lambda response: "/patients/?q=" in response.url):
        page.keyboard.type(clinic.patients[1].name[:8])
    expect(page.locator("#rows")).to_contain_text(clinic.patients[1].name)
    expect(search).to_be_focused()
    expect(search).to_have_value(clinic.patients[1].name[:8])


def test_focus_stays_in_the_patient_picker_when_its_content_is_replaced(clinic, log_in):
    """Picking a patient from the results (by keyboard) replaces the picker: focus goes to the new
    picker, not back to the top of the page."""
    page = log_in(MEMBERS[Role.SCHEDULER])
    page.goto(f"/f/{SLUG}/bookings/new/")
    page.get_by_role("searchbox", name="Search patients").fill(clinic.patients[2].mrn)
    result = page.locator("#patient-results button", has_text=clinic.patients[2].name)
    result.wait_for()
    wait_for_htmx_to_settle(page)
    result.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#patient-picker .picked")).to_contain_text(clinic.patients[2].name)
    assert page.evaluate("() => Boolean(document.activeElement.closest('#patient-picker'))"), page.evaluate(ACTIVE)

    # "Change" (a button without an id) brings the search back; focus stays in the picker.
    wait_for_htmx_to_settle(page)
    page.locator("#patient-picker").get_by_role("button", name="Change").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("searchbox", name="Search patients")).to_be_visible()
    assert page.evaluate("() => Boolean(document.activeElement.closest('#patient-picker'))"), page.evaluate(ACTIVE)


def test_the_skip_link_is_the_first_stop_and_moves_focus_to_the_main_content(clinic, log_in):
    page = log_in(MEMBERS[Role.SCHEDULER])
    page.goto(f"/f/{SLUG}/resources/")  # a page that focuses no field of its own
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("() => Boolean(document.activeElement.closest('main'))")


def test_the_favicon_is_served(clinic, page):
    response = page.goto("/favicon.ico")
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    page.goto("/accounts/login/")
    assert page.locator("link[rel=icon]").get_attribute("href").endswith("favicon.svg")
