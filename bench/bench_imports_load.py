"""Imports benchmark: a generated 1,000,000-row chair-appointments file loaded through CareSlot,
as a ratio of PostgreSQL ``COPY`` of the same file into the same table in the same run, and
the worker's peak memory.

The file: ``imports.generate`` (seed ``SEED``, 200 chairs ``Chair 1``..``Chair 200``, weekdays
from 4 January 2021, every day in the past: completed, cancelled and no-show appointments,
each with its chair), about 78 MB, written to a temporary directory; its generation is timed too.

Baseline (``COPY``): the file streamed from disk into ``analytics_chairappointment`` by
``COPY ... FROM STDIN (FORMAT csv, HEADER)`` in one transaction, its eight columns onto
appointment_id, encounter_id, date, chair_name, regimen_category, patient_type,
scheduled_minutes and status; ``facility_id`` (a fresh facility), ``source`` and ``loaded_at``
come from column defaults set by ``ALTER TABLE`` in the same transaction and dropped before it
commits (the deferred foreign-key checks run before that). The table's unique key, check
constraint, foreign keys and indexes all apply; nothing is validated
beyond the column types, no chair is looked up (``chair_id`` stays null), nothing is upserted.
It runs before and after CareSlot; the faster of the two is the figure.

CareSlot: ``imports.services.import_upload`` (SHA-256, the raw file kept in storage, the import
row) then the task's body ``import_process`` (header check, the file read in chunks, every
column validated, chairs resolved by name, rows staged in a temporary table by COPY, repeated
keys checked, then ``analytics.services.facts_merge``: INSERT ... ON CONFLICT into the same
table), into another fresh facility that has the 200 chairs. It runs in a process of its own
(``bench/imports_load_worker.py``, Celery eager, as a worker runs the task), which reports its
peak memory (``ru_maxrss``; VmHWM agrees). The table is emptied (TRUNCATE) and checkpointed
before each load, so each starts from the same empty table.

``BENCH_IMPORTS_PROFILE=path.prof`` adds a load under cProfile into a third facility (not timed)
and writes its stats there.
"""

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from imports import generate
from imports.formats import Kind
from scheduling.models import Facility, Membership, ResourceKind, Role, SchedulableResource

ROWS = 1_000_000
SEED = 20260101
CHAIRS = 200
START = dt.date(2021, 1, 4)
TODAY = dt.date(2026, 1, 1)  # every day of the file is past: each appointment has its chair
TABLE = "analytics_chairappointment"
FILE_COLUMNS = (
    "appointment_id, encounter_id, date, chair_name, regimen_category, patient_type, scheduled_minutes, status"
)
GOAL_RATIO = 0.40
GOAL_MB = 300
WORKER_TIMEOUT = 1800


