"""A real Celery worker process for the tests that are about Celery: on the live broker (this
run's ``REDIS_URL``), the test database and the environment the test adds; stopped, and its
queue emptied, afterwards. Its output is printed at the end, for a failing test's report."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
QUEUE_KEYS = ("celery", "unacked", "unacked_index")


def _database_url() -> str:
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{host}:{port}/{db['NAME']}"


@contextlib.contextmanager
def celery_worker(log_dir: Path, *, name: str, pool: tuple[str, ...] = ("--pool", "solo"), env: dict | None = None):
    """Yields (process, log path). ``pool``: the worker's pool arguments; ``env``: variables added
    to the worker's environment (settings it reads at start)."""
    queue = redis.Redis.from_url(settings.REDIS_URL)
    queue.delete(*QUEUE_KEYS)  # nothing left over from an earlier run
    environment = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.REDIS_URL,
        "CELERY_RESULT_BACKEND": settings.REDIS_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    for unwanted in ("CELERY_TASK_ALWAYS_EAGER", "IMPORTS_S3_BUCKET"):
        environment.pop(unwanted, None)
    log = log_dir / "worker.log"
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", *pool, "-n", f"{name}-{os.getpid()}@%h"]
    command += ["--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        queue.delete(*QUEUE_KEYS)
        queue.close()
        sys.stdout.write(f"\n----- worker output -----\n{log.read_text(errors='replace')[-5000:]}\n")


def wait_for(condition, what: str, timeout: float = 30.0, every: float = 0.2):
    """``condition()``'s first true result, asked every ``every`` seconds; fails the test after
    ``timeout`` seconds, naming ``what`` it waited for."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(every)
    pytest.fail(f"waited {timeout} s for {what}")
