"""The analytics pages through Django's test client, as an analyst, a nurse manager and an
administrator use them: the chairs dashboard, the theatres page, the daily report with its email
subscription, the nightly runs with their re-run button, and the CSV downloads. The figures a page
shows are the metrics' own; roles and facilities are checked on every URL."""

import csv
import datetime as dt
import io
import json
import re
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from analytics import metrics, selectors, services, tasks
from analytics.models import NightlyRun, ReportSubscription
from scheduling.models import ResourceKind, Role, SchedulableResource
from tests.analytics.conftest import CHAIR_DAYS, CHAIR_START, CHAIR_TODAY, JANUARY
from tests.factories import ResourceFactory

pytestmark = pytest.mark.django_db

CHAIR_LAST = CHAIR_START + dt.timedelta(days=CHAIR_DAYS - 1)
CHAIR_RANGE = {"from": f"{CHAIR_START:%Y-%m-%d}", "to": f"{CHAIR_LAST:%Y-%m-%d}"}
OR_RANGE = {"from": f"{JANUARY[0]:%Y-%m-%d}", "to": f"{JANUARY[1]:%Y-%m-%d}"}
SCRIPT_CHAIR = '<script>alert("chair")</script>'
FORMULA_CHAIR = '=HYPERLINK("http://evil.invalid/?q=1","click")'


@pytest.fixture
def signed_in(db):
    def sign_in(member) -> Client:
        client = Client()
        client.force_login(member)
        return client

    return sign_in


@pytest.fixture
def manager(facility, make_member, signed_in):
    return signed_in(make_member(facility, Role.MANAGER))


@pytest.fixture
def analyst(facility, make_member, signed_in):
    return signed_in(make_member(facility, Role.ANALYST))


def url(facility, tail: str = "") -> str:
    return f"/f/{facility.slug}/analytics/{tail}"


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode()


def local_today(facility) -> dt.date:
    return timezone.localdate(timezone=ZoneInfo(facility.time_zone))


def table_rows(html: str, name: str) -> list[list[str]]:
    """The body rows of the table ``name`` (``id="table-<name>"``), as the text of each cell."""
    section = re.search(rf'<section[^>]*id="table-{name}".*?</section>', html, re.S)
    assert section, f"no table {name}"
    tbody = re.search(r"<tbody>(.*?)</tbody>", section.group(0), re.S)
    if tbody is None:
        return []
    return [
        [unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", tbody.group(1), re.S)
    ]


def figures(html: str) -> dict[str, str]:
    """The headline figures: label → value as shown."""
    found = re.findall(r'<div class="figure">(.*?)</div>\s*<strong>(.*?)</strong>', html, re.S)
    return {unescape(label): unescape(value) for value, label in found}


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body(response))))


def pct(value) -> str:
    return f"{value * 100:.1f} %"


