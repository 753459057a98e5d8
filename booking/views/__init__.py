"""Front-desk pages of bookings under ``/f/<facility_slug>/bookings/``: the day board with the week
and the month beside it, booking and walk-in forms (with htmx patient search and slot picker), a
booking's detail with its life-cycle buttons and rescheduling, and the member's notifications.

Each write calls one booking service, as the REST API does; the services decide every rule and
their ``ApplicationError`` is shown to the user (its message at the top, its fields next to the
inputs). Times are shown and entered in the facility's zone, which ``FacilityPageMixin`` activates.
"""

from booking.views.calendar import MonthView, WeekView
from booking.views.day import DayView
from booking.views.detail import DESK_TRANSITIONS, BookingDetailView, BookingRescheduleView, BookingTransitionView
from booking.views.forms import (
    BookingCreateView,
    DurationSuggestionView,
    PatientPickView,
    PatientSearchView,
    SlotPickerView,
    TeamSelectsView,
    WalkInView,
)
from booking.views.notifications import (
    NotificationListView,
    NotificationReadAllView,
    NotificationReadView,
    NotificationSettingsView,
)

__all__ = [
    "DESK_TRANSITIONS",
    "BookingCreateView",
    "BookingDetailView",
    "BookingRescheduleView",
    "BookingTransitionView",
    "DayView",
    "DurationSuggestionView",
    "MonthView",
    "NotificationListView",
    "NotificationReadAllView",
    "NotificationReadView",
    "NotificationSettingsView",
    "PatientPickView",
    "PatientSearchView",
    "SlotPickerView",
    "TeamSelectsView",
    "WalkInView",
    "WeekView",
]
