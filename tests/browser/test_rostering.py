"""Rostering in a browser: a manager drafts a roster, follows its solve to the result and the
checker's verdict, publishes it after confirming and reads the calendar by person; a registrar
asks for leave on "My requests"; the assistant answers who is free and proposes a what-if; the
calendar fits a phone (its table scrolls inside itself); and every rostering page a manager or a
registrar can reach passes axe, has one <h1> and answers 200. All names are invented."""

import contextlib
import datetime as dt
import re
from collections import deque
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from rostering.models import Leave, Roster, RosterStatus
from rostering.services import rosters
from tests.browser.a11y import assert_accessible, axe_violations, describe
from tests.browser.test_phone import _assert_fits
from tests.rostering.conftest import (  # noqa: F401 - the fixtures
    manager,
    next_monday,
    other_registrar,
    published_roster,
    registrar,
    rota,
    rota_and_staff,
    small_problem,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "facility-a"  # the root conftest's ``facility``
HOME = f"/f/{SLUG}/rostering/"
# Files (CSV, ICS) are not pages; the rest of the app has its own crawl (test_accessibility).
NOT_PAGES = re.compile(r"\.csv|\.ics|/api/|/logout")


def test_a_manager_drafts_follows_checks_publishes_and_reads_the_roster(
    rota,  # noqa: F811
    manager,  # noqa: F811
    log_in,
    monkeypatch,
):
    # The solve is queued, not run in the request (no worker): the test runs it itself once the
    # page shows it waiting, so the page's polling is what brings the result.
    queued = []
    monkeypatch.setattr(rosters, "enqueue_on_commit", lambda task, **kwargs: queued.append(kwargs))
    page = log_in(manager.username)
    page.goto(HOME)
    page.get_by_label("Rota").select_option(label=rota.name)
    page.get_by_label("First day").fill(next_monday().isoformat())
    page.get_by_label("Number of days").fill("7")
    page.get_by_label("Time limit (seconds)").fill("3")
    page.get_by_role("button", name="Draft and solve").click()

    page.wait_for_url(re.compile(r"/rostering/rosters/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(rota.name)
    solve = page.locator("#roster-solve")
    expect(solve).to_have_attribute("data-solve-status", "queued")
    expect(solve.locator("progress")).to_be_visible()
    assert len(queued) == 1

    rosters.roster_solve_execute(roster_id=queued[0]["roster_id"])

    # htmx polls the solve and reloads the page once it has ended.
    expect(page.get_by_role("heading", name="Result")).to_be_visible(timeout=20_000)
    facts = page.locator(".roster-facts")
    for term in ("Objective", "Bound", "Gap"):
        expect(facts.locator("dt", has_text=term)).to_be_visible()
    expect(facts.locator("[data-objective]")).to_have_text(re.compile(r"^\d+$"))
    expect(page.locator("[data-check-ok]")).to_have_attribute("data-check-ok", "true")
    expect(page.locator("[data-check-ok]")).to_contain_text("OK: no hard rule broken.")
    expect(page.locator("svg.roster-chart")).to_be_visible()

    page.get_by_role("button", name="Publish…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Publish this roster?")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("Published")
    roster = Roster.objects.get(pk=queued[0]["roster_id"])
    assert roster.status == RosterStatus.PUBLISHED

    page.get_by_role("navigation", name="Roster views").get_by_role("link", name="By person").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("by person")
    grid = page.locator("table[data-calendar=person]")
    expect(grid.locator("tbody tr")).to_have_count(len(roster.problem["staff"]))
    expect(grid.locator("thead th")).to_have_count(1 + 7 + 1)  # the person, seven days, the count


def test_a_registrar_asks_for_leave_and_sees_it_listed(rota, registrar, log_in):  # noqa: F811
    page = log_in(registrar.username)
    page.goto(HOME)
    page.get_by_role("link", name="My requests").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My requests")

    first = next_monday(weeks_ahead=3)
    page.get_by_text("Ask for leave").click()
    form = page.locator("form", has=page.get_by_role("button", name="Ask for the leave"))
    form.get_by_label("First day").fill(first.isoformat())
    form.get_by_label("Last day").fill((first + dt.timedelta(days=1)).isoformat())
    form.get_by_role("button", name="Ask for the leave").click()

    leave = page.get_by_role("region", name="Leave").locator("tbody tr")
    expect(leave).to_have_count(1)
    expect(leave.first).to_contain_text(first.strftime("%-d %b %Y"))
    expect(leave.first).to_contain_text("Requested")
    assert Leave.objects.filter(staff__resource__user=registrar, first_day=first).count() == 1


def test_the_assistant_says_who_is_free_and_proposes_a_what_if(published_roster, manager, log_in):  # noqa: F811
    day = published_roster.first_day
    page = log_in(manager.username)
    page.goto(f"{HOME}assistant/")
    page.get_by_label("Your question").fill(f"who is free on {day.isoformat()}?")
    page.get_by_role("button", name="Ask").click()
    answer = page.get_by_role("region", name="Answer")
    expect(answer).to_be_visible()
    expect(answer.locator(".explanation")).to_contain_text(re.compile(r"free", re.IGNORECASE))
    expect(answer.get_by_role("button", name="Confirm")).to_have_count(0)

    page.get_by_label("Your question").fill(f"what if we need 3 city people on {day.isoformat()} night?")
    page.get_by_role("button", name="Ask").click()
    expect(page.get_by_role("region", name="Answer").get_by_role("button", name="Confirm")).to_be_visible()


def test_the_calendar_fits_a_phone_and_its_table_scrolls_inside_itself(published_roster, manager, log_in):  # noqa: F811
    page = log_in(manager.username)
    page.set_viewport_size({"width": 390, "height": 844})
    for by in ("person", "site", "shift"):
        page.goto(f"{HOME}rosters/{published_roster.pk}/calendar/{by}/")
        _assert_fits(page, context=f"the calendar by {by} on a phone")
        scroller = page.locator(".scroll-x").first
        assert scroller.evaluate("(box) => box.scrollWidth > box.clientWidth"), f"by {by}: the table fits anyway?"


def _rostering_links(page, origin: str) -> list[str]:
    found = []
    for href in page.eval_on_selector_all("a[href]", "links => links.map((link) => link.href)"):
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" == origin and parts.path.startswith(HOME) and not NOT_PAGES.search(href):
            found.append(href.split("#")[0])
    return found


def _crawl_rostering(page, origin: str, *, limit: int = 40) -> tuple[list[str], list[str]]:
    """Breadth-first over the rostering pages from its home: (pages visited, problems)."""
    queue, seen, visited, problems = deque([(origin + HOME, "the start")]), {HOME}, [], []
    why_seen = False
    while queue and len(visited) < limit:
        url, found_on = queue.popleft()
        response = page.goto(url)
        visited.append(url)
        if response is None or response.status != 200:
            problems.append(f"{url} answered {response.status if response else 'nothing'} (linked from {found_on})")
            continue
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_load_state("networkidle", timeout=3_000)
        violations = axe_violations(page)
        if violations:
            problems.append(f"{url}\n{describe(violations)}")
        if (headings := page.locator("h1").count()) != 1:
            problems.append(f"{url}\n- {headings} <h1> elements, not one")
        for link in _rostering_links(page, origin):
            path = urlsplit(link).path
            key = re.sub(r"/why/\d+/[\d-]+/$", "/why/", path)  # one why page stands for them all
            if key.endswith("/why/"):
                if why_seen:
                    continue
                why_seen = True
            if key not in seen:
                seen.add(key)
                queue.append((link, url))
    return visited, problems


@pytest.mark.parametrize("who", ["manager", "registrar"])
def test_every_rostering_page_passes_axe(who, request, published_roster, live_server, log_in):  # noqa: F811
    user = request.getfixturevalue(who)
    # A draft and a what-if too, so the manager's crawl reaches the draft's publish, the change
    # page and the differences from a parent.
    rosters.roster_create(
        facility=published_roster.rota.facility,
        actor=user if who == "manager" else published_roster.created_by,
        rota_id=published_roster.rota_id,
        first_day=published_roster.first_day,
        num_days=7,
        time_limit_seconds=3,
        parent=published_roster,
        purpose="what_if",
        note="What if two more on Monday",
    )
    page = log_in(user.username)
    visited, problems = _crawl_rostering(page, live_server.url)
    assert len(visited) > (15 if who == "manager" else 6), visited
    assert problems == [], f"{len(problems)} problems on {len(visited)} pages:\n\n" + "\n\n".join(problems)


def test_the_main_rostering_pages_fit_a_phone(published_roster, rota, manager, log_in):  # noqa: F811
    roster, rota_id = published_roster.pk, rota.pk
    pages = {
        "the rosters": "",
        "a roster": f"rosters/{roster}/",
        "its change page": f"rosters/{roster}/change/",
        "the swaps": "swaps/",
        "my requests": "requests/",
        "leave and preferences": "leave/",
        "the rotas": "setup/",
        "a rota's set-up": f"setup/{rota_id}/",
        "the assistant's schedule": "assistant/?q=show+next+week%27s+schedule",
    }
    page = log_in(manager.username)
    page.set_viewport_size({"width": 390, "height": 844})
    problems = []
    for name, tail in pages.items():
        response = page.goto(HOME + tail)
        assert response.status == 200, name
        for check in (_assert_fits, assert_accessible):
            try:
                check(page, context=f"{name} on a phone")
            except AssertionError as failure:
                problems.append(str(failure))
    assert problems == [], "\n\n".join(problems)
