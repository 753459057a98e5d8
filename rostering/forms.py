"""Forms of the rota's set-up pages and of people's requests. They read shape only (numbers,
times, dates, choices among the rota's own rows); the rules (a code in use, minimum ≤ optimal, a
skill of the rota, whose leave it is) are the services' (``rostering.services.setup`` and
``requests``), whose errors the views put next to the field they name. Each form's field names
are its service's arguments: ``values()`` hands them over."""

from __future__ import annotations

from django import forms

from rostering.models import LeaveKind, ShiftKind
from rostering.services.setup import staff_resource_choices
from scheduling import selectors as kernel
from scheduling.ranges import ScheduledDateFormField

DATE_HELP = "Enter a date as YYYY-MM-DD, e.g. 2026-03-02."
WEEKDAYS = [
    ("1", "Monday"),
    ("2", "Tuesday"),
    ("3", "Wednesday"),
    ("4", "Thursday"),
    ("5", "Friday"),
    ("6", "Saturday"),
    ("7", "Sunday"),
]


def _date(label: str, *, required: bool = True) -> forms.DateField:
    return ScheduledDateFormField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": DATE_HELP, "required": DATE_HELP},
    )


def _time(label: str) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "Enter a time as HH:MM, e.g. 08:00.", "required": "Enter a time, e.g. 08:00."},
    )


class CodesField(forms.CharField):
    """Codes written with commas between them: ``"SENIOR, JUNIOR"`` → ``["SENIOR", "JUNIOR"]``."""

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [part.strip() for part in text.split(",") if part.strip()]

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list | tuple) else value


class IdChoiceField(forms.ChoiceField):
    """A choice among rows, each by its id; an empty choice is None."""

    def to_python(self, value):
        value = super().to_python(value)
        return int(value) if value not in ("", None) else None


class SetupForm(forms.Form):
    """A set-up form of one rota (``rota``, or the facility's for a rota's own settings)."""

    def __init__(self, *args, rota=None, facility=None, instance=None, **kwargs):
        self.rota, self.facility = rota, facility
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(instance)
        super().__init__(*args, **kwargs)
        self.choose()

    def choose(self) -> None:
        """Fill the choices of the rota's rows."""

    def initial_from(self, instance) -> dict:
        initial = {}
        for name, field in self.base_fields.items():
            if hasattr(instance, f"{name}_id"):
                value = getattr(instance, f"{name}_id")
            else:
                value = getattr(instance, name, None)
            if isinstance(field, forms.MultipleChoiceField):
                value = [str(item) for item in value or ()]
            elif isinstance(field, IdChoiceField):
                value = "" if value is None else str(value)
            initial[name] = value
        return initial

    def values(self) -> dict:
        return dict(self.cleaned_data)


def _weekday_field(label: str, help_text: str = "") -> forms.TypedMultipleChoiceField:
    return forms.TypedMultipleChoiceField(
        label=label,
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
    )


class RotaForm(SetupForm):
    name = forms.CharField(label="Name", max_length=200)
    department = IdChoiceField(label="Department", required=False)
    skills = CodesField(
        label="Skills", required=False, help_text="Codes coverage asks for, with commas, e.g. SENIOR, JUNIOR."
    )
    weekend_days = _weekday_field("Weekend days", "None ticked: Saturday and Sunday.")
    infusion_nurses = forms.BooleanField(
        label="Infusion nurses", required=False, help_text="Publishing tells the infusion center its nurses on duty."
    )
    solve_seconds = forms.IntegerField(label="Solve time limit (seconds)", initial=30, help_text="1 to 600.")

    def choose(self) -> None:
        departments = kernel.department_list(facility=self.facility)
        self.fields["department"].choices = [("", "None")] + [(str(d.pk), d.name) for d in departments]


class SiteForm(SetupForm):
    code = forms.CharField(label="Code", max_length=20)
    name = forms.CharField(label="Name", max_length=200)


class ContractForm(SetupForm):
    name = forms.CharField(label="Name", max_length=100)
    min_hours_per_week = forms.DecimalField(label="Minimum hours a week", required=False, decimal_places=1)
    max_hours_per_week = forms.DecimalField(label="Maximum hours a week", required=False, decimal_places=1)
    max_hours_4_weeks = forms.DecimalField(label="Maximum hours in 4 weeks", required=False, decimal_places=1)
    target_hours_per_week = forms.DecimalField(label="Target hours a week", required=False, decimal_places=1)
    max_consecutive_days = forms.IntegerField(label="Most days in a row", required=False)
    max_consecutive_nights = forms.IntegerField(label="Most nights in a row", required=False)
    min_rest_hours = forms.DecimalField(label="Least rest between shifts (hours)", required=False, decimal_places=1)
    max_working_weekends = forms.IntegerField(label="Most working weekends", required=False)
    complete_weekends = forms.BooleanField(label="Whole weekends only", required=False)


class ShiftTypeForm(SetupForm):
    code = forms.CharField(label="Code", max_length=20)
    name = forms.CharField(label="Name", max_length=100)
    kind = forms.ChoiceField(label="Kind", choices=ShiftKind.choices)
    start_time = _time("Starts")
    end_time = _time("Ends")
    hours = forms.DecimalField(label="Hours", decimal_places=1, help_text="Paid hours, more than 0.")
    site = IdChoiceField(label="Site", required=False)
    weekend_only = forms.BooleanField(label="Weekends only", required=False)
    forbidden_successors = CodesField(
        label="May not be followed by", required=False, help_text="Shift codes not allowed the next day, e.g. D."
    )

    def choose(self) -> None:
        self.fields["site"].choices = [("", "Any site")] + [(str(s.pk), s.name) for s in self.rota.sites.all()]


