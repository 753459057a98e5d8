"""The analytics API as an integrator uses it: the metrics' periods and filters (strict, errors
naming the field), CSV answers with formula-like cells escaped, the fact lists (tenant-scoped,
filtered, paginated, without N+1), the settings and mappings with their history, nightly runs and
a re-run, the daily report and its subscription, and a constant number of queries whatever the
period."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics import filters
from analytics.models import (
    AppointmentTypeMapping,
    ChairAppointment,
    ChairTime,
    NightlyRun,
    NurseCapacity,
    PatientType,
    ReportSubscription,
    SurgicalCase,
)
from scheduling.models import ResourceKind, Role
from tests.factories import AppointmentTypeFactory, DepartmentFactory, ResourceFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 3)
METRICS = [
    "chairs/variance",
    "chairs/days",
    "chairs/by-chair",
    "chairs/by-hour",
    "chairs/at-risk",
    "chairs/rates",
    "chairs/weekly",
    "theatres/summary",
    "theatres/by-suite",
    "theatres/suite-days",
    "theatres/booked-vs-actual",
    "theatres/knock-on",
]
PER_RESOURCE = {name for name in METRICS if name.startswith("theatres/")} | {"chairs/variance", "chairs/by-chair"}


def url(facility, tail: str) -> str:
    return f"/api/v1/facilities/{facility.slug}/analytics/{tail}"


def surgical_case(facility, suite, case_id: str, *, day=DAY, service="Orthopedics", cpt="27447", hour=8, minutes=100):
    start = dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo(facility.time_zone))
    wheels_in = start + dt.timedelta(minutes=5)
    return SurgicalCase.objects.create(
        facility=facility,
        case_id=case_id,
        date=day,
        suite=suite,
        suite_name=suite.name,
        service=service,
        cpt_code=cpt,
        cpt_description="Total knee arthroplasty",
        booked_minutes=90,
        scheduled_start=start,
        wheels_in=wheels_in,
        incision_start=wheels_in + dt.timedelta(minutes=10),
        incision_end=wheels_in + dt.timedelta(minutes=minutes - 10),
        wheels_out=wheels_in + dt.timedelta(minutes=minutes),
    )


def chair_appointment(facility, chair, key: str, *, day=DAY, status="completed", actual: int | None = 75, **extra):
    appointment = ChairAppointment.objects.create(
        facility=facility,
        appointment_id=key,
        encounter_id=f"E-{key}",
        date=day,
        chair=chair,
        chair_name=chair.name if chair else "",
        regimen_category=extra.pop("regimen_category", "medium"),
        patient_type=extra.pop("patient_type", "INF"),
        scheduled_minutes=60,
        status=status,
    )
    if actual is not None:
        start = dt.datetime.combine(day, dt.time(9), tzinfo=ZoneInfo(facility.time_zone))
        ChairTime.objects.create(
            facility=facility,
            encounter_id=f"E-{key}",
            actual_start=start,
            actual_end=start + dt.timedelta(minutes=actual),
            total_minutes=actual,
        )
    return appointment


@pytest.fixture
def chair(facility):
    return ResourceFactory(facility=facility, kind=ResourceKind.CHAIR, name="Chair 1")


@pytest.fixture
def theatre(facility):
    return ResourceFactory(facility=facility, kind=ResourceKind.THEATRE, name="OR 1")


@pytest.fixture
def foreign_chair(other_facility):
    return ResourceFactory(facility=other_facility, kind=ResourceKind.CHAIR, name="Chair 1")


def assert_refused(response, field: str) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["fields"], body


# --- periods and filters ---------------------------------------------------------------------------


def test_without_a_period_the_metrics_cover_the_28_days_to_yesterday(facility, api_client, monkeypatch):
    monkeypatch.setattr(filters, "local_today", lambda facility: dt.date(2026, 3, 30))
    body = api_client.get(url(facility, "chairs/days/")).json()
    assert (body["from"], body["to"]) == ("2026-03-02", "2026-03-29")
    body = api_client.get(url(facility, "chairs/days/"), {"to": "2026-02-28"}).json()
    assert (body["from"], body["to"]) == ("2026-02-01", "2026-02-28")
    body = api_client.get(url(facility, "chairs/days/"), {"from": "2026-03-20"}).json()
    assert (body["from"], body["to"]) == ("2026-03-20", "2026-03-29")  # not past yesterday
    body = api_client.get(url(facility, "chairs/days/"), {"from": "2026-01-01"}).json()
    assert (body["from"], body["to"]) == ("2026-01-01", "2026-01-28")
    # The at-risk days look ahead: today and the 13 days after.
    body = api_client.get(url(facility, "chairs/at-risk/")).json()
    assert (body["from"], body["to"]) == ("2026-03-30", "2026-04-12")


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("chairs/days/", {"from": "2026-03-10", "to": "2026-03-09"}, "to"),
        ("chairs/days/", {"from": "2025-01-01", "to": "2026-01-02"}, "to"),  # 367 days
        ("chairs/days/", {"from": "2026-02-30"}, "from"),
        ("chairs/days/", {"from": "1999-12-31"}, "from"),
        ("chairs/days/", {"week": "10"}, "week"),
        ("chairs/days/", {"department": "1"}, "department"),  # a metric of the whole centre
        ("chairs/at-risk/", {"resource": "1"}, "resource"),
        ("chairs/variance/", {"group_by": "chair"}, "group_by"),
        ("chairs/variance/", {"resource": "abc"}, "resource"),
        ("chairs/variance/", {"resource": "1.5"}, "resource"),
        ("theatres/booked-vs-actual/", {"group_by": "surgeon"}, "group_by"),
        ("theatres/summary/", {"department": "99999999"}, "department"),
        ("chairs/days/", {"format": "xml"}, "format"),
    ],
)
def test_bad_input_is_refused_naming_the_field(facility, api_client, path, query, field):
    assert_refused(api_client.get(url(facility, path), query), field)


def test_a_resource_of_another_facility_or_kind_or_department_is_refused(
    facility, api_client, chair, theatre, foreign_chair
):
    assert_refused(api_client.get(url(facility, "chairs/by-chair/"), {"resource": foreign_chair.pk}), "resource")
    assert_refused(api_client.get(url(facility, "chairs/by-chair/"), {"resource": theatre.pk}), "resource")
    assert_refused(api_client.get(url(facility, "theatres/by-suite/"), {"resource": chair.pk}), "resource")
    assert_refused(
        api_client.get(url(facility, "chairs/variance/"), {"department": foreign_chair.department_id}), "department"
    )
    elsewhere = DepartmentFactory(facility=facility)
    response = api_client.get(url(facility, "chairs/by-chair/"), {"resource": chair.pk, "department": elsewhere.pk})
    assert_refused(response, "resource")
    response = api_client.get(
        url(facility, "chairs/by-chair/"), {"resource": chair.pk, "department": chair.department_id}
    )
    assert response.status_code == 200
    assert response.json()["resource"] == chair.pk


def test_a_department_limits_the_per_resource_metrics_to_its_resources(facility, api_client, chair):
    other = ResourceFactory(facility=facility, kind=ResourceKind.CHAIR, name="Chair 2")
    chair_appointment(facility, chair, "A1", actual=80)
    chair_appointment(facility, other, "A2", actual=50)
    period = {"from": "2026-03-01", "to": "2026-03-31"}
    whole = api_client.get(url(facility, "chairs/variance/"), {**period, "group_by": "regimen_category"}).json()
    assert whole["results"][0]["appointments"] == 2
    mine = api_client.get(
        url(facility, "chairs/variance/"), {**period, "group_by": "regimen_category", "department": chair.department_id}
    ).json()
    assert mine["department"] == chair.department_id
    assert [(row["appointments"], row["mean_actual_minutes"]) for row in mine["results"]] == [(1, 80.0)]
    empty = DepartmentFactory(facility=facility)
    assert api_client.get(url(facility, "chairs/variance/"), {**period, "department": empty.pk}).json()["results"] == []


# --- CSV ---------------------------------------------------------------------------------------


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_csv_is_asked_by_format_or_accept_and_escapes_formula_like_cells(facility, api_client, theatre):
    surgical_case(facility, theatre, "C1", service="=cmd()")
    surgical_case(facility, theatre, "C2", service="Orthopedics", hour=11)
    query = {"from": "2026-03-01", "to": "2026-03-31", "group_by": "service"}
    by_format = api_client.get(url(facility, "theatres/booked-vs-actual/"), {**query, "format": "csv"})
    by_accept = api_client.get(url(facility, "theatres/booked-vs-actual/"), query, HTTP_ACCEPT="text/csv")
    for response in (by_format, by_accept):
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == (
            'attachment; filename="facility-a-theatre-booked-vs-actual-2026-03-01-2026-03-31.csv"'
        )
        assert response["X-Content-Type-Options"] == "nosniff"
        rows = csv_rows(response)
        assert rows[0][:4] == ["service", "procedure", "description", "suite_name"]
        assert sorted(row[0] for row in rows[1:]) == ["'=cmd()", "Orthopedics"]
    # The JSON and the fact list keep the text as it is.
    as_json = api_client.get(url(facility, "theatres/booked-vs-actual/"), query).json()
    assert sorted(row["service"] for row in as_json["results"]) == ["=cmd()", "Orthopedics"]
    facts = api_client.get(url(facility, "surgical-cases/"), {"service": "=CMD()"}).json()
    assert [case["service"] for case in facts["results"]] == ["=cmd()"]


def test_a_csv_of_totals_is_one_row_and_an_error_answers_json(facility, api_client):
    response = api_client.get(url(facility, "chairs/rates/"), {"from": "2026-03-01", "format": "csv"})
    rows = csv_rows(response)
    assert rows[0][:3] == ["days", "appointments", "cancelled"] and len(rows) == 2
    assert rows[1][:3] == ["0", "0", "0"] and rows[1][rows[0].index("utilization")] == ""
    error = api_client.get(url(facility, "chairs/rates/"), {"from": "2026-13-01", "format": "csv"})
    assert error.status_code == 400 and error["Content-Type"] == "application/json"
    assert "from" in error.json()["fields"]
    error = api_client.get(url(facility, "chairs/rates/"), {"from": "2026-13-01"}, HTTP_ACCEPT="text/csv")
    assert error.status_code == 400 and error["Content-Type"] == "application/json"


# --- the facts ----------------------------------------------------------------------------------


def test_fact_lists_show_only_the_facility_s_own(facility, other_facility, api_client, chair, theatre, foreign_chair):
    foreign_theatre = ResourceFactory(facility=other_facility, kind=ResourceKind.THEATRE, name="OR 1")
    surgical_case(facility, theatre, "C1")
    surgical_case(other_facility, foreign_theatre, "C1")
    surgical_case(other_facility, foreign_theatre, "C2")
    chair_appointment(facility, chair, "A1")
    chair_appointment(other_facility, foreign_chair, "A1")
    NurseCapacity.objects.create(facility=facility, date=DAY, nurses_available=4, max_chairs_supported=10)
    NurseCapacity.objects.create(facility=other_facility, date=DAY, nurses_available=2, max_chairs_supported=5)

    cases = api_client.get(url(facility, "surgical-cases/")).json()
    assert cases["count"] == 1 and cases["results"][0]["suite"] == theatre.pk
    appointments = api_client.get(url(facility, "chair-appointments/")).json()
    assert appointments["count"] == 1 and appointments["results"][0]["chair"] == chair.pk
    capacity = api_client.get(url(facility, "nurse-capacity/")).json()
    assert [row["nurses_available"] for row in capacity["results"]] == [4]
    # Another facility's ids are not ids here.
    assert_refused(api_client.get(url(facility, "surgical-cases/"), {"suite": foreign_theatre.pk}), "suite")
    assert_refused(api_client.get(url(facility, "chair-appointments/"), {"chair": foreign_chair.pk}), "chair")


def test_surgical_cases_are_filtered_by_date_suite_department_service_and_procedure(facility, api_client, theatre):
    other = ResourceFactory(facility=facility, kind=ResourceKind.THEATRE, name="OR 2")
    surgical_case(facility, theatre, "C1")
    surgical_case(facility, theatre, "C2", day=DAY + dt.timedelta(days=1), service="Podiatry", cpt="28110")
    surgical_case(facility, other, "C3", day=DAY + dt.timedelta(days=2))

    def ids(**query) -> list[str]:
        response = api_client.get(url(facility, "surgical-cases/"), query)
        assert response.status_code == 200, response.content
        return [case["case_id"] for case in response.json()["results"]]

    assert ids() == ["C1", "C2", "C3"]
    assert ids(**{"from": "2026-03-04"}) == ["C2", "C3"]
    assert ids(**{"from": "2026-03-04", "to": "2026-03-04"}) == ["C2"]
    assert ids(suite=other.pk) == ["C3"]
    assert ids(department=theatre.department_id) == ["C1", "C2"]
    assert ids(service="podiatry") == ["C2"]
    assert ids(procedure="27447") == ["C1", "C3"]
    case = api_client.get(url(facility, "surgical-cases/"), {"procedure": "28110"}).json()["results"][0]
    assert case["in_room_minutes"] == 100.0 and case["wheels_in"].endswith("Z")
    assert_refused(api_client.get(url(facility, "surgical-cases/"), {"surgeon": "x"}), "surgeon")
    assert_refused(api_client.get(url(facility, "surgical-cases/"), {"from": "2024-01-01", "to": "2026-01-01"}), "to")
    assert_refused(api_client.get(url(facility, "surgical-cases/"), {"suite": "1.5"}), "suite")


def test_chair_appointments_carry_their_actual_times_without_a_query_each(facility, api_client, chair):
    for n in range(30):
        chair_appointment(facility, chair, f"A{n:02d}", actual=60 + n if n % 3 else None, status="completed")
    chair_appointment(facility, None, "B1", status="cancelled", actual=None, regimen_category="long")
    counts = []
    for size in (2, 31):
        with CaptureQueriesContext(connection) as queries:
            response = api_client.get(url(facility, "chair-appointments/"), {"page_size": size})
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    rows = {row["appointment_id"]: row for row in response.json()["results"]}
    assert rows["A01"]["actual_minutes"] == 61 and rows["A01"]["actual_start"] == "2026-03-03T09:00:00Z"
    assert rows["A01"]["actual_end"] == "2026-03-03T10:01:00Z"
    assert rows["A03"]["actual_minutes"] is None and rows["A03"]["actual_start"] is None
    assert rows["B1"]["chair"] is None

    def ids(**query) -> set[str]:
        response = api_client.get(url(facility, "chair-appointments/"), {"page_size": 200, **query})
        assert response.status_code == 200, response.content
        return {row["appointment_id"] for row in response.json()["results"]}

    assert ids(status="cancelled") == {"B1"}
    assert ids(status=["cancelled", "completed"]) == set(rows)
    assert ids(regimen_category="long") == {"B1"}
    assert ids(patient_type="inf") == set(rows)
    assert ids(chair=chair.pk) == set(rows) - {"B1"}
    assert_refused(api_client.get(url(facility, "chair-appointments/"), {"status": "lost"}), "status")
    assert_refused(api_client.get(url(facility, "nurse-capacity/"), {"chair": chair.pk}), "chair")


# --- settings and mappings ------------------------------------------------------------------------

SETTINGS = {
    "chair_day_start": "07:30",
    "chair_day_end": "19:00",
    "prime_start": "07:00",
    "prime_end": "16:00",
    "first_case_grace_minutes": 10,
    "late_start_minutes": 20,
    "variance_threshold_minutes": 30,
    "risk_utilization_percent": 90,
}


def test_settings_are_read_replaced_changed_and_kept_with_their_history(facility, api_client, user):
    settings_url = url(facility, "settings/")
    defaults = api_client.get(settings_url).json()
    assert defaults["chair_day_start"] == "08:00:00" and defaults["is_default"] is True
    assert api_client.get(url(facility, "settings/history/")).json()["count"] == 0

    replaced = api_client.put(settings_url, SETTINGS, format="json")
    assert replaced.status_code == 200, replaced.content
    assert replaced.json()["chair_day_end"] == "19:00:00" and replaced.json()["is_default"] is False
    changed = api_client.patch(settings_url, {"variance_threshold_minutes": 20}, format="json").json()
    assert changed["variance_threshold_minutes"] == 20 and changed["risk_utilization_percent"] == 90
    api_client.patch(settings_url, {"variance_threshold_minutes": 20}, format="json")  # no change: no entry

    history = api_client.get(url(facility, "settings/history/")).json()
    assert history["count"] == 2
    newest = history["results"][0]
    assert newest["history_user"] == user.username
    assert newest["changes"] == [{"field": "variance_threshold_minutes", "old": 30, "new": 20}]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"chair_day_end": "08:00"}, "chair_day_end"),  # the chairs open at 08:00
        ({"prime_start": "16:00", "prime_end": "15:30"}, "prime_end"),
        ({"risk_utilization_percent": 10}, "risk_utilization_percent"),
        ({"variance_threshold_minutes": 0}, "variance_threshold_minutes"),
        ({"late_start_minutes": 1000}, "late_start_minutes"),
        ({"chair_day_start": "9:30"}, "chair_day_start"),
        ({"chair_day_start": "07:30+01:00"}, "chair_day_start"),
        ({"prime_end": "24:00"}, "prime_end"),
        ({"nightly_hour": 2}, "nightly_hour"),
    ],
)
def test_settings_that_make_no_sense_are_refused(facility, api_client, body, field):
    assert_refused(api_client.patch(url(facility, "settings/"), body, format="json"), field)


def test_a_put_of_settings_needs_every_field(facility, api_client):
    assert_refused(api_client.put(url(facility, "settings/"), {"chair_day_start": "07:00"}, format="json"), "prime_end")


def test_mappings_are_made_changed_and_removed_with_their_history(facility, other_facility, api_client):
    chemo = AppointmentTypeFactory(facility=facility, name="Chemo long")
    knee = AppointmentTypeFactory(facility=facility, name="Knee replacement")
    foreign = AppointmentTypeFactory(facility=other_facility)
    PatientType.objects.create(facility=facility, code="RAD")
    mappings = url(facility, "appointment-type-mappings/")

    made = api_client.post(
        mappings, {"appointment_type": chemo.pk, "regimen_category": "long", "patient_type": "cmo-long"}, format="json"
    )
    assert made.status_code == 201, made.content
    mapping = made.json()
    assert mapping["appointment_type"] == {"id": chemo.pk, "code": chemo.code, "name": "Chemo long"}
    assert (mapping["regimen_category"], mapping["patient_type"]) == ("long", "CMO-LONG")
    theatre = api_client.post(
        mappings, {"appointment_type": knee.pk, "service": "Orthopedics", "procedure_code": "27447"}, format="json"
    )
    assert theatre.status_code == 201 and theatre.json()["regimen_category"] == "medium"

    twice = api_client.post(mappings, {"appointment_type": chemo.pk}, format="json")
    assert twice.status_code == 409 and "appointment_type" in twice.json()["fields"]
    assert_refused(api_client.post(mappings, {"appointment_type": foreign.pk}, format="json"), "appointment_type")
    assert_refused(
        api_client.post(mappings, {"appointment_type": knee.pk, "patient_type": "XYZ"}, format="json"), "patient_type"
    )
    assert_refused(
        api_client.post(mappings, {"appointment_type": knee.pk, "regimen_category": "huge"}, format="json"),
        "regimen_category",
    )

    detail = f"{mappings}{mapping['id']}/"
    changed = api_client.patch(detail, {"patient_type": "rad"}, format="json")
    assert changed.status_code == 200 and changed.json()["patient_type"] == "RAD"
    replaced = api_client.put(detail, {"appointment_type": chemo.pk, "regimen_category": "short"}, format="json")
    assert replaced.json()["regimen_category"] == "short"
    listed = api_client.get(mappings).json()
    assert [row["appointment_type"]["name"] for row in listed["results"]] == ["Chemo long", "Knee replacement"]
    history = api_client.get(f"{detail}history/").json()
    assert [entry["history_type"] for entry in history["results"]] == ["changed", "changed", "created"]

    assert api_client.delete(detail).status_code == 204
    assert api_client.get(detail).status_code == 404
    assert not AppointmentTypeMapping.objects.filter(pk=mapping["id"]).exists()
    assert AppointmentTypeMapping.history.filter(id=mapping["id"], history_type="-").exists()


def test_another_facility_s_mapping_is_not_found(facility, other_facility, api_client, make_member):
    elsewhere = AppointmentTypeFactory(facility=other_facility)
    theirs = AppointmentTypeMapping.objects.create(facility=other_facility, appointment_type=elsewhere)
    detail = url(facility, f"appointment-type-mappings/{theirs.pk}/")
    assert api_client.get(detail).status_code == 404
    assert api_client.patch(detail, {"service": "x"}, format="json").status_code == 404
    assert api_client.delete(detail).status_code == 404
    assert api_client.get(url(facility, "appointment-type-mappings/")).json()["count"] == 0


# --- nightly runs, the daily report ----------------------------------------------------------------


def test_a_manager_re_runs_a_past_day_and_follows_it_in_the_runs(
    facility, api_client, chair, django_capture_on_commit_callbacks
):
    chair_appointment(facility, chair, "A1")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(url(facility, "nightly-runs/rerun/"), {"date": "2026-03-03"}, format="json")
    assert response.status_code == 202, response.content
    assert response.json()["date"] == "2026-03-03"
    run = NightlyRun.objects.get(facility=facility, date=DAY)
    assert (run.status, run.trigger) == ("succeeded", "rerun")

    runs = api_client.get(url(facility, "nightly-runs/"), {"from": "2026-03-01", "status": "succeeded"}).json()
    assert [(row["date"], row["trigger"], row["error"]) for row in runs["results"]] == [("2026-03-03", "rerun", "")]
    assert api_client.get(url(facility, "nightly-runs/"), {"trigger": "nightly"}).json()["count"] == 0

    today = dt.datetime.now(ZoneInfo(facility.time_zone)).date()
    assert_refused(api_client.post(url(facility, "nightly-runs/rerun/"), {"date": f"{today}"}, format="json"), "date")
    assert_refused(api_client.post(url(facility, "nightly-runs/rerun/"), {"day": "2026-03-03"}, format="json"), "day")
    assert_refused(api_client.get(url(facility, "nightly-runs/"), {"status": "lost"}), "status")


def test_the_daily_report_of_a_day(chair_history, api_client, monkeypatch):
    facility, _ = chair_history
    report = api_client.get(url(facility, "daily-report/"), {"date": "2026-03-10"}).json()
    assert report["date"] == "2026-03-10" and report["facility"] == facility.name
    assert report["chairs"]["date"] == "2026-03-10" and report["chairs"]["appointments"] > 0
    assert len(report["by_chair"]) == 10 and report["theatres"] is None and report["by_suite"] == []
    variances = [abs(row["difference"]) for row in report["largest_variances"]]
    assert len(variances) == 10 and variances == sorted(variances, reverse=True)

    monkeypatch.setattr(filters, "local_today", lambda facility: dt.date(2026, 3, 11))
    assert api_client.get(url(facility, "daily-report/")).json()["date"] == "2026-03-10"
    assert_refused(api_client.get(url(facility, "daily-report/"), {"date": "10/03/2026"}), "date")
    assert_refused(api_client.get(url(facility, "daily-report/"), {"day": "2026-03-10"}), "day")


def test_a_member_subscribes_to_the_daily_report_and_stops(facility, make_member):
    from conftest import token_client

    analyst = make_member(facility, Role.ANALYST)
    analyst.email = "analyst@example.org"
    analyst.save()
    client = token_client(analyst)
    subscription = url(facility, "daily-report/subscription/")
    assert client.get(subscription).json() == {"subscribed": False, "email": "analyst@example.org"}
    assert client.put(subscription, {"subscribed": True}, format="json").json()["subscribed"] is True
    assert ReportSubscription.objects.filter(facility=facility, user=analyst).exists()
    assert client.get(subscription).json()["subscribed"] is True
    assert client.put(subscription, {"subscribed": False}, format="json").json()["subscribed"] is False
    assert not ReportSubscription.objects.filter(facility=facility, user=analyst).exists()
    assert_refused(client.put(subscription, {"subscribed": "maybe"}, format="json"), "subscribed")
    assert_refused(client.put(subscription, {"subscribed": True, "email": "x@y"}, format="json"), "email")


# --- queries -------------------------------------------------------------------------------------


def test_every_metric_reads_in_a_constant_number_of_queries(
    facility, api_client, chair, theatre, django_assert_max_num_queries
):
    chair_appointment(facility, chair, "A1")
    surgical_case(facility, theatre, "C1")
    year = {"from": "2025-03-01", "to": "2026-02-28"}  # 365 days
    month = {"from": "2026-02-01", "to": "2026-02-28"}
    for name in METRICS:
        counts = []
        for period in (month, year):
            query = {**period, "department": theatre.department_id} if name in PER_RESOURCE else period
            with CaptureQueriesContext(connection) as queries:
                response = api_client.get(url(facility, f"{name}/"), query)
            assert response.status_code == 200, (name, response.content)
            counts.append(len(queries))
        assert counts[0] == counts[1], name
        with django_assert_max_num_queries(8):
            api_client.get(url(facility, f"{name}/"), {"from": "2025-02-28", "to": "2026-02-28"})  # 366 days
