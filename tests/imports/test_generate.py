"""The generator of fictitious import files (``imports.generate``, ``manage.py
generate_import_files``): its files load cleanly through the real pipeline, the errors it injects
are reported on the very lines it names, and its rows follow the infusion study."""

import csv
import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command

from analytics import selectors as analytics
from imports import generate
from imports.formats import Kind
from imports.models import Status
from scheduling.models import ResourceKind
from tests.factories import ResourceFactory

START = dt.date(2025, 3, 3)  # a Monday
TODAY = dt.date(2025, 3, 12)  # the last days of the files are still to come
SETUP = generate.ChairSetup(chairs=generate.chair_names(6))


@pytest.fixture
def chairs(facility):
    return [ResourceFactory(facility=facility, kind=ResourceKind.CHAIR, name=name) for name in SETUP.chairs]


def _write(tmp_path, **options):
    options = {"seed": 3, "start": START, "today": TODAY, "setup": SETUP, "days": 10} | options
    return generate.write_files(tmp_path / "out", **options)


@pytest.mark.django_db
def test_a_file_of_each_kind_loads_with_no_problem(tmp_path, upload, facility, chairs, theatres):
    written = _write(tmp_path)

    for kind in (Kind.CHAIR_APPOINTMENTS, Kind.CHAIR_TIMES, Kind.NURSE_CAPACITY, Kind.OR_CASES):
        entry = written[kind]
        record, created = upload(entry.path.read_bytes(), name=entry.path.name)
        assert created and record.kind == kind
        problems = list(record.problems.values_list("row", "code", "message")[:5])
        assert record.status == Status.LOADED, (kind, record.message, problems)
        # No warning either: every actual time's encounter was scheduled (appointments load first).
        assert (record.error_count, record.warning_count) == (0, 0), (kind, problems)
        assert record.rows_read == record.rows_inserted == entry.rows > 0
        assert analytics.fact_count(kind=kind, facility_id=facility.pk) == entry.rows

    appointments = pd.DataFrame(list(analytics.fact_rows(kind=Kind.CHAIR_APPOINTMENTS, facility_id=facility.pk)))
    assert set(appointments["chair_id"].dropna()) <= {chair.pk for chair in chairs}
    assert (appointments["date"].min(), appointments["date"].max()) == (START, generate.weekdays(START, 10)[-1])
    past = appointments[appointments["date"] < TODAY]
    future = appointments[appointments["date"] >= TODAY]
    assert set(past["status"]) == {"completed", "cancelled", "no-show"}
    assert set(future["status"]) == {"scheduled", "cancelled"}
    times = pd.DataFrame(list(analytics.fact_rows(kind=Kind.CHAIR_TIMES, facility_id=facility.pk)))
    assert set(times["encounter_id"]) == set(past.loc[past["status"] == "completed", "encounter_id"])


def _expected(breaks):
    lines = {broken.line for broken in breaks if broken.expect != "unknown_resource"}
    unknown = {(broken.value, broken.line) for broken in breaks if broken.expect == "unknown_resource"}
    return lines, unknown


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "status"),
    [
        (Kind.CHAIR_APPOINTMENTS, Status.NEEDS_MAPPING),  # the unknown chair waits for the uploader
        (Kind.CHAIR_TIMES, Status.INVALID),
        (Kind.NURSE_CAPACITY, Status.INVALID),
        (Kind.OR_CASES, Status.NEEDS_MAPPING),
    ],
)
def test_injected_errors_are_reported_on_the_lines_the_generator_names(
    tmp_path, upload, facility, chairs, theatres, kind, status
):
    count = len(generate.ERROR_MIX[kind])  # one of each
    entry = _write(tmp_path, kinds=(kind,), errors=count)[kind]
    assert {broken.error.split(" ")[0] for broken in entry.breaks} == set(generate.ERROR_MIX[kind])

    record, _ = upload(entry.path.read_bytes(), name=entry.path.name)

    assert record.status == status, record.message
    assert analytics.fact_count(kind=kind, facility_id=facility.pk) == 0
    lines, unknown = _expected(entry.breaks)
    errors = list(record.problems.filter(severity="error").values_list("row", "code"))
    assert {row for row, _ in errors} == lines
    for broken in entry.breaks:
        if broken.expect != "unknown_resource":
            assert (broken.line, broken.expect) in errors, broken
    assert {(entry["name"], entry["first_row"]) for entry in record.unknown_resources} == unknown
    assert record.rows_valid == entry.rows - len(lines)


