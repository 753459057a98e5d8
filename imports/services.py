"""Writes of the imports app: upload, the load run by Celery, resolving unknown chairs and
suites, loading the valid rows of a file with errors, and handing stalled imports on.

The load (``import_process``) is safe to run twice and to kill at any point:

* a session advisory lock per import lets one worker work on it at a time, and is released by
  PostgreSQL when a killed worker's connection drops;
* validation stages rows in a temporary table (gone with a killed worker's session) and
  commits only progress counters and problems, which a new attempt clears first;
* the facts and the import's ``loaded`` status commit in one transaction, so a file is loaded
  wholly once or not at all; a redelivered message finds it loaded and does nothing.
"""

import contextlib
import datetime as dt
import hashlib
import io
import logging
import uuid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone

from analytics import selectors as analytics
from analytics import services as analytics_services
from analytics.facts import key_column, stage_columns
from imports.formats import FILE_KINDS, Kind
from imports.models import ACTIVE, Import, ImportProblem, ResourceMapping, Status
from imports.reading import HEAD_BYTES, CountingReader, FileRejected, check_header, chunks
from imports.storage import clean_file_name, raw_files
from imports.validation import ERROR, WARNING, Context, validate_chunk
from scheduling import ranges
from scheduling import selectors as kernel
from scheduling import services as kernel_services
from scheduling.choices import ResourceKind
from scheduling.errors import ApplicationError, NotFound
from scheduling.history import audited_save
from scheduling.outbox import enqueue_on_commit

logger = logging.getLogger(__name__)

LOCK_NAMESPACE = 4242  # pg advisory locks: (namespace, import id)
MAX_ATTEMPTS = 5  # attempts that never finished, after which an import is failed
RESOURCE_KIND = {Kind.CHAIR_APPOINTMENTS: ResourceKind.CHAIR, Kind.OR_CASES: ResourceKind.THEATRE}


# --- upload ------------------------------------------------------------------------------------


def import_upload(*, facility, actor, uploaded_file, kind: str | None = None, load_valid_rows: bool = False):
    """Keeps the file and queues its validation; returns (import, created). The same bytes
    uploaded to the facility before are that import again (``created`` False): nothing new is
    stored, and this upload's choices (kind, load valid rows) do not change it (a failed one is
    retried, see ``_again``). A file over the size limit, empty, binary, not UTF-8, or whose header is not one of
    the four kinds (or not the ``kind`` asked for) is refused here, and nothing is kept."""
    size = uploaded_file.size
    if size > settings.IMPORTS_MAX_BYTES:
        raise file_too_large()
    uploaded_file.seek(0)
    try:
        header = check_header(uploaded_file.read(HEAD_BYTES), total_size=size, kind=kind or None)
    except FileRejected as rejected:
        raise ApplicationError(
            "file_rejected",
            rejected.message,
            fields={"file": [rejected.message]},
            extra={"reason": rejected.code, "line": rejected.line, "column": rejected.column},
        ) from None
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for block in uploaded_file.chunks():
        digest.update(block)
    sha256 = digest.hexdigest()
    existing = Import.objects.filter(facility=facility, sha256=sha256).first()
    if existing is not None:
        return _again(existing, actor=actor), False
    uploaded_file.seek(0)
    stored_name = raw_files().save(f"{facility.public_id}/{uuid.uuid4().hex}.csv", uploaded_file)
    record = Import(
        facility=facility,
        kind=header.kind,
        original_name=clean_file_name(uploaded_file.name),
        stored_name=stored_name,
        sha256=sha256,
        size_bytes=size,
        uploaded_by=actor,
        load_valid_rows=load_valid_rows,
    )
    try:
        with transaction.atomic():
            audited_save(record, actor=actor)
            _queue(record)
    except IntegrityError:
        # Another upload of the same bytes won the race: that import is this one.
        raw_files().delete(stored_name)
        return Import.objects.get(facility=facility, sha256=sha256), False
    return record, True


def _again(existing: Import, *, actor) -> Import:
    """The same bytes uploaded again: the import they are. One that failed (an unexpected error,
    not the file's fault) is queued once more, so uploading the file again is the way to retry."""
    with transaction.atomic():
        record = Import.objects.select_for_update().get(pk=existing.pk)
        if record.status == Status.FAILED:
            record.status = Status.QUEUED
            record.message = ""
            record.attempts = 0  # a new start (see MAX_ATTEMPTS)
            audited_save(record, actor=actor)
            _queue(record)
    return record


