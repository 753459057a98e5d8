"""One test per rule the validator checks: a small file that breaks it, the status the import
ends in, and what the report says of each problem: its line (the header is line 1), column,
value and code. Each file also has good rows, so a check that fires on every row would show."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from analytics import selectors as analytics
from analytics.models import PatientType
from imports import selectors, services
from imports.models import Import, Status
from scheduling import ranges
from scheduling.errors import ApplicationError
from scheduling.models import ResourceKind, SchedulableResource
from tests.factories import ResourceFactory

pytestmark = pytest.mark.django_db

APPOINTMENTS = [
    "appointment_id", "encounter_id", "date", "chair", "regimen_category", "patient_type",
    "scheduled_chair_minutes", "status",
]  # fmt: skip
TIMES = ["encounter_id", "actual_start", "actual_end", "total_chair_minutes"]
CAPACITY = ["date", "nurses_available", "max_chairs_supported"]
CASES = [
    "index", "Encounter ID", "Date", "OR Suite", "Service", "CPT Code", "CPT Description", "Booked Time (min)",
    "OR Schedule", "Wheels In", "Start Time", "End Time", "Wheels Out",
]  # fmt: skip


def csv_text(header: list[str], rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([row[name] for name in header] for row in rows)
    return buffer.getvalue()


def appointment(n: int, **changes) -> dict:
    row = {
        "appointment_id": f"A-{n:04d}",
        "encounter_id": f"E-{n:04d}",
        "date": "2026-03-02",
        "chair": "",
        "regimen_category": "medium",
        "patient_type": "INF",
        "scheduled_chair_minutes": "120",
        "status": "completed",
    }
    return row | changes


def chair_time(n: int, start="2026-03-02 09:00", end="2026-03-02 11:00", total="120") -> dict:
    return {"encounter_id": f"E-{n:04d}", "actual_start": start, "actual_end": end, "total_chair_minutes": total}


def capacity(day: str, nurses="6", chairs="14") -> dict:
    return {"date": day, "nurses_available": nurses, "max_chairs_supported": chairs}


def case(n: int, **changes) -> dict:
    row = {
        "index": str(n),
        "Encounter ID": str(10000 + n),
        "Date": "01/03/22",
        "OR Suite": "1",
        "Service": "Podiatry",
        "CPT Code": "28110",
        "CPT Description": "Partial ostectomy, fifth metatarsal head",
        "Booked Time (min)": "90",
        "OR Schedule": "01/03/22 07:00 AM",
        "Wheels In": "01/03/22 07:05 AM",
        "Start Time": "01/03/22 07:32 AM",
        "End Time": "01/03/22 09:05 AM",
        "Wheels Out": "01/03/22 09:17 AM",
    }
    return row | changes


def appointments(*rows) -> str:
    return csv_text(APPOINTMENTS, list(rows))


def times(*rows) -> str:
    return csv_text(TIMES, list(rows))


def cases(*rows) -> str:
    return csv_text(CASES, list(rows))


def problems(record, severity: str = "") -> list[tuple]:
    """(line, column, value, code) of each problem, in line order."""
    found = selectors.problem_list(facility=record.facility, import_id=record.pk, severity=severity)
    return list(found.values_list("row", "column", "value", "code"))


def messages(record) -> dict[tuple, str]:
    found = selectors.problem_list(facility=record.facility, import_id=record.pk)
    return {(row, column): message for row, column, message in found.values_list("row", "column", "message")}


def facts(kind: str, facility) -> int:
    return analytics.fact_count(kind=kind, facility_id=facility.pk)


def facts_by(kind: str, facility, key: str) -> dict:
    return {row[key]: row for row in analytics.fact_rows(kind=kind, facility_id=facility.pk)}


def assert_invalid(record, errors: int):
    assert record.status == Status.INVALID, (record.status, record.message)
    assert record.error_count == errors
    assert f"{errors} error{'' if errors == 1 else 's'}: nothing was loaded" in record.message
    assert facts(record.kind, record.facility) == 0


@pytest.fixture
def new_york(facility):
    facility.time_zone = "America/New_York"
    facility.save()
    return facility


# --- missing values and the header -----------------------------------------------------------------


def test_a_missing_value_is_an_error_naming_its_line_and_column(upload, facility):
    record, _ = upload(
        appointments(appointment(1), appointment(2, encounter_id=""), appointment(3, status=""), appointment(4))
    )

    assert_invalid(record, errors=2)
    assert problems(record) == [(3, "encounter_id", "", "missing"), (4, "status", "", "missing")]
    assert messages(record)[(3, "encounter_id")] == "A value is required."
    assert (record.rows_read, record.rows_valid) == (4, 2)


HEADER_CASES = {
    "unknown column": (APPOINTMENTS + ["colour"], "unknown_column", "colour"),
    "missing column": ([name for name in APPOINTMENTS if name != "status"], "missing_column", "status"),
    "duplicated column": (APPOINTMENTS + ["date"], "duplicated_column", "date"),
}


@pytest.mark.parametrize("kind", [None, "chair_appointments"], ids=["detected", "chosen"])
@pytest.mark.parametrize("case_name", list(HEADER_CASES))
def test_a_header_with_an_unknown_missing_or_duplicated_column_is_refused_naming_it(
    upload, facility, imports_dir, case_name, kind
):
    header, reason, column = HEADER_CASES[case_name]
    rows = [dict(zip(header, ["x"] * len(header), strict=True))]

    with pytest.raises(ApplicationError) as refused:
        upload(csv_text(header, rows), kind=kind)

    error = refused.value
    assert error.code == "file_rejected"
    assert (error.extra["reason"], error.extra["line"], error.extra["column"]) == (reason, 1, column)
    assert column in error.message
    assert error.fields == {"file": [error.message]}
    assert not Import.objects.exists()
    assert not imports_dir.exists() or not any(imports_dir.rglob("*.csv"))


def test_header_refusals_read_as_english(upload, facility):
    messages = []
    for header in (TIMES[:-1], TIMES + ["notes"], CASES[:-1]):
        with pytest.raises(ApplicationError) as refused:
            upload(csv_text(header, [dict.fromkeys(header, "x")]))
        messages.append(refused.value.message)
    assert messages == [
        "The header of an actual chair time file needs the column(s) total_chair_minutes.",
        "The column(s) notes are not part of an actual chair time file.",
        "The header of an operating-room cases file needs the column(s) Wheels Out.",
    ]


# --- types, dates, durations ---------------------------------------------------------------------


def test_a_value_longer_than_its_column_takes_is_an_error(upload, facility, theatres):
    record, _ = upload(appointments(appointment(1), appointment(2, appointment_id="A-" + "9" * 70)))
    assert_invalid(record, errors=1)
    assert problems(record) == [(3, "appointment_id", "A-" + "9" * 70, "too_long")]
    assert messages(record)[(3, "appointment_id")] == "Longer than 64 characters."

    record, _ = upload(cases(case(1), case(2, **{"CPT Description": "Ostectomy " * 60})))
    assert_invalid(record, errors=1)
    assert problems(record) == [(3, "CPT Description", ("Ostectomy " * 60)[:200], "too_long")]


def test_text_or_a_fraction_in_an_integer_column_is_not_a_number(upload, facility):
    record, _ = upload(
        appointments(
            appointment(1),
            appointment(2, scheduled_chair_minutes="abc"),
            appointment(3, scheduled_chair_minutes="1.5"),
            appointment(4, scheduled_chair_minutes="90 min"),
        )
    )

    assert_invalid(record, errors=3)
    column = "scheduled_chair_minutes"
    assert problems(record) == [
        (3, column, "abc", "not_a_number"),
        (4, column, "1.5", "not_a_number"),
        (5, column, "90 min", "not_a_number"),
    ]
    assert "whole number" in messages(record)[(4, column)]

    record, _ = upload(csv_text(CAPACITY, [capacity("2026-03-02"), capacity("2026-03-03", nurses="six")]))
    assert_invalid(record, errors=1)
    assert problems(record) == [(3, "nurses_available", "six", "not_a_number")]


def test_impossible_dates_are_errors_in_either_format(upload, facility, theatres):
    record, _ = upload(
        appointments(appointment(1), appointment(2, date="2026-02-30"), appointment(3, date="2026-13-01"))
    )
    assert_invalid(record, errors=2)
    assert problems(record) == [(3, "date", "2026-02-30", "not_a_date"), (4, "date", "2026-13-01", "not_a_date")]
    assert "YYYY-MM-DD" in messages(record)[(3, "date")]

    record, _ = upload(times(chair_time(1), chair_time(2, start="2026-02-30 09:00", end="2026-03-02 11:00")))
    assert_invalid(record, errors=1)
    assert problems(record, severity="error") == [(3, "actual_start", "2026-02-30 09:00", "not_a_datetime")]

    record, _ = upload(cases(case(1), case(2, **{"Date": "13/45/22", "OR Schedule": "13/45/22 07:00 AM"})))
    assert_invalid(record, errors=2)
    assert problems(record) == [
        (3, "OR Schedule", "13/45/22 07:00 AM", "not_a_datetime"),
        (3, "Date", "13/45/22", "not_a_date"),
    ]
    assert "MM/DD/YY" in messages(record)[(3, "Date")]


def test_dates_before_2000_or_more_than_five_years_ahead_are_refused(upload, facility):
    today = timezone.now().astimezone(ZoneInfo(facility.time_zone)).date()
    latest = ranges.latest_date(today)
    after = (latest + dt.timedelta(days=1)).isoformat()
    record, _ = upload(
        appointments(
            appointment(1, date="2000-01-01"),
            appointment(2, date="1999-12-31"),
            appointment(3, date=latest.isoformat()),
            appointment(4, date=after),
        )
    )

    assert_invalid(record, errors=2)
    assert problems(record) == [(3, "date", "1999-12-31", "date_out_of_range"), (5, "date", after, "date_out_of_range")]
    assert "2000-01-01" in messages(record)[(3, "date")]

    record, _ = upload(times(chair_time(1), chair_time(2, start="1999-12-31 23:00", end="2000-01-01 01:00")))
    assert_invalid(record, errors=1)
    assert problems(record, severity="error") == [(3, "actual_start", "1999-12-31 23:00", "date_out_of_range")]


def test_negative_and_over_a_day_durations_are_refused(upload, facility, theatres):
    column = "scheduled_chair_minutes"
    record, _ = upload(
        appointments(
            appointment(1, scheduled_chair_minutes="1440"),
            appointment(2, scheduled_chair_minutes="-5"),
            appointment(3, scheduled_chair_minutes="0"),
            appointment(4, scheduled_chair_minutes="1441"),
        )
    )
    assert_invalid(record, errors=3)
    assert problems(record) == [(3, column, "-5", "out_of_range"), (4, column, "0", "out_of_range"),
                                (5, column, "1441", "out_of_range")]  # fmt: skip
    assert messages(record)[(5, column)] == "Must be minutes from 1 to 1440."

    record, _ = upload(
        times(
            chair_time(1),
            chair_time(2, total="-1"),
            chair_time(3, start="2026-03-02 09:00", end="2026-03-03 10:00", total="1440"),
        )
    )
    assert_invalid(record, errors=3)
    assert problems(record, severity="error") == [
        (3, "total_chair_minutes", "-1", "out_of_range"),
        (4, "actual_end", "2026-03-03 10:00", "longer_than_a_day"),
        (4, "total_chair_minutes", "1440", "minutes_disagree"),
    ]

    late = {"End Time": "01/04/22 08:00 AM", "Wheels Out": "01/04/22 08:10 AM"}
    record, _ = upload(cases(case(1), case(2, **late), case(3, **{"Booked Time (min)": "1441"})))
    assert_invalid(record, errors=2)
    assert problems(record) == [
        (3, "Wheels Out", "01/04/22 08:10 AM", "longer_than_a_day"),
        (4, "Booked Time (min)", "1441", "out_of_range"),
    ]
    assert messages(record)[(3, "Wheels Out")] == "More than 24 hours after Wheels In."


def test_an_end_before_its_start_is_an_error(upload, facility, theatres):
    record, _ = upload(
        times(
            chair_time(1),
            chair_time(2, start="2026-03-02 11:00", end="2026-03-02 09:00", total="120"),
            chair_time(3, start="2026-03-02 11:00", end="2026-03-02 11:00", total="0"),
        )
    )
    assert_invalid(record, errors=2)
    assert problems(record, severity="error") == [
        (3, "actual_end", "2026-03-02 09:00", "end_not_after_start"),
        (4, "actual_end", "2026-03-02 11:00", "end_not_after_start"),
    ]

    record, _ = upload(
        cases(
            case(1),
            case(2, **{"Start Time": "01/03/22 07:00 AM"}),  # before Wheels In (07:05)
            case(3, **{"End Time": "01/03/22 07:30 AM"}),  # before Start Time (07:32)
            case(4, **{"Wheels Out": "01/03/22 09:00 AM"}),  # before End Time (09:05)
        )
    )
    assert_invalid(record, errors=3)
    assert problems(record) == [
        (3, "Start Time", "01/03/22 07:00 AM", "out_of_order"),
        (4, "End Time", "01/03/22 07:30 AM", "out_of_order"),
        (5, "Wheels Out", "01/03/22 09:00 AM", "out_of_order"),
    ]
    assert messages(record)[(3, "Start Time")] == "Start Time is before Wheels In."


def test_total_minutes_must_agree_with_start_and_end_within_the_tolerance(upload, facility, settings):
    settings.IMPORTS_MINUTES_TOLERANCE = 5
    record, _ = upload(
        times(*(chair_time(n, total=total) for n, total in enumerate(["120", "125", "115", "126", "114"], start=1)))
    )
    assert_invalid(record, errors=2)
    assert problems(record, severity="error") == [
        (5, "total_chair_minutes", "126", "minutes_disagree"),
        (6, "total_chair_minutes", "114", "minutes_disagree"),
    ]
    assert messages(record)[(5, "total_chair_minutes")] == "Start to end is 120 minutes (tolerance 5)."

    settings.IMPORTS_MINUTES_TOLERANCE = 0
    record, _ = upload(times(chair_time(1, total="120"), chair_time(2, total="121")))
    assert problems(record, severity="error") == [(3, "total_chair_minutes", "121", "minutes_disagree")]


# --- choices and resources -------------------------------------------------------------------------


def test_unknown_regimen_category_status_or_patient_type_is_an_error(upload, facility, other_facility):
    PatientType.objects.create(facility=other_facility, code="RAD")  # another facility's type
    record, _ = upload(
        appointments(
            appointment(1, regimen_category="Short", patient_type="cmo-long", status="No-Show"),  # case aside: fine
            appointment(2, regimen_category="extra-long"),
            appointment(3, status="postponed"),
            appointment(4, patient_type="RAD"),
            appointment(5, status="postponed by the patient", regimen_category="longer than the longest"),
        )
    )
    assert_invalid(record, errors=5)
    assert problems(record) == [
        (3, "regimen_category", "extra-long", "unknown_value"),
        (4, "status", "postponed", "unknown_value"),
        (5, "patient_type", "RAD", "unknown_value"),
        (6, "regimen_category", "longer than the longest", "unknown_value"),
        (6, "status", "postponed by the patient", "unknown_value"),
    ]
    assert messages(record)[(3, "regimen_category")] == "Unknown value; one of: long, medium, short."
    assert "CMO-LONG" in messages(record)[(5, "patient_type")]


def test_a_patient_type_the_facility_added_is_accepted(upload, facility):
    PatientType.objects.create(facility=facility, code="RAD", description="Radiotherapy review")
    record, _ = upload(appointments(appointment(1, patient_type="RAD"), appointment(2, patient_type="rad")))

    assert record.status == Status.LOADED, problems(record)
    stored = facts_by("chair_appointments", facility, "appointment_id")
    assert [row["patient_type"] for row in stored.values()] == ["RAD", "RAD"]


def test_unknown_chairs_wait_for_a_mapping_with_their_names_counts_and_first_line(
    upload, facility, uploader, django_capture_on_commit_callbacks, settings
):
    settings.IMPORTS_CHUNK_ROWS = 3  # a name's rows in several chunks
    chair = ResourceFactory(facility=facility, kind=ResourceKind.CHAIR, name="Chair 1")
    ResourceFactory(facility=facility, kind=ResourceKind.ROOM, name="Recliner B")  # a room, not a chair
    record, _ = upload(
        appointments(
            appointment(1, chair="Chair 1"),
            appointment(2, chair="Chair 9"),
            appointment(3, chair="Recliner B"),
            appointment(4, chair="Chair 9"),
            appointment(5, chair="  chair   1 "),  # case and spacing aside, Chair 1
            appointment(6, chair=""),  # no chair assigned
            appointment(7, chair="CHAIR  9"),  # one unknown chair, however it is written
        )
    )

    assert record.status == Status.NEEDS_MAPPING, record.message
    assert record.unknown_resources == [
        {"name": "Chair 9", "rows": 3, "first_row": 3},
        {"name": "Recliner B", "rows": 1, "first_row": 4},
    ]
    assert "2 chairs" in record.message and "Nothing is loaded" in record.message
    assert record.error_count == 0
    assert facts("chair_appointments", facility) == 0

    with django_capture_on_commit_callbacks(execute=True):
        services.import_resolve_resources(
            facility=facility,
            actor=uploader,
            import_id=record.pk,
            resolutions=[{"name": "Chair 9", "create": True}, {"name": "Recliner B", "resource_id": chair.pk}],
        )
    record.refresh_from_db()
    assert record.status == Status.LOADED, record.message
    rows = facts_by("chair_appointments", facility, "appointment_id")
    created = rows["A-0002"]["chair_id"]
    assert created not in (None, chair.pk)
    chairs = [rows[f"A-{n:04d}"]["chair_id"] for n in range(1, 8)]
    assert chairs == [chair.pk, created, chair.pk, created, chair.pk, None, created]
    assert rows["A-0003"]["chair_name"] == "Recliner B"  # as the file named it
    assert SchedulableResource.objects.filter(facility=facility, kind=ResourceKind.CHAIR).count() == 2


def test_unknown_or_suites_wait_for_a_mapping(upload, facility, theatres):
    record, _ = upload(cases(case(1), case(2, **{"OR Suite": "OR 9"}), case(3, **{"OR Suite": "OR 9"})))

    assert record.status == Status.NEEDS_MAPPING
    assert record.unknown_resources == [{"name": "OR 9", "rows": 2, "first_row": 3}]
    assert "1 OR suites" in record.message
    assert facts("or_cases", facility) == 0


# --- keys ----------------------------------------------------------------------------------------


def test_a_key_repeated_within_a_file_is_an_error_on_each_line_naming_the_others(upload, facility, theatres):
    record, _ = upload(
        appointments(
            appointment(1),
            appointment(2),
            appointment(1, status="cancelled"),
            appointment(2),
            appointment(3),
            appointment(2),
        )  # fmt: skip
    )
    assert_invalid(record, errors=5)
    assert problems(record) == [
        (2, "appointment_id", "A-0001", "duplicate_key"),
        (3, "appointment_id", "A-0002", "duplicate_key"),
        (4, "appointment_id", "A-0001", "duplicate_key"),
        (5, "appointment_id", "A-0002", "duplicate_key"),
        (7, "appointment_id", "A-0002", "duplicate_key"),
    ]
    found = messages(record)
    assert found[(2, "appointment_id")] == "Repeated in this file: also on line(s) 4."
    assert found[(4, "appointment_id")] == "Repeated in this file: also on line(s) 2."
    assert found[(5, "appointment_id")] == "Repeated in this file: also on line(s) 3, 7."
    assert (record.rows_read, record.rows_valid) == (6, 1)

    record, _ = upload(cases(case(1), case(2, index="2b", **{"Encounter ID": "10001"})))
    assert_invalid(record, errors=2)
    assert problems(record) == [
        (2, "Encounter ID", "10001", "duplicate_key"),
        (3, "Encounter ID", "10001", "duplicate_key"),
    ]

    days = [capacity("2026-03-02"), capacity("2026-03-03"), capacity("2026-03-02", nurses="7")]
    record, _ = upload(csv_text(CAPACITY, days))
    assert_invalid(record, errors=2)
    assert problems(record) == [(2, "date", "2026-03-02", "duplicate_key"), (4, "date", "2026-03-02", "duplicate_key")]


def test_an_actual_time_of_an_encounter_never_scheduled_is_a_warning_and_loads(upload, facility):
    upload(appointments(appointment(1)))
    record, _ = upload(times(chair_time(1), chair_time(2)))

    assert record.status == Status.LOADED, record.message
    assert (record.error_count, record.warning_count, record.rows_loaded) == (0, 1, 2)
    assert problems(record, severity="warning") == [(3, "encounter_id", "E-0002", "never_scheduled")]
    assert facts("chair_times", facility) == 2


# --- local times -----------------------------------------------------------------------------------


def test_a_chair_time_skipped_or_repeated_by_daylight_saving_is_reported_not_guessed(upload, facility):
    assert facility.time_zone == "Europe/London"
    record, _ = upload(
        times(
            chair_time(1, start="2026-03-29 00:30", end="2026-03-29 03:00", total="90"),  # 01:00-02:00 skipped
            chair_time(2, start="2026-03-29 01:30", end="2026-03-29 03:30", total="60"),
            chair_time(3, start="2026-10-25 00:30", end="2026-10-25 01:30", total="120"),
            chair_time(4, start="2026-10-25 03:00", end="2026-10-25 04:00", total="60"),
        )
    )

    assert_invalid(record, errors=2)
    assert problems(record, severity="error") == [
        (3, "actual_start", "2026-03-29 01:30", "nonexistent_time"),
        (4, "actual_end", "2026-10-25 01:30", "ambiguous_time"),
    ]
    found = messages(record)
    assert "does not exist in Europe/London" in found[(3, "actual_start")]
    assert "happens twice in Europe/London" in found[(4, "actual_end")]


def test_an_or_case_time_skipped_or_repeated_by_daylight_saving_is_reported_not_guessed(upload, new_york, theatres):
    spring = {
        "Date": "03/13/22", "OR Schedule": "03/13/22 01:55 AM", "Wheels In": "03/13/22 02:30 AM",
        "Start Time": "03/13/22 03:10 AM", "End Time": "03/13/22 04:00 AM", "Wheels Out": "03/13/22 04:10 AM",
    }  # fmt: skip
    autumn = {
        "Date": "11/06/22", "OR Schedule": "11/06/22 12:50 AM", "Wheels In": "11/06/22 12:55 AM",
        "Start Time": "11/06/22 01:30 AM", "End Time": "11/06/22 02:30 AM", "Wheels Out": "11/06/22 02:40 AM",
    }  # fmt: skip
    record, _ = upload(cases(case(1), case(2, **spring), case(3, **autumn)))

    assert_invalid(record, errors=2)
    assert problems(record, severity="error") == [
        (3, "Wheels In", "03/13/22 02:30 AM", "nonexistent_time"),
        (4, "Start Time", "11/06/22 01:30 AM", "ambiguous_time"),
    ]
    assert "America/New_York" in messages(record)[(3, "Wheels In")]


def test_naive_local_times_are_stored_as_the_instant_they_name_in_summer_and_winter(upload, facility, theatres):
    assert facility.time_zone == "Europe/London"
    record, _ = upload(
        times(
            chair_time(1, start="2026-07-01 09:00", end="2026-07-01 10:00", total="60"),  # BST, UTC+1
            chair_time(2, start="2026-01-15 09:00", end="2026-01-15 10:00", total="60"),  # GMT
            # Across the autumn change: 00:30 BST to 03:00 GMT is three and a half hours.
            chair_time(3, start="2026-10-25 00:30", end="2026-10-25 03:00", total="210"),
        )
    )
    assert record.status == Status.LOADED, problems(record)
    stored = facts_by("chair_times", facility, "encounter_id")
    utc = dt.UTC
    assert stored["E-0001"]["actual_start"] == dt.datetime(2026, 7, 1, 8, 0, tzinfo=utc)
    assert stored["E-0002"]["actual_start"] == dt.datetime(2026, 1, 15, 9, 0, tzinfo=utc)
    assert stored["E-0003"]["actual_start"] == dt.datetime(2026, 10, 24, 23, 30, tzinfo=utc)
    assert stored["E-0003"]["actual_end"] == dt.datetime(2026, 10, 25, 3, 0, tzinfo=utc)

    facility.time_zone = "America/New_York"
    facility.save()
    summer = {
        "Date": "07/05/22", "OR Schedule": "07/05/22 07:00 AM", "Wheels In": "07/05/22 07:05 AM",
        "Start Time": "07/05/22 07:32 AM", "End Time": "07/05/22 09:05 AM", "Wheels Out": "07/05/22 09:17 AM",
    }  # fmt: skip
    record, _ = upload(cases(case(1), case(2, **summer)))
    assert record.status == Status.LOADED, problems(record)
    stored = facts_by("or_cases", facility, "case_id")
    assert stored["10001"]["wheels_in"] == dt.datetime(2022, 1, 3, 12, 5, tzinfo=utc)  # EST, UTC-5
    assert stored["10002"]["wheels_in"] == dt.datetime(2022, 7, 5, 11, 5, tzinfo=utc)  # EDT, UTC-4
    assert stored["10002"]["date"] == dt.date(2022, 7, 5)


# --- all or nothing, and upserts ---------------------------------------------------------------------


def fact_snapshot(kind: str, facility) -> list[dict]:
    return sorted(analytics.fact_rows(kind=kind, facility_id=facility.pk), key=lambda row: row["id"])


def test_one_error_in_a_hundred_rows_loads_nothing_until_the_valid_rows_are_asked_for(
    upload, facility, uploader, django_capture_on_commit_callbacks
):
    earlier, _ = upload(appointments(*(appointment(n, scheduled_chair_minutes="60") for n in range(1, 11))))
    assert earlier.status == Status.LOADED
    before = fact_snapshot("chair_appointments", facility)
    rows = [appointment(n, scheduled_chair_minutes="90") for n in range(1, 101)]
    rows[4]["status"] = "postponed"  # A-0005, line 6: already loaded by the earlier file
    record, _ = upload(appointments(*rows))

    assert record.status == Status.INVALID
    assert (record.rows_read, record.rows_valid, record.error_count) == (100, 99, 1)
    assert record.rows_loaded == 0
    assert fact_snapshot("chair_appointments", facility) == before  # the earlier facts untouched

    with django_capture_on_commit_callbacks(execute=True):
        services.import_load_valid_rows(facility=facility, actor=uploader, import_id=record.pk)
    record.refresh_from_db()

    assert record.status == Status.LOADED, record.message
    assert (record.rows_loaded, record.rows_left_out) == (99, 1)
    assert (record.rows_inserted, record.rows_updated) == (90, 9)
    assert record.message == "Loaded 99 rows; 1 row with errors was left out."
    assert problems(record) == [(6, "status", "postponed", "unknown_value")]
    report = "".join(selectors.report_lines(facility=facility, import_id=record.pk))
    assert "6,status,postponed,error,unknown_value," in report
    after = facts_by("chair_appointments", facility, "appointment_id")
    assert len(after) == 100
    assert after["A-0005"]["scheduled_minutes"] == 60 and after["A-0005"]["import_id"] == earlier.pk  # left out
    assert after["A-0004"]["scheduled_minutes"] == 90 and after["A-0004"]["import_id"] == record.pk
    assert record.history.filter(load_valid_rows=True, history_user=uploader).exists()


def test_load_valid_rows_is_refused_unless_the_file_has_errors_and_valid_rows(upload, facility, uploader):
    loaded, _ = upload(appointments(appointment(1)))
    hopeless, _ = upload(appointments(appointment(1, status="postponed")))
    assert (loaded.status, hopeless.status) == (Status.LOADED, Status.INVALID)
    refusals = []
    for record in (loaded, hopeless):
        with pytest.raises(ApplicationError) as refused:
            services.import_load_valid_rows(facility=facility, actor=uploader, import_id=record.pk)
        refusals.append((refused.value.code, refused.value.message))
    assert refusals == [
        ("conflict", "Only a file with errors can load its valid rows; this one is 'Loaded'."),
        ("conflict", "No row of this file is valid: there is nothing to load."),
    ]


CORRECTIONS = {
    "chair_appointments": (
        appointments(appointment(1), appointment(2), appointment(3)),
        appointments(appointment(1), appointment(2, status="cancelled"), appointment(3), appointment(4)),
        "appointment_id",
        ("A-0002", "status", "cancelled"),
    ),
    "chair_times": (
        times(chair_time(1), chair_time(2), chair_time(3)),
        times(chair_time(1), chair_time(2, end="2026-03-02 11:30", total="150"), chair_time(3), chair_time(4)),
        "encounter_id",
        ("E-0002", "total_minutes", 150),
    ),
    "nurse_capacity": (
        csv_text(CAPACITY, [capacity("2026-03-02"), capacity("2026-03-03"), capacity("2026-03-04")]),
        csv_text(CAPACITY, [capacity(f"2026-03-0{day}", nurses="5" if day == 3 else "6") for day in (2, 3, 4, 5)]),
        "date",
        (dt.date(2026, 3, 3), "nurses_available", 5),
    ),
    "or_cases": (
        cases(case(1), case(2), case(3)),
        cases(case(1), case(2, **{"Booked Time (min)": "120"}), case(3), case(4)),
        "case_id",
        ("10002", "booked_minutes", 120),
    ),
}


@pytest.mark.parametrize("kind", list(CORRECTIONS))
def test_a_corrected_file_updates_by_natural_key_and_never_duplicates(
    upload, facility, theatres, other_facility, make_member, kind
):
    first_file, corrected_file, key, (changed, field, value) = CORRECTIONS[kind]
    first, _ = upload(first_file)
    assert (first.status, first.rows_inserted, first.rows_updated) == (Status.LOADED, 3, 0)

    corrected, created = upload(corrected_file, name="corrected.csv")
    assert created and corrected.status == Status.LOADED, problems(corrected)
    assert (corrected.rows_inserted, corrected.rows_updated, corrected.rows_loaded) == (1, 3, 4)
    rows = list(analytics.fact_rows(kind=kind, facility_id=facility.pk))
    assert len(rows) == len({row[key] for row in rows}) == 4
    by_key = {row[key]: row for row in rows}
    assert by_key[changed][field] == value
    assert {row["import_id"] for row in rows} == {corrected.pk}

    # The same keys in another facility are other facts.
    if kind == "or_cases":
        ResourceFactory(facility=other_facility, kind=ResourceKind.THEATRE, name="1")
    elsewhere, _ = upload(first_file, to=other_facility, actor=make_member(other_facility))
    assert (elsewhere.status, elsewhere.rows_inserted) == (Status.LOADED, 3)
    assert facts(kind, facility) == 4 and facts(kind, other_facility) == 3
