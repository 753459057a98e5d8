"""Forms of the front-desk booking pages. They check shape only (a patient, type and resource of
this facility, a date, a slot); the booking services decide whether the time can be booked.

A slot travels as the facility-local wall-clock range ``HH:MM-HH:MM`` of the picked date, the
way the desk reads it; ``start``/``end`` are made aware in the facility's zone here."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone

from booking.models import Priority
from booking.services.appointments import LOCATION_KINDS
from scheduling import selectors as kernel

SLOT_PATTERN = re.compile(r"^(?P<start>\d{2}:\d{2})-(?P<end>\d{2}:\d{2})$")

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
    """The picker's value of a slot: its local wall-clock range (the zone must be active)."""
    return f"{timezone.localtime(start):%H:%M}-{timezone.localtime(end):%H:%M}"


def local_instant(day: dt.date, hhmm: str, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=zone)


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


class _SlotMixin:
    """``date`` + ``slot`` → aware ``start`` and ``end`` in the facility's zone."""

    def clean(self):
        cleaned = super().clean()
        day, slot = cleaned.get("date"), cleaned.get("slot")
        if day is None or not slot:
            return cleaned
        match = SLOT_PATTERN.match(slot)
        try:
            start = local_instant(day, match["start"], self.zone)
            end = local_instant(day, match["end"], self.zone)
        except (TypeError, ValueError):
            self.add_error("slot", "Pick one of the free slots.")
            return cleaned
        if end <= start:  # a slot that ends at midnight
            end = local_instant(day + dt.timedelta(days=1), match["end"], self.zone)
        cleaned["start"], cleaned["end"] = start, end
        return cleaned


def _date_field(**kwargs) -> forms.DateField:
    return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs)


def _slot_field() -> forms.CharField:
    return forms.CharField(
        max_length=11,
        error_messages={"required": "Pick one of the free slots."},
        widget=forms.HiddenInput,  # the slot picker renders the radio buttons
    )


class BookingForm(_SlotMixin, _FacilityForm):
    patient = _PatientChoice(queryset=None)
    appointment_type = forms.ModelChoiceField(queryset=None, empty_label="Choose a type…")
    resource = _ResourceChoice(queryset=None, empty_label="Choose a resource…")
    date = _date_field()
    slot = _slot_field()
    note = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Optional"})
    )


class RescheduleForm(_SlotMixin, _FacilityForm):
    """A new slot; a booking of an open window keeps its own length (``keep_length``) from the
    slot's start, as the API does, while a token booking takes the whole new slot."""

    date = _date_field(label="New date")
    slot = _slot_field()

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
    date = forms.DateField()
    appointment_type = forms.ModelChoiceField(queryset=None, required=False)
    slot = forms.CharField(required=False)


class DayFilterForm(_FacilityForm):
    date = _date_field(required=False)
    department = forms.ModelChoiceField(queryset=None, required=False, empty_label="All departments")
    resource = _ResourceChoice(queryset=None, required=False, empty_label="All resources")

    def __init__(self, *args, facility, **kwargs):
        super().__init__(*args, facility=facility, **kwargs)
        self.fields["department"].queryset = kernel.department_list(facility=facility)
