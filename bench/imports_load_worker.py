"""The CareSlot side of ``bench_imports_load``, run in a process of its own so that its peak
memory is the worker's: ``python -m bench.imports_load_worker FACILITY_ID PATH [PROFILE]``.

Uploads the file through ``imports.services.import_upload`` as the upload page does; the
environment sets ``CELERY_TASK_ALWAYS_EAGER``, so the task queued on commit
(``imports.process_import``: validation, staging, merge) runs in this process as a worker would
run it. Prints one JSON line: status, rows, seconds, and peak memory (``ru_maxrss`` and VmHWM).
With PROFILE, the whole load runs under cProfile and the stats are written there.
"""

import json
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path


def _vm(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def main(facility_id: int, path: str, profile: str = "") -> dict:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.files import File

    from imports import selectors, services
    from scheduling import selectors as kernel

    facility = kernel.facility_get(facility_id=facility_id)
    actor = get_user_model().objects.get(username="bench-importer")
    ready_mb = _vm("VmRSS")

    def load():
        with open(path, "rb") as handle:
            record, created = services.import_upload(
                facility=facility, actor=actor, uploaded_file=File(handle, name=Path(path).name)
            )
        assert created, "the benchmark file was uploaded before"
        services.import_process(import_id=record.pk)  # a no-op: it ran on commit
        return record

    began, began_at = time.perf_counter(), datetime.now(UTC)
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        record = profiler.runcall(load)
        profiler.dump_stats(profile)
    else:
        record = load()
    seconds = time.perf_counter() - began
    record = selectors.import_get(facility=facility, import_id=record.pk)
    return {
        "status": record.status,
        "message": record.message,
        "rows_read": record.rows_read,
        "rows_loaded": record.rows_loaded,
        "errors": record.error_count,
        "seconds": seconds,
        "upload_seconds": (record.started_at - began_at).total_seconds(),
        "process_seconds": (record.finished_at - record.started_at).total_seconds(),
        "ready_mb": ready_mb,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "vmhwm_mb": _vm("VmHWM"),
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), sys.argv[2], *sys.argv[3:4])), flush=True)
