"""Analytics in Django admin, scoped to the facilities the user administers. Facts are read-only
(they are loaded by imports and the day of care); a facility's own patient types are edited here,
with history."""

from django.contrib import admin

from analytics.models import ChairAppointment, ChairTime, NurseCapacity, PatientType, SurgicalCase
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
