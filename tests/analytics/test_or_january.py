"""The January OR file, imported through the import service and aggregated by the nightly
code, gives the figures pandas computes from the file itself."""

import pandas as pd
import pytest

from analytics import metrics
from tests.analytics.conftest import JANUARY, OR_FILE

pytestmark = pytest.mark.django_db

FMT = "%m/%d/%y %I:%M %p"


@pytest.fixture(scope="module")
def cases() -> pd.DataFrame:
    frame = pd.read_csv(OR_FILE, dtype={"Encounter ID": str})
    for column in ("OR Schedule", "Wheels In", "Wheels Out"):
        frame[column] = pd.to_datetime(frame[column], format=FMT)
    frame["day"] = pd.to_datetime(frame["Date"], format="%m/%d/%y")
    frame = frame.sort_values(["OR Suite", "day", "Wheels In", "index"])
    frame["previous_out"] = frame.groupby(["OR Suite", "day"])["Wheels Out"].shift()
    return frame


def test_cases_per_suite_day_turnover_and_late_starts_match_pandas(january, cases):
    whole = metrics.or_suites(facility=january, first=JANUARY[0], last=JANUARY[1], by_suite=False)[0]

    suite_days = cases.groupby(["OR Suite", "day"]).ngroups
    assert whole["suite_days"] == suite_days
    assert whole["cases"] == len(cases) == 686
    assert whole["cases_per_suite_day"] == round(len(cases) / suite_days, 1)

    turnover = (cases["Wheels In"] - cases["previous_out"]).dt.total_seconds().div(60).dropna().clip(lower=0)
    assert whole["turnovers"] == len(turnover)
    assert whole["mean_turnover_minutes"] == pytest.approx(turnover.mean(), abs=0.1)

    late = (cases["Wheels In"] - cases["OR Schedule"]).dt.total_seconds() > 15 * 60
    assert whole["late_starts"] == late.sum()
    assert whole["late_start_share"] == round(late.mean(), 4)


def test_prime_time_first_cases_and_overtime_match_pandas(january, cases):
    whole = metrics.or_suites(facility=january, first=JANUARY[0], last=JANUARY[1], by_suite=False)[0]
    prime_start = cases["day"] + pd.Timedelta(hours=7)
    prime_end = cases["day"] + pd.Timedelta(hours=15, minutes=30)
    inside = (cases["Wheels Out"].clip(upper=prime_end) - cases["Wheels In"].clip(lower=prime_start)).dt.total_seconds()
    suite_days = cases.groupby(["OR Suite", "day"]).ngroups
    assert whole["prime_time_utilization"] == pytest.approx(
        inside.clip(lower=0).sum() / 60 / (suite_days * 510), abs=1e-3
    )

    first = cases.groupby(["OR Suite", "day"]).head(1)
    on_time = first["Wheels In"] <= first["OR Schedule"] + pd.Timedelta(minutes=5)
    assert whole["first_case_on_time_share"] == round(on_time.mean(), 4)

    last_out = cases.groupby(["OR Suite", "day"]).agg(out=("Wheels Out", "max"), day=("day", "first"))
    after = (last_out["out"] - (last_out["day"] + pd.Timedelta(hours=15, minutes=30))).dt.total_seconds() > 0
    assert whole["days_after_prime"] == after.sum()


def test_booked_against_in_room_by_service_matches_pandas(january, cases):
    rows = {
        row["service"]: row
        for row in metrics.or_booked_vs_actual(facility=january, first=JANUARY[0], last=JANUARY[1], group_by="service")
    }
    in_room = (cases["Wheels Out"] - cases["Wheels In"]).dt.total_seconds() / 60
    cases = cases.assign(in_room=in_room, error=(in_room - cases["Booked Time (min)"]).abs())
    expected = cases.groupby("Service").agg(n=("in_room", "size"), in_room=("in_room", "mean"), mae=("error", "mean"))
    assert set(rows) == set(expected.index)
    for service, row in expected.iterrows():
        assert rows[service]["cases"] == row["n"]
        assert rows[service]["mean_in_room_minutes"] == pytest.approx(row["in_room"], abs=0.051)
        assert rows[service]["mean_absolute_error"] == pytest.approx(row["mae"], abs=0.051)
