"""Reading an uploaded file safely: the header check done at upload, and the stream of records
the loader validates in chunks.

Records are tokenised by Python's ``csv`` module (C code) rather than ``pandas.read_csv``:
pandas fills a short row with empty cells without a word and cannot name the line of a ragged
one, and a report must. Each chunk then becomes a pandas DataFrame for the validator.
"""

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from imports.formats import FILE_KINDS, detect_kind, normalize_header

HEAD_BYTES = 64 * 1024
NUL = b"\x00"


class FileRejected(Exception):
    """The file as a whole cannot be read; ``message`` says why, in the uploader's terms."""

    def __init__(self, code: str, message: str, *, line: int | None = None, column: str = "") -> None:
        super().__init__(message)
        self.code, self.message, self.line, self.column = code, message, line, column


@dataclass
class Header:
    kind: str
    headers: list[str]  # as written in the file
    names: list[str]  # normalised


class CountingReader(io.RawIOBase):
    """Counts the bytes read (progress) and refuses binary content (a NUL byte)."""

    def __init__(self, raw) -> None:
        self.raw = raw
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        if NUL in data:
            where = self.bytes_read + data.index(NUL)
            raise FileRejected(
                "binary", f"The file holds binary data (a NUL byte at byte {where}): it is not CSV text."
            )
        size = len(data)
        buffer[:size] = data
        self.bytes_read += size
        return size


def _not_utf8(stream, *, final: bool = True) -> FileRejected:
    """The refusal of a file that is not UTF-8, naming the first bad byte's offset and line:
    ``stream`` is read again from its start to find it (a text wrapper's error knows neither)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = newlines = 0
    try:
        stream.seek(0)
        while True:
            block = stream.read(1024 * 1024)
            pending = decoder.getstate()[0]
            try:
                decoder.decode(block, final=final and not block)
            except UnicodeDecodeError as error:
                position = offset - len(pending) + error.start
                line = newlines + error.object[: error.start].count(b"\n") + 1
                where = f"byte 0x{error.object[error.start : error.start + 1].hex().upper()} at byte {position}, "
                where += f"on line {line}"
                break
            if not block:
                where = "somewhere"  # not found again: it was there when read, though
                break
            offset += len(block)
            newlines += block.count(b"\n")
    except (OSError, ValueError, AttributeError):
        where = "somewhere"  # a stream that cannot be read again
    return FileRejected(
        "not_utf8",
        f"The file is not UTF-8 text ({where}; Latin-1 or Windows-1252 perhaps). "
        'Save it as "CSV UTF-8" and upload it again.',
    )


def check_header(head: bytes, *, total_size: int, kind: str | None = None) -> Header:
    """Reads the start of a file and says which kind it is, or why it cannot be read: empty,
    binary, not UTF-8, another delimiter, duplicated, missing or unknown columns, no rows.
    ``kind`` given: the header must be that kind's; otherwise the kind is detected."""
    if total_size == 0 or not head.strip():
        raise FileRejected("empty", "The file is empty.")
    if b"\x00" in head:
        raise FileRejected("binary", "The file holds binary data: it is not a CSV text file.")
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        text = decoder.decode(head, final=len(head) >= total_size)
    except UnicodeDecodeError:
        raise _not_utf8(io.BytesIO(head), final=len(head) >= total_size) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        headers = next(reader)
    except (StopIteration, csv.Error):
        raise FileRejected("no_header", "The first line is not a CSV header.", line=1) from None
    headers = [header.strip() for header in headers]
    if len(headers) == 1:
        for delimiter, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
            if delimiter in headers[0]:
                raise FileRejected(
                    "wrong_delimiter",
                    f"The columns are separated by {label}; CareSlot reads comma-separated files.",
                    line=1,
                )
    names = [normalize_header(header) for header in headers]
    seen: dict[str, str] = {}
    for header, name in zip(headers, names, strict=True):
        if not name:
            raise FileRejected("empty_column_name", "A column of the header has no name.", line=1)
        if name in seen:
            raise FileRejected(
                "duplicated_column", f"The column '{header}' appears twice in the header.", line=1, column=header
            )
        seen[name] = header
    chosen = kind or detect_kind(headers) or _closest_kind(names)
    if chosen is None:
        raise FileRejected(
            "unknown_kind",
            "The header is not that of any kind of file CareSlot imports; the templates show each kind's columns.",
            line=1,
        )
    spec = FILE_KINDS[chosen]
    label = spec.kind.label.lower()
    label = ("an " if label[0] in "aeiou" else "a ") + label
    known = {column.normalized: column for column in spec.columns}
    missing = [column.header for column in spec.columns if column.required and column.normalized not in seen]
    unknown = [seen[name] for name in names if name not in known]
    if missing:
        raise FileRejected(
            "missing_column",
            f"The header of {label} file needs the column(s) {', '.join(missing)}.",
            line=1,
            column=missing[0],
        )
    if unknown:
        raise FileRejected(
            "unknown_column",
            f"The column(s) {', '.join(unknown)} are not part of {label} file.",
            line=1,
            column=unknown[0],
        )
    if len(head) >= total_size:
        try:
            has_rows = any(any(cell.strip() for cell in record) for record in reader)
        except csv.Error:
            has_rows = True  # a broken record is the loader's to report, with its line
        if not has_rows:
            raise FileRejected("no_rows", "The file has a header but no rows.")
    return Header(kind=chosen, headers=headers, names=names)


