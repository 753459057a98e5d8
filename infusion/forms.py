"""Forms of the infusion capacity pages. They read shape only (numbers, times, dates); the rules
(a ratio's range, a weekday that adds up to 100, offsets before the request…) are the services'
(``infusion.services.configuration``), whose errors the views put next to the field they name."""

from decimal import Decimal

from django import forms

from infusion.defaults import WEEKDAY_NAMES
from infusion.models import Policy, RegimenCategory
from scheduling.ranges import ScheduledDateFormField

DATE_HELP = "Enter a date as YYYY-MM-DD, e.g. 2026-03-02."
WEEKDAY_CHOICES = [(str(n), name) for n, name in enumerate(WEEKDAY_NAMES)]


def _date_field(label: str, *, required: bool = False) -> forms.DateField:
    return ScheduledDateFormField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": DATE_HELP, "required": DATE_HELP},
    )


def _time_field(label: str) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "Enter a time as HH:MM, e.g. 08:00.", "required": "Enter a time, e.g. 08:00."},
    )


class DayForm(forms.Form):
    """The day the day view and the nurses page show (default: today)."""

    date = _date_field("Day")


class SettingsForm(forms.Form):
    chairs_per_nurse = forms.DecimalField(
        label="Chairs per nurse",
        max_digits=4,
        decimal_places=2,
        help_text="How many chairs one nurse on duty can run at once, e.g. 3 or 2.5.",
    )
    weekly_capacity = forms.IntegerField(
        label="Patients a week", help_text="The weekday mix splits them by day and patient type."
    )
    open_weekdays = forms.MultipleChoiceField(
        label="Open weekdays",
        choices=WEEKDAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one weekday."},
    )
    default_nurses = forms.IntegerField(
        label="Usual nurses on duty",
        required=False,
        help_text="On an open day without a roster, an entry or imported nurse capacity. Empty: no cap.",
    )
    policy = forms.ChoiceField(label="Placement policy", choices=Policy.choices)
    search_days = forms.IntegerField(
        label="Days to search further",
        help_text="How far past a route's own days the levelled policy may look when they are full.",
    )

    def clean_open_weekdays(self) -> list[int]:
        return sorted(int(day) for day in self.cleaned_data["open_weekdays"])


class PatientTypeForm(forms.Form):
    code = forms.CharField(
        label="Code", max_length=20, help_text="Upper-case letters, digits, - or _, e.g. RAD. It cannot change later."
    )
    name = forms.CharField(label="Name", max_length=200)
    regimen_category = forms.ChoiceField(label="Regimen category", choices=RegimenCategory.choices)
    chair_minutes = forms.IntegerField(
        label="Chair minutes", help_text="Booked when the facility's analytics has no estimate (5 to 720)."
    )
    share_percent = forms.DecimalField(
        label="Share of requests (%)", max_digits=5, decimal_places=2, initial=Decimal(0)
    )
    treatments = forms.CharField(
        label="Treatments per request",
        required=False,
        help_text="Each number of treatments with its probability, e.g. 1: 0.5, 4: 0.5 (they add up to 1).",
    )
    position = forms.IntegerField(label="Position in lists", initial=0)
    active = forms.BooleanField(label="Active (scheduled and placed)", required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]


class WeekdayMixForm(forms.Form):
    """One percent field per (patient type, open weekday): ``mix-<code>-<weekday>``."""

    def __init__(self, *args, types, weekdays: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.types, self.weekdays = types, weekdays
        for patient_type in types:
            for weekday in weekdays:
                self.fields[self.name(patient_type.code, weekday)] = forms.DecimalField(
                    label=f"{patient_type.code} on {WEEKDAY_NAMES[weekday]} (%)",
                    min_value=0,
                    max_value=100,
                    max_digits=5,
                    decimal_places=2,
                    required=False,
                    widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
                )

    @staticmethod
    def name(code: str, weekday: int) -> str:
        return f"mix-{code}-{weekday}"

    def grid(self) -> dict[str, dict[int, Decimal]]:
        return {
            t.code: {w: self.cleaned_data.get(self.name(t.code, w)) or Decimal(0) for w in self.weekdays}
            for t in self.types
        }

    def rows(self) -> list[dict]:
        """The grid for the template: a row per type, a cell (bound field) per weekday."""
        return [{"type": t, "cells": [self[self.name(t.code, w)] for w in self.weekdays]} for t in self.types]


class RouteForm(forms.Form):
    target_days = forms.IntegerField(label="Target (days after the request)")
    offsets = forms.CharField(
        label="Days tried, from the target",
        help_text="In the order tried, separated by commas, e.g. 0, -1, 1 (the target, the day before, the day after).",
    )
    search_further = forms.BooleanField(
        label="The levelled policy may look further when these days are full", required=False
    )
    description = forms.CharField(label="Description", max_length=300, required=False)


class NurseShiftForm(forms.Form):
    start_time = _time_field("From")
    end_time = _time_field("To")
    nurses = forms.IntegerField(label="Nurses on duty", min_value=0, max_value=500)
    note = forms.CharField(label="Note", max_length=200, required=False)
