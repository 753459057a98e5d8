"""Fact tables: what happened, one row per appointment, encounter, day or case, whatever its
source (an imported file today; CareSlot's own day of care next). Analytics reads these only.

Each fact has a natural key per facility (``facts.FACT_SPECS``): a corrected file updates the
rows it names and never duplicates them. ``import_id`` is the import that last wrote the row
(null for facts from the app itself). Facts are bulk data, written by ``services.facts_merge``
inside the loading import's transaction; their audit is the import's own history and report.
"""

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
