"""In a real browser, Redoc, Swagger UI and the pages send no request outside the app and break
no rule of the Content-Security-Policy that they need (an inline script, eval)."""

from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch(page, live_server):
    """Requests to another host the browser did not stop for the policy (so they went out), and
    the policy's complaints in the console."""
    host = urlsplit(live_server.url).netloc
    outside, refused = [], []

    def went_out(request) -> None:
        if urlsplit(request.url).netloc not in (host, "") and request.failure != "csp":
            outside.append(request.url)

    page.on("requestfinished", went_out)
    page.on("requestfailed", went_out)
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and refused.append(message.text),
    )
    return outside, refused


def test_api_docs_load_nothing_from_outside(page, live_server):
    outside, refused = _watch(page, live_server)

    page.goto("/api/redoc/")
    page.get_by_text("CareSlot API").first.wait_for()
    page.goto("/api/docs/")
    page.locator(".swagger-ui .info").wait_for()

    assert outside == []
    # Redoc's bundle always draws a logo from cdn.redoc.ly; the policy stops it before it leaves.
    assert [text for text in refused if "cdn.redoc.ly" not in text] == []
    assert page.console_errors == []


def test_pages_run_under_the_policy(page, live_server, log_in, user, facility):
    outside, refused = _watch(page, live_server)

    log_in(user.username)
    for path in ("", "patients/", "bookings/", "bookings/new/", "queue/", "availability/"):
        page.goto(f"/f/{facility.slug}/{path}")
    page.goto(f"/f/{facility.slug}/patients/")
    page.get_by_role("searchbox").fill("zz")  # htmx live search still works without eval
    page.wait_for_load_state("networkidle")

    assert outside == []
    assert refused == []
    assert page.console_errors == []