def csv_file(rows: list[list]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


@pytest.fixture
def small_clinic(facility, upload):
    """Two chairs with hostile names; two days ago they were used, in three days they are
    overbooked while one nurse can run one chair only (a day at risk for both reasons)."""
    for name in (SCRIPT_CHAIR, FORMULA_CHAIR):
        ResourceFactory(facility=facility, kind=ResourceKind.CHAIR, name=name)
    today = local_today(facility)
    past, ahead = today - dt.timedelta(days=2), today + dt.timedelta(days=3)
    header = ["appointment_id", "encounter_id", "date", "chair", "regimen_category", "patient_type"]
    appointments = [
        [*header, "scheduled_chair_minutes", "status"],
        ["P-1", "EP-1", past, SCRIPT_CHAIR, "medium", "CMO-SHORT", 120, "completed"],
        ["P-2", "EP-2", past, FORMULA_CHAIR, "short", "INF", 45, "completed"],
        ["P-3", "EP-3", past, FORMULA_CHAIR, "short", "INF", 45, "cancelled"],
        *([f"F-{n}", f"EF-{n}", ahead, SCRIPT_CHAIR, "long", "CMO-LONG", 360, "scheduled"] for n in range(4)),
    ]
    times = [
        ["encounter_id", "actual_start", "actual_end", "total_chair_minutes"],
        ["EP-1", f"{past} 09:00", f"{past} 11:30", 150],
        ["EP-2", f"{past} 12:00", f"{past} 12:40", 40],
    ]
    nurses = [["date", "nurses_available", "max_chairs_supported"], [past, 2, 2], [ahead, 1, 1]]
    for kind, rows in (("chair_appointments", appointments), ("chair_times", times), ("nurse_capacity", nurses)):
        record, _ = upload(csv_file(rows), name=f"{kind}.csv", kind=kind)
        assert record.status == "loaded", (kind, record.message)
    services.aggregates_rebuild(facility=facility, first=past, last=ahead)
    return facility, past, ahead


# --- who may see what -------------------------------------------------------------------------------

READ = [
    "",
    "theatres/",
    "report/",
    "export/days.csv",
    "export/suites.csv",
    "export/report.csv",
    "export/report-by-chair.csv",
]
MANAGE = ["runs/", "export/runs.csv"]


def test_each_page_by_role_and_facility(facility, other_facility, make_member, signed_in):
    for role in (Role.ANALYST, Role.MANAGER, Role.ADMIN, Role.SCHEDULER):
        client = signed_in(make_member(facility, role))
        for tail in READ:
            assert client.get(url(facility, tail)).status_code == 200, (role, tail)
        for tail in MANAGE:
            expected = 200 if role in (Role.MANAGER, Role.ADMIN) else 403
            assert client.get(url(facility, tail)).status_code == expected, (role, tail)
        home = client.get(f"/f/{facility.slug}/").content.decode()
        assert f'href="{url(facility)}"' in home  # the navigation's Analytics entry

    clinician = signed_in(make_member(facility, Role.CLINICIAN))
    for tail in READ + MANAGE:
        assert clinician.get(url(facility, tail)).status_code == 403, tail
    assert clinician.post(url(facility, "report/subscribe/"), {"subscribe": "1"}).status_code == 403
    assert clinician.post(url(facility, "runs/rerun/"), {"date": "2026-03-02"}).status_code == 403
    assert f'href="{url(facility)}"' not in clinician.get(f"/f/{facility.slug}/").content.decode()

    stranger = signed_in(make_member(other_facility, Role.ADMIN))
    for tail in READ + MANAGE:
        assert stranger.get(url(facility, tail)).status_code == 404, tail
    assert stranger.post(url(facility, "runs/rerun/"), {"date": "2026-03-02"}).status_code == 404

    anonymous = Client().get(url(facility))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert Client().get(url(facility, "export/days.csv")).status_code == 302


def test_each_page_has_one_h1(facility, manager):
    for tail in ("", "theatres/", "report/", "runs/"):
        assert body(manager.get(url(facility, tail))).count("<h1") == 1, tail
    assert "No nightly run is recorded for these days yet" in body(manager.get(url(facility, "runs/")))


# --- the chairs dashboard ---------------------------------------------------------------------------


def test_chairs_dashboard_shows_the_metrics(chair_history, manager):
    facility, _ = chair_history
    first, last = CHAIR_START, CHAIR_LAST
    response = manager.get(url(facility), CHAIR_RANGE)
    assert response.status_code == 200
    html = body(response)

    rates = metrics.chair_rates(facility=facility, first=first, last=last)
    shown = figures(html)
    assert shown["Utilization"] == pct(rates["utilization"])
    assert shown["Cancellations"] == pct(rates["cancellation_rate"])
    assert shown["No-shows"] == pct(rates["no_show_rate"])
    assert shown["Mean variance"] == f"+{rates['mean_difference']:.1f} min"
    assert "No chair data in this period" not in html

    days = metrics.chair_days(facility=facility, first=first, last=last)
    trend = json.loads(re.search(r'<script id="chart-trend" type="application/json">(.*?)</script>', html).group(1))
    assert trend["datasets"][0]["data"] == [day["used_minutes"] for day in days]
    assert trend["datasets"][1]["data"] == [day["supported_minutes"] for day in days]
    assert trend["datasets"][2]["data"] == [round(day["utilization"] * 100, 1) for day in days]
    shown_days = table_rows(html, "days")
    assert len(shown_days) == len(days)
    assert shown_days[1][0] == f"{days[1]['date']:%a %d %b %Y}" and shown_days[1][-2] == pct(days[1]["utilization"])

    chairs = metrics.chair_use_by_chair(facility=facility, first=first, last=last)
    shown_chairs = {row[0]: row for row in table_rows(html, "chairs")}
    assert set(shown_chairs) == {chair["chair_name"] for chair in chairs}
    for chair in chairs:
        assert shown_chairs[chair["chair_name"]][1] == str(chair["appointments"])
        assert shown_chairs[chair["chair_name"]][2] == f"{chair['used_minutes']:,} min"
        assert shown_chairs[chair["chair_name"]][4] == pct(chair["utilization"])

    by_category = metrics.chair_variance(facility=facility, first=first, last=last, group_by="regimen_category")
    shown_variance = {row[0]: row for row in table_rows(html, "variance-regimen-category")}
    for group in by_category:
        row = shown_variance[group["regimen_category"]]
        assert row[1] == str(group["appointments"])
        assert row[-1] == pct(group["share_off"])
    long = next(group for group in by_category if group["regimen_category"] == "long")
    assert shown_variance["long"][4] == f"+{long['mean_difference']:.1f} min"
    assert shown_variance["long"][6] == f"+{long['p90_difference']:g} min"

    weeks = metrics.weekly_trends(facility=facility, first=first, last=last)
    shown_weeks = table_rows(html, "weeks")
    assert [row[1] for row in shown_weeks] == [str(week["appointments"]) for week in weeks]
    assert shown_weeks[0][3] == pct(weeks[0]["utilization"])

    by_hour = {
        (row["weekday"], row["hour"]): row
        for row in metrics.chair_use_by_hour(facility=facility, first=first, last=last)
    }
    heat = re.search(r'<table class="heat-map">.*?</table>', html, re.S).group(0)
    monday = re.search(r"<th scope=\"row\">Monday</th>(.*?)</tr>", heat, re.S).group(1)
    nine = unescape(re.findall(r"<td[^>]*>(.*?)</td>", monday)[1])  # 08:00 is the first column
    assert nine == pct(by_hour[(0, 9)]["utilization"])
    level = min(10, int(by_hour[(0, 9)]["utilization"] * 10))
    assert f'class="heat heat-{level}"' in monday
    assert ' style="' not in html.split("<main", 1)[1]  # shading by class: nothing inline for the CSP


def test_department_and_chair_filters(chair_history, manager):
    facility, _ = chair_history
    chair_1, chair_2 = (
        SchedulableResource.objects.get(facility=facility, name=name) for name in ("Chair 1", "Chair 2")
    )
    html = body(manager.get(url(facility), {**CHAIR_RANGE, "department": chair_1.department_id}))
    assert [row[0] for row in table_rows(html, "chairs")] == ["Chair 1"]
    assert "of the whole infusion center" in html

    html = body(manager.get(url(facility), {**CHAIR_RANGE, "resource": chair_2.pk}))
    only = metrics.chair_variance(
        facility=facility, first=CHAIR_START, last=CHAIR_LAST, group_by="patient_type", resource_ids=[chair_2.pk]
    )
    assert [row[1] for row in table_rows(html, "variance-patient-type")] == [str(g["appointments"]) for g in only]

    response = manager.get(url(facility), {**CHAIR_RANGE, "department": chair_1.department_id, "resource": chair_2.pk})
    assert response.status_code == 400
    assert "not in the chosen department" in body(response)


def test_at_risk_calendar_names_the_reasons(small_clinic, manager):
    facility, _, ahead = small_clinic
    html = body(manager.get(url(facility)))
    risk = metrics.at_risk_days(facility=facility, first=ahead, last=ahead)[0]
    assert set(risk["reasons"]) == {"staffing_shortfall", "over_demand"}

    calendar = re.search(r'<table class="risk-calendar">.*?</table>', html, re.S).group(0)
    cells = [
        cell for cell in re.findall(r'<td class="calendar-day[^"]*">.*?</td>', calendar, re.S) if "outside" not in cell
    ]
    assert len(cells) == 14
    risky = [cell for cell in cells if "at-risk" in cell]
    assert len(risky) == 1 and f'datetime="{ahead:%Y-%m-%d}"' in risky[0]
    for reason in risk["reasons"]:
        assert metrics.RISK_REASONS[reason] in risky[0]
    expected = f"Expected {risk['expected_minutes']:,} min of {risk['supported_minutes']:,} min supported"
    assert expected in unescape(risky[0])
    assert "1 day at risk" in html

    rows = csv_rows(manager.get(url(facility, "export/risk.csv")))
    assert rows[0][:3] == ["date", "at_risk", "reasons"] and len(rows) == 15
    flagged = [row for row in rows[1:] if row[1] == "yes"]
    assert [row[0] for row in flagged] == [f"{ahead:%Y-%m-%d}"]
    assert metrics.RISK_REASONS["staffing_shortfall"] in flagged[0][2]


def test_an_empty_period_says_so(facility, analyst):
    html = body(analyst.get(url(facility)))
    assert "No chair data in this period — import files or complete bookings" in html
    assert table_rows(html, "chairs") == []
    html = body(analyst.get(url(facility, "theatres/")))
    assert "No theatre cases in this period" in html


def test_a_script_in_a_chair_name_is_escaped(small_clinic, manager):
    facility, past, _ = small_clinic
    for address, query in (
        (url(facility), {"from": f"{past:%Y-%m-%d}", "to": f"{past:%Y-%m-%d}"}),
        (url(facility, "report/"), {"date": f"{past:%Y-%m-%d}"}),
    ):
        html = body(manager.get(address, query))
        assert "<script>alert(" not in html
        assert "&lt;script&gt;alert(&quot;chair&quot;)&lt;/script&gt;" in html


# --- the theatres ---------------------------------------------------------------------------------


def test_an_empty_default_period_points_to_the_latest_cases(january, theatres, manager):
    html = body(manager.get(url(january, "theatres/")))  # the last 28 days: nothing since 2022
    assert "No theatre cases in this period" in html
    assert 'The latest cases are of January 2022: <a href="?from=2022-01-01&amp;to=2022-01-31">' in html


def test_theatres_page_shows_the_january_figures(january, theatres, manager):
    response = manager.get(url(january, "theatres/"), OR_RANGE)
    assert response.status_code == 200
    html = body(response)
    whole = metrics.or_suites(facility=january, first=JANUARY[0], last=JANUARY[1], by_suite=False)[0]
    shown = figures(html)
    assert shown["Cases per suite-day"] == f"{whole['cases_per_suite_day']:.1f}" == "4.3"
    assert shown["Prime-time utilization"] == pct(whole["prime_time_utilization"])
    assert shown["First case on time"] == pct(whole["first_case_on_time_share"])
    assert shown["Late starts"] == pct(whole["late_start_share"])
    assert shown["Mean turnover"] == f"{whole['mean_turnover_minutes']:.1f} min"
    assert shown["Past prime time"] == str(whole["days_after_prime"])

    suites = {row[0]: row for row in table_rows(html, "suites")}
    assert len(suites) == 8 and suites["3"][2] == "135"
    services_shown = {row[0]: row for row in table_rows(html, "booked-service")}
    by_service = metrics.or_booked_vs_actual(facility=january, first=JANUARY[0], last=JANUARY[1], group_by="service")
    for group in by_service:
        assert services_shown[group["service"]][1] == str(group["cases"])
        assert services_shown[group["service"]][3] == f"{group['mean_in_room_minutes']:g} min"
    chart = json.loads(
        re.search(r'<script id="chart-booked-service" type="application/json">(.*?)</script>', html).group(1)
    )
    assert chart["labels"] == [group["service"] for group in by_service][: len(chart["labels"])]

    knock_on = metrics.or_knock_on(facility=january, first=JANUARY[0], last=JANUARY[1])
    after_late = table_rows(html, "knock-on")[0]
    assert after_late[1] == str(knock_on["cases_after_a_late_case"])
    assert after_late[3] == pct(knock_on["late_share_after_a_late_case"])

    html = body(manager.get(url(january, "theatres/"), {**OR_RANGE, "resource": theatres["3"].pk}))
    assert [row[0] for row in table_rows(html, "suites")] == ["3"]
    assert figures(html)["Cases per suite-day"] == "6.8"


# --- the daily report -----------------------------------------------------------------------------


def test_daily_report_page_and_its_csv(chair_history, manager):
    facility, _ = chair_history
    day = dt.date(2026, 3, 10)
    html = body(manager.get(url(facility, "report/"), {"date": "2026-03-10"}))
    report = metrics.daily_report(facility=facility, day=day)
    assert "Daily report: Tuesday 10 March 2026" in html
    assert figures(html)["Utilization"] == pct(report["chairs"]["utilization"])
    largest = report["largest_variances"][0]
    assert table_rows(html, "report-variances")[0][:2] == [largest["appointment_id"], largest["chair_name"]]
    assert unescape(metrics.report_text(report).splitlines()[0]) in unescape(html)

    rows = csv_rows(manager.get(url(facility, "export/report.csv"), {"date": "2026-03-10"}))
    titles = [row[0] for row in rows if len(row) == 1]
    assert titles == ["Infusion chairs", "Each chair", "At-risk days ahead", "Largest variances", "Each suite"]
    assert [largest["appointment_id"], largest["chair_name"]] == next(
        row[:2] for row in rows if row and row[0] == largest["appointment_id"]
    )
    by_chair = csv_rows(manager.get(url(facility, "export/report-by-chair.csv"), {"date": "2026-03-10"}))
    assert by_chair[0] == ["chair_name", "appointments", "used_minutes", "open_minutes", "utilization"]
    assert len(by_chair) == 1 + len(report["by_chair"])

    # By default the last day with appointments or cases (the history's last Friday), not an
    # empty yesterday.
    response = manager.get(url(facility, "report/"))
    assert response.context["day"] == dt.date(2026, 3, 27) < local_today(facility) - dt.timedelta(days=1)


def test_subscribe_and_unsubscribe_are_audited(facility, make_member, signed_in):
    member = make_member(facility, Role.ANALYST)
    client = signed_in(member)
    assert "Email me this report each morning" in body(client.get(url(facility, "report/")))

    response = client.post(url(facility, "report/subscribe/"), {"subscribe": "1", "date": "2026-03-10"})
    assert response.status_code == 302 and response["Location"].endswith("report/?date=2026-03-10")
    assert selectors.is_subscribed(facility_id=facility.pk, user_id=member.pk)
    page = client.get(url(facility, "report/"), {"date": "2026-03-10"})
    assert "Stop emailing me this report" in body(page)
    assert any("emailed to you" in str(message) for message in page.context["messages"])

    client.post(url(facility, "report/subscribe/"), {"subscribe": "0"})
    assert not selectors.is_subscribed(facility_id=facility.pk, user_id=member.pk)
    history = ReportSubscription.history.filter(facility_id=facility.pk, user_id=member.pk).order_by("history_date")
    assert [(entry.history_type, entry.history_user_id) for entry in history] == [("+", member.pk), ("-", member.pk)]

    client.post(url(facility, "report/subscribe/"), {"subscribe": "maybe"})
    assert not selectors.is_subscribed(facility_id=facility.pk, user_id=member.pk)
    assert history.count() == 2


# --- nightly runs -----------------------------------------------------------------------------------


def test_runs_page_shows_failed_and_missed_days(facility, manager, analyst, monkeypatch):
    today = local_today(facility)
    days_ago = {back: today - dt.timedelta(days=back) for back in range(2, 9)}
    services.nightly_run(facility_id=facility.pk, day=days_ago[6], trigger="nightly")
    services.nightly_run(facility_id=facility.pk, day=days_ago[4], trigger="nightly")
    services.nightly_run(facility_id=facility.pk, day=days_ago[2], trigger="nightly")

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "aggregates_rebuild", broken)
    services.nightly_run(facility_id=facility.pk, day=days_ago[3], trigger="nightly")
    monkeypatch.undo()
    # A worker that died mid-run leaves its run "running" long after the task's time limit.
    NightlyRun.objects.filter(facility=facility, date=days_ago[6]).update(
        status="running", started_at=timezone.now() - dt.timedelta(hours=2), finished_at=None
    )

    html = body(manager.get(url(facility, "runs/")))
    rows = {row[0]: row for row in table_rows_plain(html)}

    def status(day):
        return rows[f"{day:%a %-d %b %Y}"][1]

    assert status(days_ago[2]) == "Succeeded"
    assert status(days_ago[3]) == "Failed"
    assert "RuntimeError: the database went away" in rows[f"{days_ago[3]:%a %-d %b %Y}"][5]
    assert status(days_ago[5]) == "Missed: no run"
    assert status(days_ago[6]) == "Stopped while running"
    assert status(days_ago[7]) == status(days_ago[8]) == "Before the first run"
    banner = re.search(r'<article class="run-banner".*?</article>', html, re.S).group(0)
    for problem in (3, 5, 6):
        assert f"{days_ago[problem]:%a %-d %b}" in banner
    assert f"{days_ago[7]:%a %-d %b}" not in banner

    home = body(manager.get(url(facility)))
    assert "The nightly figures are incomplete" in home and f"{days_ago[5]:%a %-d %b}" in home
    assert "The nightly figures are incomplete" not in body(analyst.get(url(facility)))

    exported = csv_rows(manager.get(url(facility, "export/runs.csv")))
    assert exported[0] == ["date", "status", "trigger", "started_at", "finished_at", "error"]
    assert [f"{days_ago[3]:%Y-%m-%d}", "Failed"] == next(
        row[:2] for row in exported if row[0] == f"{days_ago[3]:%Y-%m-%d}"
    )


