"""Django admin scoped to the tenant: a facility administrator (a staff user with the admin role)
sees and edits only rows of the facilities they administer; superusers see everything.
Every app's ModelAdmin derives from ``FacilityScopedAdmin`` (with history), or from
``FacilityScopedDerivedAdmin`` for the few tables declared derived state, which keep none."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from scheduling.models import Facility, Membership, Role


def administered_facility_ids(user) -> set[int]:
    if not (user.is_active and user.is_staff):
        return set()
    cache_name = "_administered_facility_ids"
    if not hasattr(user, cache_name):
        ids = set(Membership.objects.filter(user=user, role=Role.ADMIN).values_list("facility_id", flat=True))
        setattr(user, cache_name, ids)
    return getattr(user, cache_name)


class FacilityScoping:
    #: lookup path from the model to its facility
    facility_path = "facility"

    def _facility_id_of(self, obj) -> int | None:
        target = obj
        for part in self.facility_path.split("__"):
            target = getattr(target, part, None)
        return getattr(target, "pk", None)

    def _allowed(self, request, obj=None) -> bool:
        if request.user.is_superuser:
            return True
        facilities = administered_facility_ids(request.user)
        if not facilities:
            return False
        return obj is None or self._facility_id_of(obj) in facilities

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.facility_path}__in": administered_facility_ids(request.user)})

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        # Records are deactivated, not erased, so the audit trail stays whole.
        return request.user.is_superuser

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            facilities = administered_facility_ids(request.user)
            related = db_field.related_model
            if related is Facility:
                kwargs["queryset"] = Facility.objects.filter(pk__in=facilities)
            elif any(f.name == "facility" for f in related._meta.get_fields()):
                kwargs["queryset"] = related._default_manager.filter(facility__in=facilities)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class FacilityScopedAdmin(FacilityScoping, SimpleHistoryAdmin):
    """A tenant-scoped admin that shows each row's audit history."""


class FacilityScopedDerivedAdmin(FacilityScoping, admin.ModelAdmin):
    """A tenant-scoped admin for derived state (no history of its own; see the model)."""
