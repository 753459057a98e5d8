"""The outbox (``scheduling/outbox.py``): what could not be published after a commit is kept,
and the drain publishes each kept message once, oldest first, however many drains run."""

import datetime as dt
import time

import pytest
import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from booking.tasks import notify_booking_event
from config.celery import app as celery_app
from conftest import DEAD_REDIS
from scheduling import outbox
from scheduling.models import OutboxMessage
from tests.booking.test_concurrency import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)

EVENT = {"facility_id": 1, "booking_id": 1, "event": "created", "event_id": "0" * 32}


def test_a_publish_to_a_dead_broker_fails_fast(celery_broker):
    """Broker calls have short timeouts and a bounded retry, whether or not the task keeps a
    result (a kept result subscribes on the result store first)."""
    celery_broker(DEAD_REDIS)
    for publish in (
        lambda: notify_booking_event.delay(**EVENT),
        lambda: celery_app.send_task("celery.ping"),
    ):
        started = time.monotonic()
        with pytest.raises(Exception):  # kombu's or the result store's, either will do
            publish()
        assert time.monotonic() - started < 2.5


def test_concurrent_drains_publish_each_message_once(monkeypatch):
    for number in range(30):
        OutboxMessage.objects.create(task="booking.notify_booking_event", kwargs={"number": number})
    published = []

    def publish(task: str, kwargs: dict) -> None:
        time.sleep(0.005)  # long enough for the drains to overlap
        published.append(kwargs["number"])

    monkeypatch.setattr(outbox, "_publish", publish)
    sent = run_concurrently(4, lambda i: outbox.outbox_drain(batch_size=10))

    assert sum(sent) == len(published)
    assert sorted(published) == sorted(set(published))
    # What one round left (each drain takes one batch) the next round sends.
    while outbox.outbox_drain(batch_size=10):
        pass
    assert sorted(published) == list(range(30))
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()


def test_the_drain_stops_at_the_first_message_the_broker_refuses(celery_broker):
    celery_broker(DEAD_REDIS)
    first = OutboxMessage.objects.create(task="booking.notify_booking_event", kwargs=EVENT)
    second = OutboxMessage.objects.create(task="booking.notify_booking_event", kwargs=EVENT)

    assert outbox.outbox_drain() == 0

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.attempts, second.attempts) == (1, 0)
    assert first.last_error.startswith("OperationalError: ")


def test_a_message_that_cannot_be_published_does_not_hold_up_the_others(celery_broker):
    celery_broker(settings.REDIS_URL)
    stale = OutboxMessage.objects.create(task="booking.notify_booking_event", kwargs={"booking_id": 1})
    good = OutboxMessage.objects.create(task="booking.notify_booking_event", kwargs=EVENT)
    try:
        assert outbox.outbox_drain() == 1
    finally:
        redis.Redis.from_url(settings.REDIS_URL).delete("celery")  # no worker here to take it

    stale.refresh_from_db()
    good.refresh_from_db()
    assert (stale.attempts, stale.sent_at) == (1, None)
    assert "missing 3 required keyword-only arguments" in stale.last_error
    assert good.sent_at is not None


@pytest.mark.django_db  # the schedule is written by a migration, which a transactional test flushes
def test_the_drain_runs_every_minute():
    task = PeriodicTask.objects.get(task="scheduling.drain_outbox")
    assert task.enabled
    assert (task.crontab.minute, task.crontab.hour) == ("*", "*")


def test_a_side_effect_the_broker_refuses_is_kept_after_the_commit(celery_broker, caplog):
    celery_broker(DEAD_REDIS)
    with transaction.atomic():
        outbox.enqueue_on_commit(notify_booking_event, **EVENT)
        assert not OutboxMessage.objects.exists()  # nothing is published or kept before the commit

    kept = OutboxMessage.objects.get()
    assert (kept.task, kept.kwargs, kept.attempts, kept.sent_at) == ("booking.notify_booking_event", EVENT, 0, None)
    assert "kept in the outbox" in caplog.text


def test_a_rolled_back_write_keeps_nothing(celery_broker):
    celery_broker(DEAD_REDIS)
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue_on_commit(notify_booking_event, **EVENT)
        raise RuntimeError("the write failed")

    assert not OutboxMessage.objects.exists()


def test_arguments_that_are_not_json_fail_inside_the_transaction():
    with pytest.raises(TypeError), transaction.atomic():
        outbox.enqueue_on_commit(notify_booking_event, **{**EVENT, "booking_id": object()})


def test_sent_messages_are_forgotten_after_a_week(monkeypatch):
    monkeypatch.setattr(outbox, "_publish", lambda task, kwargs: None)
    old = OutboxMessage.objects.create(task="booking.notify_booking_event", kwargs={})
    recent = OutboxMessage.objects.create(task="booking.notify_booking_event", kwargs={})
    pending = OutboxMessage.objects.create(task="booking.notify_booking_event", kwargs={})
    now = timezone.now()
    OutboxMessage.objects.filter(pk=old.pk).update(sent_at=now - dt.timedelta(days=8))
    OutboxMessage.objects.filter(pk=recent.pk).update(sent_at=now - dt.timedelta(days=6))

    assert outbox.outbox_drain(now=now) == 1

    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent.pk, pending.pk}
