"""A worker killed in the middle of an import leaves nothing partial, and the message the broker
delivers again finishes the import exactly once. A real Celery worker (prefork, one child: the
task runs in the child, which is what SIGKILL hits, as the kernel's OOM killer would) on the live
Redis and this test database; no test hook in the production code.

Also: the beat task hands on an import whose worker died, but not one a live worker holds; and
two deliveries of one import at once load it once."""

import os
import signal
import threading
from datetime import timedelta
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from config.celery import app as celery_app
from conftest import DEAD_REDIS
from imports import services
from imports.models import Import, Status
from scheduling.models import OutboxMessage, ResourceKind
from tests.celery_worker import celery_worker, wait_for
from tests.factories import ResourceFactory
from tests.imports.test_validation_rules import APPOINTMENTS, appointment, appointments, facts

ROWS = 300_000
CHAIRS = 10
LOCK_NAMESPACE = 4242  # imports.services: pg_advisory_lock(4242, import id)


def big_file(rows: int = ROWS) -> bytes:
    """``rows`` chair appointments over ten chairs and a year of days (about 20 MB)."""
    categories = ("short", "medium", "long")
    types = ("INF", "CMO-SHORT", "CMO-LONG", "FUP", "MISC")
    lines = [",".join(APPOINTMENTS)]
    lines += [
        f"A-{n:07d},E-{n:07d},2026-{1 + n % 12:02d}-{1 + n % 28:02d},Chair {1 + n % CHAIRS},"
        f"{categories[n % 3]},{types[n % 5]},{30 + n % 300},completed"
        for n in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


def upload(facility, actor, content: bytes, name: str = "big.csv") -> Import:
    record, created = services.import_upload(
        facility=facility, actor=actor, uploaded_file=SimpleUploadedFile(name, content, content_type="text/csv")
    )
    assert created
    return record


@pytest.fixture
def chairs(facility):
    return [ResourceFactory(facility=facility, kind=ResourceKind.CHAIR, name=f"Chair {n}") for n in range(1, 11)]


@pytest.fixture
def worker(transactional_db, tmp_path, imports_dir, celery_broker):
    """A prefork worker with one child on the live broker, this test database and this test's
    imports storage; ``child()`` is the pid of the process that runs tasks. Stopped after."""
    assert imports_dir == tmp_path / "imports"
    celery_broker(settings.REDIS_URL)  # this test's uploads publish to the live broker
    env = {
        "MEDIA_ROOT": str(tmp_path),  # the imports storage is MEDIA_ROOT/imports: imports_dir
        "IMPORTS_CHUNK_ROWS": "10000",  # progress every 10,000 rows
    }
    pool = ("--pool", "prefork", "--concurrency", "1")
    with celery_worker(tmp_path, name="imports-test", pool=pool, env=env) as (process, log):

        def child() -> int:
            children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
            assert len(children) == 1, children
            return int(children[0])

        _wait_for(lambda: process.poll() is None and "ready." in log.read_text(errors="replace"), "the worker", 30)
        yield child, log


def _wait_for(condition, what: str, timeout: float = 30.0):
    return wait_for(condition, what, timeout, every=0.05)  # a partial load, however brief, would show


class Watch:
    """Polls the import and its facts until it is done; every fact count seen is kept, so a
    partial load, however brief, would show."""

    def __init__(self, record: Import):
        self.record = record
        self.counts: set[int] = set()
        self.statuses: list[str] = []

    def poll(self) -> Import:
        current = Import.objects.get(pk=self.record.pk)
        self.counts.add(facts("chair_appointments", self.record.facility))
        if not self.statuses or self.statuses[-1] != current.status:
            self.statuses.append(current.status)
        return current

    def until(self, condition, what: str, timeout: float) -> Import:
        def check():
            current = self.poll()
            return current if condition(current) else None

        return _wait_for(check, what, timeout)


def _merge_running() -> bool:
    """The fact merge (analytics.services.facts_merge) is running in some session."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' "
            "AND query LIKE %s AND pid <> pg_backend_pid()",
            ["%/* facts_merge */%"],
        )
        return cursor.fetchone()[0] > 0


def _assert_loaded_once(watch: Watch, facility, log) -> None:
    final = watch.until(lambda current: current.status not in (Status.QUEUED, Status.VALIDATING, Status.LOADING),
                        "the redelivered task to finish", 45)  # fmt: skip
    assert final.status == Status.LOADED, (final.status, final.message)
    assert watch.counts <= {0, ROWS}, sorted(watch.counts)  # never anything in between
    assert (final.rows_read, final.rows_loaded, final.rows_inserted, final.rows_updated) == (ROWS, ROWS, ROWS, 0)
    assert final.attempts == 2  # the killed one and the redelivery
    assert facts("chair_appointments", facility) == ROWS
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT appointment_id), count(DISTINCT import_id) FROM analytics_chairappointment "
            "WHERE facility_id = %s",
            [facility.pk],
        )
        assert cursor.fetchone() == (ROWS, 1)
    output = log.read_text(errors="replace")
    assert "WorkerLostError" in output and "SIGKILL" in output


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_validating_loads_nothing_and_the_redelivery_loads_it_once(
    worker, facility, uploader, chairs
):
    child, log = worker
    record = upload(facility, uploader, big_file())
    watch = Watch(record)

    running = watch.until(lambda current: current.status == Status.VALIDATING and current.rows_read > 0,
                          "validation to be under way", 30)  # fmt: skip
    assert 0 < running.rows_read < ROWS and running.attempts == 1
    os.kill(child(), signal.SIGKILL)

    _assert_loaded_once(watch, facility, log)
    assert watch.statuses[-2:] == [Status.LOADING, Status.LOADED]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_inside_the_loading_transaction_loads_nothing_and_the_redelivery_loads_it_once(
    worker, facility, uploader, chairs
):
    child, log = worker
    record = upload(facility, uploader, big_file())
    watch = Watch(record)

    watch.until(lambda current: current.status == Status.LOADING and _merge_running(), "the merge to run", 40)
    os.kill(child(), signal.SIGKILL)

    assert facts("chair_appointments", facility) == 0
    _assert_loaded_once(watch, facility, log)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_delivery_that_finds_the_lock_held_tries_again_and_loads_once_it_is_free(worker, facility, uploader):
    """As when the session of a killed worker has not ended yet (a server without
    client_connection_check_interval): the delivery must not be lost to a 'busy'."""
    _child, log = worker
    other = psycopg2.connect(**connection.get_connection_params())
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence('imports_import', 'id'))")
            next_id = cursor.fetchone()[0] + 1  # the sequence is not transactional: the upload takes the next
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, next_id])
        record = upload(facility, uploader, appointments(*(appointment(n) for n in range(1, 101))).encode())
        assert record.pk == next_id
        _wait_for(lambda: "retry: Retry in 5s" in log.read_text(errors="replace"), "the busy delivery to retry", 15)
        assert Import.objects.get(pk=record.pk).status == Status.QUEUED
    finally:
        other.close()

    watch = Watch(record)
    final = watch.until(lambda current: current.status == Status.LOADED, "the retry to load it", 20)
    assert (final.attempts, final.rows_loaded) == (1, 100)
    assert facts("chair_appointments", facility) == 100


# --- handing on stalled imports, and two deliveries at once -----------------------------------------


@pytest.fixture
def queued(upload, facility, celery_broker):
    """An import kept with the broker down: queued, its task in the outbox, nothing run."""
    celery_broker(DEAD_REDIS)
    record, _ = upload(appointments(*(appointment(n) for n in range(1, 21))))
    assert record.status == Status.QUEUED and OutboxMessage.objects.count() == 1
    celery_app.conf.task_always_eager = True  # the broker is back (run tasks here)
    return record


def _stall(record: Import, *, heartbeat_age: float) -> None:
    """As if a worker had begun validating it and then stopped reporting."""
    long_ago = timezone.now() - timedelta(seconds=heartbeat_age)
    Import.objects.filter(pk=record.pk).update(
        status=Status.VALIDATING, attempts=1, uploaded_at=long_ago, started_at=long_ago, heartbeat_at=long_ago
    )


@pytest.mark.django_db
def test_resume_stalled_hands_on_an_import_whose_worker_died_but_not_one_a_live_worker_holds(
    queued, facility, settings, django_capture_on_commit_callbacks
):
    settings.IMPORTS_STALLED_AFTER_SECONDS = 120
    _stall(queued, heartbeat_age=600)

    # A live session holds the import's lock: its worker is slow, not dead.
    other = psycopg2.connect(**connection.get_connection_params())
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, queued.pk])
            assert cursor.fetchone()[0]
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            assert services.imports_resume_stalled() == 0
        assert callbacks == []
        assert Import.objects.get(pk=queued.pk).status == Status.VALIDATING
    finally:
        other.close()  # as a killed worker's connection closes: PostgreSQL frees its locks

    # Not reported for a while but only just: not stalled yet.
    _stall(queued, heartbeat_age=60)
    assert services.imports_resume_stalled() == 0

    _stall(queued, heartbeat_age=600)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.imports_resume_stalled() == 1
    # The import's task once; as it loads, the rebuild of the analytics of the days it touched.
    assert len(callbacks) == 2
    record = Import.objects.get(pk=queued.pk)
    assert (record.status, record.attempts, record.rows_loaded) == (Status.LOADED, 2, 20)
    assert facts("chair_appointments", facility) == 20


@pytest.mark.django_db
def test_resume_stalled_hands_an_import_on_once_per_period_not_at_every_beat(
    queued, settings, celery_broker, django_capture_on_commit_callbacks
):
    """An import waiting behind a backlog (or for a broker that is down) is not sent again every
    minute: each copy would be one more delivery to find it busy or done."""
    settings.IMPORTS_STALLED_AFTER_SECONDS = 120
    celery_broker(DEAD_REDIS)  # what is handed on waits in the outbox: count it there
    _stall(queued, heartbeat_age=600)

    def resume(**options) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return services.imports_resume_stalled(**options)

    assert resume() == 1
    assert resume() == 0  # the next beat, a minute later at most
    assert resume(now=timezone.now() + timedelta(seconds=121)) == 1  # still nobody on it: again
    assert OutboxMessage.objects.count() == 3  # the upload's and two hand-ons


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_of_one_import_at_once_load_it_once(queued, facility):
    start = threading.Barrier(2)
    results: list[str] = []

    def deliver():
        try:
            start.wait(timeout=10)
            results.append(services.import_process(import_id=queued.pk))
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    record = Import.objects.get(pk=queued.pk)
    assert sorted(results) in (["busy", "loaded"], ["loaded", "loaded"]), results
    assert (record.status, record.attempts, record.rows_inserted, record.rows_loaded) == (Status.LOADED, 1, 20, 20)
    assert facts("chair_appointments", facility) == 20
