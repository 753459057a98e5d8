"""How availability learns a cap on how many resources of one kind may run at once, without
importing the app that knows it (issue 13: the nurses on duty, not the chairs, limit an infusion
center; the infusion app knows its nurses and registers a source at start-up)::

    class NurseSupportedChairs:
        def concurrency_limits(self, *, facility, kind: str, start, end) -> list[ConcurrencyLimit]:
            return [ConcurrencyLimit(start=..., end=..., limit=6, reason="2 nurses on duty × 3 chairs each"), ...]

    availability.services.register_capacity_source(NurseSupportedChairs())

``concurrency_limits`` answers, for the facility and a resource kind (``ResourceKind`` value),
the caps that overlap [start, end): within each [limit.start, limit.end), at most ``limit``
active bookings of resources of that kind may overlap any instant. The intervals a source
returns do not overlap one another. With no source registered, or none answering for the kind,
nothing is capped. ``reason`` is the sentence staff see when a cap refuses a booking.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ConcurrencyLimit:
    start: dt.datetime
    end: dt.datetime
    limit: int
    reason: str


class CapacitySource(Protocol):
    def concurrency_limits(
        self, *, facility, kind: str, start: dt.datetime, end: dt.datetime
    ) -> list[ConcurrencyLimit]: ...


_sources: list[CapacitySource] = []


def register_capacity_source(source: CapacitySource) -> None:
    if not callable(getattr(source, "concurrency_limits", None)):
        raise TypeError("A capacity source needs a concurrency_limits(*, facility, kind, start, end) method.")
    if source not in _sources:
        _sources.append(source)


def unregister_capacity_source(source: CapacitySource) -> None:
    if source in _sources:
        _sources.remove(source)


def concurrency_limits(*, facility, kind: str, start: dt.datetime, end: dt.datetime) -> list[ConcurrencyLimit]:
    """Every registered source's caps over [start, end), sorted by start."""
    limits: list[ConcurrencyLimit] = []
    for source in _sources:
        limits.extend(source.concurrency_limits(facility=facility, kind=kind, start=start, end=end))
    return sorted(limits, key=lambda limit: (limit.start, limit.end))
