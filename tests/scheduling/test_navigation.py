"""The top bar shows each member only the sections their role may open: every link it shows
answers 200, and the sections a role may not open are not shown at all (no bare 403 pages).
The error pages have one heading and a way on: the facility's overview when signed in, the home
page and the sign-in when not."""

import re

import pytest
from django.test import Client, override_settings

from config import error_pages
from scheduling.models import Role
from scheduling.permissions import role_allows
from scheduling.ui import NAVIGATION

pytestmark = pytest.mark.django_db

SECTIONS = re.compile(r'<ul class="topbar-sections">(.*?)</ul>', re.DOTALL)
LINK = re.compile(r'<a href="([^"]+)"[^>]*>([^<]+)</a>')


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _section_links(html: str) -> dict[str, str]:
    match = SECTIONS.search(html)
    assert match, "the page has no top bar sections"
    return {label: href for href, label in LINK.findall(match.group(1))}


@pytest.mark.parametrize("role", list(Role))
def test_every_section_the_top_bar_shows_answers_200(role, facility, make_member):
    client = _signed_in(make_member(facility, role))
    overview = client.get(f"/f/{facility.slug}/")
    assert overview.status_code == 200

    links = _section_links(overview.content.decode())
    expected = [item.label for item in NAVIGATION if item.action is None or role_allows(role, item.action)]
    assert list(links) == expected
    for label, href in links.items():
        response = client.get(href)
        assert response.status_code == 200, f"{role}: {label} ({href}) answered {response.status_code}"


def test_the_analyst_sees_no_patient_booking_or_queue_section(facility, make_member):
    client = _signed_in(make_member(facility, Role.ANALYST))
    links = _section_links(client.get(f"/f/{facility.slug}/").content.decode())

    assert {"Bookings", "Queue", "Patients"}.isdisjoint(links)
    assert {"Availability", "Resources", "Imports", "Analytics"} <= set(links)


def test_every_section_has_the_action_of_its_page():
    """A section without an action would be shown to every role, whatever its page requires."""
    assert [item.label for item in NAVIGATION if item.action is None] == []


def _ways_on(html: str) -> list[str]:
    footer = re.search(r'<footer class="error-ways">(.*?)</footer>', html, re.DOTALL)
    assert footer, "the error page offers no way on"
    return re.findall(r'<a href="([^"]+)"', footer.group(1))


@override_settings(DEBUG=False)
def test_a_refused_page_leads_back_to_the_facility_overview(facility, make_member):
    client = _signed_in(make_member(facility, Role.ANALYST))
    response = client.get(f"/f/{facility.slug}/patients/")

    assert response.status_code == 403
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert f"/f/{facility.slug}/" in _ways_on(html)
    assert "Analytics" in _section_links(html)  # the facility's sections are still there


@override_settings(DEBUG=False)
def test_a_missing_page_leads_a_member_of_one_facility_to_its_overview(facility, make_member):
    client = _signed_in(make_member(facility, Role.SCHEDULER))
    response = client.get(f"/f/{facility.slug}/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert _ways_on(html) == [f"/f/{facility.slug}/"]


@override_settings(DEBUG=False)
def test_a_missing_page_offers_home_and_the_sign_in_when_signed_out(db):
    response = Client().get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert set(_ways_on(html)) == {"/", "/accounts/login/"}


def test_the_500_page_has_one_heading_and_a_way_home(rf):
    response = error_pages.server_error(rf.get("/somewhere/"))

    assert response.status_code == 500
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "/" in _ways_on(html)
