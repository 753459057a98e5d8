"""Forms of the front-desk booking pages. They check shape only (a patient, type and resource of
this facility, a date, a slot); the booking services decide whether the time can be booked.

A slot travels as its two instants, UTC start and end in ISO 8601 with offset joined by ``/``
(``2026-10-25T01:00:00+00:00/2026-10-25T01:30:00+00:00``), never as wall-clock text: on a
fall-back night two slots read 01:00–01:30, and only the instants tell them apart. The ``date``
chooses the day the picker lists; the booked start and end come from the instants alone."""

import datetime as dt
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from booking.models import Priority
from booking.services.appointments import LOCATION_KINDS
from scheduling import selectors as kernel
from scheduling.parsing import parse_instant
from scheduling.ranges import ScheduledDateFormField

# The longest slot a window or an extra time lays (their slot size is at most a day).
SLOT_MAX_LENGTH = dt.timedelta(hours=24)
SLOT_VALUE_MAX_CHARS = 100
PICK_A_SLOT = "Pick one of the free slots."
NOT_ON_DATE = "This slot is not on the chosen date."

# Which input a service's ``ApplicationError.fields`` key belongs to on these forms.
SERVICE_FIELDS = {
    "patient": "patient",
    "appointment_type": "appointment_type",
    "resources": "resource",
    "resource": "resource",
    "start": "slot",
    "end": "slot",
    "note": "note",
}


def slot_value(start: dt.datetime, end: dt.datetime) -> str:
    """The picker's value of a slot: its start and end instants in UTC, read back by
    ``slot_instants``."""
    return f"{start.astimezone(dt.UTC).isoformat()}/{end.astimezone(dt.UTC).isoformat()}"


def slot_instants(value: str) -> tuple[dt.datetime, dt.datetime]:
    """The aware (start, end) of a slot value. ``ValueError`` unless it is two ISO 8601 instants
    with their offsets, the end after the start and at most ``SLOT_MAX_LENGTH`` later."""
    if len(value) > SLOT_VALUE_MAX_CHARS:
        raise ValueError("too long")
    start_text, end_text = value.split("/")
    start, end = parse_instant(start_text), parse_instant(end_text)  # InvalidInput is a ValueError
    if not dt.timedelta(0) < end - start <= SLOT_MAX_LENGTH:
        raise ValueError("not a slot's length")
    return start, end


def day_changes_offset(day: dt.date, zone: ZoneInfo) -> bool:
    """Whether the zone's clocks change on this local day (a daylight-saving transition)."""
    midnight = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    next_midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return midnight.utcoffset() != next_midnight.utcoffset()


def slot_label(start: dt.datetime, end: dt.datetime, *, zone: ZoneInfo) -> str:
    """The local wall-clock range of a slot, ``01:00–01:30``. On a day the clocks change each
    time carries its UTC offset, ``01:00–01:30 (+00:00)``, so the two slots a fall-back night
    reads alike are told apart (tests/booking/test_pages_dst.py)."""
    start, end = timezone.localtime(start, zone), timezone.localtime(end, zone)
    plain = f"{start:%H:%M}–{end:%H:%M}"
    if not day_changes_offset(start.date(), zone):
        return plain
    if start.utcoffset() == end.utcoffset():
        return f"{plain} ({_offset(start)})"
    return f"{start:%H:%M} ({_offset(start)})–{end:%H:%M} ({_offset(end)})"


