"""Reads of queues and entries. Every function takes the facility."""

import datetime as dt

from django.db.models import Count, Q, QuerySet

from live_queue.models import OPEN_STATUSES, EntryStatus, Queue, QueueEntry
from live_queue.scoring import ScoreParts, entry_score, ordered
from scheduling.errors import NotFound
from scheduling.parsing import parse_id


def queue_list(*, facility, day: dt.date | None = None) -> QuerySet[Queue]:
    """Queues with ``waiting_count``, the number of entries waiting in each."""
    queues = (
        Queue.objects.filter(facility=facility)
        .select_related("resource", "department")
        .annotate(waiting_count=Count("entries", filter=Q(entries__status=EntryStatus.WAITING)))
    )
    if day is not None:
        queues = queues.filter(day=day)
    return queues.order_by("-day", "name")


def queue_get(*, facility, queue_id, for_update: bool = False) -> Queue:
    if for_update:  # a locked read cannot carry the aggregate
        queues = Queue.objects.filter(facility=facility).select_for_update()
    else:
        queues = queue_list(facility=facility)
    try:
        return queues.get(pk=parse_id(queue_id))
    except (Queue.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound("Queue") from None


def entry_get(*, facility, entry_id, for_update: bool = False) -> QueueEntry:
    entries = QueueEntry.objects.filter(facility=facility).select_related("queue", "encounter")
    if for_update:
        entries = entries.select_for_update(of=("self",))
    try:
        return entries.get(pk=parse_id(entry_id))
    except (QueueEntry.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound("Queue entry") from None


def entry_list(*, facility, queue_id: int, statuses: list[str] | None = None) -> QuerySet[QueueEntry]:
    entries = QueueEntry.objects.filter(facility=facility, queue_id=queue_id).select_related(
        "encounter__patient", "encounter__appointment_type", "encounter__booking"
    )
    if statuses:
        entries = entries.filter(status__in=statuses)
    return entries


def queue_in_order(*, facility, queue_id: int, now: dt.datetime) -> list[tuple[QueueEntry, ScoreParts]]:
    """The waiting entries in the order they will be called, each with its score parts."""
    waiting = entry_list(facility=facility, queue_id=queue_id, statuses=[EntryStatus.WAITING])
    return [(entry, entry_score(entry, now=now)) for entry in ordered(waiting, now=now)]


def queue_board(*, facility, queue_id: int, now: dt.datetime) -> dict:
    """What the waiting-room screen shows: token numbers only, never names."""
    called = list(
        entry_list(facility=facility, queue_id=queue_id, statuses=[EntryStatus.CALLED])
        .order_by("-called_at")
        .values("token_number", "counter", "called_at")[:6]
    )
    waiting = [entry.token_number for entry, _ in queue_in_order(facility=facility, queue_id=queue_id, now=now)]
    return {"called": called, "waiting": waiting}


def entry_times(*, facility, start: dt.datetime, end: dt.datetime) -> QuerySet:
    """Check-in, called, start and end of each entry checked in during [start, end), with its
    queue's resource or department and the appointment type: the raw material of waiting-time
    and service-time analytics."""
    return QueueEntry.objects.filter(facility=facility, checked_in_at__gte=start, checked_in_at__lt=end).values(
        "id",
        "queue__resource_id",
        "queue__department_id",
        "queue__day",
        "encounter__appointment_type_id",
        "status",
        "checked_in_at",
        "called_at",
        "started_at",
        "ended_at",
    )


def patient_open_entry(*, facility, patient_id: int, day: dt.date) -> QueueEntry | None:
    """The patient's open entry of the facility-local ``day``: at most one, by constraint."""
    return (
        QueueEntry.objects.filter(facility=facility, patient_id=patient_id, day=day, status__in=OPEN_STATUSES)
        .select_related("queue", "patient")
        .first()
    )
