"""Every route of the API answers OPTIONS, and answers a signed-in browser (which asks for
HTML), without a server error, for its own facility and for a facility the user is not in."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

PLACEHOLDER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def _routes(patterns=None, prefix: str = ""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        text = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, text)
        elif isinstance(pattern, URLPattern) and text.startswith("api/v1/"):
            yield text


API_ROUTES = sorted(set(_routes()))


def _url(route: str, ids: dict) -> str:
    def fill(match):
        # An id this test does not name is any number: a route answers 404 for it, an answer.
        name = match.group(1) or match.group(2)
        return str(ids.get(name, 1))

    return "/" + PLACEHOLDER.sub(fill, route)


@pytest.fixture
def ids(clinic, booking):
    # Any real id serves: a route that does not know it answers 404, which is an answer.
    return {
        "facility_slug": clinic.facility.slug,
        "pk": booking.pk,
        "schedule_pk": clinic.chair_schedule.pk,
        "resource_id": clinic.chair.pk,
    }


def test_the_route_list_is_not_empty():
    assert len(API_ROUTES) > 30


def test_options_answers_every_route(ids, browser, api_client):
    failures = []
    for route in API_ROUTES:
        for client in (api_client, browser):
            response = client.options(_url(route, ids))
            if response.status_code >= 500 or not response["Content-Type"].startswith("application/json"):
                failures.append((route, response.status_code))
    assert failures == []


def test_a_browser_session_gets_no_server_error(ids, browser, stranger_facility):
    failures = []
    for route in API_ROUTES:
        for facility_slug in (ids["facility_slug"], stranger_facility.slug):
            url = _url(route, {**ids, "facility_slug": facility_slug})
            for accept in ("text/html", "text/html,application/xhtml+xml,*/*;q=0.8"):
                response = browser.get(url, HTTP_ACCEPT=accept)
                if response.status_code >= 500:
                    failures.append((url, accept, response.status_code))
    assert failures == []


def test_options_of_a_collection_describes_it(clinic, api_client):
    response = api_client.options(f"/api/v1/facilities/{clinic.facility.slug}/bookings/")
    assert response.status_code == 200
    assert response.json()["name"]
    assert "application/json" in response.json()["renders"]


def test_options_of_another_facility_is_not_found(stranger_facility, api_client):
    response = api_client.options(f"/api/v1/facilities/{stranger_facility.slug}/bookings/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
