"""Rostering's own tables (issue 14; ../shared/seeds/registrar-rostering.md).

A ``Rota`` is one rostered team of a facility (the medical registrars, the infusion nurses):
its sites, skills, contracts, shift types with their coverage, its staff (each a kernel
``SchedulableResource`` of kind practitioner or nurse, so a person is the same person in booking
and in the roster), their leave, preferences, partnerships and training requirements, and its
rules as data (a manager switches a rule on or off, makes it hard or soft and weights it; the
next solve reads them). All of it keeps history.

A ``Roster`` is one plan for a span of days: the problem it was solved from (a JSON snapshot of
``rostering.problem.Problem``), the solve's progress and result, the independent checker's
report, and its ``Assignment`` rows. Draft → published → archived; a re-plan or a what-if is a
new draft whose ``parent`` is the roster it changes. ``SwapRequest`` asks to exchange two
assignments of a published roster.
"""

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from rostering.problem import RULE_CODES
from scheduling.history import audit_history

_code = {"max_length": 20}


class Rota(models.Model):
    """A rostered team. ``infusion_nurses``: publishing its rosters tells the facility's infusion
    center how many nurses are on duty per shift (infusion's ``nurses_on_duty_replace``)."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    department = models.ForeignKey(
        "scheduling.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    skills = ArrayField(models.CharField(**_code), default=list, blank=True, help_text="Skill codes coverage asks for.")
    weekend_days = ArrayField(
        models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(7)]),
        default=list,
        blank=True,
        help_text="ISO weekdays of the weekend (6, 7 when empty).",
    )
    infusion_nurses = models.BooleanField(default=False)
    solve_seconds = models.PositiveIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(600)], help_text="Time limit of a solve."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = audit_history()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["facility", "name"], name="rota_unique_name")]

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    rota = models.ForeignKey(Rota, on_delete=models.CASCADE, related_name="sites")
    code = models.CharField(**_code)
    name = models.CharField(max_length=200)
    history = audit_history()

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["rota", "code"], name="rota_site_unique_code")]

    def __str__(self) -> str:
        return self.name


class Contract(models.Model):
    """Limits on one person's work (``rostering.problem.Contract``); empty means no limit."""

    rota = models.ForeignKey(Rota, on_delete=models.CASCADE, related_name="contracts")
    name = models.CharField(max_length=100)
    min_hours_per_week = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    max_hours_per_week = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    max_hours_4_weeks = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    target_hours_per_week = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    max_consecutive_days = models.PositiveSmallIntegerField(null=True, blank=True)
    max_consecutive_nights = models.PositiveSmallIntegerField(null=True, blank=True)
    min_rest_hours = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    max_working_weekends = models.PositiveSmallIntegerField(null=True, blank=True)
    complete_weekends = models.BooleanField(default=False, help_text="A weekend is worked whole or not at all.")
    history = audit_history()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["rota", "name"], name="rota_contract_unique_name")]

    def __str__(self) -> str:
        return self.name


class ShiftKind(models.TextChoices):
    DAY = "day", "Day"
    EVENING = "evening", "Evening"
    NIGHT = "night", "Night"
    WEEKEND = "weekend", "Weekend"
    ON_CALL = "on_call", "On call"


class ShiftType(models.Model):
    """One kind of shift (``rostering.problem.ShiftType``). ``forbidden_successors``: codes that
    may not be worked the next day (night → day)."""

    rota = models.ForeignKey(Rota, on_delete=models.CASCADE, related_name="shift_types")
    code = models.CharField(**_code)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=ShiftKind.choices)
    start_time = models.TimeField()
    end_time = models.TimeField(help_text="Before the start: the shift ends the next morning.")
    hours = models.DecimalField(max_digits=4, decimal_places=1, validators=[MinValueValidator(0)])
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    weekend_only = models.BooleanField(default=False)
    forbidden_successors = ArrayField(models.CharField(**_code), default=list, blank=True)
    history = audit_history()

    class Meta:
        ordering = ["start_time", "code"]
        constraints = [models.UniqueConstraint(fields=["rota", "code"], name="rota_shift_unique_code")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_night(self) -> bool:
        return self.kind == ShiftKind.NIGHT


class CoverageRequirement(models.Model):
    """People needed on a shift covering a skill, on the given ISO ``weekdays`` (1-7; empty:
    every day) or on one ``date`` (which then overrides the weekday rows of that shift and skill)."""

    rota = models.ForeignKey(Rota, on_delete=models.CASCADE, related_name="coverage")
    shift_type = models.ForeignKey(ShiftType, on_delete=models.CASCADE, related_name="coverage")
    skill = models.CharField(**_code)
    weekdays = ArrayField(
        models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(7)]),
        default=list,
        blank=True,
    )
    date = models.DateField(null=True, blank=True)
    minimum = models.PositiveSmallIntegerField(default=0)
    optimal = models.PositiveSmallIntegerField(default=0)
    history = audit_history()

    class Meta:
        ordering = ["shift_type__start_time", "skill", "date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(optimal__gte=models.F("minimum")), name="coverage_optimal_gte_min"
            )
        ]

    def __str__(self) -> str:
        when = (
            self.date.isoformat()
            if self.date
            else ("every day" if not self.weekdays else f"ISO weekdays {self.weekdays}")
        )
        return f"{self.shift_type} {self.skill}: {self.minimum}-{self.optimal} ({when})"


