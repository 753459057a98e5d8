"""Django admin scoped to the tenant: a facility administrator (a staff user with the admin role)
sees and edits only rows of the facilities they administer; superusers see everything.
Every app's ModelAdmin derives from ``FacilityScopedAdmin`` (with history), or from
``FacilityScopedDerivedAdmin`` for the few tables declared derived state, which keep none;
``ReadOnly`` in front of either leaves a table to its services (view only).

Scoped here, for every admin alike (tests/admin/):
- the rows of the changelist and of every change, history and delete page;
- every relation widget (foreign keys, many-to-many) and list filter: a related model is scoped
  by its own admin's ``facility_path``, a user by their memberships;
- the form: a related row of another facility than the object's is refused with a form error,
  and a linked user must be a member of the object's facility (as the kernel's services insist);
- times: the change page runs in the facility's time zone and says which; list columns show
  each instant in its row's zone, abbreviation included.
"""

import datetime as dt
import zoneinfo

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import HttpResponseRedirect
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from scheduling.errors import ApplicationError
from scheduling.models import Facility, Membership, Role


def administered_facility_ids(user) -> set[int]:
    if not (user.is_active and user.is_staff):
        return set()
    cache_name = "_administered_facility_ids"
    if not hasattr(user, cache_name):
        ids = set(Membership.objects.filter(user=user, role=Role.ADMIN).values_list("facility_id", flat=True))
        setattr(user, cache_name, ids)
    return getattr(user, cache_name)


def facility_lookup(model) -> str | None:
    """The lookup from ``model`` to its facility: its admin's ``facility_path`` if it has a scoped
    admin, ``facility`` if it has the field, a user's memberships; None for a model of no facility."""
    if model is Facility:
        return "pk"
    if model is get_user_model():
        return "memberships__facility"
    model_admin = admin.site._registry.get(model)
    if isinstance(model_admin, FacilityScoping):
        return model_admin.facility_path
    if any(f.name == "facility" for f in model._meta.get_fields()):
        return "facility"
    return None


def scoped(queryset: models.QuerySet, user) -> models.QuerySet:
    """``queryset`` narrowed to the facilities ``user`` administers (all of it for a superuser).
    A model of no facility is offered to superusers only."""
    if user.is_superuser:
        return queryset
    lookup = facility_lookup(queryset.model)
    if lookup is None:
        return queryset.none()
    return queryset.filter(**{f"{lookup}__in": administered_facility_ids(user)}).distinct()


def in_zone(value: dt.datetime | None, time_zone: str, *, named: bool = False) -> str | None:
    """``2026-03-01 09:00 GMT``, or with ``named`` ``2026-03-01 09:00 GMT (Europe/London)``."""
    if value is None:
        return None
    local = value.astimezone(zoneinfo.ZoneInfo(time_zone))
    shown = f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
    return f"{shown} ({time_zone})" if named else shown


def readable_in_zone(value: dt.datetime, time_zone: str) -> str:
    """``Mon 7 Dec 2026 09:30 (Europe/London)``: an instant as a person at the facility reads it."""
    local = value.astimezone(zoneinfo.ZoneInfo(time_zone))
    return f"{local:%a} {local.day} {local:%b %Y %H:%M} ({time_zone})"


class ZonedHistoryChanges(HistoricalRecordContextHelper):
    """A history page's "Changes" column with each changed instant in the facility's zone, read
    as a person would (``readable_in_zone``), not as a UTC ISO string."""

    def __init__(self, model, historical_record, *, time_zone: str, **kwargs):
        super().__init__(model, historical_record, **kwargs)
        self.time_zone = time_zone

    def prepare_delta_change_value(self, change, value):
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            return readable_in_zone(value, self.time_zone)
        return super().prepare_delta_change_value(change, value)


class FacilityScopedForm(forms.ModelForm):
    """Refuses links across facilities: every related row must belong to the object's facility,
    and a linked user must be one of its members (``user_fields_of_anyone`` are exempt)."""

    user_fields_of_anyone: tuple[str, ...] = ()

    def clean(self):
        cleaned = super().clean()
        facility_id = self._facility_id(cleaned)
        if facility_id is None:
            return cleaned
        for name, value in list(cleaned.items()):
            field = self._model_field(name)
            if field is None or not field.is_relation or field.related_model is Facility or value is None:
                continue
            related = list(value) if field.many_to_many else [value]
            if field.related_model is get_user_model():
                if name in self.user_fields_of_anyone:
                    continue
                members = Membership.objects.filter(user__in=related, facility_id=facility_id).count()
                if members != len(related):
                    self.add_error(name, "This user is not a member of the facility.")
                continue
            lookup = facility_lookup(field.related_model)
            if lookup is None:
                continue
            inside = field.related_model._default_manager.filter(
                pk__in=[r.pk for r in related], **{lookup: facility_id}
            ).count()
            if inside != len({r.pk for r in related}):
                self.add_error(name, "This belongs to another facility.")
        return cleaned

    def _facility_id(self, cleaned) -> int | None:
        if isinstance(self.instance, Facility):
            return None
        if isinstance(cleaned.get("facility"), Facility):
            return cleaned["facility"].pk
        return getattr(self.instance, "facility_id", None)

    def _model_field(self, name: str):
        try:
            return self._meta.model._meta.get_field(name)
        except FieldDoesNotExist:  # a form field that is not a model field
            return None


