"""The what-if simulation in a real browser: a manager fills the form, the run (Celery eager here)
finishes, and the run's page draws every chart from its JSON blocks under the
Content-Security-Policy with a clean console; both pages pass axe and fit a 390 px phone."""

from urllib.parse import urlsplit

import pytest

from scheduling.models import Role
from tests.browser.a11y import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS = """() => Array.from(document.querySelectorAll("canvas[data-simulation-chart]")).map((canvas) => {
    const chart = Chart.getChart(canvas);
    const points = chart ? chart.getDatasetMeta(0).data.length : 0;
    return { id: canvas.dataset.simulationChart, drawn: Boolean(chart), points };
})"""
OVERFLOWS = "() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"


def test_a_run_from_the_form_to_its_charts(facility, make_member, page, live_server, log_in):
    make_member(facility, Role.MANAGER, username="nurse-manager-ivo")
    host = urlsplit(live_server.url).netloc
    outside, errors = [], []
    page.on("request", lambda request: urlsplit(request.url).netloc not in (host, "") and outside.append(request.url))
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not message.location.get("url", "").endswith("/favicon.ico")
            and errors.append(message.text)
        ),
    )
    log_in("nurse-manager-ivo")
    page.goto(f"/f/{facility.slug}/infusion/simulation/")
    assert_accessible(page, context="simulation form")
    page.get_by_label("Days measured").fill("28")
    page.get_by_label("Replications").fill("2")
    page.get_by_role("button", name="Run the simulation").click()
    page.wait_for_url("**/infusion/simulation/*/")
    page.wait_for_function("() => document.documentElement.classList.contains('charts-drawn')")
    charts = page.evaluate(CHARTS)
    assert len(charts) == 8
    assert all(chart["drawn"] and chart["points"] > 0 for chart in charts), charts
    assert page.get_by_role("heading", level=1).inner_text().startswith("Simulation run")
    assert_accessible(page, context="simulation run")
    # On a phone: the page loaded at its width, charts drawn.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_function("() => document.documentElement.classList.contains('charts-drawn')")
    assert not page.evaluate(OVERFLOWS)
    page.goto(f"/f/{facility.slug}/infusion/simulation/")
    assert not page.evaluate(OVERFLOWS)
    assert not outside and not errors, (outside, errors)
