"""The four kinds of file CareSlot imports: their columns (name, type, whether required, what
it means), how a header is matched to them, and template files. One definition serves the
validator, the upload page, the API docs and the README (``manage.py import_formats``)."""

import re
from dataclasses import dataclass, field

from django.db import models

CHAIR_DATE = "YYYY-MM-DD"
CHAIR_DATETIME = "YYYY-MM-DD HH:MM (local time, no offset)"
OR_DATE = "MM/DD/YY"
OR_DATETIME = "MM/DD/YY hh:mm AM/PM (local time)"


class Kind(models.TextChoices):
    CHAIR_APPOINTMENTS = "chair_appointments", "Chair appointments"
    CHAIR_TIMES = "chair_times", "Actual chair time"
    NURSE_CAPACITY = "nurse_capacity", "Nurse capacity"
    OR_CASES = "or_cases", "Operating-room cases"


@dataclass(frozen=True)
class Column:
    header: str  # as written in a template file
    type: str  # text, int, date, datetime, choice
    required: bool
    meaning: str
    format: str = ""
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = 200

    @property
    def normalized(self) -> str:
        return normalize_header(self.header)

    @property
    def type_label(self) -> str:
        if self.type == "int":
            return f"integer {self.minimum}–{self.maximum}"
        if self.type == "choice":
            return "one of " + ", ".join(f"`{choice}`" for choice in self.choices) if self.choices else "code"
        if self.type in ("date", "datetime"):
            return f"{self.type} `{self.format}`"
        return f"text (≤ {self.max_length})"


@dataclass(frozen=True)
class FileKind:
    kind: Kind
    description: str
    key: str  # header of the natural key
    columns: tuple[Column, ...]
    example_rows: tuple[tuple[str, ...], ...] = field(default=())

    def column(self, header: str) -> Column:
        return next(column for column in self.columns if column.header == header)

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]


PATIENT_TYPE_MEANING = (
    "`INF`, `CMO-SHORT`, `CMO-LONG`, `FUP`, `MISC` (the infusion study's types) or a type the facility added."
)