class StaffMember(models.Model):
    """A rostered person: the kernel resource that stands for them (its ``user`` is who signs
    in as them), with seniority (1 junior … 5 senior), skills, sites and contract."""

    rota = models.ForeignKey(Rota, on_delete=models.CASCADE, related_name="staff")
    resource = models.ForeignKey("scheduling.SchedulableResource", on_delete=models.PROTECT, related_name="+")
    seniority = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1), MaxValueValidator(5)])
    skills = ArrayField(models.CharField(**_code), default=list, blank=True)
    sites = ArrayField(models.CharField(**_code), default=list, blank=True)
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="staff")
    active = models.BooleanField(default=True)
    history = audit_history()

    class Meta:
        ordering = ["resource__name"]
        constraints = [models.UniqueConstraint(fields=["rota", "resource"], name="rota_staff_unique_resource")]

    def __str__(self) -> str:
        return self.resource.name


class LeaveKind(models.TextChoices):
    ANNUAL = "annual", "Annual leave"
    STUDY = "study", "Study leave"
    SICK = "sick", "Sick leave"
    OTHER = "other", "Other"


class LeaveStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


class Leave(models.Model):
    """A person away from ``first_day`` to ``last_day`` inclusive. Approved leave is hard (the
    leave rule); requested leave is a strong wish to be off (a preference) until a manager
    decides."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="leave")
    first_day = models.DateField()
    last_day = models.DateField()
    kind = models.CharField(max_length=10, choices=LeaveKind.choices, default=LeaveKind.ANNUAL)
    status = models.CharField(max_length=10, choices=LeaveStatus.choices, default=LeaveStatus.REQUESTED)
    reason = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    history = audit_history()

    class Meta:
        ordering = ["first_day", "staff_id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(last_day__gte=models.F("first_day")), name="leave_days_in_order")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.staff}, {self.first_day} – {self.last_day} ({self.status})"


class Preference(models.Model):
    """A person wants (or wants to avoid) a shift type (any shift when empty) on a date;
    ``priority`` 1-5 weighs it."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="preferences")
    date = models.DateField()
    shift_type = models.ForeignKey(ShiftType, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    want = models.BooleanField(default=False)
    priority = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1), MaxValueValidator(5)])
    reason = models.CharField(max_length=300, blank=True, default="")
    history = audit_history()

    class Meta:
        ordering = ["date", "staff_id"]

    def __str__(self) -> str:
        verb = "wants" if self.want else "avoids"
        return f"{self.staff} {verb} {self.shift_type or 'any shift'} on {self.date}"


class Partnership(models.Model):
    """Two people who work well together: the roster prefers them on the same shifts."""

    rota = models.ForeignKey(Rota, on_delete=models.CASCADE, related_name="partnerships")
    first = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="+")
    weight = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1), MaxValueValidator(100)])
    history = audit_history()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~models.Q(first=models.F("second")), name="partnership_two_people")
        ]

    def __str__(self) -> str:
        return f"{self.first} with {self.second}"


