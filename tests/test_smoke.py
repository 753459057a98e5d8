"""The app starts the way `make run` starts it (honcho running the Procfile: gunicorn, a Celery
worker and beat) against the test database, serves pages, and its worker runs tasks."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import connection
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from analytics.models import NightlyRun
from tests.celery_worker import wait_for
from tests.factories import FacilityFactory

ROOT = Path(__file__).resolve().parent.parent
HONCHO = ROOT / ".venv" / "bin" / "honcho"
STARTUP_TIMEOUT = 60
REDIS = "redis://127.0.0.1:6379"
# The broker and cache live in a Redis database of their own, claimed for this run, so only the
# worker started here can answer (not one of a `make run`, nor of a suite running alongside),
# and the database can be emptied afterwards. Keys our own stack may leave behind after a crash:
OUR_KEYS = re.compile(
    rb"^(?:_kombu\.|celery-task-meta-|unacked|celery$|careslot:|careslot-smoke-claim$)|\.reply\.celery\.pidbox$"
)
CLAIM_KEY = "careslot-smoke-claim"

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _claim_redis_database() -> redis.Redis:
    """A Redis database (15 down to 1) holding nothing but leftovers of earlier smoke runs,
    claimed atomically; 0 is the default one of `make run`."""
    for number in range(15, 0, -1):
        candidate = redis.Redis.from_url(f"{REDIS}/{number}")
        if candidate.set(CLAIM_KEY, os.getpid(), nx=True, ex=300):
            if all(OUR_KEYS.search(key) for key in candidate.scan_iter(count=1000)):
                candidate.flushdb()
                candidate.set(CLAIM_KEY, os.getpid(), ex=300)
                return candidate
            candidate.delete(CLAIM_KEY)
        candidate.close()
    pytest.fail("no free Redis database (1-15) for the smoke test")


class App:
    """honcho and the process groups of its children (honcho starts each in its own session)."""

    def __init__(self, proc: subprocess.Popen, log: Path, base_url: str, broker_url: str):
        self.proc, self.log, self.base_url, self.broker_url = proc, log, base_url, broker_url

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def child_groups(self) -> set[int]:
        return {int(pid) for pid in re.findall(r"\bstarted \(pid=(\d+)\)", self.output())}

    def stop(self) -> None:
        children = self.child_groups()
        if self.proc.poll() is None:
            # honcho forwards SIGTERM to web, worker and beat, and SIGKILLs them after 5 s.
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        for pgid in children | self.child_groups():
            if _group_alive(pgid):
                os.killpg(pgid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while any(_group_alive(pgid) for pgid in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        leaked = [pgid for pgid in children if _group_alive(pgid)]
        assert not leaked, f"processes left behind in groups {leaked}"


@pytest.fixture
def running_app(transactional_db):
    """honcho started like `make run`, against the test database; stopped (group and all) after."""
    port = _free_port()
    broker = _claim_redis_database()
    broker_url = f"{REDIS}/{broker.connection_pool.connection_kwargs['db']}"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
        "REDIS_URL": broker_url,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": broker_url,
        "WEB_BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": "1",
        "CELERY_CONCURRENCY": "1",
        "DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
        "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    # DJANGO_SETTINGS_MODULE: the app runs on its own settings, as under `make run`, not pytest's.
    for inherited in ("CELERY_TASK_ALWAYS_EAGER", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE", "SECRET_KEY"):
        env.pop(inherited, None)
    with tempfile.TemporaryDirectory(prefix="careslot-smoke-") as tmp:
        log = Path(tmp) / "honcho.log"
        with log.open("wb") as sink:
            proc = subprocess.Popen(
                [str(HONCHO), "start", "-f", "Procfile"],
                cwd=ROOT,
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        app = App(proc, log, f"http://127.0.0.1:{port}", broker_url)
        try:
            yield app
        finally:
            try:
                app.stop()
            finally:
                # pytest shows captured output only when the test fails.
                sys.stdout.write(f"\n----- honcho output -----\n{app.output()}\n")
                broker.flushdb()
                broker.close()


def _wait_until_healthy(app: App) -> dict:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last = "no answer yet"
    while time.monotonic() < deadline:
        if app.proc.poll() is not None:
            pytest.fail(f"honcho exited with {app.proc.returncode} before the app was healthy")
        try:
            status, body = _get(f"{app.base_url}/healthz")
        except OSError as error:
            last = repr(error)
        else:
            last = f"{status} {body}"
            health = json.loads(body) if body.startswith("{") else {}
            if status == 200 and health.get("celery", {}).get("status") == "ok":
                return health
        time.sleep(0.3)
    pytest.fail(f"/healthz not healthy with a worker within {STARTUP_TIMEOUT} s; last: {last}")


def test_make_run_processes_serve_pages_and_run_tasks(running_app):
    started = time.monotonic()
    health = _wait_until_healthy(running_app)

    assert health["status"] == "ok"
    assert health["database"] == "ok"
    assert health["redis"] == "ok"
    assert health["celery"]["workers"] >= 1

    status, page = _get(f"{running_app.base_url}/accounts/login/")
    assert status == 200
    assert "Sign in" in page
    assert settings.STATIC_URL in page

    # A task sent over the broker comes back from the worker with its result: the round trip
    # through Redis that the in-process (eager) unit tests never make.
    url = running_app.broker_url
    client = Celery("careslot-smoke", broker=url, backend=url, set_as_current=False)
    client.conf.update(task_serializer="json", result_serializer="json", accept_content=["json"])
    try:
        replies = client.control.ping(timeout=2.0)
        assert replies, "no worker answered a ping on the smoke broker"
        result = client.send_task("celery.accumulate", args=[3, "chairs", 7])
        assert result.get(timeout=20) == [3, "chairs", 7]
    finally:
        client.close()

    # Beat reads its schedule from the test database (django_celery_beat) once it starts.
    deadline = time.monotonic() + 15
    while "beat: Starting..." not in running_app.output() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "beat: Starting..." in running_app.output()

    # Beat sends the nightly analytics and the worker runs it against the database: a facility's
    # missed days are aggregated and recorded. (Scheduled every second here instead of hourly.)
    facility = FacilityFactory(slug="smoke-night", time_zone="Pacific/Auckland")
    every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.update_or_create(
        name="smoke: nightly analytics", defaults={"task": "analytics.nightly_everywhere", "interval": every_second}
    )
    wait_for(
        lambda: NightlyRun.objects.filter(facility_id=facility.pk, status="succeeded").count() >= 7,
        "the nightly analytics sent by beat and run by the worker",
        timeout=45,
    )
    # honcho stops every process as soon as any one exits: web, worker and beat are all still up.
    assert running_app.proc.poll() is None, "a Procfile process exited"
    assert time.monotonic() - started < STARTUP_TIMEOUT
