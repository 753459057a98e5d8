"""Celery: Redis broker, JSON only, time limits, beat schedule kept in the database."""

from config.env import env_bool, env_float, env_int, env_str
from config.settings.base import REDIS_URL, TIME_ZONE

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Broker and result-store calls fail fast. A request publishes its side effects after its
# commit; one that cannot be published is kept in the outbox (scheduling/outbox.py) for the
# drain, so waiting on an unreachable Redis would only hold up the answer (it took 19 s, most
# of it Celery's default 20 reconnects to the result store).
_connect_timeout = env_float("CELERY_BROKER_CONNECT_TIMEOUT", 1.0)
_socket_timeout = env_float("CELERY_BROKER_SOCKET_TIMEOUT", 5.0)
_fast_retry = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BROKER_CONNECTION_TIMEOUT = _connect_timeout
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": _connect_timeout,
    # Above the worker's 1 s BRPOP, so a live but idle broker never times out.
    "socket_timeout": _socket_timeout,
    # How often kombu retries the connection before a publish (kombu.Connection.default_channel).
    **_fast_retry,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = _fast_retry
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = _connect_timeout
CELERY_REDIS_SOCKET_TIMEOUT = _socket_timeout
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": _fast_retry}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Unit tests set this on; tests about Celery itself start a real worker.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
