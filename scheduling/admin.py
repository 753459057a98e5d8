from django.contrib import admin

from scheduling.admin_scoping import FacilityScopedAdmin, administered_facility_ids
from scheduling.models import (
    AppointmentType,
    Comment,
    Department,
    Facility,
    Membership,
    OutboxMessage,
    Patient,
    SchedulableResource,
)


@admin.register(Facility)
class FacilityAdmin(FacilityScopedAdmin):
    facility_path = "pk"
    list_display = ["name", "slug", "time_zone", "public_id"]
    search_fields = ["name", "slug"]
    list_filter = ["time_zone"]
    readonly_fields = ["public_id", "created_at"]

    def _facility_id_of(self, obj):
        return obj.pk

    def has_add_permission(self, request):
        return request.user.is_superuser


@admin.register(Membership)
class MembershipAdmin(FacilityScopedAdmin):
    list_display = ["user", "facility", "role", "created_at"]
    list_filter = ["role", "facility"]
    search_fields = ["user__username", "user__email", "facility__name"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A facility admin picks among their own members; new people join through the API.
        if db_field.name == "user" and not request.user.is_superuser:
            kwargs["queryset"] = db_field.related_model.objects.filter(
                memberships__facility__in=administered_facility_ids(request.user)
            ).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Department)
class DepartmentAdmin(FacilityScopedAdmin):
    list_display = ["name", "code", "facility"]
    list_filter = ["facility"]
    search_fields = ["name", "code"]


@admin.register(AppointmentType)
class AppointmentTypeAdmin(FacilityScopedAdmin):
    list_display = ["name", "code", "default_minutes", "active", "facility"]
    list_filter = ["active", "facility"]
    search_fields = ["name", "code"]


@admin.register(Patient)
class PatientAdmin(FacilityScopedAdmin):
    list_display = ["name", "mrn", "date_of_birth", "phone", "facility"]
    list_filter = ["facility"]
    search_fields = ["name", "mrn", "phone"]
    date_hierarchy = "created_at"


@admin.register(SchedulableResource)
class SchedulableResourceAdmin(FacilityScopedAdmin):
    list_display = ["name", "kind", "department", "user", "active", "facility"]
    list_filter = ["kind", "active", "facility", "department"]
    search_fields = ["name", "department__name", "user__username"]


@admin.register(Comment)
class CommentAdmin(FacilityScopedAdmin):
    list_display = ["content_type", "object_id", "author", "created_at", "facility"]
    list_filter = ["content_type", "facility"]
    search_fields = ["text", "author__username"]
    readonly_fields = ["content_type", "object_id", "author", "created_at"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Superusers only, read-only: delivery bookkeeping of every facility, with no history."""

    list_display = ["task", "created_at", "attempts", "sent_at", "last_error"]
    list_filter = ["task", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["task", "last_error"]
    date_hierarchy = "created_at"

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
