"""Availability in Django admin, scoped to the facilities the user administers, with history.

Admin edits bypass the service's rules (versioning, stranding checks): they are for inspection
and repair by administrators; clinics change availability through the pages and the API."""

from django.contrib import admin

from availability.models import (
    Availability,
    AvailabilityException,
    BookingPolicy,
    Schedule,
    ScheduleDelegation,
    SlotDuration,
)
from scheduling.admin_scoping import FacilityScopedAdmin


class AvailabilityInline(admin.TabularInline):
    model = Availability
    extra = 0
    fields = [
        "weekdays",
        "start_time",
        "end_time",
        "type",
        "slot_size_minutes",
        "tokens_per_slot",
        "daily_patient_limit",
    ]
    show_change_link = True


@admin.register(Schedule)
class ScheduleAdmin(FacilityScopedAdmin):
    list_display = ["id", "resource", "name", "valid_from", "valid_till", "previous", "facility"]
    list_filter = ["facility", "resource__kind", "valid_from"]
    search_fields = ["name", "resource__name"]
    date_hierarchy = "valid_from"
    raw_id_fields = ["previous"]
    inlines = [AvailabilityInline]


@admin.register(Availability)
class AvailabilityAdmin(FacilityScopedAdmin):
    list_display = ["id", "schedule", "weekdays", "start_time", "end_time", "type", "slot_size_minutes", "facility"]
    list_filter = ["type", "facility"]
    search_fields = ["name", "schedule__resource__name"]
    filter_horizontal = ["appointment_types"]


@admin.register(AvailabilityException)
class AvailabilityExceptionAdmin(FacilityScopedAdmin):
    list_display = ["resource", "is_available", "start", "end", "reason", "type", "facility"]
    list_filter = ["is_available", "type", "facility"]
    search_fields = ["reason", "resource__name"]
    date_hierarchy = "start"


@admin.register(BookingPolicy)
class BookingPolicyAdmin(FacilityScopedAdmin):
    list_display = ["resource", "booking_horizon_days", "booking_notice_minutes", "default_slot_minutes", "facility"]
    list_filter = ["facility"]
    search_fields = ["resource__name"]


@admin.register(SlotDuration)
class SlotDurationAdmin(FacilityScopedAdmin):
    list_display = ["appointment_type", "department", "minutes", "facility"]
    list_filter = ["facility"]
    search_fields = ["appointment_type__name", "department__name"]


@admin.register(ScheduleDelegation)
class ScheduleDelegationAdmin(FacilityScopedAdmin):
    list_display = ["resource", "delegate", "granted_by", "created_at", "revoked_at", "facility"]
    list_filter = ["facility", "revoked_at"]
    search_fields = ["resource__name", "delegate__username"]
