"""Reads of availability: schedules, windows, exceptions, policies, delegations, and what can be
booked — slots, day statistics and the check booking calls before it books.

Every function takes the facility and filters by it. The slot functions run a fixed number of
SQL queries whatever the number of resources (configuration rows are fetched for all resources
at once and handed to the pure ``availability.engine``).
"""

from availability.engine import minute_of_day
from availability.selectors.bookable import (
    BOOKED_CONTEXT,
    DEFAULT_POLICY,
    MAX_QUERY_DAYS,
    BookableWindow,
    DayStats,
    Slot,
    availability_stats,
    bookable_interval_check,
    capacity_lock,
    concurrency_caps,
    open_slot_minutes,
    resource_inputs,
    slot_list,
    slot_search,
    stranded_bookings,
)
from availability.selectors.configuration import (
    availability_get,
    booking_policy_get,
    delegation_get,
    delegation_list,
    exception_get,
    exception_list,
    managed_resource_ids,
    management_reason,
    schedule_current,
    schedule_get,
    schedule_list,
    slot_duration_get,
    slot_duration_list,
)

__all__ = [
    "BOOKED_CONTEXT",
    "DEFAULT_POLICY",
    "MAX_QUERY_DAYS",
    "BookableWindow",
    "DayStats",
    "Slot",
    "availability_get",
    "availability_stats",
    "bookable_interval_check",
    "capacity_lock",
    "concurrency_caps",
    "booking_policy_get",
    "delegation_get",
    "delegation_list",
    "exception_get",
    "exception_list",
    "managed_resource_ids",
    "management_reason",
    "minute_of_day",
    "open_slot_minutes",
    "resource_inputs",
    "schedule_current",
    "schedule_get",
    "schedule_list",
    "slot_duration_get",
    "slot_duration_list",
    "slot_list",
    "slot_search",
    "stranded_bookings",
]
