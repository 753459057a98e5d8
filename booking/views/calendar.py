"""The week and the month beside the day board, and what the three share: the filter form (a
date, a department, a resource), the resources it chooses, the query string the tabs and the
steps carry, and the chips of a cell.

All three read ``selectors.calendar_board`` over their range, so a week or a month costs the
same queries as a day. Days are the facility's local dates; a week runs Monday to Sunday."""

import calendar as gregorian
import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.utils import timezone

from booking import selectors
from booking.forms import DayFilterForm, day_changes_offset, slot_label, slot_value
from booking.services.appointments import LOCATION_KINDS
from booking.views.common import BookingPage, _short_name
from scheduling import ranges
from scheduling import selectors as kernel
from scheduling.permissions import Action

#: A week cell with more chips than this shows its counts and scrolls the chips in a box.
WEEK_CELL_CHIPS = 6
ONE_DAY = dt.timedelta(days=1)
ONE_WEEK = dt.timedelta(days=7)
# What a filter that did not validate falls back to, said under the form.
FALLBACKS = {"date": "Showing today.", "department": "Showing all departments.", "resource": "Showing all resources."}


@dataclass(frozen=True)
class CalendarChoice:
    """What the filter form chose: the day, the active resources shown, and the filters as a
    query string (the date apart, since each step and tab sets its own)."""

    filters: DayFilterForm
    day: dt.date
    today: dt.date
    resources: list
    filter_query: str
    problems: list[str]

    def query(self, day: dt.date) -> str:
        """The query string of a calendar page on ``day`` with the same filters."""
        return f"date={day.isoformat()}" + (f"&{self.filter_query}" if self.filter_query else "")


class CalendarPage(BookingPage):
    """A calendar page: day, week or month, with the same filters and tabs."""

    section = "day"
    board_template = ""
    page_template = ""

    def choose(self) -> CalendarChoice:
        """The filters that validate apply; one that does not (an unknown id, another facility's
        resource, a date that does not exist) is named on the page and left out."""
        facility = self.request.facility
        today = timezone.localdate()
        data = self.request.GET.copy()
        data.setdefault("date", today.isoformat())
        filters = DayFilterForm(data, facility=facility)
        filters.is_valid()
        chosen = filters.cleaned_data
        resources = kernel.resource_list(facility=facility).filter(active=True)
        kept = {}
        if chosen.get("department"):
            resources = resources.filter(department=chosen["department"])
            kept["department"] = chosen["department"].pk
        if chosen.get("resource"):
            resources = resources.filter(pk=chosen["resource"].pk)
            kept["resource"] = chosen["resource"].pk
        problems = [
            f"{filters[name].label}: {' '.join(errors)} {FALLBACKS.get(name, '')}".strip()
            for name, errors in filters.errors.items()
        ]
        return CalendarChoice(
            filters=filters,
            day=chosen.get("date") or today,
            today=today,
            resources=list(resources),
            filter_query=urlencode(kept),
            problems=problems,
        )

    def board(self, choice: CalendarChoice, start_date: dt.date, end_date: dt.date) -> selectors.CalendarBoard:
        """The board of the days; those of a week or month grid outside the span CareSlot
        schedules (before 2000, past five years ahead) are left empty rather than refused."""
        return selectors.calendar_board(
            facility=self.request.facility,
            resource_ids=[resource.pk for resource in choice.resources],
            start_date=max(start_date, ranges.EARLIEST_DATE),
            end_date=min(end_date, ranges.latest_date()),
        )

    def bookable(self, resource) -> bool:
        """Whether this member may book the resource from a free chip."""
        return self.can(Action.BOOKING_MANAGE) and (
            self.can(Action.BOOKING_LOCATION) or resource.kind not in LOCATION_KINDS
        )

    def show(self, choice: CalendarChoice, context: dict):
        context = {
            "filters": choice.filters,
            "filter_problems": choice.problems,
            "day": choice.day,
            "today": choice.today,
            "filter_query": choice.filter_query,
            "calendar_query": choice.query(choice.day),
            "section": self.section,
            **context,
        }
        partial = bool(self.request.headers.get("HX-Request"))
        context["tabs_oob"] = partial
        return self.page(self.board_template if partial else self.page_template, context)


