"""Fact tables: what happened, one row per appointment, encounter, day or case, whatever its
source (an imported file today; CareSlot's own day of care next). Analytics reads these only.

Each fact has a natural key per facility (``facts.FACT_SPECS``): a corrected file updates the
rows it names and never duplicates them. ``import_id`` is the import that last wrote the row
(null for facts from the app itself). Facts are bulk data, written by ``services.facts_merge``
inside the loading import's transaction; their audit is the import's own history and report.
"""

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from scheduling.history import audit_history


class Source(models.TextChoices):
    IMPORT = "import", "Imported file"
    APP = "app", "CareSlot day of care"


class RegimenCategory(models.TextChoices):
    SHORT = "short", "Short"
    MEDIUM = "medium", "Medium"
    LONG = "long", "Long"


class AppointmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no-show", "No-show"


# The infusion study's patient types; a facility adds its own as PatientType rows.
DEFAULT_PATIENT_TYPES = {
    "INF": "Infusion, transfusion or injection",
    "CMO-SHORT": "Chemotherapy, shortened treatment",
    "CMO-LONG": "Chemotherapy, long treatment",
    "FUP": "Follow-up appointment, no drugs",
    "MISC": "Other (new patients, sick visits, unrelated procedures)",
}


class PatientType(models.Model):
    """A patient type a facility uses beyond the defaults (``DEFAULT_PATIENT_TYPES``)."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=20, help_text="Upper-case code as it appears in files, e.g. RAD.")
    description = models.CharField(max_length=200, blank=True)
    history = audit_history()

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["facility", "code"], name="patient_type_unique_code")]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        self.code = self.code.strip().upper()


class Fact(models.Model):
    facility = models.ForeignKey("scheduling.Facility", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.IMPORT)
    import_id = models.BigIntegerField(null=True, blank=True, help_text="The import that last wrote this row.")
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ChairAppointment(Fact):
    appointment_id = models.CharField(max_length=64)
    encounter_id = models.CharField(max_length=64)
    date = models.DateField(help_text="Local date of the appointment.")
    chair = models.ForeignKey(
        "scheduling.SchedulableResource", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    chair_name = models.CharField(max_length=200, blank=True, help_text="The chair as the file named it.")
    regimen_category = models.CharField(max_length=10, choices=RegimenCategory.choices)
    patient_type = models.CharField(max_length=20)
    scheduled_minutes = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=AppointmentStatus.choices)

    class Meta:
        ordering = ["date", "appointment_id"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "appointment_id"], name="chair_appointment_natural_key"),
            models.CheckConstraint(
                condition=models.Q(scheduled_minutes__gte=1, scheduled_minutes__lte=1440),
                name="chair_appointment_minutes_in_a_day",
            ),
        ]
        indexes = [models.Index(fields=["facility", "date"]), models.Index(fields=["facility", "encounter_id"])]

    def __str__(self) -> str:
        return f"{self.appointment_id} on {self.date}"


class ChairTime(Fact):
    """The actual chair time of one encounter."""

    encounter_id = models.CharField(max_length=64)
    actual_start = models.DateTimeField()
    actual_end = models.DateTimeField()
    total_minutes = models.PositiveIntegerField()

    class Meta:
        ordering = ["actual_start"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "encounter_id"], name="chair_time_natural_key"),
            models.CheckConstraint(
                condition=models.Q(actual_end__gt=models.F("actual_start")), name="chair_time_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["facility", "actual_start"])]

    def __str__(self) -> str:
        return f"{self.encounter_id} from {self.actual_start}"


class NurseCapacity(Fact):
    date = models.DateField(help_text="Local date.")
    nurses_available = models.PositiveIntegerField()
    max_chairs_supported = models.PositiveIntegerField()

    class Meta:
        ordering = ["date"]
        verbose_name_plural = "nurse capacity"
        constraints = [models.UniqueConstraint(fields=["facility", "date"], name="nurse_capacity_natural_key")]

    def __str__(self) -> str:
        return f"{self.date}: {self.nurses_available} nurses"


class SurgicalCase(Fact):
    """One operating-room case, in the OptiOR data set's terms: in-room time is wheels in to
    wheels out, incision start to end is the procedure."""

    case_id = models.CharField(max_length=64, help_text="The file's Encounter ID.")
    source_index = models.CharField(max_length=32, blank=True, help_text="The file's index column.")
    date = models.DateField(help_text="Local date of the case.")
    suite = models.ForeignKey("scheduling.SchedulableResource", on_delete=models.PROTECT, related_name="+")
    suite_name = models.CharField(max_length=200, help_text="The suite as the file named it.")
    service = models.CharField(max_length=200)
    cpt_code = models.CharField(max_length=20)
    cpt_description = models.CharField(max_length=500, blank=True)
    booked_minutes = models.PositiveIntegerField()
    scheduled_start = models.DateTimeField()
    wheels_in = models.DateTimeField()
    incision_start = models.DateTimeField()
    incision_end = models.DateTimeField()
    wheels_out = models.DateTimeField()

    class Meta:
        ordering = ["scheduled_start"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "case_id"], name="surgical_case_natural_key"),
            models.CheckConstraint(
                condition=models.Q(incision_start__gte=models.F("wheels_in"))
                & models.Q(incision_end__gte=models.F("incision_start"))
                & models.Q(wheels_out__gte=models.F("incision_end")),
                name="surgical_case_times_in_order",
            ),
        ]
        indexes = [models.Index(fields=["facility", "date"]), models.Index(fields=["facility", "suite", "wheels_in"])]

    def __str__(self) -> str:
        return f"Case {self.case_id} on {self.date}"


# --- configuration ------------------------------------------------------------------------------


class AnalyticsSettings(models.Model):
    """A facility's analytics parameters (README, "Analytics"): the chair day, prime time in
    theatres, and the thresholds of the metrics. A facility without a row uses the defaults."""

    facility = models.OneToOneField("scheduling.Facility", on_delete=models.CASCADE, related_name="+")
    chair_day_start = models.TimeField(default=dt.time(8, 0), help_text="Local time the infusion chairs open.")
    chair_day_end = models.TimeField(default=dt.time(18, 0), help_text="Local time the infusion chairs close.")
    prime_start = models.TimeField(default=dt.time(7, 0), help_text="Start of theatre prime time (local).")
    prime_end = models.TimeField(default=dt.time(15, 30), help_text="End of theatre prime time (local).")
    first_case_grace_minutes = models.PositiveIntegerField(
        default=5, help_text="A first case wheeled in at most this late after its scheduled start is on time."
    )
    late_start_minutes = models.PositiveIntegerField(
        default=15, help_text="A case wheeled in more than this after its scheduled start started late."
    )
    variance_threshold_minutes = models.PositiveIntegerField(
        default=15, help_text="Actual chair minutes further than this from the scheduled ones are 'off'."
    )
    risk_utilization_percent = models.PositiveIntegerField(
        default=95, help_text="A day whose expected demand reaches this share of its supported minutes is at risk."
    )
    history = audit_history()

    class Meta:
        verbose_name = "analytics settings"
        verbose_name_plural = "analytics settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(chair_day_end__gt=models.F("chair_day_start")), name="analytics_chair_day_order"
            ),
            models.CheckConstraint(
                condition=models.Q(prime_end__gt=models.F("prime_start")), name="analytics_prime_time_order"
            ),
        ]

    def __str__(self) -> str:
        return f"Analytics settings of facility {self.facility_id}"


class AppointmentTypeMapping(models.Model):
    """What a booking of this appointment type is, as a fact: a chair appointment's regimen
    category and patient type, a theatre case's service and procedure. Without a mapping a chair
    booking counts as a medium regimen of type MISC and a case as the type's own code and name."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.CASCADE, related_name="+")
    appointment_type = models.OneToOneField("scheduling.AppointmentType", on_delete=models.CASCADE, related_name="+")
    regimen_category = models.CharField(
        max_length=10, choices=RegimenCategory.choices, default=RegimenCategory.MEDIUM, blank=True
    )
    patient_type = models.CharField(max_length=20, default="MISC", blank=True)
    service = models.CharField(max_length=200, blank=True, help_text="Surgical service, e.g. Orthopedics.")
    procedure_code = models.CharField(max_length=20, blank=True, help_text="CPT or local procedure code.")
    procedure_description = models.CharField(max_length=500, blank=True)
    history = audit_history()

    class Meta:
        ordering = ["appointment_type__name"]

    def __str__(self) -> str:
        return f"Mapping of {self.appointment_type}"

    def clean(self) -> None:
        self.patient_type = self.patient_type.strip().upper()


