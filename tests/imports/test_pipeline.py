"""The pipeline around the rules: live progress that ends consistent, the audit trail of an
import's status and of the mappings a person makes, and an upload that succeeds with the broker
down (its task waits in the outbox and is delivered when the broker is back)."""

import time

import pytest

from config.celery import app as celery_app
from conftest import DEAD_REDIS
from imports import services
from imports.models import Import, ImportProblem, ResourceMapping, Status
from scheduling import outbox
from scheduling.models import OutboxMessage, ResourceKind, SchedulableResource
from tests.factories import ResourceFactory
from tests.imports.test_validation_rules import appointment, appointments, facts, problems

pytestmark = pytest.mark.django_db

PROGRESS = ("rows_read", "rows_valid", "error_count", "warning_count", "bytes_read", "heartbeat_at")


@pytest.fixture
def progress(monkeypatch):
    """The import's counters as committed before each chunk is validated (what the page polls)."""
    seen: list[dict] = []
    validate = services.validate_chunk

    def spy(kind, frame, rows, ragged, context):
        seen.append(Import.objects.values(*PROGRESS).get())
        return validate(kind, frame, rows, ragged, context)

    monkeypatch.setattr(services, "validate_chunk", spy)
    return seen


@pytest.mark.parametrize("rows", [6000, 6123], ids=["whole chunks", "a last part chunk"])
def test_progress_counters_grow_chunk_by_chunk_and_end_consistent(upload, settings, progress, rows):
    settings.IMPORTS_CHUNK_ROWS = 500
    lines = [appointment(n) for n in range(1, rows + 1)]
    for n in range(0, rows, 700):
        lines[n]["status"] = "postponed"  # an error every 700 rows
    lines[0]["scheduled_chair_minutes"] = "-1"  # a second error on a row that has one
    lines[2]["scheduled_chair_minutes"] = "abc"
    lines[4000]["appointment_id"] = lines[10]["appointment_id"]  # a key twice: both rows bad
    content = appointments(*lines)

    record, _ = upload(content)

    assert len(progress) == -(-rows // 500)
    assert [seen["rows_read"] for seen in progress] == [500 * n for n in range(len(progress))]
    bytes_read = [seen["bytes_read"] for seen in progress]
    assert bytes_read == sorted(bytes_read) and len(set(bytes_read[1:])) >= 2  # read in blocks, not at once
    assert all(0 < seen < len(content) for seen in bytes_read[1:])
    assert [seen["heartbeat_at"] for seen in progress[1:]] == sorted(seen["heartbeat_at"] for seen in progress[1:])

    assert record.status == Status.INVALID
    assert (record.rows_read, record.bytes_read, record.size_bytes) == (rows, len(content), len(content))
    errors = ImportProblem.objects.filter(import_file=record, severity="error")
    bad_rows = errors.values("row").distinct().count()
    assert bad_rows == len(range(0, rows, 700)) + 3
    assert record.rows_valid + bad_rows == record.rows_read
    assert record.error_count == errors.count() == bad_rows + 1
    assert record.progress_percent == 100


def test_the_status_history_records_each_step_and_the_uploader(upload, uploader, django_capture_on_commit_callbacks):
    record, _ = upload(appointments(appointment(1)))
    steps = list(record.history.order_by("history_id").values_list("status", "history_user", "history_type"))
    assert steps == [
        (Status.QUEUED, uploader.pk, "+"),
        (Status.VALIDATING, None, "~"),  # the worker
        (Status.LOADING, None, "~"),
        (Status.LOADED, None, "~"),
    ]
    assert record.uploaded_by == uploader and record.attempts == 1

    record, _ = upload(appointments(appointment(2), appointment(3, status="postponed")))
    with django_capture_on_commit_callbacks(execute=True):
        services.import_load_valid_rows(facility=record.facility, actor=uploader, import_id=record.pk)
    steps = list(record.history.order_by("history_id").values_list("status", "history_user", "load_valid_rows"))
    assert steps == [
        (Status.QUEUED, uploader.pk, False),
        (Status.VALIDATING, None, False),
        (Status.INVALID, None, False),
        (Status.QUEUED, uploader.pk, True),  # the uploader's explicit choice
        (Status.VALIDATING, None, True),
        (Status.LOADING, None, True),
        (Status.LOADED, None, True),
    ]


def test_mappings_and_the_chairs_made_for_an_import_are_audited(
    upload, facility, uploader, django_capture_on_commit_callbacks
):
    chair = ResourceFactory(facility=facility, kind=ResourceKind.CHAIR, name="Chair 1")
    record, _ = upload(appointments(appointment(1, chair="Recliner B"), appointment(2, chair="Chair 12")))
    assert record.status == Status.NEEDS_MAPPING

    with django_capture_on_commit_callbacks(execute=True):
        services.import_resolve_resources(
            facility=facility,
            actor=uploader,
            import_id=record.pk,
            resolutions=[{"name": "Recliner B", "resource_id": chair.pk}, {"name": "Chair 12", "create": True}],
        )

    record.refresh_from_db()
    assert record.status == Status.LOADED
    (mapping,) = ResourceMapping.history.all()
    assert (mapping.name, mapping.resource_id, mapping.history_type, mapping.history_user) == (
        "Recliner B", chair.pk, "+", uploader,
    )  # fmt: skip
    made = SchedulableResource.history.get(name="Chair 12")
    assert (made.kind, made.history_type, made.history_user) == (ResourceKind.CHAIR, "+", uploader)
    resolved = record.history.filter(status=Status.QUEUED, history_user=uploader).order_by("history_id").last()
    assert resolved.unknown_resources == []
    assert record.history.filter(status=Status.NEEDS_MAPPING).exists()

    # The mapping holds for later files: Recliner B is Chair 1 without asking again.
    later, _ = upload(appointments(appointment(3, chair="recliner b")))
    assert later.status == Status.LOADED, later.message
    assert ResourceMapping.history.count() == 1


def test_with_the_broker_down_an_upload_succeeds_and_its_task_waits_in_the_outbox(
    upload, facility, celery_broker, caplog
):
    celery_broker(DEAD_REDIS)
    started = time.monotonic()
    record, created = upload(appointments(appointment(1), appointment(2)))
    elapsed = time.monotonic() - started

    assert created and elapsed < 5
    assert record.status == Status.QUEUED and record.attempts == 0
    waiting = OutboxMessage.objects.get()
    assert (waiting.task, waiting.kwargs, waiting.sent_at) == ("imports.process_import", {"import_id": record.pk}, None)
    assert "kept in the outbox" in caplog.text
    assert facts("chair_appointments", facility) == 0

    assert outbox.outbox_drain() == 0  # still down: kept
    celery_app.conf.task_always_eager = True  # the broker is back
    assert outbox.outbox_drain() == 1

    record.refresh_from_db()
    assert record.status == Status.LOADED, problems(record)
    assert (record.rows_loaded, record.attempts) == (2, 1)
    assert facts("chair_appointments", facility) == 2
    assert outbox.outbox_drain() == 0


def test_uploading_the_bytes_of_a_failed_import_again_retries_it(upload, facility):
    content = "date,nurses_available,max_chairs_supported\n2026-03-02,6,14\n2026-03-03,5,12\n"
    record, _ = upload(content)
    assert record.status == Status.LOADED
    failed = {"status": Status.FAILED, "message": "The import stopped after 5 attempts that never finished."}
    Import.objects.filter(pk=record.pk).update(attempts=services.MAX_ATTEMPTS, **failed)

    again, created = upload(content, name="again.csv")

    assert not created and again.pk == record.pk
    assert again.status == Status.LOADED and again.attempts == 1  # counted afresh
    assert Import.objects.filter(facility=facility).count() == 1
    history = list(again.history.order_by("history_id").values_list("status", flat=True))
    assert history[-4:] == [Status.QUEUED, Status.VALIDATING, Status.LOADING, Status.LOADED]


def test_a_file_whose_attempts_never_finish_is_failed_rather_than_given_to_another_worker(upload, facility):
    record, _ = upload("date,nurses_available,max_chairs_supported\n2026-03-02,6,14\n")
    # As a file that kills its worker each time leaves it: active, after five attempts.
    Import.objects.filter(pk=record.pk).update(status=Status.VALIDATING, attempts=services.MAX_ATTEMPTS)

    assert services.import_process(import_id=record.pk) == Status.FAILED

    record.refresh_from_db()
    assert record.message == "The import stopped after 5 attempts that never finished."
    assert record.attempts == services.MAX_ATTEMPTS  # not tried again


def test_mapping_a_name_mapped_before_changes_that_mapping_with_its_history(upload, facility, uploader):
    first, second = (ResourceFactory(facility=facility, kind=ResourceKind.CHAIR, name=f"Bay {n}") for n in (1, 2))
    content = "appointment_id,encounter_id,date,chair,regimen_category,patient_type,scheduled_chair_minutes,status\n"
    content += "A-1,E-1,2026-03-02,Recliner,short,INF,30,scheduled\n"
    record, _ = upload(content)
    assert record.status == Status.NEEDS_MAPPING
    old = ResourceMapping.objects.create(
        facility=facility, kind=ResourceKind.CHAIR, name="RECLINER", resource=first, created_by=uploader
    )  # as a mapping made before, under another spelling, would stand

    services.import_resolve_resources(
        facility=facility,
        actor=uploader,
        import_id=record.pk,
        resolutions=[{"name": "Recliner", "resource_id": second.pk}],
    )

    mapping = ResourceMapping.objects.get(facility=facility)
    assert mapping.pk == old.pk and mapping.resource == second
    assert mapping.history.first().history_type == "~" and mapping.history.first().history_user == uploader
