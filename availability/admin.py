"""Availability in Django admin, scoped to the facilities the user administers, with history.

Schedules, their weekly windows and exceptions are read-only here: only the availability
services version a schedule already in force and refuse a change that strands bookings, so
their pages link to the availability page where clinics change them. Booking policies, slot
durations and delegations are edited here under the rules their services enforce; every admin
save of a policy bumps the resource's availability version, as the services do, so bookings
never use a configuration cached from before the edit."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse

from availability.models import (
    Availability,
    AvailabilityException,
    BookingPolicy,
    Schedule,
    ScheduleDelegation,
    SlotDuration,
)
from scheduling import services as kernel_services
from scheduling.admin_scoping import (
    FacilityScopedAdmin,
    FacilityScopedForm,
    ReadOnly,
    ScopedInline,
    administered_facility_ids,
    in_zone,
)
from scheduling.permissions import Action, role_allows, roles_allowed


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


class EditedOnTheAvailabilityPage(ReadOnly):
    """View only, with a link to the resource's availability page, where the services change it."""

    change_form_template = "admin/availability/edited_elsewhere.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            resource_id = self._resource_id(obj)
            extra_context = {
                **(extra_context or {}),
                "availability_page": reverse(
                    "availability:resource",
                    kwargs={"facility_slug": obj.facility.slug, "resource_id": resource_id},
                ),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def _resource_id(self, obj) -> int:
        return obj.resource_id


class AvailabilityInline(ScopedInline, admin.TabularInline):
    model = Availability
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
class ScheduleAdmin(EditedOnTheAvailabilityPage, FacilityScopedAdmin):
    list_display = ["id", "resource", "name", "valid_from", "valid_till", "previous", "facility"]
    list_filter = ["facility", "resource__kind", "valid_from"]
    search_fields = ["name", "resource__name"]
    date_hierarchy = "valid_from"
    inlines = [AvailabilityInline]


@admin.register(Availability)
class AvailabilityAdmin(EditedOnTheAvailabilityPage, FacilityScopedAdmin):
    list_display = ["id", "schedule", "weekdays", "start_time", "end_time", "type", "slot_size_minutes", "facility"]
    list_filter = ["type", "facility"]
    search_fields = ["name", "schedule__resource__name"]

    def _resource_id(self, obj) -> int:
        return obj.schedule.resource_id


@admin.register(AvailabilityException)
class AvailabilityExceptionAdmin(EditedOnTheAvailabilityPage, FacilityScopedAdmin):
    list_display = ["resource", "is_available", "start", "end", "reason", "type", "facility"]
    list_filter = ["is_available", "type", "facility"]
    search_fields = ["reason", "resource__name"]
    date_hierarchy = "start"

    def subtitle_of(self, obj) -> str:
        kind = "Extra time" if obj.is_available else "Unavailable"
        return f"{kind} {in_zone(obj.start, obj.facility.time_zone)}: {obj.reason}"


@admin.register(BookingPolicy)
class BookingPolicyAdmin(BumpsAvailabilityVersion, FacilityScopedAdmin):
    list_display = ["resource", "booking_horizon_days", "booking_notice_minutes", "default_slot_minutes", "facility"]
    list_filter = ["facility"]
    search_fields = ["resource__name"]

    def get_readonly_fields(self, request, obj=None):
        # A policy stays with its resource: moving it would change two resources unannounced.
        return ["facility", "resource"] if obj else []


@admin.register(SlotDuration)
class SlotDurationAdmin(FacilityScopedAdmin):
    list_display = ["appointment_type", "department", "minutes", "facility"]
    list_filter = ["facility"]
    search_fields = ["appointment_type__name", "department__name"]


class DelegationForm(FacilityScopedForm):
    """The rules of ``delegation_grant``: the delegate is a member whose role may manage delegated
    availability, not the resource's own clinician, and not already a delegate of it."""

    class Meta:
        model = ScheduleDelegation
        fields = ["facility", "resource", "delegate"]

    def clean(self):
        cleaned = super().clean()
        facility, resource, delegate = (cleaned.get(name) for name in ("facility", "resource", "delegate"))
        if not (facility and resource and delegate) or self.has_error("delegate") or self.has_error("resource"):
            return cleaned
        membership = facility.memberships.filter(user=delegate).first()
        if membership is None:
            self.add_error("delegate", "No member of this facility is this user.")
        elif not role_allows(membership.role, Action.AVAILABILITY_MANAGE_DELEGATED):
            self.add_error("delegate", f"A member with the role '{membership.role}' cannot manage availability.")
        elif delegate.pk == resource.user_id:
            self.add_error("delegate", "This member already manages their own availability.")
        elif ScheduleDelegation.objects.filter(resource=resource, delegate=delegate, revoked_at__isnull=True).exists():
            raise ValidationError("This member already manages this availability.")
        return cleaned


@admin.register(ScheduleDelegation)
class ScheduleDelegationAdmin(FacilityScopedAdmin):
    """Granted here by whoever is signed in; revoked on the availability page (its service)."""

    form = DelegationForm
    list_display = ["resource", "delegate", "granted_by", "created_at", "revoked_at", "facility"]
    list_filter = ["facility", "revoked_at"]
    search_fields = ["resource__name", "delegate__username"]

    def has_change_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "delegate":
            # One filter() call: role and facility are of the same membership.
            membership = {"memberships__role__in": roles_allowed(Action.AVAILABILITY_MANAGE_DELEGATED)}
            if not request.user.is_superuser:
                membership["memberships__facility__in"] = administered_facility_ids(request.user)
            kwargs["queryset"] = get_user_model().objects.filter(**membership).distinct().order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        obj.granted_by = request.user
        super().save_model(request, obj, form, change)
