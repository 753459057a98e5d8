"""Forms of the analytics pages: GET filters (a date range, a department, a chair or theatre)
and the day of the daily report. They check shape and ranges only; what a filter means is the
metrics' business (``analytics.metrics``).

A filter that cannot be read is an error next to its field, never a server error: dates are
read by the kernel's strict parser and kept within the span CareSlot schedules, ids are choices
of this facility's own departments and resources (another facility's id is simply unknown)."""

import datetime as dt

from django import forms

from scheduling import selectors as kernel
from scheduling.ranges import ScheduledDateFormField

MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 28


DATE_HELP = "Enter a date as YYYY-MM-DD, e.g. 2026-03-02."
UNKNOWN_CHOICE = "Not one of this facility's: choose from the list."


def _date_field(label: str, *, required: bool = False) -> forms.DateField:
    return ScheduledDateFormField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": DATE_HELP, "required": DATE_HELP},
    )


class RangeFilterForm(forms.Form):
    """``from`` and ``to`` (local dates, both included; by default the 28 days up to yesterday,
    at most 366 days), a department and a resource of ``resource_kind`` (chair or theatre).

    ``from`` is a Python keyword, so the two date fields are added under their URL names here."""

    department = forms.TypedChoiceField(
        label="Department",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": UNKNOWN_CHOICE},
    )
    resource = forms.TypedChoiceField(
        label="Resource",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": UNKNOWN_CHOICE},
    )

    def __init__(self, data=None, *, facility, resource_kind: str, today: dt.date) -> None:
        super().__init__(data)
        self.today = today
        self.fields = {"from": _date_field("From"), "to": _date_field("To"), **self.fields}
        departments = list(kernel.department_list(facility=facility).order_by("name").values_list("pk", "name"))
        self.fields["department"].choices = [("", "All departments"), *departments]
        self.resources = {
            resource.pk: resource
            for resource in kernel.resource_list(facility=facility).filter(kind=resource_kind).order_by("name")
        }
        label = "Chair" if resource_kind == "chair" else "Theatre"
        self.fields["resource"].label = label
        self.fields["resource"].choices = [
            ("", f"All {label.lower()}s"),
            *((pk, f"{item.name}{'' if item.active else ' (inactive)'}") for pk, item in self.resources.items()),
        ]
        self.resource_kind = resource_kind

    def default_range(self) -> tuple[dt.date, dt.date]:
        last = self.today - dt.timedelta(days=1)
        return last - dt.timedelta(days=DEFAULT_RANGE_DAYS - 1), last

    def clean(self):
        cleaned = super().clean()
        if self.errors.get("from") or self.errors.get("to"):
            return cleaned
        default_first, default_last = self.default_range()
        first, last = cleaned.get("from"), cleaned.get("to")
        if first is None and last is None:
            first, last = default_first, default_last
        elif first is None:
            first = last - dt.timedelta(days=DEFAULT_RANGE_DAYS - 1)
        elif last is None:
            last = min(first + dt.timedelta(days=DEFAULT_RANGE_DAYS - 1), default_last)
            last = max(last, first)
        if last < first:
            self.add_error("to", "The end comes before the start: choose a date on or after “From”.")
        elif (last - first).days + 1 > MAX_RANGE_DAYS:
            self.add_error("to", f"A period covers at most {MAX_RANGE_DAYS} days: choose a shorter one.")
        cleaned["first"], cleaned["last"] = first, last
        department, resource = cleaned.get("department"), cleaned.get("resource")
        if resource is not None and department is not None and self.resources[resource].department_id != department:
            self.add_error("resource", "This one is not in the chosen department: choose another, or all departments.")
        if not self.errors:
            # The inputs show the period the page shows, defaults included.
            self.data = self.data.copy()
            self.data["from"], self.data["to"] = f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}"
        return cleaned

    def resource_ids(self) -> list[int] | None:
        """The resources the per-resource metrics are limited to, or None for all of them."""
        resource, department = self.cleaned_data.get("resource"), self.cleaned_data.get("department")
        if resource is not None:
            return [resource]
        if department is not None:
            return [pk for pk, item in self.resources.items() if item.department_id == department]
        return None

    def filtered(self) -> bool:
        return self.resource_ids() is not None

    def query(self) -> dict[str, str]:
        """The filters as query parameters, for the CSV links and the other pages."""
        fields = self.cleaned_data
        query = {"from": f"{fields['first']:%Y-%m-%d}", "to": f"{fields['last']:%Y-%m-%d}"}
        if fields.get("department") is not None:
            query["department"] = str(fields["department"])
        if fields.get("resource") is not None:
            query["resource"] = str(fields["resource"])
        return query


class DayForm(forms.Form):
    """The day of the daily report (``date``; yesterday by default)."""

    def __init__(self, data=None, *, today: dt.date) -> None:
        super().__init__(data)
        self.today = today
        self.fields["date"] = _date_field("Day")

    def clean(self):
        cleaned = super().clean()
        if "date" in cleaned and cleaned["date"] is None:
            cleaned["date"] = self.today - dt.timedelta(days=1)
        return cleaned


class RerunForm(forms.Form):
    """The day a manager has re-aggregated: a past local day (today is still being written)."""

    def __init__(self, data=None, *, today: dt.date) -> None:
        super().__init__(data)
        self.today = today
        self.fields["date"] = _date_field("Day", required=True)

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day >= self.today:
            raise forms.ValidationError("Only a day before today can be re-run.")
        return day
