"""imports.reading.chunks: the fast path for plain blocks reads every file exactly
as the csv module does: the same records, lines and ragged rows, in chunks of any size."""

import io

import pandas as pd
import pytest

from imports import reading
from imports.generate import ChairSetup, appointments_frame, chair_block, chair_names, csv_text, weekdays

HEADER = "appointment_id,encounter_id,date,chair,regimen_category,patient_type,scheduled_chair_minutes,status"
ROW = "A-{n},E-{n},2025-03-03,Chair 1,short,INF,30,completed"


def _rows(n, start=1):
    return [ROW.format(n=i) for i in range(start, start + n)]


def _generated() -> str:
    setup = ChairSetup(chairs=chair_names(6))
    return csv_text(appointments_frame(chair_block(1, weekdays(pd.Timestamp("2025-03-03").date(), 30), setup,
                                                   today=pd.Timestamp("2025-04-01").date()), setup))  # fmt: skip


CASES = {
    "plain": "\n".join([HEADER, *_rows(25)]) + "\n",
    "no final line break": "\n".join([HEADER, *_rows(25)]),
    "crlf": "\r\n".join([HEADER, *_rows(25)]) + "\r\n",
    "bom": "\ufeff" + "\n".join([HEADER, *_rows(5)]) + "\n",
    "blank lines": "\n".join([HEADER, *_rows(3), "", "", *_rows(3, 10), "", ""]) + "\n",
    "crlf blank lines": "\r\n".join([HEADER, *_rows(3), "", *_rows(3, 10)]) + "\r\n",
    "spaces line": "\n".join([HEADER, *_rows(3), "   ", *_rows(3, 10)]) + "\n",
    "ragged short": "\n".join([HEADER, *_rows(3), "A-9,E-9,2025-03-03", *_rows(3, 10)]) + "\n",
    "ragged long": "\n".join([HEADER, *_rows(3), ROW.format(n=9) + ",extra", *_rows(3, 10)]) + "\n",
    "quoted comma": "\n".join([HEADER, *_rows(3), 'A-9,E-9,2025-03-03,"Chair, 1",short,INF,30,completed']) + "\n",
    "quoted newline": "\n".join(
        [HEADER, *_rows(3), 'A-9,"E\n9",2025-03-03,Chair 1,short,INF,30,completed', *_rows(2, 20)]
    ),
    "backslashes": "\n".join([HEADER, *_rows(2), r"A-9,\N,2025-03-03,C\,short,INF,30,completed"]) + "\n",
    "spaces kept": "\n".join([HEADER, " A-1 ,E-1,2025-03-03, Chair 1 ,short,INF,30,completed"]) + "\n",
    "row of commas": "\n".join([HEADER, ",,,,,,,", *_rows(2)]) + "\n",
    "row of commas and spaces": "\n".join([HEADER, *_rows(2), " , ,\t,,,,,", *_rows(2, 10)]) + "\n",
    "row of no-break spaces": "\n".join([HEADER, *_rows(2), "\u00a0,,,,,,,", *_rows(2, 10)]) + "\n",
    "some empty fields": "\n".join([HEADER, "A-1,,,,,,,", ",E-2,,,,,,", *_rows(2, 10)]) + "\n",
    "accents": "\n".join([HEADER, "A-é,E-ü,2025-03-03,Chaise №1,short,INF,30,completed", *_rows(2)]) + "\n",
    "generated": _generated(),
}


def _read(content: str, size: int, *, fast: bool):
    data = content.encode()
    header = reading.check_header(data[: reading.HEAD_BYTES], total_size=len(data))
    if fast:
        parts = list(reading.chunks(io.BytesIO(data), header=header, size=size))
    else:
        raw = reading.CountingReader(io.BytesIO(data))
        parts = list(reading._csv_chunks(raw, raw, header=header, size=size, first_line=0, skip_header=True))
    frame = pd.concat([p.frame for p in parts], ignore_index=True) if parts else None
    rows = [row for p in parts for row in p.rows.tolist()]
    ragged = [entry for p in parts for entry in p.ragged]
    return frame, rows, ragged, [len(p.frame) for p in parts]


@pytest.mark.parametrize("size", [2, 7, 50_000])
@pytest.mark.parametrize("name", list(CASES))
def test_the_fast_path_reads_as_the_csv_module_does(name, size, monkeypatch):
    monkeypatch.setattr(reading, "FAST_BLOCK_BYTES", 64)  # many blocks, lines cut across them
    fast, slow = _read(CASES[name], size, fast=True), _read(CASES[name], size, fast=False)
    if slow[0] is None:
        assert fast[0] is None
    else:
        pd.testing.assert_frame_equal(fast[0], slow[0])
    assert fast[1:3] == slow[1:3]
    assert all(length <= size for length in fast[3])


@pytest.mark.parametrize(
    "name", ["plain", "no final line break", "crlf", "bom", "blank lines", "some empty fields", "accents", "generated"]
)
def test_plain_files_never_reach_the_csv_module(name, monkeypatch):
    monkeypatch.setattr(reading, "_csv_chunks", None)
    assert _read(CASES[name], 50_000, fast=True)[0] is not None


@pytest.mark.parametrize(
    "broken",
    [
        b'A-9,"E-9,2025-03-03,Chair 1,short,INF,30,completed',  # a quote that never closes
        b"A-9,E-9,2025-03-03,Chair 1,short,\xff,30,completed",  # not UTF-8
    ],
)
def test_a_broken_file_is_refused_alike(broken, monkeypatch):
    monkeypatch.setattr(reading, "FAST_BLOCK_BYTES", 256)
    data = "\n".join([HEADER, *_rows(40)]).encode() + b"\n" + broken
    data += ("\n" + "\n".join(_rows(3, 50))).encode()
    header = reading.check_header(data[:100], total_size=len(data))
    refusals = []
    for reader in (
        lambda: reading.chunks(io.BytesIO(data), header=header, size=10),
        lambda: reading._csv_chunks(
            counting := reading.CountingReader(io.BytesIO(data)),
            counting,
            header=header,
            size=10,
            first_line=0,
            skip_header=True,
        ),
    ):
        with pytest.raises(reading.FileRejected) as refused:
            list(reader())
        refusals.append((refused.value.code, refused.value.line))
    assert refusals[0] == refusals[1]
