"""Booking while Redis is down: the booking commits and answers 201 at once; its notification
waits in the outbox and is sent, exactly once, when the broker is back. This is what the
README promises about Redis being down."""

import re
import time

import pytest
from django.conf import settings

from booking.models import Booking, Notification
from booking.tasks import notify_booking_event
from config.celery import app as celery_app
from conftest import DEAD_REDIS
from scheduling import outbox
from scheduling.models import Membership, OutboxMessage, Role
from scheduling.tasks import drain_outbox
from tests.celery_worker import celery_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

RECIPIENTS = ["desk@careslot.invalid", "dr-owner@careslot.invalid"]
# A booking answers within this even with every Redis call failing (it took 19 s, then 500).
QUICKLY = 5.0


@pytest.fixture
def owner(clinic, facility, make_member, scheduler):
    """The chair's owner, told of every booking of the chair, like the front desk of the chair's
    department (the facility asks for its desk to be told)."""
    owner = make_member(facility, Role.CLINICIAN, username="dr-owner")
    clinic.chair.user = owner
    clinic.chair.save()
    facility.notify_department_desk = True
    facility.save(update_fields=["notify_department_desk"])
    Membership.objects.filter(facility=facility, user=scheduler).update(department=clinic.chair.department)
    return owner


@pytest.fixture
def redis_down(settings, celery_broker):
    """Every Redis the app uses is unreachable: the Celery broker and result store, the booking
    locks and the cache (the single Redis of a default install, down)."""
    celery_broker(DEAD_REDIS)
    settings.BOOKING_LOCK_REDIS_URL = DEAD_REDIS
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }


def _book(clinic, api_client) -> tuple[int, float]:
    started = time.monotonic()
    response = api_client.post(clinic.url(), clinic.body("10:00", "10:30"), format="json")
    elapsed = time.monotonic() - started
    assert response.status_code == 201, response.content
    return response.json()["id"], elapsed


def test_with_redis_down_a_booking_answers_201_quickly_and_its_notification_is_sent_once_the_broker_is_back(
    clinic, api_client, scheduler, owner, redis_down, mailoutbox, caplog
):
    booking_id, elapsed = _book(clinic, api_client)

    assert elapsed < QUICKLY
    assert Booking.objects.filter(pk=booking_id).exists()
    waiting = OutboxMessage.objects.get()
    assert waiting.task == "booking.notify_booking_event"
    assert (waiting.kwargs["booking_id"], waiting.kwargs["event"], waiting.sent_at) == (booking_id, "created", None)
    assert not Notification.objects.exists()
    assert "kept in the outbox" in caplog.text

    # Drained while the broker is still down: kept, with the attempt and its error recorded.
    assert outbox.outbox_drain() == 0
    waiting.refresh_from_db()
    assert (waiting.attempts, waiting.sent_at) == (1, None)
    assert "Connection refused" in waiting.last_error

    celery_app.conf.task_always_eager = True  # the broker is back (a real worker: the test below)
    assert outbox.outbox_drain() == 1

    notices = Notification.objects.filter(booking_id=booking_id, event="created")
    assert sorted(notices.values_list("recipient__email", flat=True)) == RECIPIENTS
    assert sorted(address for message in mailoutbox for address in message.to) == RECIPIENTS
    waiting.refresh_from_db()
    assert waiting.sent_at is not None
    # Draining again sends nothing more.
    assert outbox.outbox_drain() == 0
    assert notices.count() == 2
    assert len(mailoutbox) == 2


def test_with_the_broker_up_nothing_waits_in_the_outbox(clinic, api_client, scheduler, owner, mailoutbox):
    booking_id, _ = _book(clinic, api_client)

    assert not OutboxMessage.objects.exists()
    assert Notification.objects.filter(booking_id=booking_id).count() == 2


# --- a real worker ------------------------------------------------------------------------------


@pytest.fixture
def worker(transactional_db, tmp_path):
    """A Celery worker process on the live broker and this test database; stopped after."""
    with celery_worker(tmp_path, name="outbox-test") as running:
        yield running


@pytest.mark.slow
def test_a_real_worker_delivers_the_waiting_notification_once_the_broker_is_back(
    clinic, api_client, scheduler, owner, redis_down, celery_broker, worker
):
    process, log = worker
    booking_id, elapsed = _book(clinic, api_client)
    assert elapsed < QUICKLY
    waiting = OutboxMessage.objects.get(sent_at__isnull=True)

    celery_broker(settings.REDIS_URL)  # the broker is back
    wait_for(lambda: process.poll() is None and celery_app.control.ping(timeout=0.5), "the worker to answer")
    drain_outbox.delay()  # what beat sends every minute

    notices = Notification.objects.filter(booking_id=booking_id, event="created")
    wait_for(lambda: notices.filter(emailed_at__isnull=False).count() == 2, "the notifications")
    assert sorted(notices.values_list("recipient__email", flat=True)) == RECIPIENTS
    waiting.refresh_from_db()
    assert waiting.sent_at is not None

    # The broker delivers the same message again: nothing new is created or emailed.
    notify_booking_event.delay(**waiting.kwargs)
    finished = re.compile(r"Task booking\.notify_booking_event\[[^\]]+\] succeeded")
    wait_for(lambda: len(finished.findall(log.read_text(errors="replace"))) == 2, "the second delivery")
    assert notices.count() == 2
    output = log.read_text(errors="replace")
    for address in RECIPIENTS:
        assert output.count(f"To: {address}") == 1, output