def _offset(moment: dt.datetime) -> str:
    minutes = int(moment.utcoffset().total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


class _ResourceChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


class _PatientChoice(forms.ModelChoiceField):
    widget = forms.HiddenInput

    def __init__(self, queryset, **kwargs):
        super().__init__(
            queryset,
            error_messages={"required": "Search for the patient and pick one.", "invalid_choice": "Unknown patient."},
            **kwargs,
        )


class _FacilityForm(forms.Form):
    """Choices come from the facility's own lists, so an id of another facility is refused."""

    def __init__(self, *args, facility, can_book_location: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.facility = facility
        self.zone = ZoneInfo(facility.time_zone)
        if "patient" in self.fields:
            self.fields["patient"].queryset = kernel.patient_list(facility=facility)
        if "appointment_type" in self.fields:
            self.fields["appointment_type"].queryset = kernel.appointment_type_list(facility=facility).filter(
                active=True
            )
        if "resource" in self.fields:
            resources = kernel.resource_list(facility=facility).filter(active=True)
            if not can_book_location:
                resources = resources.exclude(kind__in=LOCATION_KINDS)
            self.fields["resource"].queryset = resources

    def clean(self):
        cleaned = super().clean()
        # Kept apart: a service error put on the patient field later drops it from cleaned_data.
        self.picked_patient = cleaned.get("patient")
        return cleaned

    def chosen_patient(self):
        """The picked patient to show again in the picker, if the form had a valid one."""
        return getattr(self, "picked_patient", None)

    def add_service_error(self, error) -> None:
        """Puts a service's field errors next to the inputs they concern; the message itself is
        shown at the top of the form by the template."""
        for key, problems in error.fields.items():
            name = SERVICE_FIELDS.get(key.split("[")[0])
            for problem in problems:
                if name in self.fields and problem not in self.errors.get(name, []):
                    self.add_error(name, problem)


class _SlotField(forms.CharField):
    """A slot value → its aware (start, end); anything else is an error on the field."""

    widget = forms.HiddenInput  # the slot picker renders the radio buttons

    def __init__(self, **kwargs):
        super().__init__(
            max_length=SLOT_VALUE_MAX_CHARS,
            error_messages={"required": PICK_A_SLOT, "max_length": PICK_A_SLOT},
            **kwargs,
        )

    def clean(self, value):
        text = super().clean(value)
        try:
            return slot_instants(text)
        except ValueError:
            raise ValidationError(PICK_A_SLOT, code="invalid") from None


class _SlotMixin:
    """``slot`` → ``start`` and ``end``, the instants picked; a slot that starts on another local
    day than ``date`` is refused, since the desk was shown that date."""

    def clean(self):
        cleaned = super().clean()
        day, slot = cleaned.get("date"), cleaned.get("slot")
        if day is None or slot is None:
            return cleaned
        start, end = slot
        if timezone.localtime(start, self.zone).date() != day:
            self.add_error("slot", NOT_ON_DATE)
            return cleaned
        cleaned["start"], cleaned["end"] = start, end
        return cleaned


def _date_field(**kwargs) -> forms.DateField:
    return ScheduledDateFormField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs)


class BookingForm(_SlotMixin, _FacilityForm):
    patient = _PatientChoice(queryset=None)
    appointment_type = forms.ModelChoiceField(queryset=None, empty_label="Choose a type…")
    resource = _ResourceChoice(queryset=None, empty_label="Choose a resource…")
    date = _date_field()
    slot = _SlotField()
    note = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Optional"})
    )


class RescheduleForm(_SlotMixin, _FacilityForm):
    """A new slot; a booking of an open window keeps its own length (``keep_length``) from the
    slot's start, as the API does, while a token booking takes the whole new slot."""

    date = _date_field(label="New date")
    slot = _SlotField()

    def __init__(self, *args, keep_length: dt.timedelta | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.keep_length = keep_length

    def clean(self):
        cleaned = super().clean()
        if self.keep_length and "start" in cleaned:
            cleaned["end"] = cleaned["start"] + self.keep_length
        return cleaned


class WalkInForm(_FacilityForm):
    patient = _PatientChoice(queryset=None)
    resource = _ResourceChoice(queryset=None, empty_label="Choose a resource…")
    appointment_type = forms.ModelChoiceField(queryset=None, empty_label="Choose a type…")
    priority = forms.ChoiceField(choices=[(Priority.ROUTINE, "Routine"), (Priority.URGENT, "Urgent")])
    note = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Optional"})
    )


class SlotQueryForm(_FacilityForm):
    """What the slot picker lists: a resource's slots on one local date, for a type if known."""

    resource = forms.ModelChoiceField(queryset=None)
    date = ScheduledDateFormField()
    appointment_type = forms.ModelChoiceField(queryset=None, required=False)
    slot = forms.CharField(required=False)


class DurationQueryForm(_FacilityForm):
    """What the duration suggestion is asked about: an appointment type booked on a resource."""

    resource = forms.ModelChoiceField(queryset=None)
    appointment_type = forms.ModelChoiceField(queryset=None)


class DayFilterForm(_FacilityForm):
    date = _date_field(required=False)
    department = forms.ModelChoiceField(queryset=None, required=False, empty_label="All departments")
    resource = _ResourceChoice(queryset=None, required=False, empty_label="All resources")

    def __init__(self, *args, facility, **kwargs):
        super().__init__(*args, facility=facility, **kwargs)
        self.fields["department"].queryset = kernel.department_list(facility=facility)
