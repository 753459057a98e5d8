"""How availability learns what is booked without importing booking (CEP-7 keeps the two apart:
availability computes what can be booked, booking knows what is booked).

Booking registers a source at start-up (``AppConfig.ready``)::

    class ActiveBookings:
        def any_booking(*, facility, resource_id: int, start: dt.datetime, end: dt.datetime | None) -> bool:
    return any(
        source.any_booking(facility=facility, resource_id=resource_id, start=start, end=end)
        for source in _sources
        if callable(getattr(source, "any_booking", None))
    )


def active_intervals(self, *, facility, resource_ids, start, end):
            return [(resource_id, start, end, units), ...]

    availability.services.register_booking_source(ActiveBookings())

``active_intervals`` returns the active bookings of those resources overlapping [start, end):
``units`` is 1 for an exclusive booking or the number of tokens held. Several sources may be
registered (bookings and token bookings); their intervals are concatenated. With none, nothing
is booked.

A source may also answer ``any_booking(*, facility, resource_id, start, end)``: whether the
resource was ever booked (in any status, cancelled included) over [start, end), ``end`` None
meaning open-ended. Deleting a schedule asks it: one that took a booking is kept.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

Interval = tuple[int, dt.datetime, dt.datetime, int]


class BookingSource(Protocol):
    def active_intervals(
        self, *, facility, resource_ids: list[int], start: dt.datetime, end: dt.datetime
    ) -> list[Interval]: ...


_sources: list[BookingSource] = []


def register_booking_source(source: BookingSource) -> None:
    if not callable(getattr(source, "active_intervals", None)):
        raise TypeError("A booking source needs an active_intervals(*, facility, resource_ids, start, end) method.")
    if source not in _sources:
        _sources.append(source)


def unregister_booking_source(source: BookingSource) -> None:
    if source in _sources:
        _sources.remove(source)


def any_booking(*, facility, resource_id: int, start: dt.datetime, end: dt.datetime | None) -> bool:
    return any(
        source.any_booking(facility=facility, resource_id=resource_id, start=start, end=end)
        for source in _sources
        if callable(getattr(source, "any_booking", None))
    )


def active_intervals(*, facility, resource_ids: list[int], start: dt.datetime, end: dt.datetime) -> list[Interval]:
    if not resource_ids or not _sources:
        return []
    intervals: list[Interval] = []
    for source in _sources:
        intervals.extend(
            source.active_intervals(facility=facility, resource_ids=list(resource_ids), start=start, end=end)
        )
    return intervals
