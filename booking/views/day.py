"""The day board: a row per resource, a column per hour, free slots and booked time."""

import datetime as dt
from collections import defaultdict
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.utils import timezone

from availability import selectors as availability
from booking import selectors
from booking.forms import (
    DayFilterForm,
    slot_label,
    slot_value,
)
from booking.services.appointments import LOCATION_KINDS
from booking.views.common import BookingPage, _short_name
from scheduling import selectors as kernel
from scheduling.permissions import Action

DEFAULT_HOURS = (8, 18)


class DayView(BookingPage):
    """One local day: a row per resource, a column per hour, free slots and booked time."""

    def get(self, request, facility_slug: str):
        facility = request.facility
        today = timezone.localdate()
        data = request.GET.copy()
        data.setdefault("date", today.isoformat())
        filters = DayFilterForm(data, facility=facility)
        chosen = filters.cleaned_data if filters.is_valid() else {}
        day = chosen.get("date") or today
        resources = kernel.resource_list(facility=facility).filter(active=True)
        if chosen.get("department"):
            resources = resources.filter(department=chosen["department"])
        if chosen.get("resource"):
            resources = resources.filter(pk=chosen["resource"].pk)
        board = _day_board(
            facility=facility,
            resources=list(resources),
            day=day,
            zone=self.zone(),
            can_book_location=self.can(Action.BOOKING_LOCATION),
        )
        query = {k: v for k, v in request.GET.items() if k in ("department", "resource") and v}
        context = {
            "filters": filters,
            "day": day,
            "today": today,
            "is_today": day == today,
            "now_hour": timezone.localtime().hour if day == today else None,
            "previous_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
            "filter_query": urlencode(query),
            **board,
        }
        template = "booking/_day_board.html" if request.headers.get("HX-Request") else "booking/day.html"
        return self.page(template, context)


def _day_board(*, facility, resources, day: dt.date, zone: ZoneInfo, can_book_location: bool) -> dict:
    """The grid of the day: for each resource, the free slots (``slot_list``) and the bookings
    holding its time, placed in the local hour they start in; and every booking of the day, all
    statuses, for the list under the grid."""
    day_start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    day_end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    ids = [resource.pk for resource in resources]
    slots = availability.slot_list(facility=facility, resource_ids=ids, start_date=day, end_date=day) if ids else []
    bookings = list(selectors.booking_list(facility=facility, start=day_start, end=day_end)) if ids else []

    items: dict[int, list[dict]] = defaultdict(list)
    for slot in slots:
        if slot.bookable and slot.remaining > 0:
            items[slot.resource_id].append(
                {
                    "free": True,
                    "slot": slot,
                    "start": slot.start,
                    "end": slot.end,
                    "value": slot_value(slot.start, slot.end),
                    "label": slot_label(slot.start, slot.end, zone=zone),
                }
            )
    shown = set(ids)
    day_bookings = []
    for booking in bookings:
        # Token bookings hold their slot through a resource row too; a completed visit's rows
        # keep only the time it used, and rows that no longer hold time leave the grid.
        held = list(booking.resources.all())
        if not shown.intersection(row.resource_id for row in held):
            continue
        day_bookings.append(booking)
        short_name = _short_name(booking.patient.name)
        for row in held:
            if row.holds_time and row.resource_id in shown:
                items[row.resource_id].append(
                    {
                        "free": False,
                        "booking": booking,
                        "start": row.start,
                        "end": row.end,
                        "label": slot_label(row.start, row.end, zone=zone),
                        "short_name": short_name,
                    }
                )

    starts = [max(item["start"], day_start) for rows in items.values() for item in rows]
    ends = [min(item["end"], day_end) for rows in items.values() for item in rows]
    if starts:
        first = min(timezone.localtime(s, zone).hour for s in starts)
        last_end = max(ends)
        last_local = timezone.localtime(last_end, zone)
        last = 24 if last_end >= day_end else last_local.hour + (1 if last_local.minute else 0)
        last = max(last, first + 1)
    else:
        first, last = DEFAULT_HOURS
    hours = list(range(first, last))

    rows = []
    for resource in resources:
        cells: list[list[dict]] = [[] for _ in hours]
        entries = sorted(items[resource.pk], key=lambda item: (item["start"], not item["free"]))
        for item in entries:
            hour = timezone.localtime(max(item["start"], day_start), zone).hour
            index = min(max(hour - first, 0), len(hours) - 1)
            cells[index].append(item)
            if not item["free"]:
                # Booked time runs on through the following hours: mark them so the row reads as busy.
                for later in range(index + 1, len(hours)):
                    if dt.datetime.combine(day, dt.time(hours[later]), tzinfo=zone) >= item["end"]:
                        break
                    cells[later].append({**item, "continued": True})
        rows.append(
            {
                "resource": resource,
                "cells": cells,
                "free_count": sum(1 for item in entries if item["free"]),
                "booked_count": len({item["booking"].pk for item in entries if not item["free"]}),
                "bookable": can_book_location or resource.kind not in LOCATION_KINDS,
            }
        )
    names = {resource.pk: resource.name for resource in resources}
    listed = [
        {
            "booking": booking,
            "where": ", ".join(
                names.get(rid, "") for rid in [row.resource_id for row in booking.resources.all()] if rid in names
            ),
        }
        for booking in day_bookings
    ]
    return {"hours": hours, "rows": rows, "day_bookings": listed}
