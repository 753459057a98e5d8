"""What check-in and the queue's actions share: where a patient waits, the token of its queue,
the entry that holds it, and the audited save."""

import datetime as dt
from dataclasses import dataclass

from django.db import connection

from live_queue.models import Queue, QueueEntry
from scheduling import selectors as kernel
from scheduling.errors import ApplicationError
from scheduling.history import audited_save


@dataclass(frozen=True)
class Place:
    """Where a patient waits: one resource or one department, and the name its queue takes."""

    resource_id: int | None
    department_id: int | None
    name: str

    def is_of(self, queue: Queue) -> bool:
        return (queue.resource_id, queue.department_id) == (self.resource_id, self.department_id)


def place_get(*, facility, resource_id: int | None = None, department_id: int | None = None) -> Place:
    """The resource or the department of this facility (404 otherwise); 400 ``invalid`` unless
    exactly one is named."""
    if (resource_id is None) == (department_id is None):
        raise ApplicationError(
            "invalid",
            "Name one resource or one department for the queue.",
            fields={"resource": ["One of resource or department."]},
        )
    if resource_id is not None:
        resource = kernel.resource_get(facility=facility, resource_id=resource_id)
        return Place(resource_id=resource.pk, department_id=None, name=resource.name)
    department = kernel.department_get(facility=facility, department_id=department_id)
    return Place(resource_id=None, department_id=department.pk, name=department.name)


_QUEUE_FIELDS = Queue._meta.concrete_fields
# One statement makes the day's queue on first use or bumps its counter, and keeps the row locked
# until the transaction ends. ON CONFLICT names the partial unique index of each kind of queue
# (a resource's, a department's), which PostgreSQL infers only from its predicate.
_TAKE_TOKEN = """
    INSERT INTO {table} (facility_id, day, resource_id, department_id, name, last_token)
    VALUES (%s, %s, %s, %s, %s, 1)
    ON CONFLICT (facility_id, day, {column}) WHERE {column} IS NOT NULL
    DO UPDATE SET last_token = {table}.last_token + 1
    RETURNING {returning}
"""
_TAKE_TOKEN_SQL = {
    column: _TAKE_TOKEN.format(
        table=Queue._meta.db_table, column=column, returning=", ".join(field.column for field in _QUEUE_FIELDS)
    )
    for column in ("resource_id", "department_id")
}


def take_token(*, facility, day: dt.date, place: Place) -> Queue:
    """The queue of ``place`` on the facility-local ``day``, made on first use, with the token
    just taken in ``last_token``. Locks the queue row for the rest of the transaction; a
    rolled-back check-in gives its token back."""
    column = "resource_id" if place.resource_id is not None else "department_id"
    with connection.cursor() as cursor:
        cursor.execute(
            _TAKE_TOKEN_SQL[column], [facility.pk, day, place.resource_id, place.department_id, place.name[:200]]
        )
        row = cursor.fetchone()
    queue = Queue.from_db(connection.alias, [field.attname for field in _QUEUE_FIELDS], row)
    queue.facility = facility
    return queue


def enqueue(
    *,
    facility,
    day: dt.date,
    place: Place,
    encounter,
    actor,
    priority: str,
    is_vip: bool,
    appointment_at,
    arrived_at,
    now,
    vip_reason: str = "",
    transferred_from: QueueEntry | None = None,
) -> QueueEntry:
    """A new entry of the encounter's patient, with the next token of the queue of ``place``."""
    queue = take_token(facility=facility, day=day, place=place)
    entry = QueueEntry(
        facility=facility,
        queue=queue,
        encounter=encounter,
        patient_id=encounter.patient_id,
        day=queue.day,
        token_number=queue.last_token,
        priority=priority,
        is_vip=is_vip,
        vip_reason=vip_reason,
        appointment_at=appointment_at,
        arrived_at=arrived_at,
        checked_in_at=now,
        transferred_from=transferred_from,
    )
    return save(entry, actor)


def save(instance, actor):
    """Saves with the actor in history. No savepoint: a broken constraint ends the entry
    point's whole transaction, which turns it into a domain error outside it."""
    return audited_save(instance, actor=actor)
