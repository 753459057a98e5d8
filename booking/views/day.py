"""The day board: a row per resource, a column per hour, free slots and booked time. What is
shown comes from ``selectors.calendar_board``, as for the week and the month; this module only
lays the day's chips out in hour columns."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from booking import selectors
from booking.views.calendar import CalendarPage, chips, counts

DEFAULT_HOURS = (8, 18)


class DayView(CalendarPage):
    """One local day: a row per resource, a column per hour, free slots and booked time."""

    section = "day"
    board_template = "booking/_day_board.html"
    page_template = "booking/day.html"

    def get(self, request, facility_slug: str):
        choice = self.choose()
        day = choice.day
        board = self.board(choice, day, day)
        grid = hour_grid(board=board, resources=choice.resources, day=day, zone=self.zone())
        for row in grid["rows"]:
            row["bookable"] = self.bookable(row["resource"])
        context = {
            "is_today": day == choice.today,
            "now_hour": timezone.localtime().hour if day == choice.today else None,
            "previous_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
            "previous_query": choice.query(day - dt.timedelta(days=1)),
            "next_query": choice.query(day + dt.timedelta(days=1)),
            "today_query": choice.query(choice.today),
            **grid,
        }
        return self.show(choice, context)


def hour_grid(*, board: selectors.CalendarBoard, resources: list, day: dt.date, zone: ZoneInfo) -> dict:
    """The day's chips in the local hour each starts in (booked time repeated, ``continued``,
    in the hours it runs on through), from the first hour anything happens to the last; and
    every booking of the day, all statuses, for the list under the grid."""
    day_start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    day_end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    cells_of = {resource.pk: chips(board.cell(resource.pk, day), zone) for resource in resources}
    items = [item for cell in cells_of.values() for item in cell]
    if items:
        first = min(timezone.localtime(max(item["start"], day_start), zone).hour for item in items)
        last_end = max(min(item["end"], day_end) for item in items)
        last_local = timezone.localtime(last_end, zone)
        last = 24 if last_end >= day_end else last_local.hour + (1 if last_local.minute else 0)
        last = max(last, first + 1)
    else:
        first, last = DEFAULT_HOURS
    hours = list(range(first, last))

    rows = []
    for resource in resources:
        cells: list[list[dict]] = [[] for _ in hours]
        for item in cells_of[resource.pk]:
            hour = timezone.localtime(max(item["start"], day_start), zone).hour
            index = min(max(hour - first, 0), len(hours) - 1)
            cells[index].append(item)
            if not item["free"]:
                # Booked time runs on through the following hours: mark them so the row reads as busy.
                for later in range(index + 1, len(hours)):
                    if dt.datetime.combine(day, dt.time(hours[later]), tzinfo=zone) >= item["end"]:
                        break
                    cells[later].append({**item, "continued": True})
        booked, free = counts(board.cell(resource.pk, day))
        rows.append({"resource": resource, "cells": cells, "free_count": free, "booked_count": booked})
    names = {resource.pk: resource.name for resource in resources}
    listed = [
        {
            "booking": booking,
            "where": ", ".join(names[row.resource_id] for row in booking.resources.all() if row.resource_id in names),
        }
        for booking in board.bookings
    ]
    return {"hours": hours, "rows": rows, "day_bookings": listed}
