"""GET /healthz answers 200 while the database and Redis answer, and 503 naming the part that is
down otherwise. A missing Celery worker is reported but does not fail the check."""

import socket
import time
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import OperationalError, connection
from django.test import override_settings

from conftest import DEAD_REDIS

pytestmark = pytest.mark.django_db


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _assert_celery_report(body: dict) -> None:
    # Whether a worker runs on this machine is not this test's business; the report's shape is.
    celery = body["celery"]
    assert set(celery) == {"status", "workers"}
    assert isinstance(celery["workers"], int)
    assert (celery["status"], celery["workers"] > 0) in {("ok", True), ("no workers", False)}


def test_healthy_answers_200_with_every_check(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert {key: body[key] for key in ("status", "database", "redis")} == {
        "status": "ok",
        "database": "ok",
        "redis": "ok",
    }
    _assert_celery_report(body)


def test_database_down_answers_503_naming_the_database(client):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("connection refused")):
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "error: OperationalError"
    assert body["redis"] == "ok"
    _assert_celery_report(body)


def test_redis_down_answers_503_naming_redis(client):
    port = _unused_port()
    unreachable = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
    # override_settings(CACHES=...) makes Django drop its per-thread cache connections, so the
    # check below really talks to the unused port rather than to a client built earlier.
    with override_settings(CACHES=unreachable):
        assert cache.client.get_client().connection_pool.connection_kwargs["port"] == port
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["redis"].startswith("error: ")
    assert "ConnectionError" in body["redis"]
    assert body["celery"] == {"status": "skipped: redis down", "workers": 0}
    # Leaving the override reconnects the real cache.
    assert cache.client.get_client().ping() is True


def test_broker_down_is_reported_at_once_without_failing_the_check(client, celery_broker):
    # The README: a missing worker (here, an unreachable broker) is reported, pages still work.
    celery_broker(DEAD_REDIS)
    started = time.monotonic()
    response = client.get("/healthz")

    assert time.monotonic() - started < 3
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"], body["redis"]) == ("ok", "ok", "ok")
    assert body["celery"]["status"].startswith("error: ")
    assert body["celery"]["workers"] == 0