def test_the_weekday_mix_of_patient_types_follows_the_study():
    setup = generate.ChairSetup(chairs=generate.chair_names(24))
    block = generate.chair_block(7, generate.weekdays(START, 60), setup, today=TODAY)
    weekday = np.array([dt.date.fromordinal(int(o)).weekday() for o in block["day"]])
    study = generate.PATIENT_TYPE_SHARES / generate.PATIENT_TYPE_SHARES.sum(axis=1, keepdims=True) * 100

    for day in range(5):
        types = block["patient_type"].to_numpy()[weekday == day]
        assert len(types) > 500
        shares = np.bincount(types, minlength=5) / len(types) * 100
        assert np.abs(shares - study[day]).max() < 5, (day, shares.round(1), study[day])
    # Thursdays have the most follow-ups, Mondays the most infusions (as in the table).
    fup = generate.PATIENT_TYPES.tolist().index("FUP")
    assert np.bincount(weekday[block["patient_type"] == fup]).argmax() == 3


def test_appointments_chair_times_and_capacity_are_realistic():
    setup = generate.ChairSetup(chairs=generate.chair_names(12))
    days = generate.weekdays(START, 120)
    block = generate.chair_block(11, days, setup, today=dt.date(2030, 1, 1))
    capacity = {day.toordinal(): generate.nurse_capacity(11, day, setup) for day in days}

    # Regimen category and minutes follow the patient type.
    long_type = generate.PATIENT_TYPES.tolist().index("CMO-LONG")
    assert set(block.loc[block["patient_type"] == long_type, "category"]) == {2}
    assert block.groupby("category")["minutes"].agg(["min", "max"]).values.tolist() == [[30, 60], [90, 180], [240, 360]]
    # The study's cancellation and no-show rates.
    shares = block["status"].value_counts(normalize=True)
    assert shares[generate.CANCELLED] == pytest.approx(0.10, abs=0.015)
    assert shares[generate.NO_SHOW] == pytest.approx(0.05, abs=0.01)
    # Starts within opening hours; no more chairs at once than the nurses run.
    assert block["start"].between(setup.opening, setup.closing - 1).all()
    chairs_used = block.groupby("day")["chair"].nunique()
    assert all(chairs_used[day] <= capacity[day][1] for day in chairs_used.index)
    short_days = sum(nurses < setup.full_staff for nurses, _ in capacity.values()) / len(capacity)
    assert 0.08 < short_days < 0.25
    # Actual time only when completed; one patient at a time per chair.
    done = block[block["status"] == generate.COMPLETED]
    assert (block.loc[block["status"] != generate.COMPLETED, "actual_minutes"] == -1).all()
    # Why chair times miss: chemotherapy waits for its drugs and premedication and runs longer
    # than booked, follow-ups and injections end early; the type with neither keeps the bias
    # of its category. What is left is noise of mean 1 and a realistic spread, in every group.
    kind, category = done["patient_type"], done["category"]
    types = generate.PATIENT_TYPES.tolist()
    overrun = (done["actual_minutes"] - done["minutes"]).groupby(kind).mean()
    assert overrun[types.index("CMO-LONG")] > overrun[types.index("CMO-SHORT")] > 10
    assert overrun[types.index("FUP")] < overrun[types.index("INF")] < 0
    misc = done[kind == types.index("MISC")]
    ratio = (misc["actual_minutes"] / misc["minutes"]).groupby(misc["category"]).mean()
    assert ratio[0] == pytest.approx(0.97, abs=0.02) and ratio[1] == pytest.approx(1.04, abs=0.03)
    systematic = done["minutes"] * generate.OVERRUN[category] * generate.PACE[kind] + generate.PREP_MINUTES[kind]
    noise = done["actual_minutes"] / systematic
    assert noise.groupby([kind, category]).mean().between(0.97, 1.03).all()
    assert np.log(noise).std() == pytest.approx(generate.NOISE_SIGMA, abs=0.02)
    assert (done["actual_start"] >= done["start"]).all()
    ordered = done.sort_values(["day", "chair", "actual_start"])
    same_chair = (ordered["day"].diff() == 0) & (ordered["chair"].diff() == 0)
    previous_end = (ordered["actual_start"] + ordered["actual_minutes"]).shift()
    assert (ordered.loc[same_chair, "actual_start"] >= previous_end[same_chair]).all()
    # Nothing in the night hours where daylight saving skips or repeats an hour.
    assert (done["actual_start"] + done["actual_minutes"]).max() <= generate.LAST_MINUTE


