"""403, 404 and 500 are the app's styled pages, never debug output; API URLs answer the JSON
error shape instead."""

import pytest
from django.test import Client, override_settings

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.security.error_urls")]


@pytest.fixture
def browser_client():
    # As a server would: an exception becomes the 500 answer rather than failing the test.
    return Client(raise_request_exception=False)


@override_settings(DEBUG=False)
def test_an_exception_gives_the_styled_500_without_a_traceback(browser_client):
    response = browser_client.get("/boom/")

    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong on our side" in body
    assert "css/careslot.css" in body  # the app's own layout
    assert "hunter2" not in body and "Traceback" not in body and "RuntimeError" not in body


@override_settings(DEBUG=False)
def test_an_exception_under_the_api_gives_the_json_error_shape(browser_client):
    response = browser_client.get("/api/v1/boom/")

    assert response.status_code == 500
    assert response.json() == {
        "code": "server_error",
        "detail": "Something went wrong on our side. It has been logged.",
        "fields": {},
    }


@override_settings(DEBUG=False)
def test_an_unknown_page_gives_the_styled_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    body = response.content.decode()
    assert "There is nothing here" in body
    assert "css/careslot.css" in body
    assert "no-such-page" not in body  # no echo of the request


@override_settings(DEBUG=False)
def test_an_unknown_api_url_gives_the_json_404(client):
    response = client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found.", "fields": {}}


@override_settings(DEBUG=False)
def test_a_refusal_gives_the_styled_403_without_the_reason(client):
    response = client.get("/forbidden/")

    assert response.status_code == 403
    body = response.content.decode()
    assert "You are not allowed to do that" in body
    assert "internal reason" not in body


@override_settings(DEBUG=False)
def test_a_failed_csrf_check_gives_the_styled_403(user):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)

    response = strict.post("/accounts/logout/")

    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