class CoverageForm(SetupForm):
    shift_type = IdChoiceField(label="Shift type")
    skill = forms.ChoiceField(label="Skill")
    weekdays = _weekday_field("Weekdays", "None ticked: every day (unless a date is given).")
    date = _date("Or one date", required=False)
    minimum = forms.IntegerField(label="Minimum", min_value=0, initial=1)
    optimal = forms.IntegerField(label="Optimal", min_value=0, initial=1, help_text="Not below the minimum.")

    def choose(self) -> None:
        self.fields["shift_type"].choices = [(str(s.pk), s.name) for s in self.rota.shift_types.all()]
        self.fields["skill"].choices = [(skill, skill) for skill in self.rota.skills]


class StaffForm(SetupForm):
    resource = IdChoiceField(label="Person", help_text="A practitioner or nurse of the facility.")
    seniority = forms.IntegerField(label="Seniority", initial=1, help_text="1 junior … 5 senior.")
    skills = forms.MultipleChoiceField(label="Skills", required=False, widget=forms.CheckboxSelectMultiple)
    sites = forms.MultipleChoiceField(
        label="Sites", required=False, widget=forms.CheckboxSelectMultiple, help_text="None ticked: any site."
    )
    contract = IdChoiceField(label="Contract")
    active = forms.BooleanField(label="Active", required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs):
        self.editing = editing
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["resource"]

    def choose(self) -> None:
        if not self.editing:
            on_rota = set(self.rota.staff.values_list("resource_id", flat=True))
            people = staff_resource_choices(facility=self.facility).exclude(pk__in=on_rota)
            self.fields["resource"].choices = [(str(r.pk), f"{r.name} ({r.kind})") for r in people]
        self.fields["skills"].choices = [(skill, skill) for skill in self.rota.skills]
        self.fields["sites"].choices = [(s.code, s.name) for s in self.rota.sites.all()]
        self.fields["contract"].choices = [(str(c.pk), c.name) for c in self.rota.contracts.all()]


def _staff_choices(rota) -> list[tuple[str, str]]:
    return [(str(member.pk), member.resource.name) for member in rota.staff.select_related("resource")]


class PartnershipForm(SetupForm):
    first = IdChoiceField(label="First person")
    second = IdChoiceField(label="Second person")
    weight = forms.IntegerField(label="Weight", initial=1, help_text="1 to 100.")

    def choose(self) -> None:
        choices = _staff_choices(self.rota)
        self.fields["first"].choices = choices
        self.fields["second"].choices = choices


class TrainingForm(SetupForm):
    staff = IdChoiceField(label="Person")
    minimum = forms.IntegerField(label="At least (shifts)", min_value=1, initial=1)
    first_day = _date("From")
    last_day = _date("To")
    shift_type = IdChoiceField(label="Of shift type", required=False)
    skill = forms.ChoiceField(label="Covering skill", required=False)
    reason = forms.CharField(label="Reason", max_length=300, required=False)

    def choose(self) -> None:
        self.fields["staff"].choices = _staff_choices(self.rota)
        self.fields["shift_type"].choices = [("", "Any")] + [(str(s.pk), s.name) for s in self.rota.shift_types.all()]
        self.fields["skill"].choices = [("", "Any")] + [(skill, skill) for skill in self.rota.skills]


class RuleForm(forms.Form):
    enabled = forms.BooleanField(label="On", required=False)
    hard = forms.BooleanField(label="Hard", required=False)
    weight = forms.IntegerField(label="Weight", min_value=1, max_value=100_000)


# --- requests ---------------------------------------------------------------------------------------


class LeaveForm(forms.Form):
    """One's own leave; a manager's form also chooses the person and may approve at once."""

    staff = IdChoiceField(label="Person")
    first_day = _date("First day")
    last_day = _date("Last day")
    kind = forms.ChoiceField(label="Kind", choices=LeaveKind.choices)
    reason = forms.CharField(label="Reason", max_length=300, required=False)
    approved = forms.BooleanField(label="Approved already", required=False)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is None:
            del self.fields["staff"]
            del self.fields["approved"]
        else:
            self.fields["staff"].choices = [(str(m.pk), f"{m.resource.name} ({m.rota.name})") for m in people]

    def values(self) -> dict:
        values = dict(self.cleaned_data)
        if values.pop("approved", False):
            values["status"] = "approved"
        return values


class PreferenceForm(forms.Form):
    staff = IdChoiceField(label="Person")
    date = _date("Date")
    shift_type = IdChoiceField(label="Shift", required=False)
    want = forms.TypedChoiceField(
        label="Wish",
        choices=[("False", "Avoid it"), ("True", "Want it")],
        coerce=lambda value: value == "True",
        initial="False",
    )
    priority = forms.IntegerField(
        label="Priority", min_value=1, max_value=5, initial=3, help_text="1 slight … 5 a lot."
    )
    reason = forms.CharField(label="Reason", max_length=300, required=False)

    def __init__(self, *args, people=None, shift_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        if people is None:
            del self.fields["staff"]
        else:
            self.fields["staff"].choices = [(str(m.pk), f"{m.resource.name} ({m.rota.name})") for m in people]
        self.fields["shift_type"].choices = [("", "Any shift")] + [
            (str(s.pk), f"{s.name} ({s.rota.name})") for s in shift_types
        ]

    def values(self) -> dict:
        return dict(self.cleaned_data)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("decline", "Decline")])