def file_too_large() -> ApplicationError:
    limit = settings.IMPORTS_MAX_BYTES
    shown = f"{round(limit / 1024 / 1024, 1):g} MB" if limit >= 1024 * 1024 else f"{round(limit / 1024, 1):g} KB"
    message = f"The file is larger than the {shown} an import may be."
    return ApplicationError("file_too_large", message, fields={"file": [message]}, status_code=413)


def _queue(record: Import) -> None:
    from imports import tasks  # tasks import services; the task is only needed once a file is kept

    enqueue_on_commit(tasks.process_import, import_id=record.pk)


# --- what a person does with an import ---------------------------------------------------------


def import_resolve_resources(*, facility, actor, import_id: int, resolutions: list[dict]):
    """Resolves the unknown chairs or suites of an import waiting for them: each
    ``{"name": ..., "create": True}`` makes a resource of that name, each
    ``{"name": ..., "resource_id": id}`` maps the name to an existing resource of the right
    kind (for this and every later file). When none is left, the file is validated again."""
    with transaction.atomic():
        record = _get_for_update(facility, import_id)
        if record.status != Status.NEEDS_MAPPING:
            raise ApplicationError("conflict", f"This import is '{record.get_status_display()}': nothing to resolve.")
        kind = RESOURCE_KIND[record.kind]
        unknown = {entry["name"]: entry for entry in record.unknown_resources}
        for position, resolution in enumerate(resolutions):
            name = resolution["name"]
            if name not in unknown:
                raise ApplicationError(
                    "unknown_name",
                    f"'{name}' is not one of the names this import is waiting for.",
                    fields={f"resolutions.{position}.name": ["Not an unknown name of this import."]},
                )
            if resolution.get("create"):
                kernel_services.resource_create(facility=facility, actor=actor, kind=kind, name=name)
            else:
                try:
                    target = kernel.resource_get(facility=facility, resource_id=resolution["resource_id"])
                except NotFound:
                    raise ApplicationError(
                        "unknown_resource",
                        "No resource of this facility has that id.",
                        fields={f"resolutions.{position}.resource_id": ["No resource of this facility has that id."]},
                    ) from None
                if target.kind != kind:
                    raise ApplicationError(
                        "wrong_kind",
                        f"'{target.name}' is a {target.get_kind_display().lower()}, not a {kind.label.lower()}.",
                        fields={f"resolutions.{position}.resource_id": ["Not a resource of the right kind."]},
                    )
                # A name mapped before (to a resource since renamed, say) is mapped anew: the
                # mapping changes, with its history, rather than vanishing without a trace.
                mapping = ResourceMapping.objects.filter(facility=facility, kind=kind, name__iexact=name).first()
                mapping = mapping or ResourceMapping(facility=facility, kind=kind, name=name, created_by=actor)
                mapping.resource = target
                audited_save(mapping, actor=actor)
            del unknown[name]
        record.unknown_resources = list(unknown.values())
        if not unknown:
            record.status = Status.QUEUED
            record.message = ""
            _queue(record)
        audited_save(record, actor=actor)
    return record


def import_load_valid_rows(*, facility, actor, import_id: int):
    """The uploader's explicit choice for a file with errors: load its valid rows; the report
    then lists the rows left out."""
    with transaction.atomic():
        record = _get_for_update(facility, import_id)
        if record.status != Status.INVALID:
            raise ApplicationError(
                "conflict",
                f"Only a file with errors can load its valid rows; this one is '{record.get_status_display()}'.",
            )
        if record.rows_valid == 0:
            raise ApplicationError("conflict", "No row of this file is valid: there is nothing to load.")
        record.load_valid_rows = True
        record.status = Status.QUEUED
        record.message = ""
        audited_save(record, actor=actor)
        _queue(record)
    return record


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _get_for_update(facility, import_id: int) -> Import:
    record = Import.objects.select_for_update().filter(facility=facility, pk=import_id).first()
    if record is None:
        raise NotFound("Import")
    return record


# --- the load, run by Celery ---------------------------------------------------------------------


@contextlib.contextmanager
def _advisory_lock(import_id: int):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, import_id])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, import_id])


