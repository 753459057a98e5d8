"""Forms of the availability pages. They check shape; the services decide the rules."""

from django import forms

from availability.models import WindowType
from scheduling.ranges import ScheduledDateFormField

WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]


class WindowForm(forms.Form):
    weekdays = forms.TypedMultipleChoiceField(choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple)
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}), help_text="00:00 means midnight.")
    type = forms.ChoiceField(choices=WindowType.choices)
    slot_size_minutes = forms.IntegerField(min_value=1, max_value=24 * 60, required=False, label="Slot (min)")
    tokens_per_slot = forms.IntegerField(min_value=1, max_value=1000, required=False, label="Tokens per slot")
    appointment_types = forms.TypedMultipleChoiceField(
        choices=[], coerce=int, required=False, help_text="None selected: every type."
    )
    daily_patient_limit = forms.IntegerField(min_value=1, required=False, label="Patients a day (max)")
    name = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, appointment_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appointment_types"].choices = [(t.pk, t.name) for t in appointment_types]


class ScheduleForm(forms.Form):
    valid_from = ScheduledDateFormField(widget=forms.DateInput(attrs={"type": "date"}), label="In force from")
    last_day = ScheduledDateFormField(
        widget=forms.DateInput(attrs={"type": "date"}), required=False, label="Last day (empty: open-ended)"
    )
    name = forms.CharField(max_length=200, required=False)


class CloseForm(forms.Form):
    last_day = ScheduledDateFormField(widget=forms.DateInput(attrs={"type": "date"}), label="Last day in force")


class ExceptionForm(forms.Form):
    is_available = forms.TypedChoiceField(
        choices=[("0", "Unavailable (leave, meeting)"), ("1", "Extra time")],
        coerce=lambda value: value == "1",
        label="Kind",
    )
    start = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    end = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    reason = forms.CharField(max_length=300)
    type = forms.ChoiceField(choices=WindowType.choices, initial=WindowType.OPEN, label="Extra time type")
    slot_size_minutes = forms.IntegerField(min_value=1, max_value=24 * 60, required=False, label="Slot (min)")
    tokens_per_slot = forms.IntegerField(min_value=1, max_value=1000, required=False, label="Tokens per slot")


class DelegationForm(forms.Form):
    delegate = forms.CharField(max_length=150, label="Username of the member")
