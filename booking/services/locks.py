"""Redis locks on resources, in front of the database guard.

All resources of a booking are locked together, in ascending id order (so two bookings that
share resources can never wait on each other in a cycle), all or nothing, each with a TTL of
``BOOKING_LOCK_TTL_SECONDS`` and a bounded total wait of ``BOOKING_LOCK_WAIT_SECONDS``. Locks are
taken before the transaction opens and released after it commits.

What the locks are for: they serialise the read-validate-write of two clients after the same
resource, so the loser gets a clean ``slot_taken`` instead of an aborted transaction. They are
not what prevents double booking — PostgreSQL's exclusion constraints are. Hence:

- lock not obtained in time → 409 ``resource_busy`` with ``retry_after_seconds``;
- lock expired or lost while its holder still works → the holder's insert meets the
  exclusion constraint if someone else got in first, and answers 409 ``slot_taken``;
- Redis unreachable → we proceed without locks (logged as a warning) and rely on the
  constraints alone: bookings keep working, contention costs more aborted transactions, and a
  double booking is still impossible. Refusing all bookings while Redis is down would stop the
  front desk for no gain in safety.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from time import monotonic

import redis
from django.conf import settings
from redis.exceptions import LockError

from scheduling.errors import ApplicationError

logger = logging.getLogger(__name__)


@cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=2)


def lock_key(resource_id: int) -> str:
    return f"careslot:lock:resource:{resource_id}"


def _acquire(resource_ids: list[int]) -> list | None:
    """The held locks, or None when Redis cannot be reached."""
    client = _client(settings.BOOKING_LOCK_REDIS_URL)
    deadline = monotonic() + settings.BOOKING_LOCK_WAIT_SECONDS
    held = []
    try:
        for resource_id in sorted(set(resource_ids)):
            lock = client.lock(lock_key(resource_id), timeout=settings.BOOKING_LOCK_TTL_SECONDS, sleep=0.01)
            if not lock.acquire(blocking=True, blocking_timeout=max(0.0, deadline - monotonic())):
                _release(held)
                raise ApplicationError(
                    "resource_busy",
                    "Someone else is booking this resource right now; try again in a moment.",
                    extra={"retry_after_seconds": 1, "resource": resource_id},
                    status_code=409,
                )
            held.append(lock)
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        _release(held)
        logger.warning("Redis unreachable for booking locks (%s); relying on the database guard alone.", exc)
        return None
    return held


def _release(held: list) -> None:
    for lock in reversed(held):
        try:
            lock.release()
        except LockError:
            # Expired while we worked; the exclusion constraint guarded the write.
            logger.warning("Booking lock %s had expired before release.", lock.name)
        except (redis.ConnectionError, redis.TimeoutError):
            logger.warning("Redis unreachable while releasing %s; its TTL will free it.", lock.name)


@contextmanager
def resource_locks(resource_ids: list[int]) -> Iterator[bool]:
    """Holds the locks of all ``resource_ids`` for the body; yields whether Redis locks are held
    (False when Redis is unreachable and only the database guards)."""
    held = _acquire(resource_ids)
    try:
        yield held is not None
    finally:
        if held:
            _release(held)