def import_process(*, import_id: int) -> str:
    """Validates the import's file and, when it may, loads it; returns the status it ends in.
    Idempotent by import id (see the module's docstring)."""
    _end_with_client()
    with _advisory_lock(import_id) as held:
        if not held:
            return "busy"  # another worker is on it
        record = Import.objects.select_related("facility").filter(pk=import_id).first()
        if record is None or record.status not in ACTIVE:
            return record.status if record else "missing"
        if record.attempts >= MAX_ATTEMPTS:
            # Each attempt died without a word (a worker killed, out of memory say): a file
            # that kills workers is not given to one more.
            message = f"The import stopped after {record.attempts} attempts that never finished."
            _set_status(record, Status.FAILED, message=message)
            return record.status
        _begin(record)
        stage = f"import_stage_{record.pk}"
        try:
            _stage_create(stage, record.kind)
            outcome = _validate(record, stage)
            if outcome == Status.LOADING:
                _load(record, stage)
        except FileRejected as rejected:
            _reject(record, rejected)
        except OperationalError:
            raise  # the database blinked: the task retries, the import stays active
        except Exception as error:
            logger.exception("Import %s failed", record.pk)
            _set_status(record, Status.FAILED, message=f"The import failed unexpectedly ({type(error).__name__}).")
            raise
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {stage}")
        record.refresh_from_db()
        return record.status


