"""The infusion center in Django admin, scoped to the facilities the user administers. Its
configuration (settings, patient types, weekday mix, routes, nurses on duty) is edited here with
history, as on its pages; placements are read only (they are made by the placement service, with
their bookings), and simulation runs are derived output, kept without history."""

from django.contrib import admin

from infusion.models import (
    InfusionSettings,
    NurseShift,
    PatientType,
    Placement,
    PlacementRoute,
    SimulationRun,
    WeekdayMix,
)
from scheduling.admin_scoping import FacilityScopedAdmin, FacilityScopedDerivedAdmin, ReadOnly


@admin.register(InfusionSettings)
class InfusionSettingsAdmin(FacilityScopedAdmin):
    list_display = ["facility", "chairs_per_nurse", "weekly_capacity", "default_nurses", "policy", "search_days"]
    list_filter = ["policy", "facility"]


@admin.register(PatientType)
class InfusionPatientTypeAdmin(FacilityScopedAdmin):
    list_display = ["code", "name", "regimen_category", "chair_minutes", "share_percent", "active", "facility"]
    list_filter = ["active", "regimen_category", "facility"]
    search_fields = ["code", "name"]


@admin.register(WeekdayMix)
class WeekdayMixAdmin(FacilityScopedAdmin):
    list_display = ["patient_type", "weekday", "percent", "facility"]
    list_filter = ["weekday", "facility"]
    search_fields = ["patient_type__code"]


@admin.register(PlacementRoute)
class PlacementRouteAdmin(FacilityScopedAdmin):
    list_display = ["code", "target_days", "offsets", "search_further", "facility"]
    list_filter = ["code", "facility"]


@admin.register(NurseShift)
class NurseShiftAdmin(FacilityScopedAdmin):
    list_display = ["date", "start_time", "end_time", "nurses", "source", "facility"]
    list_filter = ["source", "facility"]
    search_fields = ["note"]
    date_hierarchy = "date"


@admin.register(Placement)
class PlacementAdmin(ReadOnly, FacilityScopedAdmin):
    list_display = ["created_at", "patient", "patient_type", "route", "policy", "status", "target_date", "facility"]
    list_filter = ["status", "route", "policy", "over_type_capacity", "facility"]
    search_fields = ["patient__name", "patient__mrn", "patient_type"]
    date_hierarchy = "created_at"


@admin.register(SimulationRun)
class SimulationRunAdmin(ReadOnly, FacilityScopedDerivedAdmin):
    list_display = ["created_at", "status", "progress", "created_by", "finished_at", "facility"]
    list_filter = ["status", "facility"]
    date_hierarchy = "created_at"
