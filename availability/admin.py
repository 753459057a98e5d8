"""Availability in Django admin, scoped to the facilities the user administers, with history.

Admin edits bypass the service's rules (versioning, stranding checks): they are for inspection
and repair by administrators; clinics change availability through the pages and the API. Every
admin save or delete still bumps the resource's availability version, as the services do, so
bookings never use a configuration cached from before the edit."""

from django.contrib import admin

from availability.models import (
    Availability,
    AvailabilityException,
    BookingPolicy,
    Schedule,
    ScheduleDelegation,
    SlotDuration,
)
from scheduling import services as kernel_services
from scheduling.admin_scoping import FacilityScopedAdmin


class BumpsAvailabilityVersion:
    """Saves and deletes through admin tell the kernel the resource's availability changed
    (tests/booking/test_seams.py::test_an_availability_edit_in_django_admin_is_seen_by_the_next_booking)."""

    #: path from the object to its resource id
    resource_path = "resource_id"

    def _changed(self, obj) -> None:
        target = obj
        for part in self.resource_path.split("."):
            target = getattr(target, part)
        kernel_services.resource_availability_changed(facility=obj.facility, resource_id=target)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._changed(obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self._changed(form.instance)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._changed(obj)

    def delete_queryset(self, request, queryset):
        objects = list(queryset)
        super().delete_queryset(request, queryset)
        for obj in objects:
            self._changed(obj)


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
class ScheduleAdmin(BumpsAvailabilityVersion, FacilityScopedAdmin):
    list_display = ["id", "resource", "name", "valid_from", "valid_till", "previous", "facility"]
    list_filter = ["facility", "resource__kind", "valid_from"]
    search_fields = ["name", "resource__name"]
    date_hierarchy = "valid_from"
    raw_id_fields = ["previous"]
    inlines = [AvailabilityInline]


@admin.register(Availability)
class AvailabilityAdmin(BumpsAvailabilityVersion, FacilityScopedAdmin):
    resource_path = "schedule.resource_id"

    list_display = ["id", "schedule", "weekdays", "start_time", "end_time", "type", "slot_size_minutes", "facility"]
    list_filter = ["type", "facility"]
    search_fields = ["name", "schedule__resource__name"]
    filter_horizontal = ["appointment_types"]


@admin.register(AvailabilityException)
class AvailabilityExceptionAdmin(BumpsAvailabilityVersion, FacilityScopedAdmin):
    list_display = ["resource", "is_available", "start", "end", "reason", "type", "facility"]
    list_filter = ["is_available", "type", "facility"]
    search_fields = ["reason", "resource__name"]
    date_hierarchy = "start"


@admin.register(BookingPolicy)
class BookingPolicyAdmin(BumpsAvailabilityVersion, FacilityScopedAdmin):
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
