from django.contrib import admin

from booking.models import Booking, BookingResource, Notification, PatientMessage, TokenBooking, TokenSlot
from scheduling.admin_scoping import FacilityScopedAdmin, FacilityScopedDerivedAdmin, ScopedInline, in_zone


class BookingResourceInline(ScopedInline, admin.TabularInline):
    """The resources a booking holds, shown on its page (times in the facility's zone)."""

    model = BookingResource
    verbose_name_plural = "booked resources"
    fields = ["resource", "role", "start", "end", "holds_time", "token_slot"]
    readonly_fields = fields


@admin.register(Booking)
class BookingAdmin(FacilityScopedAdmin):
    """Read-mostly: bookings change through the services (locks, availability, life cycle),
    so admin shows them with their history rather than editing times or status."""

    list_display = [
        "id",
        "patient",
        "appointment_type",
        "start",
        "end",
        "resources_held",
        "status",
        "kind",
        "priority",
        "facility",
    ]
    list_filter = ["status", "kind", "priority", "is_vip", "facility"]
    search_fields = ["patient__name", "patient__mrn", "note"]
    date_hierarchy = "start"
    inlines = [BookingResourceInline]
    readonly_fields = [
        "facility",
        "patient",
        "appointment_type",
        "kind",
        "priority",
        "status",
        "holds_time",
        "start",
        "end",
        "booked_by",
        "replaces",
        "status_changed_at",
        "status_changed_by",
        "checked_in_at",
        "actual_start",
        "actual_end",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("resources__resource")

    @admin.display(description="resources")
    def resources_held(self, booking) -> str:
        """Every resource of the booking (a theatre case: the theatre and its team), in order."""
        return ", ".join(row.resource.name for row in booking.resources.all())

    def subtitle_of(self, obj) -> str:
        return f"Booking #{obj.pk} ({obj.status}) {in_zone(obj.start, obj.facility.time_zone)}"


@admin.register(TokenSlot)
class TokenSlotAdmin(FacilityScopedDerivedAdmin):
    list_display = ["resource", "start", "end", "allocated", "capacity", "facility"]
    list_filter = ["facility"]
    search_fields = ["resource__name"]
    date_hierarchy = "start"
    readonly_fields = ["facility", "resource", "start", "end", "capacity", "allocated"]

    def subtitle_of(self, obj) -> str:
        start = in_zone(obj.start, obj.facility.time_zone)
        return f"Token slot {start} of {obj.resource} ({obj.allocated}/{obj.capacity})"

    def has_add_permission(self, request):
        return False


@admin.register(TokenBooking)
class TokenBookingAdmin(FacilityScopedAdmin):
    list_display = ["booking", "slot", "holds_time", "facility"]
    list_filter = ["holds_time", "facility"]
    search_fields = ["booking__patient__name", "booking__patient__mrn"]
    readonly_fields = ["facility", "slot", "booking", "holds_time"]

    def has_add_permission(self, request):
        return False


@admin.register(Notification)
class NotificationAdmin(FacilityScopedDerivedAdmin):
    list_display = ["recipient", "event", "booking", "created_at", "read_at", "emailed_at", "facility"]
    list_filter = ["event", "facility"]
    search_fields = ["recipient__username", "message"]
    readonly_fields = ["facility", "recipient", "booking", "event", "event_id", "message", "created_at", "emailed_at"]

    def has_add_permission(self, request):
        return False


@admin.register(PatientMessage)
class PatientMessageAdmin(FacilityScopedDerivedAdmin):
    """What patients were told, and when the backend took it (no SMS gateway is wired yet)."""

    list_display = ["patient", "channel", "booking", "created_at", "sent_at", "facility"]
    list_filter = ["channel", "facility"]
    search_fields = ["patient__name", "patient__mrn", "text"]
    readonly_fields = ["facility", "patient", "booking", "text", "channel", "created_at", "sent_at"]

    def has_add_permission(self, request):
        return False
