"""Side effects of a committed write: published after the commit, and never lost to a broker
that is down.

``enqueue_on_commit(task, **kwargs)`` publishes a Celery task once the current transaction has
committed (at once outside a transaction). Broker calls fail fast (``config/settings/celery.py``);
when the publish fails, a warning is logged and the task is kept as an ``OutboxMessage`` row,
and the request that committed still answers success. ``outbox_drain``, run every minute by
beat as ``scheduling.drain_outbox``, publishes the kept rows, oldest first.

Delivery is at least once: a publish whose reply was lost is kept and sent again, and a drain
that published but could not record it publishes again next time. Tasks queued this way are
therefore idempotent (``booking.notify_booking_event`` is, per event and recipient), which
makes their effect happen exactly once.
"""

import datetime as dt
import json
import logging

import redis
from django.db import DatabaseError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from config.celery import app as celery_app
from scheduling.models import OutboxMessage

logger = logging.getLogger(__name__)

# What a publish raises when the broker refuses, drops or does not answer the connection.
PUBLISH_ERRORS = (BrokerUnreachable, redis.ConnectionError, redis.TimeoutError, OSError)
KEEP_SENT = dt.timedelta(days=7)


def enqueue_on_commit(task, /, **kwargs) -> None:
    """Publishes ``task`` (a Celery task) with ``kwargs`` once the transaction commits; nothing
    if it rolls back. ``kwargs`` must be JSON: anything else raises TypeError here, inside the
    transaction, rather than losing the task after it. Never raises after the commit: a task the
    broker does not take is kept in the outbox (tests/booking/test_broker_down.py)."""
    kwargs = json.loads(json.dumps(kwargs))  # what is published now is what the outbox would keep
    name = task.name
    transaction.on_commit(lambda: _publish_or_keep(name, kwargs))


def outbox_drain(*, batch_size: int = 100, now: dt.datetime | None = None) -> int:
    """Publishes up to ``batch_size`` kept tasks, oldest first; returns how many it published.

    Locks the rows it takes (``FOR UPDATE SKIP LOCKED``), so drains running at once share the
    rows and never publish one twice (tests/scheduling/test_outbox.py). A failed publish adds the
    attempt and the error to its row; the drain stops at the first the broker refuses (the others
    would fail alike) and goes past any other. Deletes rows sent more than ``KEEP_SENT`` ago."""
    now = now or timezone.now()
    OutboxMessage.objects.filter(sent_at__lt=now - KEEP_SENT).delete()
    published = 0
    with transaction.atomic():
        waiting = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True)
            .order_by("created_at", "id")[:batch_size]
        )
        for message in waiting:
            try:
                _publish(message.task, message.kwargs)
            except PUBLISH_ERRORS as exc:
                _record_failure(message, exc)
                logger.warning("Outbox drain: broker still unreachable (%s); %s stays pending.", exc, message)
                break
            except Exception as exc:
                # This message only (say, a task whose arguments changed in a deploy): keep it
                # for a person to look at in admin, and go on with the others.
                _record_failure(message, exc)
                logger.exception("Outbox drain: %s %s cannot be published.", message.task, message.kwargs)
                continue
            message.sent_at = timezone.now()
            message.save(update_fields=["sent_at"])
            published += 1
    return published


def _publish_or_keep(task: str, kwargs: dict) -> None:
    try:
        _publish(task, kwargs)
    except PUBLISH_ERRORS as exc:
        logger.warning("Broker unreachable (%s): %s kept in the outbox for the drain.", exc, task)
        try:
            OutboxMessage.objects.create(task=task, kwargs=kwargs, last_error=_describe(exc))
        except DatabaseError:
            # The write has committed and its answer must not fail; this is all that is left.
            logger.exception("Could not keep %s %s in the outbox either: it is lost.", task, kwargs)


def _publish(task: str, kwargs: dict) -> None:
    # No publish retry: the drain is the retry. No result: nobody waits on a side effect, and
    # keeping one would first subscribe on the result store, Redis again.
    celery_app.signature(task, kwargs=kwargs).apply_async(retry=False, ignore_result=True)


def _record_failure(message: OutboxMessage, exc: Exception) -> None:
    message.attempts += 1
    message.last_error = _describe(exc)
    message.save(update_fields=["attempts", "last_error"])


def _describe(exc: Exception) -> str:
    return f"{exc.__class__.__name__}: {exc}"[:2000]
