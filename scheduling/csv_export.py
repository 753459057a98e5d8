"""CSV that a spreadsheet opens safely: every CSV CareSlot writes goes through ``safe_cell``,
so a cell such as ``=HYPERLINK(...)`` that came in as text stays text in Excel or LibreOffice
(OWASP's "CSV injection")."""

import csv
import io
import itertools
from collections.abc import Iterable, Iterator

# A cell starting with one of these is read as a formula by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The header and rows as CSV lines, each cell made safe: for a StreamingHttpResponse."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in itertools.chain([header], rows):
        writer.writerow([safe_cell(cell) for cell in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
