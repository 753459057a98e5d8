from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from scheduling import services
from scheduling.admin_scoping import FacilityScopedAdmin, FacilityScopedForm, facility_lookup
from scheduling.models import (
    AppointmentType,
    Comment,
    Department,
    Facility,
    Membership,
    OutboxMessage,
    Patient,
    Role,
    SchedulableResource,
)


@admin.register(Facility)
class FacilityAdmin(FacilityScopedAdmin):
    facility_path = "pk"
    list_display = ["name", "slug", "time_zone", "notify_department_desk", "public_id"]
    search_fields = ["name", "slug"]
    list_filter = ["time_zone", "notify_department_desk"]
    readonly_fields = ["public_id", "created_at"]

    def _facility_id_of(self, obj):
        return obj.pk

    def has_add_permission(self, request):
        return request.user.is_superuser


class MembershipForm(FacilityScopedForm):
    # A membership is what makes its user a member: anyone already in one of the administrator's
    # facilities may be offered (the widget's scope), not only members of this one.
    user_fields_of_anyone = ("user",)

    def clean_role(self):
        role = self.cleaned_data["role"]
        membership = self.instance
        if (
            membership.pk
            and membership.role == Role.ADMIN
            and role != Role.ADMIN
            and not Membership.objects.filter(facility_id=membership.facility_id, role=Role.ADMIN)
            .exclude(pk=membership.pk)
            .exists()
        ):
            raise ValidationError("This is the facility's last administrator.")
        return role


@admin.register(Membership)
class MembershipAdmin(FacilityScopedAdmin):
    """Saved through the kernel's services: the last administrator is kept (under lock), an
    administrator is let into this site, and the desk's department is one of the facility's (the
    form refuses another facility's, as the service does)."""

    form = MembershipForm
    list_display = ["user", "facility", "role", "department", "notify_by", "created_at"]
    list_filter = ["role", "notify_by", "facility", "department"]
    search_fields = ["user__username", "user__email", "facility__name"]

    def get_readonly_fields(self, request, obj=None):
        return ["facility", "user", "created_at"] if obj else ["created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            saved = services.membership_create(
                facility=obj.facility,
                actor=request.user,
                username=obj.user.get_username(),
                role=obj.role,
                department=obj.department,
                notify_by=obj.notify_by,
            )
            obj.pk, obj.created_at = saved.pk, saved.created_at
            return
        # Each service only for what changed: a save that changes nothing writes no history.
        if "role" in form.changed_data:
            services.membership_update(facility=obj.facility, actor=request.user, membership_id=obj.pk, role=obj.role)
        settings_changed = {
            name: getattr(obj, name) for name in ("department", "notify_by") if name in form.changed_data
        }
        if settings_changed:
            services.membership_settings_update(
                facility=obj.facility, actor=request.user, membership_id=obj.pk, changes=settings_changed
            )


@admin.register(Department)
class DepartmentAdmin(FacilityScopedAdmin):
    list_display = ["name", "code", "facility"]
    list_filter = ["facility"]
    search_fields = ["name", "code"]


@admin.register(AppointmentType)
class AppointmentTypeAdmin(FacilityScopedAdmin):
    list_display = ["name", "code", "default_minutes", "needs", "active", "facility"]
    list_filter = ["active", "facility"]
    search_fields = ["name", "code"]

    @admin.display(description="Resources it needs")
    def needs(self, appointment_type) -> str:
        return ", ".join(need["role"] for need in appointment_type.resource_needs) or "any one resource"


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


def commentable_content_types():
    """The kinds of object a comment may be about: rows of a facility."""
    models = [model for model in apps.get_models() if facility_lookup(model) == "facility"]
    return ContentType.objects.filter(pk__in=[t.pk for t in ContentType.objects.get_for_models(*models).values()])


class CommentForm(FacilityScopedForm):
    """The target is looked up in the comment's facility only, as ``comment_add`` insists."""

    class Meta:
        model = Comment
        fields = ["facility", "content_type", "object_id", "text"]

    target = None

    def clean(self):
        cleaned = super().clean()
        facility, content_type, object_id = (cleaned.get(name) for name in ("facility", "content_type", "object_id"))
        if facility and content_type and object_id is not None:
            model = content_type.model_class()
            self.target = model._default_manager.filter(pk=object_id, facility=facility).first() if model else None
            if self.target is None:
                self.add_error("object_id", f"No {content_type.name} with this id in {facility}.")
        return cleaned


@admin.register(Comment)
class CommentAdmin(FacilityScopedAdmin):
    """Comments are added through ``comment_add`` (author: whoever is signed in) and then kept as
    written: no change in admin."""

    form = CommentForm
    list_display = ["content_type", "object_id", "author", "created_at", "facility"]
    list_filter = ["content_type", "facility"]
    search_fields = ["text", "author__username"]
    readonly_fields = ["target_shown", "author", "created_at"]

    @admin.display(description="about")
    def target_shown(self, obj):
        model = obj.content_type.model_class() if obj.content_type_id else None
        return model._default_manager.filter(pk=obj.object_id, facility=obj.facility_id).first() if model else None

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["facility", "content_type", "object_id", "text"]
        return ["facility", "content_type", "object_id", "target_shown", "text", "author", "created_at"]

    def has_change_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "content_type":
            kwargs["queryset"] = commentable_content_types()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        saved = services.comment_add(facility=obj.facility, actor=request.user, target=form.target, text=obj.text)
        obj.pk, obj.author, obj.created_at = saved.pk, saved.author, saved.created_at


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
