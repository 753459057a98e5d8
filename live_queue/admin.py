"""The day of care in Django admin, read-only and scoped to the facilities the user administers:
queues, encounters and entries change only through the live_queue services (check-in, call,
transfer…), which keep tokens, the one-open-entry rule and the booking's life cycle together."""

from django.contrib import admin

from live_queue.models import Encounter, Queue, QueueEntry
from scheduling.admin_scoping import FacilityScopedAdmin, FacilityScopedDerivedAdmin, ReadOnly


@admin.register(Queue)
class QueueAdmin(ReadOnly, FacilityScopedDerivedAdmin):
    list_display = ["name", "day", "resource", "department", "last_token", "facility"]
    list_filter = ["facility", "day", "department"]
    search_fields = ["name"]
    date_hierarchy = "day"


@admin.register(Encounter)
class EncounterAdmin(ReadOnly, FacilityScopedAdmin):
    list_display = ["id", "patient", "appointment_type", "checked_in_at", "checked_in_by", "booking", "facility"]
    list_filter = ["facility", "appointment_type"]
    search_fields = ["patient__name", "patient__mrn"]
    date_hierarchy = "checked_in_at"


@admin.register(QueueEntry)
class QueueEntryAdmin(ReadOnly, FacilityScopedAdmin):
    list_display = ["token_number", "patient", "queue", "status", "priority", "is_vip", "arrived_at", "facility"]
    list_filter = ["status", "priority", "facility", "queue"]
    search_fields = ["patient__name", "patient__mrn", "counter"]
    date_hierarchy = "arrived_at"