class ReportSubscription(models.Model):
    """A member who receives the facility's daily report by email."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = audit_history()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["facility", "user"], name="report_subscription_unique")]

    def __str__(self) -> str:
        return f"{self.user} subscribes to facility {self.facility_id}"


# --- nightly aggregates (derived state: replaced whole by each run of their day) ---------------


class DailyChairStats(models.Model):
    """One facility-day of the infusion chairs."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    chairs_open = models.PositiveIntegerField()
    nurses_available = models.PositiveIntegerField(null=True, help_text="Null: no nurse capacity known.")
    chairs_supported = models.PositiveIntegerField(help_text="min(chairs open, chairs the nurses support).")
    open_minutes = models.PositiveIntegerField()
    supported_minutes = models.PositiveIntegerField(help_text="chairs_supported × open_minutes.")
    appointments = models.PositiveIntegerField()
    demand_minutes = models.PositiveIntegerField(help_text="Scheduled minutes of appointments not cancelled.")
    expected_minutes = models.PositiveIntegerField(
        help_text="Demand plus the mean overrun of the regimens that chronically run longer than booked."
    )
    completed = models.PositiveIntegerField()
    cancelled = models.PositiveIntegerField()
    no_shows = models.PositiveIntegerField()
    used_minutes = models.PositiveIntegerField(help_text="Actual chair minutes that started this day.")
    variance_n = models.PositiveIntegerField(default=0)
    variance_off = models.PositiveIntegerField(default=0, help_text="Completed appointments off by > threshold.")
    variance_sum = models.IntegerField(default=0, help_text="Σ (actual − scheduled) minutes.")
    # The day by local hour and by chair, as arrays on the day's row: one row per facility-day
    # is what makes three years of them quick to write (bench/bench_analytics.py).
    hour_used = ArrayField(
        models.PositiveIntegerField(), size=24, default=list, help_text="Used minutes in each hour 00–23."
    )
    chair_names = ArrayField(models.CharField(max_length=200), default=list, help_text="The chairs named this day.")
    chair_ids = ArrayField(models.BigIntegerField(null=True), default=list, help_text="Their resources, in order.")
    chair_appointments = ArrayField(
        models.PositiveIntegerField(), default=list, help_text="Each chair's appointments not cancelled."
    )
    chair_used = ArrayField(models.PositiveIntegerField(), default=list, help_text="Each chair's used minutes.")

    class Meta:
        ordering = ["date"]
        verbose_name_plural = "daily chair stats"
        constraints = [models.UniqueConstraint(fields=["facility", "date"], name="daily_chair_stats_unique")]

    def __str__(self) -> str:
        return f"Chairs on {self.date}"