class TrainingRequirement(models.Model):
    """At least ``minimum`` shifts for a person between two dates, of a shift type and/or
    covering a skill (e.g. a junior registrar's nights)."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="training")
    minimum = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    first_day = models.DateField()
    last_day = models.DateField()
    shift_type = models.ForeignKey(ShiftType, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    skill = models.CharField(max_length=20, blank=True, default="")
    reason = models.CharField(max_length=300, blank=True, default="")
    history = audit_history()

    class Meta:
        ordering = ["first_day"]

    def __str__(self) -> str:
        return f"{self.staff}: at least {self.minimum} {self.shift_type or self.skill or 'shifts'} by {self.last_day}"


class RuleSetting(models.Model):
    """A rule as data (codes and units: ``rostering.problem``): on or off, hard or soft, weight."""

    rota = models.ForeignKey(Rota, on_delete=models.CASCADE, related_name="rules")
    code = models.CharField(max_length=30, choices=[(code, code.replace("_", " ")) for code in RULE_CODES])
    hard = models.BooleanField(default=False)
    weight = models.PositiveIntegerField(default=1, validators=[MaxValueValidator(100_000)])
    enabled = models.BooleanField(default=True)
    history = audit_history()

    class Meta:
        ordering = ["-hard", "code"]
        constraints = [models.UniqueConstraint(fields=["rota", "code"], name="rota_rule_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} ({'hard' if self.hard else f'soft, weight {self.weight}'})"


class RosterStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class RosterPurpose(models.TextChoices):
    PLAN = "plan", "Plan"
    REPLAN = "replan", "Re-plan (sick leave, emergency cover)"
    WHAT_IF = "what_if", "What-if (never published)"


class SolveStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    STOPPED = "stopped", "Stopped early (best roster kept)"
    INFEASIBLE = "infeasible", "Infeasible"
    UNKNOWN = "unknown", "No roster within the time limit"
    FAILED = "failed", "Failed"


class Roster(models.Model):
    """One plan of a rota over [first_day, first_day + num_days). ``problem``: the snapshot the
    solver read (``Problem.to_dict``), so a result can always be re-checked against what was
    asked; ``progress``: ``[{"objective", "bound", "seconds"}]`` as better rosters came;
    ``result``: soft violations and cost per rule; ``check_report``: the independent checker's report
    (``CheckReport.to_dict``); ``explanation``: an infeasible problem's conflicts in words."""

    rota = models.ForeignKey(Rota, on_delete=models.CASCADE, related_name="rosters")
    name = models.CharField(max_length=200)
    first_day = models.DateField()
    num_days = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(91)])
    status = models.CharField(max_length=10, choices=RosterStatus.choices, default=RosterStatus.DRAFT)
    purpose = models.CharField(max_length=10, choices=RosterPurpose.choices, default=RosterPurpose.PLAN)
    parent = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children")
    note = models.CharField(max_length=300, blank=True, default="", help_text="Why: the sick leave, the what-if.")
    problem = models.JSONField(null=True, blank=True)
    solve_status = models.CharField(max_length=10, choices=SolveStatus.choices, default=SolveStatus.QUEUED)
    stop_requested = models.BooleanField(default=False)
    time_limit_seconds = models.PositiveIntegerField(default=30, validators=[MaxValueValidator(600)])
    objective = models.BigIntegerField(null=True, blank=True)
    bound = models.FloatField(null=True, blank=True)
    gap = models.FloatField(null=True, blank=True)
    solve_seconds = models.FloatField(null=True, blank=True)
    first_feasible_seconds = models.FloatField(null=True, blank=True)
    progress = models.JSONField(default=list, blank=True)
    result = models.JSONField(null=True, blank=True)
    check_report = models.JSONField(null=True, blank=True)
    explanation = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = audit_history(excluded_fields=["progress", "problem", "result", "check_report", "explanation"])

    class Meta:
        ordering = ["-first_day", "-created_at"]
        indexes = [models.Index(fields=["rota", "status", "first_day"], name="roster_rota_status_day")]

    def __str__(self) -> str:
        return self.name

    @property
    def last_day(self) -> dt.date:
        return self.first_day + dt.timedelta(days=self.num_days - 1)


class Assignment(models.Model):
    """A person works a shift on a date in a roster (days off have no row). ``exception_id``: the
    availability exception publishing gave the person's resource for it (the record to take back
    when the roster is archived or replaced)."""

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="assignments")
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="assignments")
    date = models.DateField()
    shift_type = models.ForeignKey(ShiftType, on_delete=models.PROTECT, related_name="+")
    skill = models.CharField(max_length=20, blank=True, default="")
    exception_id = models.BigIntegerField(null=True, blank=True)
    history = audit_history(excluded_fields=["exception_id"])

    class Meta:
        ordering = ["date", "shift_type__start_time", "staff__resource__name"]
        constraints = [
            models.UniqueConstraint(fields=["roster", "staff", "date"], name="assignment_one_shift_a_day"),
        ]
        indexes = [models.Index(fields=["roster", "date"], name="assignment_roster_date")]

    def __str__(self) -> str:
        return f"{self.staff} on {self.shift_type} {self.date}"


class SwapStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a manager"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class SwapRequest(models.Model):
    """``requester`` gives their shift on ``requester_date`` to ``partner`` and takes the
    partner's on ``partner_date`` (empty: a give-away, the partner takes the shift only).
    ``findings``: what the hard-rule check found when it was asked (empty: none)."""

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="swaps")
    requester = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="+")
    requester_date = models.DateField()
    partner = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="+")
    partner_date = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True, default="")
    status = models.CharField(max_length=10, choices=SwapStatus.choices, default=SwapStatus.PENDING)
    findings = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True, default="")
    history = audit_history()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Swap of {self.requester} ({self.requester_date}) with {self.partner} ({self.status})"