FILE_KINDS: dict[str, FileKind] = {
    Kind.CHAIR_APPOINTMENTS: FileKind(
        Kind.CHAIR_APPOINTMENTS,
        "Infusion-chair appointments as booked: one row per appointment.",
        key="appointment_id",
        columns=(
            Column(
                "appointment_id",
                "text",
                True,
                "The appointment's id in your system; a later file with the same id updates it.",
                max_length=64,
            ),
            Column(
                "encounter_id",
                "text",
                True,
                "The visit the appointment belongs to; actual chair time is matched by it.",
                max_length=64,
            ),
            Column("date", "date", True, "Local date of the appointment.", format=CHAIR_DATE),
            Column(
                "chair", "text", False, "The chair, by its name in CareSlot (or a mapping); empty when not assigned."
            ),
            Column(
                "regimen_category", "choice", True, "Length class of the regimen.", choices=("short", "medium", "long")
            ),
            Column("patient_type", "choice", True, PATIENT_TYPE_MEANING, max_length=20),
            Column("scheduled_chair_minutes", "int", True, "Chair minutes booked.", minimum=1, maximum=1440),
            Column(
                "status",
                "choice",
                True,
                "Where the appointment stands.",
                choices=("scheduled", "cancelled", "completed", "no-show"),
            ),
        ),
        example_rows=(
            ("A-1001", "E-5001", "2026-03-02", "Chair 1", "medium", "CMO-SHORT", "120", "completed"),
            ("A-1002", "E-5002", "2026-03-02", "", "short", "INF", "45", "scheduled"),
        ),
    ),
    Kind.CHAIR_TIMES: FileKind(
        Kind.CHAIR_TIMES,
        "Actual chair time: when each encounter's patient sat in and left the chair.",
        key="encounter_id",
        columns=(
            Column("encounter_id", "text", True, "The visit, as in the chair appointments file.", max_length=64),
            Column("actual_start", "datetime", True, "When the patient took the chair.", format=CHAIR_DATETIME),
            Column(
                "actual_end",
                "datetime",
                True,
                "When the patient left the chair; after the start, within 24 hours.",
                format=CHAIR_DATETIME,
            ),
            Column(
                "total_chair_minutes",
                "int",
                True,
                "Chair minutes used; must agree with end − start within the tolerance.",
                minimum=0,
                maximum=1440,
            ),
        ),
        example_rows=(("E-5001", "2026-03-02 09:05", "2026-03-02 11:20", "135"),),
    ),
    Kind.NURSE_CAPACITY: FileKind(
        Kind.NURSE_CAPACITY,
        "Nurse capacity per day: how many nurses work and how many chairs they can run at once.",
        key="date",
        columns=(
            Column("date", "date", True, "Local date.", format=CHAIR_DATE),
            Column("nurses_available", "int", True, "Nurses on duty that day.", minimum=0, maximum=1000),
            Column(
                "max_chairs_supported",
                "int",
                True,
                "Chairs the nurses on duty can run at once.",
                minimum=0,
                maximum=1000,
            ),
        ),
        example_rows=(("2026-03-02", "6", "14"),),
    ),
    Kind.OR_CASES: FileKind(
        Kind.OR_CASES,
        "Operating-room cases in the layout of the public OR utilization data set (OptiOR).",
        key="Encounter ID",
        columns=(
            Column("index", "text", False, "Row number in the source data set; kept as is.", max_length=32),
            Column(
                "Encounter ID", "text", True, "The case's id; a later file with the same id updates it.", max_length=64
            ),
            Column("Date", "date", True, "Local date of the case.", format=OR_DATE),
            Column("OR Suite", "text", True, "The operating room, by its name in CareSlot (or a mapping)."),
            Column("Service", "text", True, "Surgical service, e.g. Orthopedics."),
            Column("CPT Code", "text", True, "Procedure code.", max_length=20),
            Column("CPT Description", "text", False, "Procedure description.", max_length=500),
            Column("Booked Time (min)", "int", True, "Minutes booked for the case.", minimum=1, maximum=1440),
            Column("OR Schedule", "datetime", True, "Scheduled start.", format=OR_DATETIME),
            Column("Wheels In", "datetime", True, "Patient enters the room.", format=OR_DATETIME),
            Column("Start Time", "datetime", True, "Incision start; not before wheels in.", format=OR_DATETIME),
            Column("End Time", "datetime", True, "Procedure end; not before the start.", format=OR_DATETIME),
            Column(
                "Wheels Out",
                "datetime",
                True,
                "Patient leaves the room; not before the end, within 24 hours of wheels in.",
                format=OR_DATETIME,
            ),
        ),
        example_rows=(
            (
                "0",
                "10001",
                "01/03/22",
                "1",
                "Podiatry",
                "28110",
                "Partial ostectomy, fifth metatarsal head",
                "90",
                "01/03/22 07:00 AM",
                "01/03/22 07:05 AM",
                "01/03/22 07:32 AM",
                "01/03/22 09:05 AM",
                "01/03/22 09:17 AM",
            ),
        ),
    ),
}


def normalize_header(name: str) -> str:
    """``Booked Time (min)``, ``booked_time_min`` and `` BOOKED TIME MIN`` are one column."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def detect_kind(headers: list[str]) -> str | None:
    """The kind whose required columns the header has, with the fewest columns left unknown;
    None when no kind fits."""
    names = {normalize_header(header) for header in headers}
    best, best_score = None, None
    for kind, spec in FILE_KINDS.items():
        required = {column.normalized for column in spec.columns if column.required}
        if not required <= names:
            continue
        known = {column.normalized for column in spec.columns}
        score = (len(names - known), -len(known & names))
        if best_score is None or score < best_score:
            best, best_score = kind, score
    return best


def template_csv(kind: str) -> str:
    """A template file: the header and example rows, in the format the validator reads."""
    import csv
    import io

    spec = FILE_KINDS[kind]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(spec.headers)
    writer.writerows(spec.example_rows)
    return buffer.getvalue()


def columns_markdown(kind: str) -> str:
    spec = FILE_KINDS[kind]
    lines = ["| column | type | required | meaning |", "| --- | --- | --- | --- |"]
    for column in spec.columns:
        lines.append(
            f"| `{column.header}` | {column.type_label} | {'yes' if column.required else 'no'} | {column.meaning} |"
        )
    return "\n".join(lines)
