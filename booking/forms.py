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
from booking.services.requests import walk_in_needs_check
from scheduling import selectors as kernel
from scheduling.choices import ResourceKind
from scheduling.errors import ApplicationError, NotFound
from scheduling.parsing import parse_instant
from scheduling.ranges import ScheduledDateFormField

# The longest slot a window or an extra time lays (their slot size is at most a day).
SLOT_MAX_LENGTH = dt.timedelta(hours=24)
SLOT_VALUE_MAX_CHARS = 100
PICK_A_SLOT = "Pick one of the free slots."
NOT_ON_DATE = "This slot is not on the chosen date."
# What a type without needs holds: one resource of any kind.
ANY_ONE_RESOURCE = ({"role": "Resource", "kinds": list(ResourceKind.values)},)
PRIORITY_CHOICES = [
    (Priority.ROUTINE, "Routine"),
    (Priority.URGENT, "Urgent"),
    (Priority.EMERGENCY, "Emergency"),
]

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


def resource_field_name(index: int) -> str:
    """The input of the resource that fills need ``index``: ``resource`` for the first (the one
    the booking is made on, and what the day board's links name), ``resource_1``… after it."""
    return "resource" if index == 0 else f"resource_{index}"


class _FacilityForm(forms.Form):
    """Choices come from the facility's own lists, so an id of another facility is refused."""

    def __init__(self, *args, facility, can_book_location: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.facility = facility
        self.zone = ZoneInfo(facility.time_zone)
        self.can_book_location = can_book_location
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
        """The picked patient to show again in the picker: the form's valid one once submitted,
        else the one the page was opened for (``?patient=<id>``, from the patient's page)."""
        if self.is_bound:
            return getattr(self, "picked_patient", None)
        patient_id = self.initial.get("patient")
        if not patient_id or "patient" not in self.fields:
            return None
        try:
            return kernel.patient_get(facility=self.facility, patient_id=patient_id)
        except NotFound:
            return None

    def _chosen_type(self):
        """The appointment type submitted, else the one the form opened with; None if unknown."""
        value = self.data.get("appointment_type") if self.is_bound else self.initial.get("appointment_type")
        if not value:
            return None
        try:
            return kernel.appointment_type_get(facility=self.facility, appointment_type_id=value)
        except NotFound:
            return None

    def add_service_error(self, error) -> None:
        """Puts a service's field errors next to the inputs they concern (``resources[2]`` by the
        third resource's select); the message itself is shown at the top of the form."""
        for key, problems in error.fields.items():
            base, _, rest = key.partition("[")
            name = SERVICE_FIELDS.get(base)
            index = rest.split("]")[0]
            if base == "resources" and index.isdigit() and resource_field_name(int(index)) in self.fields:
                name = resource_field_name(int(index))
            for problem in problems:
                if name in self.fields and problem not in self.errors.get(name, []):
                    self.add_error(name, problem)


class _TeamMixin:
    """One resource select per need of the chosen appointment type, labelled by its role and
    listing only the facility's active resources of the kinds the need allows (no theatre or
    room for a role without ``booking.book_location``). A type without needs, or none chosen
    yet, gives the one "Resource" select of any kind. The type is read from the submitted data,
    else from ``initial``, so choosing it re-renders the selects (htmx)."""

    resources_required = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.chosen_type = self._chosen_type()
        self.needs = list(self.chosen_type.resource_needs if self.chosen_type else []) or list(ANY_ONE_RESOURCE)
        active = kernel.resource_list(facility=self.facility).filter(active=True)
        for index, need in enumerate(self.needs):
            kinds = set(need["kinds"])
            if not self.can_book_location:
                kinds -= LOCATION_KINDS
            label = need["role"]
            self.fields[resource_field_name(index)] = _ResourceChoice(
                queryset=active.filter(kind__in=sorted(kinds)),
                label=label,
                required=self.resources_required,
                empty_label=f"Choose the {label.lower()}…" if self.chosen_type else "Choose a resource…",
                help_text="" if kinds else "Your role may not book theatres or rooms.",
                error_messages={"required": f"Choose the {label.lower()}."},
            )

    def team_fields(self) -> list:
        """The bound resource selects, in the needs' order."""
        return [self[resource_field_name(index)] for index in range(len(self.needs))]

    def chosen_resources(self) -> list | None:
        """The resources picked, in the needs' order, or None while one is missing."""
        picked = [self.cleaned_data.get(resource_field_name(index)) for index in range(len(self.needs))]
        return None if None in picked else picked


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


class _PriorityMixin:
    """A priority only for roles with ``booking.emergency``: without it the field is not there,
    so a submitted priority is ignored and the booking is routine."""

    priority_help = "Urgent and emergency patients go first in the queue."

    def __init__(self, *args, can_prioritise: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if can_prioritise:
            self.fields["priority"] = forms.ChoiceField(
                choices=PRIORITY_CHOICES,
                initial=Priority.ROUTINE,
                required=False,  # left out: routine
                help_text=self.priority_help,
            )

    def chosen_priority(self) -> str:
        return self.cleaned_data.get("priority") or Priority.ROUTINE


class BookingForm(_PriorityMixin, _TeamMixin, _SlotMixin, _FacilityForm):
    priority_help = (
        "Urgent and emergency patients go first in the queue; an emergency also takes its time over "
        "routine bookings, which are then to be rescheduled."
    )
    patient = _PatientChoice(queryset=None)
    appointment_type = forms.ModelChoiceField(queryset=None, empty_label="Choose a type…")
    date = _date_field()
    slot = _SlotField()
    note = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Optional"})
    )

    def clean(self):
        cleaned = super().clean()
        resources = self.chosen_resources()
        if resources and len({r.pk for r in resources}) < len(resources):
            self.add_error(resource_field_name(len(resources) - 1), "Choose someone else: each role needs its own.")
        return cleaned


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


class WalkInForm(_PriorityMixin, _FacilityForm):
    """A walk-in holds one resource: once a type is chosen, the resource select lists only what
    fits its need, labelled by the need's role (the type is read as ``_TeamMixin`` reads it, so
    choosing it re-renders the select through htmx). A type that needs a team cannot be a
    walk-in: ``team_message`` says so, and the form is refused on the type."""

    patient = _PatientChoice(queryset=None)
    resource = _ResourceChoice(queryset=None, empty_label="Choose a resource…")
    appointment_type = forms.ModelChoiceField(queryset=None, empty_label="Choose a type…")
    note = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Optional"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.chosen_type = self._chosen_type()
        self.team_message = ""
        needs = self.chosen_type.resource_needs if self.chosen_type else []
        try:
            if self.chosen_type:
                walk_in_needs_check(appointment_type=self.chosen_type)
        except ApplicationError as error:
            self.team_message = error.message
            self.fields["resource"].required = False  # not asked for: there is no walk-in to place
            return
        if len(needs) == 1:
            need, field = needs[0], self.fields["resource"]
            kinds = set(need["kinds"]) - (set() if self.can_book_location else LOCATION_KINDS)
            field.queryset = field.queryset.filter(kind__in=sorted(kinds))
            field.label = need["role"]
            field.empty_label = f"Choose the {need['role'].lower()}…"
            field.error_messages["required"] = f"Choose the {need['role'].lower()}."
            if not kinds:
                field.help_text = "Your role may not book theatres or rooms."

    def clean(self):
        cleaned = super().clean()
        if self.team_message:
            self.add_error("appointment_type", "A type that needs a team cannot be a walk-in.")
        return cleaned


class TeamQueryForm(_TeamMixin, _FacilityForm):
    """The resource selects for a type (htmx), keeping what was already picked where it fits."""

    resources_required = False
    appointment_type = forms.ModelChoiceField(queryset=None, required=False)


class SlotQueryForm(_TeamMixin, _FacilityForm):
    """What the slot picker lists: on one local date, the slots of the chosen resource, or the
    times the whole team of the type is free, for the type if known."""

    resources_required = False
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
