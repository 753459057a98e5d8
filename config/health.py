"""GET /healthz: is the database reachable, is Redis, is a Celery worker answering?

200 while the web tier can serve (database and Redis up); 503 otherwise. A missing worker is
reported but does not fail the check: pages still work, only background jobs wait."""

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from config.celery import app as celery_app


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # noqa: BLE001 — any failure is reported, not raised
        return f"error: {exc.__class__.__name__}"


def _redis() -> str:
    try:
        cache.client.get_client().ping()
        return "ok"
    except Exception as exc:  # noqa: BLE001
        return f"error: {exc.__class__.__name__}"


def _celery() -> dict:
    try:
        replies = celery_app.control.ping(timeout=1.0) or []
    except Exception as exc:  # noqa: BLE001
        return {"status": f"error: {exc.__class__.__name__}", "workers": 0}
    return {"status": "ok" if replies else "no workers", "workers": len(replies)}


@never_cache
def healthz(request):
    checks = {"database": _database(), "redis": _redis()}
    checks["celery"] = _celery() if checks["redis"] == "ok" else {"status": "skipped: redis down", "workers": 0}
    healthy = checks["database"] == "ok" and checks["redis"] == "ok"
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)