def test_days_to_come_are_booked_for_the_full_staff_whatever_the_nurses_known_now():
    """Bookings are made weeks ahead: a short-staffed day to come holds the appointments of a
    fully staffed one, more than its nurses can run (the at-risk calendar's staffing shortfall),
    while a past short-staffed day was booked for the nurses who came."""
    setup = generate.ChairSetup(chairs=generate.chair_names(10))
    days = generate.weekdays(START, 140)
    today = days[len(days) // 2]
    block = generate.chair_block(11, days, setup, today=today)
    span = setup.closing - setup.opening
    full = min(len(setup.chairs), int(setup.full_staff * setup.chairs_per_nurse))
    short = [day for day in days if generate.nurse_capacity(11, day, setup)[1] < full]
    assert any(day < today for day in short) and any(day >= today for day in short)

    for day in short:
        rows = block[block["day"] == day.toordinal()]
        booked = (rows["minutes"] + setup.turnover).sum()
        supported = generate.nurse_capacity(11, day, setup)[1] * span
        if day < today:
            assert booked <= setup.fill * supported
            assert rows["chair"].nunique() <= generate.nurse_capacity(11, day, setup)[1]
        else:
            assert booked > supported  # over-booked against the nurses on duty
            assert set(rows["chair"]) - {-1} == set(range(len(setup.chairs)))
    # The draws are those of the day seen as past: a fully staffed day to come has the same
    # appointments, a short-staffed one the same and more.
    as_past = generate.chair_block(11, days, setup, today=days[-1] + dt.timedelta(days=1))
    booked_columns = ["patient_type", "category", "minutes"]
    for day in (day for day in days if day >= today):
        ahead = block[block["day"] == day.toordinal()][booked_columns].value_counts()
        seen = as_past[as_past["day"] == day.toordinal()][booked_columns].value_counts()
        assert (ahead.reindex(seen.index, fill_value=0) >= seen).all()
        assert (ahead.sum() > seen.sum()) == (day in short)


def test_a_day_has_the_same_rows_in_any_file_and_blocks_change_nothing(tmp_path, monkeypatch):
    """What keeps the demo's reloads from duplicating anything: ids and rows depend on the day."""
    long_file = _write(tmp_path / "long", days=21)[Kind.CHAIR_APPOINTMENTS].path.read_text().splitlines()
    monkeypatch.setattr(generate, "BLOCK_ROWS", 40)  # a block of a day or two
    short = _write(tmp_path / "short", start=START + dt.timedelta(days=7), days=14)
    short_file = short[Kind.CHAIR_APPOINTMENTS].path.read_text().splitlines()

    assert short_file[0] == long_file[0]
    assert short_file[1:] == [line for line in long_file[1:] if line.split(",")[2] >= "2025-03-10"]
    ids = [line.split(",")[0] for line in long_file[1:]]
    assert len(ids) == len(set(ids))


def test_rows_writes_exactly_that_many_appointments(tmp_path):
    written = _write(tmp_path, days=None, rows=1234, kinds=(Kind.CHAIR_APPOINTMENTS, Kind.NURSE_CAPACITY))
    appointments = pd.read_csv(written[Kind.CHAIR_APPOINTMENTS].path)
    capacity = pd.read_csv(written[Kind.NURSE_CAPACITY].path)
    assert len(appointments) == written[Kind.CHAIR_APPOINTMENTS].rows == 1234
    assert appointments["appointment_id"].is_unique and appointments["encounter_id"].is_unique
    assert capacity["date"].tolist() == sorted(appointments["date"].unique())


def test_the_command_writes_the_files_and_names_the_broken_lines(tmp_path):
    out = io.StringIO()
    call_command(
        "generate_import_files",
        "--out", str(tmp_path), "--days", "14", "--start", "2025-03-03", "--today", "2025-03-20",
        "--chairs", "4", "--suites", "3", "--errors", "3", stdout=out,
    )  # fmt: skip

    report = out.getvalue()
    for name in generate.FILE_NAMES.values():
        assert (tmp_path / name).exists() and str(tmp_path / name) in report
    with (tmp_path / "chair-appointments.errors.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(row["error"] for row in rows) == ["impossible_date", "negative_minutes", "unknown_status"]
    for row in rows:
        assert f"line {row['line']}, {row['column']}: {row['error']}" in report
    chairs = set(pd.read_csv(tmp_path / "chair-appointments.csv")["chair"].dropna())
    assert chairs <= {"Chair 1", "Chair 2", "Chair 3", "Chair 4"}
    assert set(pd.read_csv(tmp_path / "or-cases.csv")["OR Suite"]) == {1, 2, 3}
