"""Duration estimates (``analytics.estimates``): each equals the median pandas computes from the
files imported; the fallbacks from procedure to service to booked time, and from (category,
type) to category to booked time; the held-out evaluation meets the issue's goals on the
January OR file and on generated chair history; and another facility's history never counts."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command

from analytics import estimates
from analytics.models import SurgicalCase
from imports.generate import ChairSetup, chair_names, write_files
from scheduling.models import ResourceKind
from tests.analytics.conftest import CHAIR_TODAY, OR_FILE
from tests.factories import AppointmentTypeFactory, ResourceFactory

pytestmark = pytest.mark.django_db

FMT = "%m/%d/%y %I:%M %p"
AFTER_JANUARY = dt.date(2022, 2, 1)
SPLIT = dt.date(2022, 1, 21)  # the first 67 % of the file's 20 dates (13) learn, the last 7 evaluate


@pytest.fixture(scope="module")
def cases() -> pd.DataFrame:
    frame = pd.read_csv(OR_FILE, dtype={"CPT Code": str})
    frame["day"] = pd.to_datetime(frame["Date"], format="%m/%d/%y").dt.date
    in_room = pd.to_datetime(frame["Wheels Out"], format=FMT) - pd.to_datetime(frame["Wheels In"], format=FMT)
    frame["in_room"] = in_room.dt.total_seconds() / 60
    frame["booked"] = frame["Booked Time (min)"]
    return frame


def _rounded(value: float) -> int:
    return int(np.floor(value + 0.5))


# --- theatres ---------------------------------------------------------------------------------


def test_a_procedure_estimate_is_the_median_in_room_time_of_its_cases(january, cases, django_assert_num_queries):
    for code, group in cases.groupby("CPT Code"):
        with django_assert_num_queries(1):
            estimate = estimates.case_estimate(
                facility=january,
                procedure_code=code,
                service=group["Service"].iloc[0],
                booked_minutes=int(group["booked"].iloc[0]),
                before=AFTER_JANUARY,
            )
        assert estimate.level == "procedure"
        assert estimate.minutes == _rounded(group["in_room"].median()), code
        assert estimate.sample_size == len(group)
        description = group["CPT Description"].iloc[0]
        assert estimate.basis == f"median of {len(group)} past cases of CPT {code} ({description})"


def test_a_procedure_with_too_few_cases_falls_back_to_its_service_then_to_the_booked_time(january, cases):
    before = dt.date(2022, 1, 5)  # two days of history: some procedures have one or two cases
    learned = cases[cases["day"] < before]
    per_code = learned.groupby("CPT Code").size()
    per_service = learned.groupby("Service").size()
    few = per_code[per_code < estimates.MIN_PROCEDURE_CASES]
    services = learned.groupby("CPT Code")["Service"].first()
    rich = [code for code in few.index if per_service[services[code]] >= estimates.MIN_SERVICE_CASES]
    poor = [code for code in few.index if per_service[services[code]] < estimates.MIN_SERVICE_CASES]
    assert rich and poor

    code = rich[0]
    service = services[code]
    in_service = learned[learned["Service"] == service]
    ratio = (in_service["in_room"] / in_service["booked"]).median()
    estimate = estimates.case_estimate(
        facility=january, procedure_code=code, service=service, booked_minutes=100, before=before
    )
    assert estimate.level == "service"
    assert estimate.minutes == _rounded(100 * ratio)
    assert estimate.sample_size == len(in_service)
    assert f"of {len(in_service)} past cases in {service}" in estimate.basis
    assert f"fewer than {estimates.MIN_PROCEDURE_CASES} of CPT {code}" in estimate.basis

    code = poor[0]
    estimate = estimates.case_estimate(
        facility=january, procedure_code=code, service=services[code], booked_minutes=100, before=before
    )
    assert (estimate.level, estimate.minutes, estimate.sample_size) == ("booked", 100, 0)
    assert estimate.basis.startswith(f"booked time: only {per_code[code]} past case")

    unknown = estimates.case_estimate(
        facility=january, procedure_code="99999", service="Cardiac", booked_minutes=75, before=AFTER_JANUARY
    )
    assert unknown == estimates.Estimate(minutes=75, basis="booked time: no history yet", level="booked", sample_size=0)


def test_the_estimates_halve_the_booking_error_on_the_later_january_dates(january, cases):
    result = estimates.evaluate(facility=january, split_date=SPLIT)["cases"]

    learned, later = cases[cases["day"] < SPLIT], cases[cases["day"] >= SPLIT]
    assert (result["learned"], result["evaluated"]) == (len(learned), len(later)) == (446, 240)
    assert result["booked_mae"] == pytest.approx((later["booked"] - later["in_room"]).abs().mean(), abs=0.01)
    assert result["booked_mae"] == 11.75
    medians = learned.groupby("CPT Code")["in_room"].median()
    expected = later["CPT Code"].map(medians).map(_rounded)  # every later procedure has ≥ 3 cases before
    assert result["estimate_mae"] == pytest.approx((expected - later["in_room"]).abs().mean(), abs=0.01)
    assert result["estimate_mae"] <= 0.5 * result["booked_mae"]
    assert result["levels"] == {"procedure": 240}


def test_the_command_prints_the_figures(january):
    from io import StringIO

    out = StringIO()
    call_command("analytics_evaluate_estimates", "--facility", january.slug, "--split", SPLIT.isoformat(), stdout=out)
    text = out.getvalue()
    assert "Theatre cases (in-room minutes): 446 rows learned from, 240 evaluated" in text
    assert "booked-minutes MAE  11.75 min" in text
    assert "Chair appointments: 0 rows learned from, 0 evaluated" in text


# --- chairs -----------------------------------------------------------------------------------


def _chair_facts(files) -> pd.DataFrame:
    appointments = pd.read_csv(files["chair_appointments"])
    times = pd.read_csv(files["chair_times"])
    done = appointments[appointments["status"] == "completed"].merge(times, on="encounter_id")
    done["day"] = pd.to_datetime(done["date"]).dt.date
    done["ratio"] = done["total_chair_minutes"] / done["scheduled_chair_minutes"]
    return done


def test_a_chair_estimate_is_the_median_ratio_of_its_group(chair_history, django_assert_num_queries):
    facility, files = chair_history
    done = _chair_facts(files)
    done = done[done["day"] < CHAIR_TODAY]
    groups = done.groupby(["regimen_category", "patient_type"])["ratio"].agg(["median", "size"])
    assert (groups["size"] >= estimates.MIN_CHAIR_APPOINTMENTS).sum() >= 5

    for (category, kind), median, size in groups.itertuples():
        with django_assert_num_queries(1):
            estimate = estimates.chair_estimate(
                facility=facility,
                regimen_category=category,
                patient_type=kind,
                scheduled_minutes=120,
                before=CHAIR_TODAY,
            )
        if size >= estimates.MIN_CHAIR_APPOINTMENTS:
            assert (estimate.level, estimate.sample_size) == ("category_and_type", size)
            assert estimate.minutes == _rounded(120 * median), (category, kind)
            assert f"of {size} past appointments ({category} regimens, type {kind})" in estimate.basis
        else:
            assert estimate.level == "category"


def test_a_chair_estimate_falls_back_to_the_category_then_to_the_booked_time(chair_history, other_facility):
    facility, files = chair_history
    done = _chair_facts(files)
    done = done[done["day"] < CHAIR_TODAY]
    medium = done[done["regimen_category"] == "medium"]

    # A patient type the history does not have: the category's median ratio.
    estimate = estimates.chair_estimate(
        facility=facility, regimen_category="medium", patient_type="rad", scheduled_minutes=90, before=CHAIR_TODAY
    )
    assert (estimate.level, estimate.sample_size) == ("category", len(medium))
    assert estimate.minutes == _rounded(90 * medium["ratio"].median())
    assert estimate.basis.endswith(f"{len(medium)} past appointments (medium regimens; fewer than 10 of type RAD)")

    # Too little history of the whole category: the booked minutes, and why.
    first_day = done["day"].min()
    early = done[(done["day"] == first_day) & (done["regimen_category"] == "long")]
    assert 0 < len(early) < estimates.MIN_CHAIR_APPOINTMENTS
    estimate = estimates.chair_estimate(
        facility=facility,
        regimen_category="long",
        patient_type="CMO-LONG",
        scheduled_minutes=300,
        before=first_day + dt.timedelta(days=1),
    )
    assert (estimate.level, estimate.minutes, estimate.sample_size) == ("booked", 300, 0)
    appointments = "appointment" if len(early) == 1 else "appointments"
    assert estimate.basis == f"booked time: only {len(early)} past {appointments} of long regimens, type CMO-LONG"


@pytest.fixture
def chair_months(facility, upload, tmp_path):
    """Sixteen generated weeks of a 10-chair centre, all past, through the import service."""
    setup = ChairSetup(chairs=chair_names(10))
    for name in setup.chairs:
        ResourceFactory(facility=facility, kind=ResourceKind.CHAIR, name=name)
    start = dt.date(2026, 1, 5)  # a Monday
    written = write_files(
        tmp_path / "months",
        seed=11,
        start=start,
        today=start + dt.timedelta(weeks=16),
        setup=setup,
        kinds=("chair_appointments", "chair_times"),
        days=16 * 7,
    )
    for kind in ("chair_appointments", "chair_times"):
        record, _ = upload(written[kind].path.read_bytes(), name=written[kind].path.name, kind=kind)
        assert record.status == "loaded", (kind, record.message)
    return facility, {kind: entry.path for kind, entry in written.items()}, start + dt.timedelta(weeks=12)


def test_the_chair_estimates_are_30_percent_closer_than_the_booking_on_later_weeks(chair_months):
    facility, files, split = chair_months
    result = estimates.evaluate(facility=facility, split_date=split)["chairs"]

    done = _chair_facts(files)
    learned, later = done[done["day"] < split], done[done["day"] >= split]
    assert (result["learned"], result["evaluated"]) == (len(learned), len(later))
    booked_error = (later["scheduled_chair_minutes"] - later["total_chair_minutes"]).abs().mean()
    assert result["booked_mae"] == pytest.approx(booked_error, abs=0.01)
    medians = learned.groupby(["regimen_category", "patient_type"])["ratio"].median()
    ratio = pd.Series(list(zip(later["regimen_category"], later["patient_type"], strict=True)), index=later.index)
    expected = (later["scheduled_chair_minutes"] * ratio.map(medians)).map(_rounded)
    assert result["estimate_mae"] == pytest.approx((expected - later["total_chair_minutes"]).abs().mean(), abs=0.01)
    assert result["estimate_mae"] <= 0.7 * result["booked_mae"]
    assert result["levels"] == {"category_and_type": len(later)}


# --- one facility's history is its own ------------------------------------------------------------


def test_another_facilitys_history_never_feeds_an_estimate(january, other_facility, cases):
    bunions = cases[cases["CPT Code"] == "28296"]
    booked = int(bunions["booked"].iloc[0])
    ask = {"procedure_code": "28296", "service": "Podiatry", "booked_minutes": booked, "before": AFTER_JANUARY}

    # The other facility has no history: its estimate is its booking, whatever the first has.
    assert estimates.case_estimate(facility=other_facility, **ask).level == "booked"
    assert estimates.evaluate(facility=other_facility, split_date=SPLIT)["cases"]["evaluated"] == 0

    # Given its own cases of the procedure, each facility learns from its own alone.
    theatre = ResourceFactory(facility=other_facility, kind=ResourceKind.THEATRE, name="1")
    for number in range(4):
        start = dt.datetime(2022, 1, 10 + number, 8, tzinfo=dt.UTC)
        end = start + dt.timedelta(minutes=200)
        SurgicalCase.objects.create(
            facility=other_facility, case_id=f"B{number}", date=start.date(), suite=theatre, suite_name="1",
            service="Podiatry", cpt_code="28296", cpt_description="Bunionectomy", booked_minutes=booked,
            scheduled_start=start, wheels_in=start, incision_start=start, incision_end=end, wheels_out=end,
        )  # fmt: skip
    theirs = estimates.case_estimate(facility=other_facility, **ask)
    ours = estimates.case_estimate(facility=january, **ask)
    assert (theirs.minutes, theirs.sample_size) == (200, 4)
    assert (ours.minutes, ours.sample_size) == (_rounded(bunions["in_room"].median()), len(bunions))

    # An appointment type of another facility does not exist here.
    foreign = AppointmentTypeFactory(facility=other_facility)
    assert (
        estimates.estimate_for_appointment_type(
            facility=january, appointment_type=foreign, resource_kind=ResourceKind.THEATRE, minutes=60
        )
        is None
    )


def test_only_the_last_year_of_history_counts(january, cases):
    """Practice changes: a case more than a year before the latest history is left out."""
    bunions = cases[cases["CPT Code"] == "28296"]
    theatre = ResourceFactory._meta.model.objects.get(facility=january, name="1")
    start = dt.datetime(2020, 11, 2, 8, tzinfo=dt.UTC)
    end = start + dt.timedelta(minutes=500)
    SurgicalCase.objects.create(
        facility=january, case_id="old", date=start.date(), suite=theatre, suite_name="1", service="Podiatry",
        cpt_code="28296", cpt_description="Bunionectomy", booked_minutes=120, scheduled_start=start,
        wheels_in=start, incision_start=start, incision_end=end, wheels_out=end,
    )  # fmt: skip
    ask = {"procedure_code": "28296", "service": "Podiatry", "booked_minutes": 120}

    now = estimates.case_estimate(facility=january, before=AFTER_JANUARY, **ask)
    assert (now.minutes, now.sample_size) == (_rounded(bunions["in_room"].median()), len(bunions))
    then = estimates.case_estimate(facility=january, before=dt.date(2021, 1, 1), **ask)
    assert (then.level, then.basis) == ("booked", "booked time: only 1 past case of CPT 28296 (Bunionectomy)")