def table_rows_plain(html: str) -> list[list[str]]:
    """The rows of the runs table (it carries forms, so it is not one of the generic tables)."""
    table = re.search(r'<table class="striped runs">.*?</table>', html, re.S).group(0)
    tbody = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    return [
        [unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", tbody, re.S)
    ]


def test_rerun_queues_the_day_for_managers_only(facility, manager, analyst):
    day = local_today(facility) - dt.timedelta(days=3)
    assert analyst.post(url(facility, "runs/rerun/"), {"date": f"{day:%Y-%m-%d}"}).status_code == 403
    assert list(selectors.nightly_run_list(facility=facility)) == []

    response = manager.post(url(facility, "runs/rerun/"), {"date": f"{day:%Y-%m-%d}"})
    assert response.status_code == 302 and response["Location"] == url(facility, "runs/")
    [run] = list(selectors.nightly_run_list(facility=facility))
    assert (run.date, run.trigger, run.status) == (day, "rerun", "succeeded")
    page = manager.get(url(facility, "runs/"))
    assert any("being recalculated" in str(message) for message in page.context["messages"])

    for bad in (f"{local_today(facility):%Y-%m-%d}", "2026-02-30", ""):
        response = manager.post(url(facility, "runs/rerun/"), {"date": bad})
        assert response.status_code == 400 and "Nothing was re-run" in body(response), bad
    assert len(list(selectors.nightly_run_list(facility=facility))) == 1


# --- CSV ----------------------------------------------------------------------------------------------


def test_csv_exports_have_the_rows_and_escape_formulas(small_clinic, chair_history, manager):
    facility, past, _ = small_clinic
    one_day = {"from": f"{past:%Y-%m-%d}", "to": f"{past:%Y-%m-%d}"}
    response = manager.get(url(facility, "export/chairs.csv"), one_day)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="careslot-{facility.slug}-chairs-{past:%Y-%m-%d}-to-{past:%Y-%m-%d}.csv"'
    )
    rows = csv_rows(response)
    assert rows[0] == ["chair_name", "appointments", "used_minutes", "open_minutes", "utilization"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["'" + FORMULA_CHAIR][1:3] == ["1", "40"]  # the cancelled one is no demand
    assert by_name[SCRIPT_CHAIR][1:3] == ["1", "150"]
    assert not any(row[0].startswith("=") for row in rows)

    days = csv_rows(manager.get(url(facility, "export/days.csv"), CHAIR_RANGE))
    expected = metrics.chair_days(facility=facility, first=CHAIR_START, last=CHAIR_LAST)
    assert len(days) == 1 + len(expected)
    assert days[1][0] == f"{expected[0]['date']:%Y-%m-%d}"
    assert days[1][days[0].index("utilization")] == str(expected[0]["utilization"])

    variance = csv_rows(manager.get(url(facility, "export/variance-category-and-type.csv"), CHAIR_RANGE))
    assert variance[0][:3] == ["regimen_category", "patient_type", "appointments"]
    assert len(variance) == 1 + len(metrics.chair_variance(facility=facility, first=CHAIR_START, last=CHAIR_LAST))

    assert manager.get(url(facility, "export/nothing-like-it.csv")).status_code == 404
    bad = manager.get(url(facility, "export/chairs.csv"), {"from": "=cmd|' /C calc'!A0"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in body(bad)


# --- bad filters ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tail", "query", "field", "message"),
    [
        ("", {"from": "garbage"}, "from", "Enter a date as YYYY-MM-DD"),
        ("", {"from": "2026-02-30"}, "from", "Enter a date as YYYY-MM-DD"),
        ("", {"from": "1999-12-31", "to": "2000-01-05"}, "from", "outside what CareSlot schedules"),
        ("", {"from": "2026-03-10", "to": "2026-03-01"}, "to", "The end comes before the start"),
        ("", {"from": "2025-01-01", "to": "2026-01-02"}, "to", "at most 366 days"),
        ("", {"department": "abc"}, "department", "Not one of this facility"),
        ("", {"resource": "99999999999999999999999"}, "resource", "Not one of this facility"),
        ("theatres/", {"to": "20260301"}, "to", "Enter a date as YYYY-MM-DD"),
        ("theatres/", {"resource": "-1"}, "resource", "Not one of this facility"),
        ("report/", {"date": "yesterday"}, "date", "Enter a date as YYYY-MM-DD"),
        ("report/", {"date": "9999-01-01"}, "date", "outside"),
    ],
)
def test_bad_filters_show_the_fields_error(facility, analyst, tail, query, field, message):
    response = analyst.get(url(facility, tail), query)
    assert response.status_code == 400
    html = body(response)
    error = re.search(rf'<small class="field-error" id="id_{field}_error" role="alert">(.*?)</small>', html, re.S)
    assert error and message in unescape(error.group(1))
    assert f'aria-invalid="true" aria-describedby="id_{field}_error"' in html  # the error is the field's description


def test_a_resource_of_another_facility_is_unknown(facility, other_facility, analyst):
    elsewhere = ResourceFactory(facility=other_facility, kind=ResourceKind.CHAIR)
    response = analyst.get(url(facility), {"resource": elsewhere.pk})
    assert response.status_code == 400 and "Not one of this facility" in unescape(body(response))


def test_the_default_period_is_the_28_days_to_yesterday(chair_history, analyst, monkeypatch):
    facility, _ = chair_history
    monkeypatch.setattr("analytics.views.chairs.local_today", lambda: CHAIR_TODAY)
    html = body(analyst.get(url(facility)))
    first = CHAIR_TODAY - dt.timedelta(days=28)
    assert f'name="from" value="{first:%Y-%m-%d}"' in html
    assert f'name="to" value="{CHAIR_TODAY - dt.timedelta(days=1):%Y-%m-%d}"' in html
    rates = metrics.chair_rates(facility=facility, first=first, last=CHAIR_TODAY - dt.timedelta(days=1))
    assert figures(html)["Utilization"] == pct(rates["utilization"])


def test_a_rerun_that_cannot_be_queued_says_so(facility, manager, monkeypatch):
    def unreachable(**kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(tasks.rerun, "delay", unreachable)
    day = local_today(facility) - dt.timedelta(days=2)
    response = manager.post(url(facility, "runs/rerun/"), {"date": f"{day:%Y-%m-%d}"})
    assert response.status_code == 503
    assert "could not be queued" in body(response)
    assert list(selectors.nightly_run_list(facility=facility)) == []
