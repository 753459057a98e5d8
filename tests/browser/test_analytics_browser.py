"""The analytics pages in a real browser: Chart.js (vendored) draws every chart from the page's
JSON blocks under the Content-Security-Policy, nothing is fetched from outside, and the console
stays clean. The figures come from the chair history and the January OR file, loaded through the
import service and aggregated as the nightly run does."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from scheduling.models import Role
from tests.analytics.conftest import CHAIR_START, chair_history, january  # noqa: F401 - fixtures
from tests.imports.conftest import theatres, upload, uploader  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS_DRAWN = """() => Array.from(document.querySelectorAll("canvas[data-chart]")).map((canvas) => {
    const chart = Chart.getChart(canvas);
    return {
        id: canvas.dataset.chart,
        drawn: Boolean(chart),
        points: chart ? chart.getDatasetMeta(0).data.length : 0,
        width: canvas.width,
        height: canvas.height,
    };
})"""


def _watch(page, live_server):
    """Requests to another host, and the console's errors (a CSP refusal is one; the browser's
    own request for a favicon, which CareSlot does not have, is not the pages')."""
    host = urlsplit(live_server.url).netloc
    outside, errors = [], []

    def console(message) -> None:
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("request", lambda request: urlsplit(request.url).netloc not in (host, "") and outside.append(request.url))
    page.on("console", console)
    return outside, errors


def _charts(page) -> list[dict]:
    page.wait_for_function("() => document.documentElement.classList.contains('charts-drawn')")
    return page.evaluate(CHARTS_DRAWN)


def test_chart_js_draws_the_dashboards_under_the_policy(
    chair_history,  # noqa: F811 - the fixture imported above
    january,  # noqa: F811
    facility,
    make_member,
    page,
    live_server,
    log_in,  # noqa: F811
):
    make_member(facility, Role.MANAGER, username="nurse-manager-wren")
    outside, errors = _watch(page, live_server)
    log_in("nurse-manager-wren")

    page.goto(f"/f/{facility.slug}/analytics/?from={CHAIR_START:%Y-%m-%d}&to=2026-03-29")
    expect(page.get_by_role("heading", level=1)).to_have_text("Chair analytics")
    assert page.evaluate("typeof window.Chart") == "function", "Chart.js did not load (static files?)"
    charts = _charts(page)
    assert {chart["id"] for chart in charts} == {"chart-trend", "chart-variance-category", "chart-variance-type"}
    for chart in charts:
        assert chart["drawn"] and chart["points"] > 0 and chart["width"] > 0 and chart["height"] > 0, chart
    trend_points = page.evaluate(
        "Chart.getChart(document.querySelector('[data-chart=chart-trend]')).data.labels.length"
    )
    assert trend_points == page.locator("#table-days tbody tr").count() == 20  # the weekdays of four weeks
    expect(page.locator("table.heat-map td.heat-5, table.heat-map td.heat-6").first).to_be_visible()

    page.goto(f"/f/{facility.slug}/analytics/theatres/?from=2022-01-01&to=2022-01-31")
    charts = _charts(page)
    assert {chart["id"] for chart in charts} == {"chart-booked-service", "chart-booked-procedure", "chart-booked-suite"}
    assert all(chart["drawn"] and chart["points"] > 0 for chart in charts), charts

    page.goto(f"/f/{facility.slug}/analytics/report/?date=2026-03-10")
    expect(page.get_by_role("button", name="Email me this report each morning")).to_be_visible()
    page.get_by_role("button", name="Email me this report each morning").click()
    expect(page.get_by_role("button", name="Stop emailing me this report")).to_be_visible()

    assert outside == []
    assert errors == []
    assert page.console_errors == []