class DailySuiteStats(models.Model):
    """One suite-day of an operating room."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    suite = models.ForeignKey("scheduling.SchedulableResource", on_delete=models.CASCADE, related_name="+")
    suite_name = models.CharField(max_length=200)
    cases = models.PositiveIntegerField()
    booked_minutes = models.PositiveIntegerField()
    in_room_minutes = models.PositiveIntegerField()
    prime_minutes = models.PositiveIntegerField(help_text="Length of prime time this day.")
    prime_in_room_minutes = models.PositiveIntegerField(help_text="In-room minutes inside prime time.")
    first_case_on_time = models.BooleanField()
    late_starts = models.PositiveIntegerField()
    turnovers = models.PositiveIntegerField()
    turnover_minutes = models.PositiveIntegerField()
    after_prime_minutes = models.PositiveIntegerField(help_text="Minutes the last case ran past prime time.")

    class Meta:
        ordering = ["date", "suite_name"]
        verbose_name_plural = "daily suite stats"
        constraints = [models.UniqueConstraint(fields=["facility", "date", "suite"], name="daily_suite_stats_unique")]

    def __str__(self) -> str:
        return f"{self.suite_name} on {self.date}"


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class NightlyRun(models.Model):
    """The last run of one facility-day's aggregates: what the nightly task, a backfill or a
    manual re-run did, or why it failed. A day before yesterday without a row was missed."""

    facility = models.ForeignKey("scheduling.Facility", on_delete=models.CASCADE, related_name="+")
    date = models.DateField(help_text="The local day aggregated.")
    status = models.CharField(max_length=10, choices=RunStatus.choices)
    trigger = models.CharField(max_length=20, help_text="nightly, backfill or rerun.")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True, help_text="When the daily report went to subscribers.")

    class Meta:
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["facility", "date"], name="nightly_run_unique")]

    def __str__(self) -> str:
        return f"Nightly run of {self.date}: {self.status}"
