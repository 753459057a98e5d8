"""Analytics in Django admin, scoped to the facilities the user administers. Facts are read-only
(they are loaded by imports and the day of care); a facility's own patient types are edited here,
with history."""

from django.contrib import admin

from analytics.models import (
    AnalyticsSettings,
    AppointmentTypeMapping,
    ChairAppointment,
    ChairTime,
    DailyChairStats,
    DailySuiteStats,
    NightlyRun,
    NurseCapacity,
    PatientType,
    ReportSubscription,
    SurgicalCase,
)
from scheduling.admin_scoping import FacilityScopedAdmin, FacilityScopedDerivedAdmin, ReadOnly


@admin.register(PatientType)
class PatientTypeAdmin(FacilityScopedAdmin):
    list_display = ["code", "description", "facility"]
    list_filter = ["facility"]
    search_fields = ["code", "description"]


@admin.register(ChairAppointment)
class ChairAppointmentAdmin(ReadOnly, FacilityScopedDerivedAdmin):
    list_display = [
        "appointment_id",
        "date",
        "chair_name",
        "regimen_category",
        "patient_type",
        "scheduled_minutes",
        "status",
    ]
    list_filter = ["status", "regimen_category", "patient_type", "facility"]
    search_fields = ["appointment_id", "encounter_id"]
    date_hierarchy = "date"


@admin.register(ChairTime)
class ChairTimeAdmin(ReadOnly, FacilityScopedDerivedAdmin):
    list_display = ["encounter_id", "actual_start", "actual_end", "total_minutes"]
    list_filter = ["facility"]
    search_fields = ["encounter_id"]
    date_hierarchy = "actual_start"


@admin.register(NurseCapacity)
class NurseCapacityAdmin(ReadOnly, FacilityScopedDerivedAdmin):
    list_display = ["date", "nurses_available", "max_chairs_supported"]
    list_filter = ["facility"]
    date_hierarchy = "date"


@admin.register(SurgicalCase)
class SurgicalCaseAdmin(ReadOnly, FacilityScopedDerivedAdmin):
    list_display = ["case_id", "date", "suite_name", "service", "cpt_code", "booked_minutes", "wheels_in", "wheels_out"]
    list_filter = ["service", "facility"]
    search_fields = ["case_id", "cpt_code", "cpt_description"]
    date_hierarchy = "date"


@admin.register(AnalyticsSettings)
class AnalyticsSettingsAdmin(FacilityScopedAdmin):
    list_display = ["facility", "chair_day_start", "chair_day_end", "prime_start", "prime_end"]


@admin.register(AppointmentTypeMapping)
class AppointmentTypeMappingAdmin(FacilityScopedAdmin):
    list_display = ["appointment_type", "regimen_category", "patient_type", "service", "procedure_code", "facility"]
    list_filter = ["facility"]
    search_fields = ["appointment_type__name", "service", "procedure_code"]


@admin.register(ReportSubscription)
class ReportSubscriptionAdmin(FacilityScopedAdmin):
    list_display = ["user", "facility", "created_at"]
    list_filter = ["facility"]


@admin.register(NightlyRun)
class NightlyRunAdmin(ReadOnly, FacilityScopedDerivedAdmin):
    """Each facility-day's last run: a failed one shows its error; re-run it from the analytics
    page. The schedule itself is under Periodic tasks (django-celery-beat)."""

    list_display = ["date", "status", "trigger", "started_at", "finished_at", "emailed_at", "facility"]
    list_filter = ["status", "trigger", "facility"]
    date_hierarchy = "date"


@admin.register(DailyChairStats)
class DailyChairStatsAdmin(ReadOnly, FacilityScopedDerivedAdmin):
    list_display = [
        "date",
        "chairs_open",
        "chairs_supported",
        "supported_minutes",
        "demand_minutes",
        "used_minutes",
        "facility",
    ]
    list_filter = ["facility"]
    date_hierarchy = "date"


@admin.register(DailySuiteStats)
class DailySuiteStatsAdmin(ReadOnly, FacilityScopedDerivedAdmin):
    list_display = [
        "date",
        "suite_name",
        "cases",
        "in_room_minutes",
        "prime_in_room_minutes",
        "late_starts",
        "facility",
    ]
    list_filter = ["facility"]
    date_hierarchy = "date"
