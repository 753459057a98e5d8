"""Each metric of the analytics API, recomputed independently with pandas from the very CSV files
the facility imported (four generated weeks of chairs; the January 2022 OR file), equals the
API's figure. The definitions are those of ``analytics.metrics`` and ``analytics.aggregates``;
figures are rounded as the API rounds them (minutes to 0.1, ratios to 4 places)."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics.aggregates import CHRONIC_HISTORY_WEEKS, CHRONIC_MIN_APPOINTMENTS
from scheduling.models import SchedulableResource
from tests.analytics.conftest import CHAIR_DAYS, CHAIR_START, JANUARY, OR_FILE

pytestmark = pytest.mark.django_db

FIRST, LAST = CHAIR_START, CHAIR_START + dt.timedelta(days=CHAIR_DAYS - 1)
PERIOD = {"from": f"{FIRST:%Y-%m-%d}", "to": f"{LAST:%Y-%m-%d}"}
OR_PERIOD = {"from": f"{JANUARY[0]:%Y-%m-%d}", "to": f"{JANUARY[1]:%Y-%m-%d}"}
OPEN_MINUTES = 600  # the default chair day, 08:00–18:00
THRESHOLD = 15  # the default variance threshold and late-start minutes
GRACE = 5
PRIME = (pd.Timedelta(hours=7), pd.Timedelta(hours=15, minutes=30))


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def r1(value) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 1)


def r4(value) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 4)


def ratio(numerator, denominator) -> float | None:
    return r4(numerator / denominator) if denominator else None


def get(client, facility, name: str, **query) -> dict:
    response = client.get(f"/api/v1/facilities/{facility.slug}/analytics/{name}/", query)
    assert response.status_code == 200, response.content
    return response.json()


# --- the chair files ------------------------------------------------------------------------------


class Chairs:
    """The three chair files as pandas reads them, and what the metrics are made of."""

    def __init__(self, files: dict) -> None:
        self.appointments = pd.read_csv(
            files["chair_appointments"], dtype={"appointment_id": str, "encounter_id": str}, keep_default_na=False
        )
        self.appointments["day"] = pd.to_datetime(self.appointments["date"]).dt.date
        times = pd.read_csv(files["chair_times"], dtype={"encounter_id": str})
        times["actual_start"] = pd.to_datetime(times["actual_start"])
        times["actual_end"] = pd.to_datetime(times["actual_end"])
        self.capacity = pd.read_csv(files["nurse_capacity"])
        self.capacity["day"] = pd.to_datetime(self.capacity["date"]).dt.date
        completed = self.appointments[self.appointments["status"] == "completed"]
        self.done = completed.merge(times, on="encounter_id", how="inner")
        self.done["diff"] = self.done["total_chair_minutes"] - self.done["scheduled_chair_minutes"]
        self.chairs_open = 10

    def chronic(self) -> dict:
        """(category, type, Monday) -> mean overrun of the groups that ran chronically long in
        the 26 weeks before that week (``aggregates.CHRONIC_HISTORY_WEEKS``)."""
        done = self.done.assign(week=[monday(day) for day in self.done["day"]])
        found = {}
        for week in sorted({monday(day) for day in self.appointments["day"]}):
            earliest = week - dt.timedelta(weeks=CHRONIC_HISTORY_WEEKS)
            history = done[(done["week"] < week) & (done["week"] >= earliest)]
            groups = history.groupby(["regimen_category", "patient_type"])["diff"].agg(["size", "mean"])
            groups = groups[(groups["size"] >= CHRONIC_MIN_APPOINTMENTS) & (groups["mean"] >= THRESHOLD)]
            found.update({(category, kind, week): mean for (category, kind), mean in groups["mean"].items()})
        return found

    def days(self) -> pd.DataFrame:
        """One row per day with appointments or capacity, as ``chairs/days/`` defines it."""
        appointments = self.appointments
        live = appointments[appointments["status"] != "cancelled"].copy()
        chronic = self.chronic()
        live["expected"] = live["scheduled_chair_minutes"] + [
            chronic.get((category, kind, monday(day)), 0.0)
            for category, kind, day in zip(live["regimen_category"], live["patient_type"], live["day"], strict=True)
        ]
        per_day = pd.DataFrame(
            {
                "appointments": appointments.groupby("day").size(),
                "demand_minutes": live.groupby("day")["scheduled_chair_minutes"].sum(),
                "expected": live.groupby("day")["expected"].sum(),
                "completed": appointments[appointments["status"] == "completed"].groupby("day").size(),
                "cancelled": appointments[appointments["status"] == "cancelled"].groupby("day").size(),
                "no_shows": appointments[appointments["status"] == "no-show"].groupby("day").size(),
                "used_minutes": self.done.groupby("day")["total_chair_minutes"].sum(),
                "variance_n": self.done.groupby("day").size(),
                "variance_off": (self.done["diff"].abs() > THRESHOLD).groupby(self.done["day"]).sum(),
                "variance_sum": self.done.groupby("day")["diff"].sum(),
            }
        )
        capacity = self.capacity.set_index("day")
        per_day = per_day.join(capacity[["nurses_available", "max_chairs_supported"]], how="outer")
        counts = [c for c in per_day.columns if c not in ("expected", "nurses_available", "max_chairs_supported")]
        per_day[counts] = per_day[counts].fillna(0).astype(int)
        per_day["expected_minutes"] = np.rint(per_day["expected"].fillna(0)).astype(int)
        per_day["chairs_supported"] = (
            per_day["max_chairs_supported"].fillna(self.chairs_open).clip(upper=self.chairs_open).astype(int)
        )
        per_day["supported_minutes"] = per_day["chairs_supported"] * OPEN_MINUTES
        per_day["capacity_gap_minutes"] = per_day["demand_minutes"] - per_day["supported_minutes"]
        return per_day.sort_index()


@pytest.fixture
def chairs(chair_history):
    facility, files = chair_history
    return facility, Chairs(files)


@pytest.mark.parametrize(
    ("group_by", "keys"),
    [
        ("category_and_type", ["regimen_category", "patient_type"]),
        ("regimen_category", ["regimen_category"]),
        ("patient_type", ["patient_type"]),
    ],
)
def test_variance_by_group_matches_pandas(chairs, api_client, group_by, keys):
    facility, data = chairs
    answer = get(api_client, facility, "chairs/variance", group_by=group_by, **PERIOD)
    done = data.done
    expected = []
    for key, group in done.groupby(keys, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        row = {"regimen_category": None, "patient_type": None, **dict(zip(keys, key, strict=True))}
        row.update(
            appointments=len(group),
            mean_scheduled_minutes=r1(group["scheduled_chair_minutes"].mean()),
            mean_actual_minutes=r1(group["total_chair_minutes"].mean()),
            mean_difference=r1(group["diff"].mean()),
            median_difference=r1(group["diff"].median()),
            p90_difference=r1(group["diff"].quantile(0.9, interpolation="linear")),
            share_off=r4((group["diff"].abs() > THRESHOLD).mean()),
        )
        expected.append(row)
    assert answer["group_by"] == group_by
    assert answer["results"] == expected
    assert len(expected) > 1


def test_variance_of_one_chair_and_of_a_department_match_pandas(chairs, api_client):
    facility, data = chairs
    chair = SchedulableResource.objects.get(facility=facility, name="Chair 3")
    one = data.done[data.done["chair"] == "Chair 3"]
    expected = {
        category: (len(group), r1(group["diff"].mean()), r1(group["diff"].quantile(0.9)))
        for category, group in one.groupby("regimen_category")
    }
    for query in ({"resource": chair.pk}, {"department": chair.department_id}):
        answer = get(api_client, facility, "chairs/variance", group_by="regimen_category", **PERIOD, **query)
        got = {
            row["regimen_category"]: (row["appointments"], row["mean_difference"], row["p90_difference"])
            for row in answer["results"]
        }
        assert got == expected
    assert answer["department"] == chair.department_id and answer["resource"] is None


def test_days_utilization_and_capacity_gap_match_pandas(chairs, api_client):
    facility, data = chairs
    answer = get(api_client, facility, "chairs/days", **PERIOD)
    days = data.days()
    expected = [
        {
            "date": f"{day:%Y-%m-%d}",
            "chairs_open": data.chairs_open,
            "nurses_available": None if pd.isna(row["nurses_available"]) else int(row["nurses_available"]),
            "chairs_supported": int(row["chairs_supported"]),
            "open_minutes": OPEN_MINUTES,
            "supported_minutes": int(row["supported_minutes"]),
            "appointments": int(row["appointments"]),
            "demand_minutes": int(row["demand_minutes"]),
            "expected_minutes": int(row["expected_minutes"]),
            "completed": int(row["completed"]),
            "cancelled": int(row["cancelled"]),
            "no_shows": int(row["no_shows"]),
            "used_minutes": int(row["used_minutes"]),
            "utilization": ratio(row["used_minutes"], row["supported_minutes"]),
            "capacity_gap_minutes": int(row["capacity_gap_minutes"]),
        }
        for day, row in days.iterrows()
    ]
    assert answer["results"] == expected
    assert len(expected) == 20  # the weekdays of four weeks
    assert any(row["chairs_supported"] < row["chairs_open"] for row in expected)  # a short-staffed day


def test_use_by_chair_matches_pandas(chairs, api_client):
    facility, data = chairs
    answer = get(api_client, facility, "chairs/by-chair", **PERIOD)
    appointments = data.appointments[data.appointments["chair"] != ""]
    open_minutes = OPEN_MINUTES * len(data.days())  # the days with appointments or nurse capacity
    ids = dict(SchedulableResource.objects.filter(facility=facility).values_list("name", "pk"))
    expected = []
    for name in sorted(appointments["chair"].unique()):
        mine = appointments[appointments["chair"] == name]
        used = int(data.done.loc[data.done["chair"] == name, "total_chair_minutes"].sum())
        expected.append(
            {
                "chair": ids[name],
                "chair_name": name,
                "appointments": int((mine["status"] != "cancelled").sum()),
                "used_minutes": used,
                "open_minutes": open_minutes,
                "utilization": ratio(used, open_minutes),
            }
        )
    assert answer["results"] == expected
    assert len(expected) == 10

    chair = ids["Chair 7"]
    only = get(api_client, facility, "chairs/by-chair", resource=chair, **PERIOD)
    assert only["results"] == [row for row in expected if row["chair"] == chair]


def test_use_by_weekday_and_hour_matches_pandas(chairs, api_client):
    facility, data = chairs
    answer = get(api_client, facility, "chairs/by-hour", **PERIOD)
    used: dict[tuple[int, int], float] = {}
    for _, visit in data.done.iterrows():
        hour = visit["actual_start"].floor("h")
        while hour < visit["actual_end"]:
            overlap = min(visit["actual_end"], hour + pd.Timedelta(hours=1)) - max(visit["actual_start"], hour)
            key = (visit["day"].weekday(), hour.hour)
            used[key] = used.get(key, 0) + overlap.total_seconds() / 60
            hour += pd.Timedelta(hours=1)
    days = data.days()
    chairs = days["chairs_supported"].groupby([day.weekday() for day in days.index]).sum()

    def open_part(hour: int) -> int:  # minutes of the hour within the chairs' 08:00-18:00
        return max(0, min(hour * 60 + 60, 18 * 60) - max(hour * 60, 8 * 60))

    expected = [
        {
            "weekday": weekday,
            "hour": hour,
            "used_minutes": round(used.get((weekday, hour), 0)),
            "supported_minutes": int(chairs[weekday]) * open_part(hour),
            "utilization": ratio(round(used.get((weekday, hour), 0)), int(chairs[weekday]) * open_part(hour)),
        }
        for weekday in sorted(chairs.index)
        for hour in range(24)
    ]
    assert {row["utilization"] for row in expected if not 8 <= row["hour"] < 18} == {None}  # closed hours
    assert answer["results"] == expected
    assert sum(row["used_minutes"] for row in expected) == data.done["total_chair_minutes"].sum()


def test_at_risk_days_and_their_reasons_match_pandas(chairs, api_client):
    facility, data = chairs
    # At the default 95 % no day of this history is at risk; at 60 % some are, for each reason.
    response = api_client.patch(
        f"/api/v1/facilities/{facility.slug}/analytics/settings/", {"risk_utilization_percent": 60}, format="json"
    )
    assert response.status_code == 200, response.content
    answer = get(api_client, facility, "chairs/at-risk", **PERIOD)
    share = 0.60
    expected = []
    for day, row in data.days().iterrows():
        supported, demand, wanted = row["supported_minutes"], row["demand_minutes"], row["expected_minutes"]
        if not row["appointments"] or wanted < share * supported:
            continue
        reasons = ["staffing_shortfall"] if row["chairs_supported"] < data.chairs_open else []
        reasons.append("over_demand" if demand >= share * supported else "chronic_overrun")
        expected.append(
            {
                "date": f"{day:%Y-%m-%d}",
                "demand_minutes": int(demand),
                "expected_minutes": int(wanted),
                "supported_minutes": int(supported),
                "capacity_gap_minutes": int(demand - supported),
                "expected_utilization": ratio(wanted, supported),
                "chairs_open": data.chairs_open,
                "chairs_supported": int(row["chairs_supported"]),
                "nurses_available": int(row["nurses_available"]),
                "reasons": reasons,
            }
        )
    assert answer["results"] == expected
    assert expected, "the lowered threshold flags some days"


def _totals(days: pd.DataFrame) -> dict:
    sums = {name: int(days[name].sum()) for name in ("appointments", "cancelled", "no_shows", "completed")}
    sums.update(
        {name: int(days[name].sum()) for name in ("used_minutes", "supported_minutes", "demand_minutes")},
        variance_n=int(days["variance_n"].sum()),
        variance_off=int(days["variance_off"].sum()),
        variance_sum=int(days["variance_sum"].sum()),
        days=len(days),
    )
    sums.update(
        utilization=ratio(sums["used_minutes"], sums["supported_minutes"]),
        cancellation_rate=ratio(sums["cancelled"], sums["appointments"]),
        no_show_rate=ratio(sums["no_shows"], sums["completed"] + sums["no_shows"]),
        mean_difference=r1(sums["variance_sum"] / sums["variance_n"]) if sums["variance_n"] else None,
        share_off=ratio(sums["variance_off"], sums["variance_n"]),
    )
    return sums


def test_rates_and_weekly_trends_match_pandas(chairs, api_client):
    facility, data = chairs
    days = data.days()
    rates = get(api_client, facility, "chairs/rates", **PERIOD)
    assert rates == {**PERIOD, **_totals(days)}
    assert rates["cancellation_rate"] == r4((data.appointments["status"] == "cancelled").sum() / len(data.appointments))

    weekly = get(api_client, facility, "chairs/weekly", **PERIOD)
    mondays = [day - dt.timedelta(days=day.weekday()) for day in days.index]
    expected = [{"week": f"{monday:%Y-%m-%d}", **_totals(week)} for monday, week in days.groupby(mondays, sort=True)]
    assert weekly["results"] == expected
    assert len(expected) == 4


def test_csv_of_a_metric_has_the_rows_of_its_json(chairs, api_client):
    facility, _ = chairs
    rows = get(api_client, facility, "chairs/days", **PERIOD)["results"]
    response = api_client.get(f"/api/v1/facilities/{facility.slug}/analytics/chairs/days/", {**PERIOD, "format": "csv"})
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].split(",") == list(rows[0])
    assert len(lines) == len(rows) + 1
    assert lines[1].split(",") == ["" if value is None else str(value) for value in rows[0].values()]


# --- the January OR file --------------------------------------------------------------------------

FMT = "%m/%d/%y %I:%M %p"


@pytest.fixture(scope="module")
def cases() -> pd.DataFrame:
    frame = pd.read_csv(OR_FILE, dtype={"Encounter ID": str, "OR Suite": str, "CPT Code": str})
    for column in ("OR Schedule", "Wheels In", "Wheels Out"):
        frame[column] = pd.to_datetime(frame[column], format=FMT)
    frame["day"] = pd.to_datetime(frame["Date"], format="%m/%d/%y")
    frame = frame.sort_values(["OR Suite", "day", "Wheels In", "index"])
    by_suite_day = frame.groupby(["OR Suite", "day"])
    frame["position"] = by_suite_day.cumcount()
    frame["previous_out"] = by_suite_day["Wheels Out"].shift()
    frame["in_room"] = (frame["Wheels Out"] - frame["Wheels In"]).dt.total_seconds() / 60
    frame["delay"] = (frame["Wheels In"] - frame["OR Schedule"]).dt.total_seconds() / 60
    frame["previous_delay"] = by_suite_day["delay"].shift()
    frame["turnover"] = (frame["Wheels In"] - frame["previous_out"]).dt.total_seconds().div(60).clip(lower=0)
    prime_start, prime_end = frame["day"] + PRIME[0], frame["day"] + PRIME[1]
    inside = frame["Wheels Out"].clip(upper=prime_end) - frame["Wheels In"].clip(lower=prime_start)
    frame["prime_in_room"] = inside.dt.total_seconds().clip(lower=0) / 60
    return frame


def suite_days(cases: pd.DataFrame) -> pd.DataFrame:
    """One row per suite-day, as the nightly aggregates make them."""
    grouped = cases.groupby(["OR Suite", "day"])
    days = grouped.agg(
        cases=("in_room", "size"),
        booked_minutes=("Booked Time (min)", "sum"),
        in_room_minutes=("in_room", "sum"),
        prime_in_room_minutes=("prime_in_room", "sum"),
        late_starts=("delay", lambda delay: int((delay > THRESHOLD).sum())),
        turnovers=("previous_out", "count"),
        turnover_minutes=("turnover", "sum"),
        last_out=("Wheels Out", "max"),
    )
    first = cases[cases["position"] == 0].set_index(["OR Suite", "day"])
    days["first_case_on_time"] = first["Wheels In"] <= first["OR Schedule"] + pd.Timedelta(minutes=GRACE)
    prime_end = days.index.get_level_values("day") + PRIME[1]
    days["after_prime_minutes"] = ((days["last_out"] - prime_end).dt.total_seconds() / 60).clip(lower=0)
    days["prime_minutes"] = 510
    return days


def totals(days: pd.DataFrame) -> dict:
    n = len(days)
    after = days[days["after_prime_minutes"] > 0]
    sums = {
        name: int(round(days[name].sum()))
        for name in (
            "cases",
            "booked_minutes",
            "in_room_minutes",
            "prime_minutes",
            "prime_in_room_minutes",
            "late_starts",
            "turnovers",
            "turnover_minutes",
            "after_prime_minutes",
        )
    }
    return {
        **sums,
        "suite_days": n,
        "cases_per_suite_day": r1(sums["cases"] / n) if n else None,
        "prime_time_utilization": ratio(sums["prime_in_room_minutes"], sums["prime_minutes"]),
        "first_cases_on_time": int(days["first_case_on_time"].sum()),
        "first_case_on_time_share": ratio(days["first_case_on_time"].sum(), n),
        "late_start_share": ratio(sums["late_starts"], sums["cases"]),
        "mean_turnover_minutes": r1(sums["turnover_minutes"] / sums["turnovers"]) if sums["turnovers"] else None,
        "days_after_prime": len(after),
        "after_prime_share": ratio(len(after), n),
        "mean_after_prime_minutes": r1(sums["after_prime_minutes"] / len(after)) if len(after) else None,
    }


def test_theatre_summary_and_each_suite_match_pandas(january, api_client, cases):
    days = suite_days(cases)
    summary = get(api_client, january, "theatres/summary", **OR_PERIOD)
    assert summary == {**OR_PERIOD, "department": None, "resource": None, **totals(days)}
    assert summary["cases"] == 686

    ids = dict(SchedulableResource.objects.filter(facility=january).values_list("name", "pk"))
    by_suite = get(api_client, january, "theatres/by-suite", **OR_PERIOD)
    expected = [
        {"suite": ids[suite], "suite_name": suite, **totals(days.xs(suite, level="OR Suite", drop_level=False))}
        for suite in sorted(cases["OR Suite"].unique())
    ]
    assert by_suite["results"] == expected

    one = get(api_client, january, "theatres/summary", resource=ids["4"], **OR_PERIOD)
    assert one == {**OR_PERIOD, "department": None, "resource": ids["4"], **totals(days.xs("4", level="OR Suite"))}


def test_suite_days_match_pandas(january, api_client, cases):
    days = suite_days(cases)
    ids = dict(SchedulableResource.objects.filter(facility=january).values_list("name", "pk"))
    answer = get(api_client, january, "theatres/suite-days", **OR_PERIOD)
    expected = [
        {
            "date": f"{day:%Y-%m-%d}",
            "suite": ids[suite],
            "suite_name": suite,
            "cases": int(row["cases"]),
            "booked_minutes": int(row["booked_minutes"]),
            "in_room_minutes": round(row["in_room_minutes"]),
            "prime_minutes": 510,
            "prime_in_room_minutes": round(row["prime_in_room_minutes"]),
            "first_case_on_time": bool(row["first_case_on_time"]),
            "late_starts": int(row["late_starts"]),
            "turnovers": int(row["turnovers"]),
            "turnover_minutes": round(row["turnover_minutes"]),
            "after_prime_minutes": round(row["after_prime_minutes"]),
        }
        for (suite, day), row in days.sort_index(level=["day", "OR Suite"]).iterrows()
    ]
    expected.sort(key=lambda row: (row["date"], row["suite_name"]))
    assert answer["results"] == expected


@pytest.mark.parametrize(
    ("group_by", "column"), [("service", "Service"), ("procedure", "CPT Code"), ("suite", "OR Suite")]
)
def test_booked_against_in_room_minutes_match_pandas(january, api_client, cases, group_by, column):
    answer = get(api_client, january, "theatres/booked-vs-actual", group_by=group_by, **OR_PERIOD)
    frame = cases.assign(
        difference=cases["in_room"] - cases["Booked Time (min)"],
        error=(cases["in_room"] - cases["Booked Time (min)"]).abs(),
    )
    groups = frame.groupby(column).agg(
        cases=("in_room", "size"),
        booked=("Booked Time (min)", "mean"),
        in_room=("in_room", "mean"),
        difference=("difference", "mean"),
        error=("error", "mean"),
        description=("CPT Description", "max"),
    )
    groups = groups.reset_index().sort_values(["cases", column], ascending=[False, True])
    expected = [
        {
            "service": row[column] if group_by == "service" else None,
            "procedure": row[column] if group_by == "procedure" else None,
            "description": row["description"] if group_by == "procedure" else None,
            "suite_name": row[column] if group_by == "suite" else None,
            "cases": int(row["cases"]),
            "mean_booked_minutes": r1(row["booked"]),
            "mean_in_room_minutes": r1(row["in_room"]),
            "mean_difference": r1(row["difference"]),
            "mean_absolute_error": r1(row["error"]),
        }
        for _, row in groups.iterrows()
    ]
    assert answer["results"] == expected


def test_knock_on_of_late_cases_matches_pandas(january, api_client, cases):
    answer = get(api_client, january, "theatres/knock-on", **OR_PERIOD)
    following = cases[cases["previous_delay"].notna()]
    after_late = following[following["previous_delay"] > THRESHOLD]
    after_on_time = following[following["previous_delay"] <= THRESHOLD]
    assert answer == {
        **OR_PERIOD,
        "department": None,
        "resource": None,
        "cases_after_a_late_case": len(after_late),
        "mean_delay_after_a_late_case": r1(after_late["delay"].mean()),
        "late_share_after_a_late_case": r4((after_late["delay"] > THRESHOLD).mean()),
        "cases_after_an_on_time_case": len(after_on_time),
        "mean_delay_after_an_on_time_case": r1(after_on_time["delay"].mean()),
        "late_share_after_an_on_time_case": r4((after_on_time["delay"] > THRESHOLD).mean()),
    }
    assert len(after_late) > 0 and len(after_on_time) > 0
