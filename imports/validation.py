"""Validation of one chunk of records, column by column and vectorised (pandas): every problem
names its line, column, value and reason. The result is the chunk's typed rows for the stage
table (``ok`` false where a row has an error), its problems, and the chairs or suites it names
that the facility does not know.

Checks that need the whole file (keys repeated in it, actual times of encounters never
scheduled) run on the stage table afterwards (``imports.services``)."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from imports.formats import FILE_KINDS, Column, Kind, normalize_header

ERROR, WARNING = "error", "warning"
VALUE_SHOWN = 200  # characters of a bad value kept in the report


@dataclass
class Context:
    zone: str
    patient_types: set[str]
    resources: dict[str, int]  # casefolded name (or mapped name) -> resource id
    tolerance_minutes: int
    earliest: dt.date
    latest: dt.date


@dataclass
class ChunkResult:
    stage: pd.DataFrame
    problems: pd.DataFrame
    # name as matched (case and spacing aside) -> [rows naming it, first line, name as first written]
    unknown: dict[str, list] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return int((self.problems["severity"] == ERROR).sum()) if len(self.problems) else 0

    @property
    def warnings(self) -> int:
        return int((self.problems["severity"] == WARNING).sum()) if len(self.problems) else 0


PROBLEM_COLUMNS = ["row", "column", "value", "code", "message", "severity"]


class Checker:
    """Collects problems for a chunk and marks the rows that have an error."""

    def __init__(self, frame: pd.DataFrame, rows: pd.Series) -> None:
        self.frame, self.rows = frame, rows
        self.bad = pd.Series(False, index=frame.index)
        self.found: list[pd.DataFrame] = []

    def add(self, mask: pd.Series, header: str, code: str, message, *, severity: str = ERROR, values=None) -> None:
        if not mask.any():
            return
        if values is None:
            values = self.frame[_name(header)] if _name(header) in self.frame else pd.Series("", index=self.frame.index)
        shown = values[mask].astype(str).str.slice(0, VALUE_SHOWN)
        text = message[mask] if isinstance(message, pd.Series) else message
        self.found.append(
            pd.DataFrame(
                {
                    "row": self.rows[mask],
                    "column": header,
                    "value": shown,
                    "code": code,
                    "message": text,
                    "severity": severity,
                }
            )
        )
        if severity == ERROR:
            self.bad |= mask

    def problems(self) -> pd.DataFrame:
        if not self.found:
            return pd.DataFrame(columns=PROBLEM_COLUMNS)
        return pd.concat(self.found, ignore_index=True).sort_values("row", kind="stable")


def _name(header: str) -> str:
    return normalize_header(header)


def by_value(values: pd.Series, function: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``function`` (vectorised, element-wise) applied once per distinct value and spread back
    to every row: codes, chairs, dates and minutes repeat (a chunk of 50,000 rows has
    a few hundred distinct values), and pandas' string methods cost a Python call per element."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    if len(uniques) * 4 > len(values):
        return function(values)
    return function(pd.Series(uniques)).take(codes).set_axis(values.index)


# --- one column ----------------------------------------------------------------------------


def text(check: Checker, column: Column) -> pd.Series:
    """The stripped text; missing required values and over-long ones are errors. Formula-like
    cells (``=HYPERLINK(...)``) are kept as the text they are: exports escape them."""
    values = check.frame[column.normalized].str.strip()
    blank = values == ""
    if column.required:
        check.add(blank, column.header, "missing", "A value is required.")
    too_long = values.str.len() > column.max_length
    check.add(too_long, column.header, "too_long", f"Longer than {column.max_length} characters.")
    # Rows with errors are staged too (for the duplicate check): cut to what the column holds.
    return values.where(~too_long, values.str.slice(0, column.max_length))


def integer(check: Checker, column: Column) -> pd.Series:
    raw = text(check, column)
    filled = raw != ""
    numbers = by_value(
        raw, lambda texts: pd.to_numeric(texts.where(texts.str.fullmatch(r"[+-]?\d{1,9}"), None), errors="coerce")
    )
    not_number = filled & numbers.isna()
    outside = filled & ~not_number & ((numbers < column.minimum) | (numbers > column.maximum))
    what = "minutes" if "min" in column.normalized else "a whole number"
    rule = f"must be {what} from {column.minimum} to {column.maximum}."
    check.add(not_number, column.header, "not_a_number", f"Not a whole number: {rule}")
    check.add(outside, column.header, "out_of_range", rule.capitalize())
    return numbers.where(~(not_number | outside)).astype("Int64")


def date(check: Checker, column: Column, context: Context, *, pattern: str) -> pd.Series:
    raw = text(check, column)
    filled = raw != ""
    days = by_value(raw, lambda texts: pd.to_datetime(texts.where(texts != "", None), format=pattern, errors="coerce"))
    check.add(
        filled & days.isna(), column.header, "not_a_date", f"Not a date in the form {column.format}, or no such day."
    )
    earliest, latest = pd.Timestamp(context.earliest), pd.Timestamp(context.latest)
    outside = days.notna() & ((days < earliest) | (days > latest))
    check.add(
        outside,
        column.header,
        "date_out_of_range",
        f"Outside the dates CareSlot takes ({context.earliest.isoformat()} to {context.latest.isoformat()}).",
    )
    return days.where(~outside)


def local_datetime(check: Checker, column: Column, context: Context, *, patterns: tuple[str, ...]) -> pd.Series:
    """A naive local time read in the facility's zone. A time that does not exist (the hour
    skipped when clocks go forward) or that exists twice (when they go back) is an error for
    that row: CareSlot does not guess. Returned in UTC."""
    raw = text(check, column)
    filled = raw != ""
    naive = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    for pattern in patterns:
        todo = filled & naive.isna()
        if not todo.any():
            break
        naive[todo] = pd.to_datetime(raw[todo], format=pattern, errors="coerce")
    check.add(
        filled & naive.isna(), column.header, "not_a_datetime", f"Not a date and time in the form {column.format}."
    )
    earliest, latest = pd.Timestamp(context.earliest), pd.Timestamp(context.latest) + pd.Timedelta(days=1)
    outside = naive.notna() & ((naive < earliest) | (naive >= latest))
    check.add(outside, column.header, "date_out_of_range", "Outside the dates CareSlot takes.")
    naive = naive.where(~outside)
    aware = naive.dt.tz_localize(context.zone, ambiguous="NaT", nonexistent="NaT")
    earlier = naive.dt.tz_localize(context.zone, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="NaT")
    skipped = naive.notna() & earlier.isna()
    doubled = naive.notna() & aware.isna() & ~skipped
    check.add(
        skipped,
        column.header,
        "nonexistent_time",
        f"This local time does not exist in {context.zone}: the clocks skip it that day (daylight saving).",
    )
    check.add(
        doubled,
        column.header,
        "ambiguous_time",
        f"This local time happens twice in {context.zone} that day (clocks go back): it cannot be told which.",
    )
    return aware.dt.tz_convert("UTC")


def choice(check: Checker, column: Column, choices, *, upper: bool = False) -> pd.Series:
    raw = text(check, column)
    values = by_value(raw, lambda texts: texts.str.upper() if upper else texts.str.lower())
    unknown = (raw != "") & ~values.isin(list(choices))
    listed = ", ".join(sorted(choices))
    check.add(unknown, column.header, "unknown_value", f"Unknown value; one of: {listed}.")
    return values.where(~unknown)  # not staged: it may be longer than the column


def resource(check: Checker, values: pd.Series, context: Context, unknown: dict) -> pd.Series:
    """Resource ids by name (case and spacing aside, or a mapping); names the facility does not
    know are collected for the uploader to create or map."""
    keys = by_value(values, lambda names: names.str.casefold().str.split().str.join(" "))
    ids = by_value(keys, lambda matched: matched.map(context.resources).astype("Int64"))
    missing = (values != "") & ids.isna()
    if missing.any():
        for key, rows in check.rows[missing].groupby(keys[missing], sort=False):
            entry = unknown.setdefault(key, [0, int(rows.iloc[0]), values[rows.index[0]]])
            entry[0] += len(rows)
    return ids


def minutes_between(start: pd.Series, end: pd.Series) -> pd.Series:
    return (end - start).dt.total_seconds() / 60


# --- the four kinds --------------------------------------------------------------------------


def chair_appointments(check: Checker, context: Context, unknown: dict) -> pd.DataFrame:
    spec = FILE_KINDS[Kind.CHAIR_APPOINTMENTS]
    col = spec.column
    chair_name = text(check, col("chair"))
    return pd.DataFrame(
        {
            "appointment_id": text(check, col("appointment_id")),
            "encounter_id": text(check, col("encounter_id")),
            "date": date(check, col("date"), context, pattern="%Y-%m-%d"),
            "chair_id": resource(check, chair_name, context, unknown),
            "chair_name": chair_name,
            "regimen_category": choice(check, col("regimen_category"), col("regimen_category").choices),
            "patient_type": choice(check, col("patient_type"), context.patient_types, upper=True),
            "scheduled_minutes": integer(check, col("scheduled_chair_minutes")),
            "status": choice(check, col("status"), col("status").choices),
        }
    )


CHAIR_TIME_PATTERNS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


def chair_times(check: Checker, context: Context, unknown: dict) -> pd.DataFrame:
    spec = FILE_KINDS[Kind.CHAIR_TIMES]
    col = spec.column
    start = local_datetime(check, col("actual_start"), context, patterns=CHAIR_TIME_PATTERNS)
    end = local_datetime(check, col("actual_end"), context, patterns=CHAIR_TIME_PATTERNS)
    total = integer(check, col("total_chair_minutes"))
    span = minutes_between(start, end)
    known = span.notna()
    check.add(known & (span <= 0), "actual_end", "end_not_after_start", "The end is not after the start.")
    check.add(known & (span > 24 * 60), "actual_end", "longer_than_a_day", "More than 24 hours after the start.")
    disagree = known & (span > 0) & total.notna() & ((total - span).abs() > context.tolerance_minutes)
    check.add(
        disagree,
        "total_chair_minutes",
        "minutes_disagree",
        "Start to end is "
        + span.round().astype("Int64").astype(str)
        + f" minutes (tolerance {context.tolerance_minutes}).",
    )
    return pd.DataFrame(
        {
            "encounter_id": text(check, col("encounter_id")),
            "actual_start": start,
            "actual_end": end,
            "total_minutes": total,
        }
    )


def nurse_capacity(check: Checker, context: Context, unknown: dict) -> pd.DataFrame:
    col = FILE_KINDS[Kind.NURSE_CAPACITY].column
    return pd.DataFrame(
        {
            "date": date(check, col("date"), context, pattern="%Y-%m-%d"),
            "nurses_available": integer(check, col("nurses_available")),
            "max_chairs_supported": integer(check, col("max_chairs_supported")),
        }
    )


OR_PATTERNS = ("%m/%d/%y %I:%M %p",)
OR_SEQUENCE = (("Wheels In", "Start Time"), ("Start Time", "End Time"), ("End Time", "Wheels Out"))


def or_cases(check: Checker, context: Context, unknown: dict) -> pd.DataFrame:
    col = FILE_KINDS[Kind.OR_CASES].column
    times = {
        header: local_datetime(check, col(header), context, patterns=OR_PATTERNS)
        for header in ("OR Schedule", "Wheels In", "Start Time", "End Time", "Wheels Out")
    }
    for earlier, later in OR_SEQUENCE:
        gap = minutes_between(times[earlier], times[later])
        check.add(gap.notna() & (gap < 0), later, "out_of_order", f"{later} is before {earlier}.")
    in_room = minutes_between(times["Wheels In"], times["Wheels Out"])
    check.add(
        in_room.notna() & (in_room > 24 * 60), "Wheels Out", "longer_than_a_day", "More than 24 hours after Wheels In."
    )
    day = date(check, col("Date"), context, pattern="%m/%d/%y")
    local_schedule = times["OR Schedule"].dt.tz_convert(context.zone).dt.tz_localize(None).dt.normalize()
    check.add(
        day.notna() & local_schedule.notna() & (local_schedule != day),
        "OR Schedule",
        "other_day",
        "Scheduled on another day than the case's Date.",
        severity=WARNING,
    )
    suite_name = text(check, col("OR Suite"))
    index = check.frame["index"].str.strip() if "index" in check.frame else pd.Series("", index=check.frame.index)
    return pd.DataFrame(
        {
            "case_id": text(check, col("Encounter ID")),
            "source_index": index.str.slice(0, 32),
            "date": day,
            "suite_id": resource(check, suite_name, context, unknown),
            "suite_name": suite_name,
            "service": text(check, col("Service")),
            "cpt_code": text(check, col("CPT Code")),
            "cpt_description": text(check, col("CPT Description")) if "cpt_description" in check.frame else "",
            "booked_minutes": integer(check, col("Booked Time (min)")),
            "scheduled_start": times["OR Schedule"],
            "wheels_in": times["Wheels In"],
            "incision_start": times["Start Time"],
            "incision_end": times["End Time"],
            "wheels_out": times["Wheels Out"],
        }
    )


VALIDATORS: dict[str, Callable] = {
    Kind.CHAIR_APPOINTMENTS: chair_appointments,
    Kind.CHAIR_TIMES: chair_times,
    Kind.NURSE_CAPACITY: nurse_capacity,
    Kind.OR_CASES: or_cases,
}


def validate_chunk(kind: str, frame: pd.DataFrame, rows: pd.Series, ragged, context: Context) -> ChunkResult:
    """Validates one chunk; optional columns the file leaves out are read as empty."""
    spec = FILE_KINDS[kind]
    width = len(frame.columns)
    for column in spec.columns:
        if column.normalized not in frame:
            frame[column.normalized] = ""
    check = Checker(frame, rows)
    if ragged:
        by_line = dict(ragged)
        mask = rows.isin(list(by_line))
        fields = rows.map(by_line).astype("Int64").astype(str)
        check.add(
            mask,
            spec.columns[0].header,
            "wrong_field_count",
            "This line has " + fields + f" fields; the header has {width}.",
            values=pd.Series("", index=frame.index),
        )
    unknown: dict[str, list[int]] = {}
    stage = VALIDATORS[kind](check, context, unknown)
    stage.insert(0, "ok", ~check.bad)
    stage.insert(0, "row_no", rows.astype("int64"))
    return ChunkResult(stage=stage, problems=check.problems(), unknown=unknown)