class FacilityScoping:
    #: lookup path from the model to its facility
    facility_path = "facility"
    form = FacilityScopedForm

    def _facility_of(self, obj) -> Facility | None:
        if isinstance(obj, Facility):
            return obj
        target = obj
        for part in self.facility_path.split("__"):
            target = getattr(target, part, None)
        return target

    def _facility_id_of(self, obj) -> int | None:
        return getattr(self._facility_of(obj), "pk", None)

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

    # --- relation widgets and list filters -----------------------------------------------

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", scoped(db_field.related_model._default_manager.all(), request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        """An instant entered on a change page is the facility's wall-clock time: its label says so."""
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        zone = getattr(request, "admin_time_zone", None)
        if zone and field is not None and isinstance(db_field, models.DateTimeField):
            field.label = f"{field.label} ({zone})"
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", scoped(db_field.related_model._default_manager.all(), request.user))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_list_filter(self, request):
        """A filter on a relation offers only the related rows of the rows this user sees."""
        return [self._scoped_filter(entry) for entry in super().get_list_filter(request)]

    def _scoped_filter(self, entry):
        if not isinstance(entry, str):
            return entry
        if get_fields_from_path(self.model, entry)[-1].is_relation:
            return (entry, admin.RelatedOnlyFieldListFilter)
        return entry

    # --- times in the facility's zone ----------------------------------------------------

    def get_list_display(self, request):
        """Each instant in its row's facility's zone: when the page shows one facility's rows, the
        column names the zone ("Start (Asia/Kolkata)"); otherwise each value names its own."""
        facility = self._only_facility(request) or self._filtered_facility(request)
        zone = facility.time_zone if facility else None
        return [self._local_column(name, zone) for name in super().get_list_display(request)]

    def _filtered_facility(self, request) -> Facility | None:
        """The facility the list is filtered to (its ``facility`` list filter), if any."""
        facility_id = request.GET.get(f"{self.facility_path}__id__exact") or request.GET.get(
            f"{self.facility_path}__exact"
        )
        if not facility_id or not str(facility_id).isdigit():
            return None
        return scoped(Facility.objects.filter(pk=int(facility_id)), request.user).first()

    def _local_column(self, name, zone: str | None = None):
        if not isinstance(name, str):
            return name
        try:
            field = self.model._meta.get_field(name)
        except FieldDoesNotExist:  # a method or callable of the admin
            return name
        if not isinstance(field, models.DateTimeField):
            return name
        facility_of = self._facility_of
        description = f"{field.verbose_name} ({zone})" if zone else field.verbose_name

        @admin.display(description=description, ordering=name)
        def local(obj):
            facility = facility_of(obj)
            return in_zone(getattr(obj, name), facility.time_zone if facility else "UTC", named=zone is None)

        local.__name__ = f"{name}_local"
        return local

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Shown and entered in the facility's zone, which the page names.

        A save that calls a service is checked by the form first; should the service still
        refuse it (a concurrent change its lock saw), the admin's transaction is rolled back and
        the refusal shown on the same page rather than a server error."""
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        facility = self._facility_of(obj) if obj is not None else self._only_facility(request)
        if facility is not None:
            extra_context = {**(extra_context or {}), "facility_time_zone": facility.time_zone}
            request.admin_time_zone = facility.time_zone
        try:
            return self._rendered_in_zone(
                facility, super().changeform_view, request, object_id, form_url, extra_context
            )
        except ApplicationError as refused:
            messages.error(request, refused.message)
            return HttpResponseRedirect(request.get_full_path())

    def changelist_view(self, request, extra_context=None):
        # One facility's rows: its days (date hierarchy) and times; otherwise each column names its zone.
        return self._rendered_in_zone(self._only_facility(request), super().changelist_view, request, extra_context)

    object_history_list_template = "admin/history/object_history_list.html"

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        facility = self._facility_of(obj) if obj is not None else None
        if facility is not None:
            extra_context = {
                **(extra_context or {}),
                # As the change page names it: str(obj) would give its instant in UTC under a zone's name.
                "subtitle": f"{self.subtitle_of(obj)} · times in {facility.time_zone}",
                "facility_time_zone": facility.time_zone,
            }
        request.history_time_zone = facility.time_zone if facility is not None else "UTC"
        return self._rendered_in_zone(facility, super().history_view, request, object_id, extra_context)

    def get_historical_record_context_helper(self, request, historical_record):
        return ZonedHistoryChanges(
            self.model, historical_record, time_zone=getattr(request, "history_time_zone", "UTC")
        )

    @staticmethod
    def _rendered_in_zone(facility, view, *args):
        """The view's page, rendered here inside the facility's zone (a TemplateResponse would
        otherwise render after the zone is left)."""
        zone = zoneinfo.ZoneInfo(facility.time_zone) if facility else timezone.get_current_timezone()
        with timezone.override(zone):
            response = view(*args)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
        return response

    def _only_facility(self, request) -> Facility | None:
        ids = administered_facility_ids(request.user)
        return Facility.objects.get(pk=next(iter(ids))) if len(ids) == 1 and not request.user.is_superuser else None

    def subtitle_of(self, obj) -> str:
        """The object as the page's heading names it (an instant in it should be local)."""
        return str(obj)

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        zone = context.get("facility_time_zone")
        if zone:
            shown = self.subtitle_of(obj) if obj is not None else ""
            context["subtitle"] = f"{shown} · times in {zone}" if shown else f"Times in {zone}"
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)


class ReadOnly:
    """View only: the table changes through its services (pages and API), never in admin."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedInline:
    """An inline shown with its parent to whoever may see the parent (no Django permission of its
    own is needed), read-only."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return obj is None or self.parent_admin_allowed(request, obj)

    def parent_admin_allowed(self, request, obj) -> bool:
        return admin.site._registry[type(obj)].has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class FacilityScopedAdmin(FacilityScoping, SimpleHistoryAdmin):
    """A tenant-scoped admin that shows each row's audit history."""


class FacilityScopedDerivedAdmin(FacilityScoping, admin.ModelAdmin):
    """A tenant-scoped admin for derived state (no history of its own; see the model)."""
