"""Under `make run` (honcho, Procfile) a Celery worker that dies does not take the web and beat
down with it: bin/keep-running starts it again, /healthz reports it missing meanwhile, and the
pages keep serving. Ctrl-C (SIGTERM to honcho) still stops everything (App.stop checks)."""

import json
import os
import re
import signal
import time
from pathlib import Path

import pytest

from tests.test_smoke import _get, _wait_until_healthy, running_app  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

RESTART_DELAY = 8  # long enough to see the worker missing before it is back


@pytest.fixture
def slow_restarts(monkeypatch):
    monkeypatch.setenv("KEEP_RUNNING_DELAY", str(RESTART_DELAY))


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


def _celery_main(group_leader: int) -> int:
    """The Celery worker's main process below honcho's shell and bin/keep-running (both sh)."""
    queue = [group_leader]
    while queue:
        pid = queue.pop(0)
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if Path(argv[0].decode()).name not in ("sh", "bash", "dash") and b"worker" in argv:
            return pid
        queue.extend(_children(pid))
    raise AssertionError("no Celery worker process under honcho's worker.1")


def _worker_loop_pid(app) -> int:
    return int(re.search(r"\bworker\.1 started \(pid=(\d+)\)", app.output()).group(1))


def _health(app) -> dict:
    status, body = _get(f"{app.base_url}/healthz")
    assert status == 200, body  # the web tier is fine: database and Redis answer
    return json.loads(body)


def test_a_dead_worker_is_reported_and_restarted_while_the_web_keeps_serving(slow_restarts, running_app):  # noqa: F811
    _wait_until_healthy(running_app)
    loop = _worker_loop_pid(running_app)
    celery_main = _celery_main(loop)

    os.kill(celery_main, signal.SIGKILL)  # an out-of-memory kill, say

    deadline = time.monotonic() + RESTART_DELAY
    seen_missing = None
    while time.monotonic() < deadline and seen_missing is None:
        health = _health(running_app)
        if health["celery"]["workers"] == 0:
            seen_missing = health
        time.sleep(0.3)
    assert seen_missing is not None, "the dead worker was never reported missing"
    assert seen_missing["status"] == "ok"
    assert seen_missing["celery"] == {"status": "no workers", "workers": 0}

    status, page = _get(f"{running_app.base_url}/accounts/login/")
    assert status == 200 and "Sign in" in page
    assert running_app.proc.poll() is None, "honcho stopped: the worker's death took everything down"

    # bin/keep-running starts the worker again, and /healthz sees it.
    _wait_until_healthy(running_app)
    assert "keep-running: 'celery -A config worker" in running_app.output()
    assert _celery_main(loop) != celery_main
    assert running_app.proc.poll() is None
