"""Forms of the availability pages. They check shape; the services decide the rules."""

import datetime as dt

from django import forms

from availability.models import WindowType
from scheduling.ranges import ScheduledDateFormField

WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]
DAY_LABELS = dict(WEEKDAYS)
DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


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
    all_day = forms.BooleanField(
        required=False, label="All day", help_text="Whole days in the facility's time zone: give the days, no times."
    )
    first_day = ScheduledDateFormField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    last_day = ScheduledDateFormField(
        widget=forms.DateInput(attrs={"type": "date"}), required=False, help_text="Empty: the first day only."
    )
    start = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), required=False)
    end = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), required=False)
    reason = forms.CharField(max_length=300)
    type = forms.ChoiceField(choices=WindowType.choices, initial=WindowType.OPEN, label="Extra time type")
    slot_size_minutes = forms.IntegerField(min_value=1, max_value=24 * 60, required=False, label="Slot (min)")
    tokens_per_slot = forms.IntegerField(min_value=1, max_value=1000, required=False, label="Tokens per slot")

    def clean(self):
        fields = super().clean()
        if fields.get("all_day"):
            if not fields.get("first_day") and "first_day" not in self.errors:
                self.add_error("first_day", "Give the first day (all day).")
            elif fields.get("last_day") and fields["last_day"] < fields["first_day"]:
                self.add_error("last_day", "The last day cannot be before the first.")
        else:
            for name in ("start", "end"):
                if fields.get(name) is None and name not in self.errors:
                    self.add_error(name, "Give a date and time, or tick “All day”.")
        return fields

    def span(self, calendar) -> tuple:
        """The exception's [start, end) as instants: whole local days when ``all_day``."""
        fields = self.cleaned_data
        if not fields["all_day"]:
            return fields["start"], fields["end"]
        last_day = fields["last_day"] or fields["first_day"]
        return calendar.day_start(fields["first_day"]), calendar.day_start(last_day + dt.timedelta(days=1))


class LeaveForm(forms.Form):
    """The leave carried through the page that lists the bookings it would strand: instants in
    ISO 8601 with their offset, as the services take them."""

    start = forms.DateTimeField(widget=forms.HiddenInput)
    end = forms.DateTimeField(widget=forms.HiddenInput)
    reason = forms.CharField(max_length=300, widget=forms.HiddenInput)
    all_reason = forms.CharField(max_length=500, required=False, label="Reason for cancelling them all")


class DayScopeForm(forms.Form):
    """For a window covering several weekdays: act on all of them, or on one day only."""

    # Not required: a client that does not say acts on the whole window, as before days existed.
    scope = forms.ChoiceField(widget=forms.RadioSelect, label="Apply to", required=False)

    def __init__(self, *args, window=None, verb="Change", **kwargs):
        super().__init__(*args, **kwargs)
        days = ", ".join(DAY_LABELS[day] for day in sorted(window.weekdays))
        self.fields["scope"].choices = [("all", f"{verb} all its days ({days})")] + [
            (str(day), f"{verb} {DAY_NAMES[day]} only") for day in sorted(window.weekdays)
        ]
        self.fields["scope"].initial = "all"

    def weekdays(self) -> list[int] | None:
        """The one day chosen, or None for all days."""
        scope = self.cleaned_data["scope"]
        return None if scope in ("", "all") else [int(scope)]


class DelegationForm(forms.Form):
    delegate = forms.CharField(max_length=150, label="Username of the member")
