"""Writes of availability: schedules and their weekly windows, exceptions, booking policies, slot
durations and delegations. The only code that writes these tables.

Every service takes the facility and the acting user, checks that the user may manage the
resource (``selectors.management_reason``), runs in one transaction that first locks the
resource row (so two changes to one resource's availability are serialised, and booking may
lock the same row to serialise against them), records the actor in history, and refuses a
change that would leave future active bookings outside availability (``would_strand_bookings``,
409, counting them) by rolling the whole change back.

Versioning: a schedule already in force is never rewritten. A change takes effect from
``effective_from`` (default: now): the schedule is closed there (``valid_till``) and a new
version, with the windows copied and the change applied, starts at the same instant. A schedule
not yet in force at ``effective_from`` is edited in place (history keeps each edit).
"""

from availability.booking_source import register_booking_source, unregister_booking_source
from availability.capacity_source import ConcurrencyLimit, register_capacity_source, unregister_capacity_source
from availability.services.common import CLOCK_SKEW, KEEP, max_slots_per_window
from availability.services.exceptions import exception_create, exception_remove
from availability.services.policies import (
    booking_policy_set,
    delegation_grant,
    delegation_revoke,
    slot_duration_remove,
    slot_duration_set,
)
from availability.services.schedules import (
    WindowInput,
    schedule_close,
    schedule_create,
    schedule_delete,
    schedule_replace,
)
from availability.services.windows import (
    availability_add,
    availability_remove,
    availability_remove_days,
    availability_update,
    availability_update_days,
)

__all__ = [
    "CLOCK_SKEW",
    "KEEP",
    "ConcurrencyLimit",
    "WindowInput",
    "availability_add",
    "availability_remove",
    "availability_remove_days",
    "availability_update",
    "availability_update_days",
    "booking_policy_set",
    "delegation_grant",
    "delegation_revoke",
    "exception_create",
    "exception_remove",
    "max_slots_per_window",
    "register_booking_source",
    "register_capacity_source",
    "schedule_close",
    "schedule_create",
    "schedule_delete",
    "schedule_replace",
    "slot_duration_remove",
    "slot_duration_set",
    "unregister_booking_source",
    "unregister_capacity_source",
]
