"""The infusion center's own tables (issue 13; ../shared/seeds/infusion-center-scheduling-study.md).

Configuration a nurse manager edits, each with history: the center's settings (nurse ratio,
weekly capacity, policy), its patient types with their weekday mix, the placement routes with
their target days and fallbacks, and the nurses on duty entered by hand or published by a roster.
Then what placement did (``Placement``, with the days and times it tried) and the simulation
runs a manager started (``SimulationRun``: derived output, no history of its own).

A facility without rows uses the study's defaults (``infusion.defaults``), created on first use.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from scheduling.history import audit_history


class Policy(models.TextChoices):
    LEVELLED = "levelled", "Levelled (default): search further, never beyond the nurses, level the load"
    STUDY = "study", "The study's (reference): target, day before, else the day after whatever the count"


class RouteCode(models.TextChoices):
    NEW = "new", "New patient"
    CANCELLATION = "cancellation", "Rebook after a cancellation"
    NO_SHOW = "no_show", "Rebook after a no-show"
    BAD_BLOOD = "bad_blood", "Bad blood work: return within two days"
    NEXT_CYCLE = "next_cycle", "Next treatment cycle"


class RegimenCategory(models.TextChoices):
    """The chair-time category of a regimen, as analytics' chair appointments name it."""

    SHORT = "short", "Short"
    MEDIUM = "medium", "Medium"
    LONG = "long", "Long"


class NurseSource(models.TextChoices):
    MANUAL = "manual", "Entered by a manager"
    ROSTER = "roster", "Published roster"


class InfusionSettings(models.Model):
    """A facility's infusion center: how many chairs one nurse can run, how many patients a week
    it schedules (the weekday mix splits them by day and type), which policy places patients,
    and how far the levelled policy may search beyond a route's own days."""

    facility = models.OneToOneField("scheduling.Facility", on_delete=models.CASCADE, related_name="+")
    chairs_per_nurse = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("3.00"),
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal("20"))],
        help_text="Chairs one nurse on duty can run at once.",
    )
    weekly_capacity = models.PositiveIntegerField(
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(5000)],
        help_text="Patients the center schedules in a week; the weekday mix splits them by day and type.",
    )
    open_weekdays = ArrayField(
        models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)]),
        default=list,
        blank=True,
        help_text="Days the center treats patients, 0 = Monday … 6 = Sunday. Empty means Monday to Friday.",
    )
    default_nurses = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(500)],
        help_text="Nurses on duty on a day with no roster, entry or imported nurse capacity (empty: no cap).",
    )
    policy = models.CharField(max_length=20, choices=Policy.choices, default=Policy.LEVELLED)
    search_days = models.PositiveSmallIntegerField(
        default=10,
        validators=[MaxValueValidator(60)],
        help_text="How many days beyond a route's own the levelled policy may look when those are full.",
    )
    history = audit_history()

    class Meta:
        verbose_name = "infusion settings"
        verbose_name_plural = "infusion settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(chairs_per_nurse__gt=0), name="infusion_settings_chairs_per_nurse_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(weekly_capacity__gt=0), name="infusion_settings_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Infusion settings of facility {self.facility_id}"

    @property
    def weekdays(self) -> list[int]:
        return sorted(set(self.open_weekdays)) if self.open_weekdays else [0, 1, 2, 3, 4]


