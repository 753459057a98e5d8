"""Reads of imports, always within one facility."""

import re

from django.db.models import QuerySet

from imports.formats import FILE_KINDS
from imports.models import Import, ImportProblem
from imports.storage import clean_file_name, raw_files
from scheduling.csv_export import csv_lines
from scheduling.errors import NotFound

REPORT_HEADER = ["row", "column", "value", "severity", "code", "message"]


def import_list(*, facility) -> QuerySet[Import]:
    return Import.objects.filter(facility=facility).select_related("uploaded_by")


def import_get(*, facility, import_id: int) -> Import:
    record = import_list(facility=facility).filter(pk=import_id).first()
    if record is None:
        raise NotFound("Import")
    return record


def problem_list(
    *, facility, import_id: int, severity: str = "", column: str = "", code: str = ""
) -> QuerySet[ImportProblem]:
    record = import_get(facility=facility, import_id=import_id)
    problems = ImportProblem.objects.filter(facility=facility, import_file=record)
    if severity:
        problems = problems.filter(severity=severity)
    if column:
        problems = problems.filter(column=column)
    if code:
        problems = problems.filter(code=code)
    return problems.order_by("row", "id")


def report_lines(*, facility, import_id: int):
    """The import's problems as CSV lines (formula-like cells escaped), for download."""
    problems = problem_list(facility=facility, import_id=import_id).values_list(*REPORT_HEADER)
    return csv_lines(REPORT_HEADER, problems.iterator(chunk_size=2000))


def problem_columns(*, facility, import_id: int) -> list[str]:
    """The columns that have problems, for the report's filter."""
    problems = problem_list(facility=facility, import_id=import_id).order_by()
    return sorted(problems.values_list("column", flat=True).distinct())


def problem_codes(*, facility, import_id: int) -> list[str]:
    """The problem codes an import has, for the report's filter."""
    problems = problem_list(facility=facility, import_id=import_id).order_by()
    return sorted(problems.values_list("code", flat=True).distinct())


def open_raw_file(record: Import):
    """The file as uploaded, byte for byte (binary stream; close it)."""
    return raw_files().open(record.stored_name, "rb")


def file_kinds():
    return FILE_KINDS


def download_name(original: str) -> str:
    """The uploader's file name, safe in a Content-Disposition header and on any disk: no path,
    no quotes or control characters, ending in .csv."""
    name = clean_file_name(original)
    name = re.sub(r"[^\w .()+-]", "_", name).strip(" .") or "upload"
    if not name.lower().endswith(".csv"):
        name += ".csv"
    return name[-150:]
