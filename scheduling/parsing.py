"""One strict reading of what clients type, for the API and the pages alike: instants (ISO 8601
with a UTC offset), local dates (YYYY-MM-DD) and ids (ASCII digits that fit a bigint), plus the
JSON body parser. Anything else is refused with a message naming what was expected, never a
server error.

Rules, so that the front desk and an integrator in another zone never silently disagree:
- An instant must carry its offset (``Z``, ``+01:00``, ``+0100``). A naive time is refused:
  a scheduling instant without a zone is ambiguous.
- Every part must exist: no 2026-02-30, no 24:00, no minute or second 60, no offset minutes ≥ 60.
- Offsets go from -14:00 to +14:00, the widest any zone uses (PostgreSQL stores no more than
  ±15:59); instants are returned in UTC.
- Years run from 2 to 9998, so that arithmetic on what is read never leaves Python's calendar.
- Digits are ASCII: ``²`` or ``٣`` are not numbers here, ``1.5`` and ``1.0`` are not ids.
"""

from __future__ import annotations

import datetime as dt
import re

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, parsers, serializers

MAX_ID = 2**63 - 1  # PostgreSQL bigint
MAX_OFFSET = dt.timedelta(hours=14)
# A year inside Python's calendar on both sides, so that adding a day, a length or a zone's
# offset to anything read here never overflows. Which dates CareSlot schedules is narrower, and
# a rule of the services (scheduling.ranges).
CALENDAR_START, CALENDAR_END = dt.date(2, 1, 1), dt.date(9998, 12, 31)
OUTSIDE_CALENDAR = "This date is outside the calendar (years 2 to 9998)."

_INSTANT = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[Tt ](?P<hour>\d{2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,6}))?)?"
    r"(?:(?P<utc>[Zz])|(?P<sign>[+-])(?P<off_hours>\d{2}):?(?P<off_minutes>\d{2}))?",
    re.ASCII,
)
_DATE = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})", re.ASCII)
_ID = re.compile(r"\d{1,19}", re.ASCII)

INSTANT_HELP = "ISO 8601 with a UTC offset, e.g. 2026-03-01T09:00:00+00:00 or 2026-03-01T09:00:00Z."


class InvalidInput(ValueError):
    """Text that is not what the field takes; ``code`` is stable, ``message`` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def parse_date(text: str) -> dt.date:
    """A calendar date written YYYY-MM-DD with ASCII digits; the date must exist."""
    match = _DATE.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise InvalidInput("invalid", "Give a date as YYYY-MM-DD.")
    try:
        day = dt.date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        raise InvalidInput("invalid", "This date does not exist.") from None
    if not CALENDAR_START <= day <= CALENDAR_END:
        raise InvalidInput("out_of_range", OUTSIDE_CALENDAR)
    return day


def parse_instant(text: str) -> dt.datetime:
    """An instant written in ISO 8601 with its UTC offset, returned in UTC."""
    match = _INSTANT.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise InvalidInput("invalid", f"Give the time as {INSTANT_HELP}")
    if not match["utc"] and not match["sign"]:
        raise InvalidInput("naive", f"Include a UTC offset: {INSTANT_HELP}")
    day = parse_date(match["date"])
    try:
        fraction = (match["fraction"] or "").ljust(6, "0")
        wall = dt.time(int(match["hour"]), int(match["minute"]), int(match["second"] or 0), int(fraction or 0))
    except ValueError:
        raise InvalidInput("invalid", "This time of day does not exist (hours 00–23, minutes 00–59).") from None
    offset = dt.timedelta(0)
    if match["sign"]:
        hours, minutes = int(match["off_hours"]), int(match["off_minutes"])
        if minutes >= 60:
            raise InvalidInput("invalid_offset", "An offset's minutes go from 00 to 59.")
        offset = dt.timedelta(hours=hours, minutes=minutes) * (-1 if match["sign"] == "-" else 1)
        if abs(offset) > MAX_OFFSET:
            raise InvalidInput("invalid_offset", "An offset goes from -14:00 to +14:00.")
    instant = dt.datetime.combine(day, wall, tzinfo=dt.timezone(offset)).astimezone(dt.UTC)
    if not CALENDAR_START <= instant.date() <= CALENDAR_END:
        raise InvalidInput("out_of_range", OUTSIDE_CALENDAR)
    return instant


def parse_id(value) -> int:
    """An id: a whole number from 1 to 2**63 - 1, as a JSON integer or ASCII digits."""
    if isinstance(value, bool):
        raise InvalidInput("invalid", "An id is a whole number.")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _ID.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        raise InvalidInput("invalid", "An id is a whole number.")
    if not 1 <= number <= MAX_ID:
        raise InvalidInput("invalid", f"An id goes from 1 to {MAX_ID}.")
    return number


def id_or_none(value) -> int | None:
    """An id from a URL path, or None (which finds nothing) when it cannot be one."""
    try:
        return parse_id(value)
    except InvalidInput:
        return None


# --- DRF serializer fields -----------------------------------------------------------------


class InstantField(serializers.DateTimeField):
    """An instant of the API: ISO 8601 with a UTC offset (see the module's rules)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("help_text", INSTANT_HELP)
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        try:
            return parse_instant(value)
        except InvalidInput as error:
            raise serializers.ValidationError(error.message, code=error.code) from None


class LocalDateField(serializers.DateField):
    """A facility-local date, YYYY-MM-DD."""

    def to_internal_value(self, value):
        try:
            return parse_date(value)
        except InvalidInput as error:
            raise serializers.ValidationError(error.message, code=error.code) from None


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdField(serializers.IntegerField):
    """An id (not checked against the database: the service reports one that is not found)."""

    def to_internal_value(self, value):
        try:
            return parse_id(value)
        except InvalidInput as error:
            raise serializers.ValidationError(error.message, code=error.code) from None


# --- Django form fields and django-filter filters ------------------------------------------


class InstantFormField(forms.Field):
    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_instant(value)
        except InvalidInput as error:
            raise forms.ValidationError(error.message, code=error.code) from None


class LocalDateFormField(forms.DateField):
    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            return value
        try:
            return parse_date(value)
        except InvalidInput as error:
            # Pages keep Django's wording for text that is not a date at all.
            message = self.error_messages["invalid"] if error.code == "invalid" else error.message
            raise forms.ValidationError(message, code=error.code) from None


class IdFormField(forms.Field):
    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_id(value)
        except InvalidInput as error:
            raise forms.ValidationError(error.message, code=error.code) from None


@extend_schema_field(OpenApiTypes.DATETIME)
class InstantFilter(django_filters.Filter):
    field_class = InstantFormField


@extend_schema_field(OpenApiTypes.DATE)
class LocalDateFilter(django_filters.Filter):
    field_class = LocalDateFormField


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.Filter):
    field_class = IdFormField


# --- request bodies --------------------------------------------------------------------------


class JSONBodyParser(parsers.JSONParser):
    """DRF's JSON parser, refusing nesting too deep for Python's parser with 400, not 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None
