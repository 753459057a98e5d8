"""Forms of the queue pages. They check shape only (a patient, resource or department of this
facility, a priority, a reason); the live_queue services decide every rule.

A queue's place travels as one choice, ``resource:<id>`` or ``department:<id>``, so the desk picks
"where the patient waits" from one list instead of two."""

from django import forms

from live_queue.models import Priority
from scheduling import selectors as kernel

MOVE_MINUTES = 15


class _PlaceField(forms.ChoiceField):
    """A resource or a department of the facility, grouped in one select."""

    def __init__(self, **kwargs):
        super().__init__(error_messages={"required": "Choose where the patient waits."}, **kwargs)

    def set_facility(self, facility) -> None:
        resources = kernel.resource_list(facility=facility).filter(active=True)
        departments = kernel.department_list(facility=facility)
        self.choices = [
            ("", "Choose…"),  # short enough for a phone; the label says what is chosen
            ("Resources", [(f"resource:{r.pk}", r.name) for r in resources]),
            ("Departments", [(f"department:{d.pk}", d.name) for d in departments]),
        ]

    def clean(self, value):
        value = super().clean(value)
        kind, _, pk = value.partition(":")
        if kind == "resource":
            return {"resource_id": int(pk), "department_id": None}
        return {"resource_id": None, "department_id": int(pk)}


class _PlaceForm(forms.Form):
    def __init__(self, *args, facility, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].set_facility(facility)


class BookingCheckInForm(forms.Form):
    """A booking of today; the service checks it is this facility's, today's and not checked in."""

    booking = forms.IntegerField(min_value=1)


class WalkInCheckInForm(_PlaceForm):
    patient = forms.ModelChoiceField(
        queryset=None,
        error_messages={"required": "Search for the patient and pick one.", "invalid_choice": "Unknown patient."},
    )
    place = _PlaceField(label="Waits for")
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.ROUTINE)

    def __init__(self, *args, facility, **kwargs):
        super().__init__(*args, facility=facility, **kwargs)
        self.fields["patient"].queryset = kernel.patient_list(facility=facility)

    def chosen_patient(self):
        """The picked patient, shown again (checked) when the form comes back with an error."""
        return getattr(self, "cleaned_data", {}).get("patient")


class CallNextForm(forms.Form):
    counter = forms.CharField(
        max_length=100,
        required=False,
        label="Counter or room",
        widget=forms.TextInput(attrs={"placeholder": "e.g. Room 2", "autocomplete": "off"}),
    )


class TransferForm(_PlaceForm):
    place = _PlaceField(label="Transfer to")


class VipForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        error_messages={"required": "Say why the patient is raised."},
        widget=forms.TextInput(attrs={"placeholder": "Reason (required)", "autocomplete": "off"}),
    )