class PatientType(models.Model):
    """A kind of infusion patient (the study's INF, CMO-SHORT, CMO-LONG, FUP, MISC, or the
    facility's own): its share of the week, its regimen category and the chair minutes to book
    when analytics has nothing better."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=20, help_text="Upper-case code, as analytics and imported files name it.")
    name = models.CharField(max_length=200)
    regimen_category = models.CharField(max_length=10, choices=RegimenCategory.choices, default=RegimenCategory.MEDIUM)
    chair_minutes = models.PositiveSmallIntegerField(
        default=120,
        validators=[MinValueValidator(5), MaxValueValidator(720)],
        help_text="Chair minutes to book when the facility's analytics has no estimate.",
    )
    share_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Share of new requests of this type (the study's 'Average' column).",
    )
    treatments = models.JSONField(
        default=dict,
        blank=True,
        help_text='Treatments per request, as {"count": probability}, e.g. {"1": 0.5, "4": 0.5}.',
    )
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    history = audit_history()

    class Meta:
        ordering = ["position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "code"], name="infusion_patient_type_unique_code"),
        ]

    def __str__(self) -> str:
        return self.code


class WeekdayMix(models.Model):
    """The share of a weekday's capacity that goes to one patient type (the study's table)."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.CASCADE, related_name="+")
    patient_type = models.ForeignKey(PatientType, on_delete=models.CASCADE, related_name="mix")
    weekday = models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)], help_text="0 = Monday … 6 = Sunday.")
    percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    history = audit_history()

    class Meta:
        ordering = ["patient_type__position", "weekday"]
        verbose_name_plural = "weekday mix"
        constraints = [
            models.UniqueConstraint(fields=["patient_type", "weekday"], name="infusion_weekday_mix_unique"),
            models.CheckConstraint(
                condition=models.Q(percent__gte=0, percent__lte=100), name="infusion_weekday_mix_percent"
            ),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="infusion_weekday_mix_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.patient_type} on weekday {self.weekday}: {self.percent} %"


class PlacementRoute(models.Model):
    """How a request comes back into the schedule: its target (days after the day it is placed
    from) and the offsets from that target tried in order (the study's routes)."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=20, choices=RouteCode.choices)
    target_days = models.PositiveSmallIntegerField(validators=[MaxValueValidator(365)])
    offsets = ArrayField(
        models.SmallIntegerField(validators=[MinValueValidator(-30), MaxValueValidator(30)]),
        help_text="Days from the target, tried in this order, e.g. 0, -1, 1.",
    )
    search_further = models.BooleanField(
        default=True,
        help_text="The levelled policy may look past the route's last day when its days are full "
        "(not for bad blood, which must come back within its days).",
    )
    description = models.CharField(max_length=300, blank=True)
    history = audit_history()

    class Meta:
        ordering = ["facility", "code"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "code"], name="infusion_route_unique_code"),
            models.CheckConstraint(condition=models.Q(offsets__len__gte=1), name="infusion_route_has_offsets"),
        ]

    def __str__(self) -> str:
        return self.get_code_display()


class NurseShift(models.Model):
    """Nurses on duty over part of a day, entered by a manager or published by a roster. Where a
    day has rows of a source, they replace the imported nurse capacity of that day (a roster's
    rows win over a manager's)."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.CASCADE, related_name="+")
    date = models.DateField(help_text="Local date.")
    start_time = models.TimeField(default=dt.time(8, 0))
    end_time = models.TimeField(default=dt.time(18, 0))
    nurses = models.PositiveSmallIntegerField(validators=[MaxValueValidator(500)])
    source = models.CharField(max_length=10, choices=NurseSource.choices, default=NurseSource.MANUAL)
    note = models.CharField(max_length=200, blank=True)
    history = audit_history()

    class Meta:
        ordering = ["date", "start_time"]
        indexes = [models.Index(fields=["facility", "date"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_time__gt=models.F("start_time")), name="nurse_shift_order"),
        ]

    def __str__(self) -> str:
        return f"{self.nurses} nurses on {self.date} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class PlacementStatus(models.TextChoices):
    PLACED = "placed", "Placed"
    FAILED = "failed", "Not placed"


class Placement(models.Model):
    """One placement: what was asked (patient, route, policy, the day it counts from), what was
    tried (``attempts``: one entry per day and time looked at, with the verdict and the reason),
    and what was chosen (the booking, or why none)."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey("scheduling.Patient", on_delete=models.PROTECT, related_name="+")
    patient_type = models.CharField(max_length=20)
    route = models.CharField(max_length=20, choices=RouteCode.choices)
    policy = models.CharField(max_length=20, choices=Policy.choices)
    appointment_type = models.ForeignKey("scheduling.AppointmentType", on_delete=models.PROTECT, related_name="+")
    from_date = models.DateField(help_text="Local day the route counts from.")
    target_date = models.DateField()
    predicted_minutes = models.PositiveSmallIntegerField()
    prediction_basis = models.CharField(max_length=300, blank=True)
    previous_booking = models.ForeignKey(
        "booking.Booking", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    booking = models.ForeignKey("booking.Booking", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=PlacementStatus.choices)
    chosen_start = models.DateTimeField(null=True, blank=True)
    chair = models.ForeignKey(
        "scheduling.SchedulableResource", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    over_type_capacity = models.BooleanField(
        default=False, help_text="Placed on a day whose capacity for the type was already reached."
    )
    attempts = models.JSONField(default=list)
    explanation = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = audit_history()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["facility", "patient"]), models.Index(fields=["facility", "created_at"])]

    def __str__(self) -> str:
        return f"Placement {self.pk} ({self.route}) of patient {self.patient_id}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    STOPPED = "stopped", "Stopped"


class SimulationRun(models.Model):
    """A what-if run: its parameters as asked, its progress while the worker runs it, its results
    (per policy: each measure's mean and 95 % interval, and the series the charts draw). Output
    of a computation, kept to compare and to download; not audited row by row."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    parameters = models.JSONField()
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    results = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["facility", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="simulation_run_progress"),
        ]

    def __str__(self) -> str:
        return f"Simulation run {self.pk} ({self.status})"