def _closest_kind(names: list[str]) -> str | None:
    """When no kind has all its required columns: the kind with at least half of them (the
    most), so the refusal can name the columns missing rather than call the file unknown."""
    best, best_share = None, 0.0
    for kind, spec in FILE_KINDS.items():
        required = {column.normalized for column in spec.columns if column.required}
        share = len(required & set(names)) / len(required)
        if share >= 0.5 and share > best_share:
            best, best_share = kind, share
    return best


def read_head(stream) -> bytes:
    return stream.read(HEAD_BYTES)


@dataclass
class Chunk:
    frame: pd.DataFrame  # one column per normalised header name, all strings
    rows: pd.Series  # the line each record ends on (the header is line 1)
    ragged: list[tuple[int, int]]  # (line, fields) of records with the wrong number of fields


def chunks(binary, *, header: Header, size: int) -> Iterator[Chunk]:
    """The file's records after the header, ``size`` at a time. Raises FileRejected for what
    makes the rest unreadable: bytes that are not UTF-8, a NUL, a quote that never closes."""
    counting = binary if isinstance(binary, CountingReader) else CountingReader(binary)
    text = io.TextIOWrapper(io.BufferedReader(counting, buffer_size=256 * 1024), encoding="utf-8-sig", newline="")
    reader = csv.reader(text, strict=True)
    width = len(header.names)
    records: list[list[str]] = []
    lines: list[int] = []
    ragged: list[tuple[int, int]] = []
    ended = 0  # the line the last record ended on: the next begins after it
    try:
        next(reader)  # the header, checked already
        ended = reader.line_num
        for record in reader:
            if not record or (not record[0].strip() and not "".join(record).strip()):
                ended = reader.line_num
                continue  # a blank line, or a spreadsheet's empty row (",,,,")
            if len(record) != width:
                ragged.append((reader.line_num, len(record)))
                record = (record + [""] * width)[:width]
            records.append(record)
            lines.append(ended := reader.line_num)
            if len(records) >= size:
                yield Chunk(pd.DataFrame(records, columns=header.names, dtype=str), pd.Series(lines), ragged)
                records, lines, ragged = [], [], []
    except UnicodeDecodeError:
        raise _not_utf8(counting.raw) from None
    except csv.Error as error:
        # Named by the line the record begins on: an open quote runs on to the end of the file.
        raise FileRejected(
            "unreadable",
            f"Line {ended + 1} cannot be read as CSV ({error}): a quote that never closes?",
            line=ended + 1,
        ) from None
    if records or ragged:
        yield Chunk(pd.DataFrame(records, columns=header.names, dtype=str), pd.Series(lines, dtype="int64"), ragged)