def _end_with_client() -> None:
    """Has PostgreSQL (14+, on Linux, macOS or BSD) end this session's statement within a second
    of its client dying: a worker killed during the merge would otherwise leave its INSERT
    running to the end, holding the import's lock from the redelivered task all that time."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('client_connection_check_interval', '1s', false) "
                "WHERE current_setting('server_version_num')::int >= 140000"
            )
    except DatabaseError:
        pass  # a platform without the check: the task's retries wait for the session to end


def _begin(record: Import) -> None:
    ImportProblem.objects.filter(import_file=record).delete()
    now = timezone.now()
    record.status = Status.VALIDATING
    record.attempts += 1
    record.started_at = record.heartbeat_at = now
    record.finished_at = None
    record.message = record.rejection_code = ""
    record.unknown_resources = []
    for counter in (
        "bytes_read", "rows_read", "rows_valid", "error_count", "warning_count",
        "rows_loaded", "rows_inserted", "rows_updated", "rows_left_out",
    ):  # fmt: skip
        setattr(record, counter, 0)
    audited_save(record, actor=None)


def _set_status(record: Import, status: str, **changes) -> None:
    record.refresh_from_db()
    record.status = status
    for name, value in changes.items():
        setattr(record, name, value)
    if status not in ACTIVE:
        record.finished_at = timezone.now()
    audited_save(record, actor=None)


def _reject(record: Import, rejected: FileRejected) -> None:
    """The file cannot be read on: its report is the one reason (row problems found before it
    would describe a file that was never read whole)."""
    ImportProblem.objects.filter(import_file=record).delete()
    _problem(
        record,
        row=rejected.line,
        column=rejected.column,
        value="",
        code=rejected.code,
        message=rejected.message,
        severity=ERROR,
    ).save()
    _set_status(record, Status.REJECTED, message=rejected.message, rejection_code=rejected.code)


def _context(record: Import) -> Context:
    facility = record.facility
    resources: dict[str, int] = {}
    kind = RESOURCE_KIND.get(record.kind)
    if kind:
        for resource in kernel.resource_list(facility=facility).filter(kind=kind):
            resources[_name_key(resource.name)] = resource.pk
        for mapping in ResourceMapping.objects.filter(facility=facility, kind=kind):
            resources[_name_key(mapping.name)] = mapping.resource_id
    today = timezone.now().astimezone(ZoneInfo(facility.time_zone)).date()
    return Context(
        zone=facility.time_zone,
        patient_types=analytics.patient_type_codes(facility_id=facility.pk),
        resources=resources,
        tolerance_minutes=settings.IMPORTS_MINUTES_TOLERANCE,
        earliest=ranges.EARLIEST_DATE,
        latest=ranges.latest_date(today),
    )


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def _stage_create(stage: str, kind: str) -> None:
    columns = ", ".join(f"{name} {sql_type}" for name, sql_type in stage_columns(kind))
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {stage}")
        cursor.execute(f"CREATE TEMP TABLE {stage} (row_no bigint NOT NULL, ok boolean NOT NULL, {columns})")


def _stage_copy(stage: str, frame, kind: str) -> None:
    """COPYs the rows in CSV form. An empty unquoted field is NULL, except in text columns
    (FORCE_NOT_NULL), whose NULLs are written as empty strings: so no text a file holds
    (``\\N``, ``NULL``) can ever be read as a missing value."""
    if frame.empty:
        return
    text = [
        name for name, sql_type in stage_columns(kind) if name in frame and sql_type.startswith(("varchar", "text"))
    ]
    frame = frame.copy()
    for name in text:
        frame[name] = frame[name].fillna("")
    buffer = io.StringIO()
    frame.to_csv(buffer, header=False, index=False, na_rep="", date_format="%Y-%m-%dT%H:%M:%S%z")
    buffer.seek(0)
    columns = ", ".join(frame.columns)
    options = f", FORCE_NOT_NULL ({', '.join(text)})" if text else ""
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {stage} ({columns}) FROM STDIN WITH (FORMAT csv{options})", buffer)


def _validate(record: Import, stage: str) -> str:
    context = _context(record)
    key = key_column(record.kind)
    room = settings.IMPORTS_MAX_PROBLEMS
    unknown: dict[str, list] = {}  # as in ChunkResult.unknown
    with raw_files().open(record.stored_name, "rb") as raw:
        header = check_header(raw.read(HEAD_BYTES), total_size=record.size_bytes, kind=record.kind)
    with raw_files().open(record.stored_name, "rb") as raw:
        counting = CountingReader(raw)
        for chunk in chunks(counting, header=header, size=settings.IMPORTS_CHUNK_ROWS):
            result = validate_chunk(record.kind, chunk.frame, chunk.rows, chunk.ragged, context)
            keyed = result.stage[result.stage[key].notna() & (result.stage[key].astype(str) != "")]
            _stage_copy(stage, _for_copy(keyed), record.kind)
            room -= _keep_problems(record, result.problems, room)
            for matched, (count, first, name) in result.unknown.items():
                entry = unknown.setdefault(matched, [0, first, name])
                entry[0] += count
            Import.objects.filter(pk=record.pk).update(
                bytes_read=counting.bytes_read,
                rows_read=F("rows_read") + len(result.stage),
                rows_valid=F("rows_valid") + int(result.stage["ok"].sum()),
                error_count=F("error_count") + result.errors,
                warning_count=F("warning_count") + result.warnings,
                heartbeat_at=timezone.now(),
            )
    record.refresh_from_db()
    if record.rows_read == 0:
        raise FileRejected("no_rows", "The file has a header but no rows.")
    room -= _duplicates(record, stage, key, room)
    if record.kind == Kind.CHAIR_TIMES:
        _unscheduled(record, stage, room)
    record.refresh_from_db()
    unknown_list = [
        {"name": name, "rows": count, "first_row": first}
        for count, first, name in sorted(unknown.values(), key=lambda entry: entry[2])
    ]
    if unknown_list:
        what = "chairs" if record.kind == Kind.CHAIR_APPOINTMENTS else "OR suites"
        _set_status(
            record,
            Status.NEEDS_MAPPING,
            unknown_resources=unknown_list,
            message=f"The file names {len(unknown_list)} {what} this facility does not know. Create each or map it "
            "to an existing one; the file is then validated again. Nothing is loaded until then.",
        )
        return Status.NEEDS_MAPPING
    if record.rows_valid == 0 or (record.error_count and not record.load_valid_rows):
        left = (
            "No row is valid."
            if record.rows_valid == 0
            else "Correct the file and upload it again, or load its valid rows."
        )
        errors = _count(record.error_count, "error")
        _set_status(record, Status.INVALID, message=f"{errors}: nothing was loaded. {left}")
        return Status.INVALID
    _set_status(record, Status.LOADING)
    return Status.LOADING


def _for_copy(frame):
    """The stage rows as COPY reads them: dates as dates, times in UTC with their offset."""
    frame = frame.copy()
    for name in frame.columns:
        if str(frame[name].dtype).startswith("datetime64") and frame[name].dt.tz is None:
            frame[name] = frame[name].dt.strftime("%Y-%m-%d")
    return frame


def _problem(record: Import, *, row, column: str, value, code: str, message: str, severity: str) -> ImportProblem:
    """One problem of ``record``, its texts cut to their columns' lengths."""
    return ImportProblem(
        facility_id=record.facility_id,
        import_file=record,
        row=row,
        column=str(column)[:200],
        value=str(value)[:200],
        code=code,
        message=str(message)[:500],
        severity=severity,
    )


def _store(problems: list[ImportProblem]) -> int:
    ImportProblem.objects.bulk_create(problems, batch_size=2000)
    return len(problems)