def chips(entries: list[selectors.CalendarEntry], zone: ZoneInfo) -> list[dict]:
    """The chips of a cell: each entry with its labels in the facility's zone. ``label`` is the
    slot's range, with offsets on a day the clocks change (``slot_label``); ``clock`` the start
    alone, with its offset on such a day, so the two 01:00 of a fall-back night read apart."""
    shown = []
    for entry in entries:
        local = timezone.localtime(entry.start, zone)
        clock = f"{local:%H:%M}"
        if day_changes_offset(entry.day, zone):
            offset = local.strftime("%z")
            clock += f" ({offset[:3]}:{offset[3:]})"
        chip = {
            "free": entry.free,
            "day": entry.day,
            "start": entry.start,
            "end": entry.end,
            "slot": entry.slot,
            "booking": entry.booking,
            "continued": entry.continued,
            "label": slot_label(entry.start, entry.end, zone=zone),
            "clock": clock,
        }
        if entry.free:
            chip["value"] = slot_value(entry.start, entry.end)
        else:
            chip["short_name"] = _short_name(entry.booking.patient.name)
        shown.append(chip)
    return shown


def counts(entries: list[selectors.CalendarEntry]) -> tuple[int, int]:
    """(bookings holding time, free slots) among a cell's entries; a booking counts once."""
    booked = {entry.booking.pk for entry in entries if not entry.free}
    return len(booked), sum(1 for entry in entries if entry.free)


class WeekView(CalendarPage):
    """Monday to Sunday of the week holding the date: a row per resource, a column per day,
    each cell the day's chips."""

    section = "week"
    board_template = "booking/_week_board.html"
    page_template = "booking/week.html"

    def get(self, request, facility_slug: str):
        choice = self.choose()
        monday = choice.day - dt.timedelta(days=choice.day.weekday())
        days = [monday + dt.timedelta(days=n) for n in range(7)]
        board = self.board(choice, days[0], days[-1])
        zone = self.zone()
        rows = []
        for resource in choice.resources:
            cells = []
            for day in days:
                entries = board.cell(resource.pk, day)
                booked, free = counts(entries)
                cells.append(
                    {
                        "day": day,
                        "chips": chips(entries, zone),
                        "booked": booked,
                        "free": free,
                        "compact": len(entries) > WEEK_CELL_CHIPS,
                    }
                )
            rows.append({"resource": resource, "cells": cells, "bookable": self.bookable(resource)})
        context = {
            "days": [{"date": day, "query": choice.query(day), "is_today": day == choice.today} for day in days],
            "rows": rows,
            "week_start": days[0],
            "week_end": days[-1],
            "previous_query": choice.query(choice.day - ONE_WEEK),
            "next_query": choice.query(choice.day + ONE_WEEK),
            "today_query": choice.query(choice.today),
            "is_this_week": days[0] <= choice.today <= days[-1],
        }
        return self.show(choice, context)


class MonthView(CalendarPage):
    """The month holding the date as weeks (Monday first): per day how many bookings and free
    slots the chosen resources have, each day linking to its day board, each week to its week."""

    section = "month"
    board_template = "booking/_month_board.html"
    page_template = "booking/month.html"

    def get(self, request, facility_slug: str):
        choice = self.choose()
        first = choice.day.replace(day=1)
        last = first.replace(day=gregorian.monthrange(first.year, first.month)[1])
        grid_start = first - dt.timedelta(days=first.weekday())
        grid_end = last + dt.timedelta(days=6 - last.weekday())
        board = self.board(choice, grid_start, grid_end)
        weeks = []
        for monday in (grid_start + dt.timedelta(days=n) for n in range(0, (grid_end - grid_start).days, 7)):
            week_days = []
            for day in (monday + dt.timedelta(days=n) for n in range(7)):
                entries = [entry for resource in choice.resources for entry in board.cell(resource.pk, day)]
                booked, free = counts(entries)
                week_days.append(
                    {
                        "date": day,
                        "query": choice.query(day),
                        "in_month": day.month == first.month,
                        "is_today": day == choice.today,
                        "booked": booked,
                        "free": free,
                    }
                )
            weeks.append({"monday": monday, "query": choice.query(monday), "days": week_days})
        previous_month = (first - ONE_DAY).replace(day=1)
        context = {
            "month": first,
            "weeks": weeks,
            "previous_month": previous_month,
            "next_month": last + ONE_DAY,
            "previous_query": choice.query(previous_month),
            "next_query": choice.query(last + ONE_DAY),
            "today_query": choice.query(choice.today),
            "is_this_month": (first.year, first.month) == (choice.today.year, choice.today.month),
        }
        return self.show(choice, context)
