"""The span of time CareSlot schedules, and the longest range one request may ask for. Services
and selectors check these (so pages and the API share them) and raise ``ApplicationError``
naming the field; a range too long for the calendar or for a web worker never reaches the slot
maths.

- Dates and instants lie between 2000-01-01 and five years from today.
- A request covers a bounded number of days: see the ``MAX_*_DAYS`` constants where they apply.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from scheduling.errors import ApplicationError
from scheduling.parsing import LocalDateFormField

EARLIEST_DATE = dt.date(2000, 1, 1)
YEARS_AHEAD = 5
RANGE_HELP = f"This date is outside what CareSlot schedules: {EARLIEST_DATE:%Y-%m-%d} to {YEARS_AHEAD} years ahead."


def latest_date(today: dt.date | None = None) -> dt.date:
    """The last date CareSlot schedules: five years from today (28 February for 29 February)."""
    today = today or timezone.now().date()
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def _out_of_range(field: str, message: str = RANGE_HELP):
    raise ApplicationError("invalid", message, fields={field: [message]})


def date_check(value: dt.date, *, field: str) -> dt.date:
    """``value`` if it lies in the scheduling span, else 400 ``invalid`` naming ``field``."""
    if not EARLIEST_DATE <= value <= latest_date():
        _out_of_range(field)
    return value


def instant_check(value: dt.datetime, *, field: str) -> dt.datetime:
    """``value`` (aware) if its UTC date lies in the scheduling span, else 400 naming ``field``."""
    try:
        utc_date = value.astimezone(dt.UTC).date()
    except OverflowError:  # year 1 east of UTC, or year 9999 west of it
        _out_of_range(field)
    if not EARLIEST_DATE <= utc_date <= latest_date():
        _out_of_range(field)
    return value


def date_span_check(
    start: dt.date, end: dt.date, *, max_days: int, start_field: str = "start_date", end_field: str = "end_date"
) -> None:
    """Local dates ``start``..``end`` (inclusive): both in the span, in order, at most ``max_days``."""
    date_check(start, field=start_field)
    date_check(end, field=end_field)
    if end < start:
        raise ApplicationError(
            "invalid", "The range ends before it starts.", fields={end_field: ["Not before the start."]}
        )
    if (end - start).days + 1 > max_days:
        _out_of_range(end_field, f"A range covers at most {max_days} days.")


def instant_span_check(
    start: dt.datetime, end: dt.datetime | None, *, max_days: int | None, start_field: str, end_field: str
) -> None:
    """[start, end) both in the span (``end`` may be None: open-ended) and at most ``max_days`` long."""
    instant_check(start, field=start_field)
    if end is None:
        return
    instant_check(end, field=end_field)
    if max_days is not None and end - start > dt.timedelta(days=max_days):
        _out_of_range(end_field, f"At most {max_days} days after the start.")


class ScheduledDateFormField(LocalDateFormField):
    """A page's local date (YYYY-MM-DD) within the span CareSlot schedules: out of it is a form
    error, as the services would refuse it."""

    def validate(self, value):
        super().validate(value)
        if value is not None:
            try:
                date_check(value, field="date")
            except ApplicationError as error:
                raise forms.ValidationError(error.message, code=error.code) from None