def _keep_problems(record: Import, problems, room: int) -> int:
    """Stores up to ``room`` problems (all are counted); returns how many it stored."""
    if room <= 0 or problems.empty:
        return 0
    return _store(
        [
            _problem(
                record,
                row=int(row.row) if row.row == row.row else None,
                column=row.column,
                value=row.value,
                code=row.code,
                message=row.message,
                severity=row.severity,
            )
            for row in problems.head(room).itertuples(index=False)
        ]
    )


def _duplicates(record: Import, stage: str, key: str, room: int) -> int:
    """Rows whose natural key another row of the file repeats: an error on each, naming the
    other lines (which one is right cannot be told). Returns how many problems it stored."""
    header = FILE_KINDS[record.kind].key
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {key}::text, array_agg(row_no ORDER BY row_no) FROM {stage} GROUP BY {key} HAVING count(*) > 1"  # noqa: S608
        )
        groups = cursor.fetchall()
        if not groups:
            return 0
        cursor.execute(
            f"UPDATE {stage} SET ok = false WHERE ok AND {key} IN "  # noqa: S608
            f"(SELECT {key} FROM {stage} GROUP BY {key} HAVING count(*) > 1)"
        )
        demoted = cursor.rowcount
    problems = []
    for value, rows in groups:
        for row in rows:
            others = [str(other) for other in rows if other != row]
            shown = ", ".join(others[:10]) + (f" and {len(others) - 10} more" if len(others) > 10 else "")
            problems.append((row, value, f"Repeated in this file: also on line(s) {shown}."))
    stored = _store(
        [
            _problem(record, row=row, column=header, value=value, code="duplicate_key", message=message, severity=ERROR)
            for row, value, message in problems[: max(room, 0)]
        ]
    )
    Import.objects.filter(pk=record.pk).update(
        rows_valid=F("rows_valid") - demoted, error_count=F("error_count") + len(problems)
    )
    return stored


def _unscheduled(record: Import, stage: str, room: int) -> None:
    """Actual times of encounters no chair appointment names: a warning each."""
    rows = analytics.unscheduled_encounters(facility_id=record.facility_id, stage_table=stage)
    if not rows:
        return
    message = "No chair appointment of this facility has this encounter (upload the appointments first?)."
    _store(
        [
            _problem(
                record,
                row=row,
                column="encounter_id",
                value=encounter,
                code="never_scheduled",
                message=message,
                severity=WARNING,
            )
            for row, encounter in rows[: max(room, 0)]
        ]  # fmt: skip
    )
    Import.objects.filter(pk=record.pk).update(warning_count=F("warning_count") + len(rows))


def _load(record: Import, stage: str) -> None:
    with transaction.atomic():
        locked = Import.objects.select_for_update().get(pk=record.pk)
        inserted, updated = analytics_services.facts_merge(
            kind=locked.kind, facility_id=locked.facility_id, import_id=locked.pk, stage_table=stage
        )
        locked.status = Status.LOADED
        locked.rows_loaded = inserted + updated
        locked.rows_inserted, locked.rows_updated = inserted, updated
        locked.rows_left_out = locked.rows_read - locked.rows_loaded
        locked.finished_at = timezone.now()
        locked.message = (
            f"Loaded {_count(locked.rows_loaded, 'row')}; {_count(locked.rows_left_out, 'row')} with errors "
            f"{'was' if locked.rows_left_out == 1 else 'were'} left out."
            if locked.rows_left_out
            else f"Loaded all {locked.rows_loaded} rows."
        )
        audited_save(locked, actor=None)


# --- beat ------------------------------------------------------------------------------------


def imports_resume_stalled(*, now: dt.datetime | None = None) -> int:
    """Queues again the imports a worker should be on but is not: one whose worker died (its
    heartbeat stopped and its lock is free), or whose message was lost. The task's lock and
    status make a second delivery harmless. Returns how many it queued."""
    now = now or timezone.now()
    stale = now - dt.timedelta(seconds=settings.IMPORTS_STALLED_AFTER_SECONDS)
    queued = 0
    for record in (
        Import.objects.filter(status__in=ACTIVE).exclude(heartbeat_at__gte=stale).exclude(uploaded_at__gte=stale)
    ):
        with _advisory_lock(record.pk) as free:
            if not free:
                continue  # a worker holds it: slow, not dead
        with transaction.atomic():
            # Stamped as heard of now: handed on again only if nobody takes it for another period
            # (an import waiting behind a backlog would otherwise get one more message a minute).
            Import.objects.filter(pk=record.pk).update(heartbeat_at=now)
            _queue(record)
        queued += 1
    return queued