def run() -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="careslot-bench-imports-") as folder:
        folder = Path(folder)
        setup = generate.ChairSetup(chairs=generate.chair_names(CHAIRS))
        began = time.perf_counter()
        written = generate.write_files(
            folder / "files", seed=SEED, start=START, today=TODAY, setup=setup, rows=ROWS,
            kinds=(Kind.CHAIR_APPOINTMENTS,),
        )[Kind.CHAIR_APPOINTMENTS]  # fmt: skip
        generating = time.perf_counter() - began
        path, size_mb = written.path, written.path.stat().st_size / 1e6
        copy_facility = _facility("copy", chairs=0)
        careslot_facility = _facility("careslot", chairs=CHAIRS)

        copies = [_copy(path, copy_facility.pk)]
        _empty()
        careslot = _careslot(path, careslot_facility, folder)
        _empty()
        copies.append(_copy(path, copy_facility.pk))
        _empty()
        if os.environ.get("BENCH_IMPORTS_PROFILE"):
            _careslot(path, _facility("profiled", chairs=CHAIRS), folder, profile=os.environ["BENCH_IMPORTS_PROFILE"])
            _empty()

    copy_rate = ROWS / min(copies)
    careslot_rate = ROWS / careslot["seconds"]
    ratio = careslot_rate / copy_rate
    return [
        {
            "benchmark": "imports",
            "case": "generate 1M chair appointments",
            "figure": ROWS / generating,
            "unit": "rows/s",
            "note": f"{generating:.1f} s, {size_mb:.0f} MB, {written.first_day} to {written.last_day}",
        },
        {
            "benchmark": "imports",
            "case": "COPY of the file into the fact table",
            "figure": copy_rate,
            "unit": "rows/s",
            "note": "baseline; " + ", ".join(f"{seconds:.1f} s" for seconds in copies) + " (before, after)",
        },
        {
            "benchmark": "imports",
            "case": "import_upload + import_process",
            "figure": careslot_rate,
            "unit": "rows/s",
            "ratio": ratio,
            "note": f"{'meets' if ratio >= GOAL_RATIO else 'below'} the goal of {GOAL_RATIO:.0%} of COPY; "
            f"{careslot['seconds']:.1f} s: upload {careslot['upload_seconds']:.1f} s, validate + stage + merge "
            f"{careslot['process_seconds']:.1f} s, commit (deferred foreign-key checks) and the rest "
            f"{careslot['seconds'] - careslot['upload_seconds'] - careslot['process_seconds']:.1f} s; "
            f"{careslot['rows_loaded']} rows loaded",
        },
        {
            "benchmark": "imports",
            "case": "worker peak memory (ru_maxrss)",
            "figure": careslot["maxrss_mb"],
            "unit": "MB",
            "note": f"{'meets' if careslot['maxrss_mb'] <= GOAL_MB else 'above'} the goal of ≤ {GOAL_MB} MB; "
            f"VmHWM {careslot['vmhwm_mb']:.0f} MB; {careslot['ready_mb']:.0f} MB after django.setup()",
        },
    ]


def _facility(name: str, *, chairs: int) -> Facility:
    facility = Facility.objects.create(
        name=f"Benchmark infusion ({name})", slug=f"bench-imports-{name}", time_zone="Europe/London"
    )
    actor, _ = get_user_model().objects.get_or_create(username="bench-importer")
    Membership.objects.create(facility=facility, user=actor, role=Role.ADMIN)
    SchedulableResource.objects.bulk_create(
        SchedulableResource(facility=facility, kind=ResourceKind.CHAIR, name=name)
        for name in generate.chair_names(chairs)
    )
    return facility


def _checkpoint() -> None:
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")


def _empty() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {TABLE}")
    _checkpoint()


def _copy(path: Path, facility_id: int) -> float:
    """Seconds to COPY the file into the fact table (see the module's docstring)."""
    _checkpoint()
    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor, path.open("rb") as handle:
        cursor.execute(
            f"ALTER TABLE {TABLE} ALTER COLUMN facility_id SET DEFAULT {int(facility_id)}, "
            "ALTER COLUMN source SET DEFAULT 'import', ALTER COLUMN loaded_at SET DEFAULT now()"
        )
        cursor.copy_expert(f"COPY {TABLE} ({FILE_COLUMNS}) FROM STDIN WITH (FORMAT csv, HEADER true)", handle, 1 << 20)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred foreign-key checks, now
        cursor.execute(
            f"ALTER TABLE {TABLE} ALTER COLUMN facility_id DROP DEFAULT, "
            "ALTER COLUMN source DROP DEFAULT, ALTER COLUMN loaded_at DROP DEFAULT"
        )
        cursor.execute(f"SELECT count(*) FROM {TABLE} WHERE facility_id = %s", [facility_id])
        copied = cursor.fetchone()[0]
    seconds = time.perf_counter() - began
    assert copied == ROWS, copied
    return seconds


def _careslot(path: Path, facility: Facility, folder: Path, *, profile: str = "") -> dict:
    """Upload and load in a process of its own; its JSON report."""
    environment = {
        **os.environ,
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "MEDIA_ROOT": str(folder / "media"),
        "LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable,
        "-m",
        "bench.imports_load_worker",
        str(facility.pk),
        str(path),
        *([profile] * bool(profile)),
    ]
    finished = subprocess.run(
        command, cwd=settings.BASE_DIR, env=environment, capture_output=True, text=True, timeout=WORKER_TIMEOUT
    )
    if finished.returncode != 0:
        raise RuntimeError(f"The import worker failed:\n{finished.stderr[-4000:]}")
    report = json.loads(finished.stdout.strip().splitlines()[-1])
    assert report["status"] == "loaded" and report["rows_loaded"] == ROWS, report
    return report
