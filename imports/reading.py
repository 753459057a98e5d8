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

import numpy as np
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


FAST_BLOCK_BYTES = 4 * 1024 * 1024  # at most; a block holds about a chunk's lines
FIRST_BLOCK_BYTES = 64 * 1024
MIN_BLOCK_BYTES = 4 * 1024
# Bytes that make a line a record whatever else it holds: printable ASCII but the comma (the
# csv module reads a line of only commas and whitespace as blank).
_PRINTABLE = np.zeros(256, dtype=bool)
_PRINTABLE[0x21:0x7F] = True
_PRINTABLE[ord(",")] = False


def chunks(binary, *, header: Header, size: int) -> Iterator[Chunk]:
    """The file's records after the header, ``size`` at a time. Raises FileRejected for what
    makes the rest unreadable: bytes that are not UTF-8, a NUL, a quote that never closes.

    A block of whole lines with no quote and no lone carriage return, each line
    either empty or holding the header's number of fields and a printable character (the
    usual export), is one record per line: pandas' C parser reads it, about 2.5 times as fast as
    the csv module. The first block that is anything else, and everything after it, goes to the
    csv module as before (``_csv_chunks``), so ragged rows, quoted fields, blank rows of commas
    and broken files are read and reported exactly as they were."""
    counting = binary if isinstance(binary, CountingReader) else CountingReader(binary)
    buffered = counting  # read unbuffered: no further ahead than a block, for honest progress
    head = buffered.readline()
    if b'"' in head or b"\r" in head.rstrip(b"\r\n"):
        rest = _Prefixed(head, buffered)
        yield from _csv_chunks(rest, counting, header=header, size=size, first_line=0, skip_header=True)
        return
    line = 1  # the header's
    pending = b""
    width = len(header.names)
    seen_bytes = 0
    held: list[pd.DataFrame] = []  # records read but not yet yielded (less than a chunk)
    held_lines: list[int] = []
    while True:
        # The lines the next chunk still needs, no more: the file is read no further ahead than
        # the chunk being validated (progress moves chunk by chunk), and memory stays flat.
        per_line = seen_bytes / (line - 1) if line > 1 else 0
        wanted = per_line * (size - len(held_lines)) * 1.05 if per_line else FIRST_BLOCK_BYTES
        data = buffered.read(int(min(FAST_BLOCK_BYTES, max(MIN_BLOCK_BYTES, wanted))))
        block = pending + data
        if data:
            cut = block.rfind(b"\n") + 1
            block, pending = block[:cut], block[cut:]
            if not block:
                continue  # a line longer than a block: read on
        elif block:
            block += b"\n"  # the last line has no line break
            pending = b""
        frame, lines = _simple_block(block, header, width, first_line=line + 1) if block else (None, [])
        if block and frame is None:
            if held_lines:
                yield Chunk(pd.concat(held, ignore_index=True), pd.Series(held_lines, dtype="int64"), [])
            rest = _Prefixed(block + pending, buffered)
            yield from _csv_chunks(rest, counting, header=header, size=size, first_line=line, skip_header=False)
            return
        if block:
            line += block.count(b"\n")
            seen_bytes += len(block)
            held.append(frame)
            held_lines += lines
        while len(held_lines) >= size or (not data and held_lines):
            records = pd.concat(held, ignore_index=True) if len(held) > 1 else held[0]
            yield Chunk(records.iloc[:size].reset_index(drop=True), pd.Series(held_lines[:size], dtype="int64"), [])
            held, held_lines = [records.iloc[size:]], held_lines[size:]
        if not data:
            return


def _simple_block(block: bytes, header: Header, width: int, *, first_line: int):
    """(records, their lines) of a block of whole lines, or (None, None) when the block is not
    simple (see ``chunks``): then the csv module reads it."""
    returns = block.count(b"\r")
    if b'"' in block or (returns and returns != block.count(b"\r\n")):
        return None, None
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError:
        return None, None  # the csv module's reading refuses it, naming the byte
    raw = np.frombuffer(block, dtype=np.uint8)
    ends = np.flatnonzero(raw == ord("\n"))
    starts = np.r_[0, ends[:-1] + 1]
    empty = ends - starts - (raw[np.maximum(ends - 1, 0)] == ord("\r")) <= 0
    commas = np.flatnonzero(raw == ord(","))
    fields = np.searchsorted(commas, ends) - np.searchsorted(commas, starts) + 1
    shown = np.logical_or.reduceat(_PRINTABLE[raw], starts) if len(starts) else np.zeros(0, dtype=bool)
    if (~empty & ((fields != width) | ~shown)).any():
        return None, None  # ragged rows, rows of commas or spaces: the csv module's to judge
    lines = (np.flatnonzero(~empty) + first_line).tolist()
    if not lines:
        return pd.DataFrame({name: pd.Series([], dtype=str) for name in header.names}), []
    frame = pd.read_csv(
        io.StringIO(text),
        header=None,
        names=header.names,
        dtype=str,
        na_filter=False,
        skip_blank_lines=True,
        quoting=csv.QUOTE_NONE,
        index_col=False,
        engine="c",
    )
    if len(frame) != len(lines):
        return None, None
    return frame, lines


class _Prefixed(io.RawIOBase):
    """Bytes already read, then the rest of the stream."""

    def __init__(self, prefix: bytes, rest) -> None:
        self.prefix, self.rest = prefix, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.prefix:
            size = min(len(buffer), len(self.prefix))
            buffer[:size], self.prefix = self.prefix[:size], self.prefix[size:]
            return size
        data = self.rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _csv_chunks(
    raw, counting: CountingReader, *, header: Header, size: int, first_line: int, skip_header: bool
) -> Iterator[Chunk]:
    """The csv module's reading of ``raw``, whose first line is line ``first_line`` + 1."""
    text = io.TextIOWrapper(io.BufferedReader(raw, buffer_size=256 * 1024), encoding="utf-8-sig", newline="")
    reader = csv.reader(text, strict=True)
    width = len(header.names)
    records: list[list[str]] = []
    lines: list[int] = []
    ragged: list[tuple[int, int]] = []
    ended = first_line  # the line the last record ended on: the next begins after it
    try:
        if skip_header:
            next(reader)  # the header, checked already
            ended = first_line + reader.line_num
        for record in reader:
            if not record or (not record[0].strip() and not "".join(record).strip()):
                ended = first_line + reader.line_num
                continue  # a blank line, or a spreadsheet's empty row (",,,,")
            if len(record) != width:
                ragged.append((first_line + reader.line_num, len(record)))
                record = (record + [""] * width)[:width]
            records.append(record)
            lines.append(ended := first_line + reader.line_num)
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
