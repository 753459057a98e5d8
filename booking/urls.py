"""Front-desk booking pages under ``/f/<facility_slug>/bookings/``."""

from django.urls import path

from booking import views
from booking.views.forms import WalkInResourceView

app_name = "booking"

booking = "<int:booking_id>/"

urlpatterns = [
    path("", views.DayView.as_view(), name="day"),
    path("week/", views.WeekView.as_view(), name="week"),
    path("month/", views.MonthView.as_view(), name="month"),
    path("new/", views.BookingCreateView.as_view(), name="new"),
    path("walk-in/", views.WalkInView.as_view(), name="walk_in"),
    path("walk-in/resource/", WalkInResourceView.as_view(), name="walk_in_resource"),
    path("slots/", views.SlotPickerView.as_view(), name="slots"),
    path("team/", views.TeamSelectsView.as_view(), name="team"),
    path("duration/", views.DurationSuggestionView.as_view(), name="duration"),
    path("patients/", views.PatientSearchView.as_view(), name="patient_search"),
    path("patients/pick/", views.PatientPickView.as_view(), name="patient_pick"),
    path(booking, views.BookingDetailView.as_view(), name="detail"),
    path(booking + "reschedule/", views.BookingRescheduleView.as_view(), name="reschedule"),
    *[
        path(booking + f"{move}/", views.BookingTransitionView.as_view(), {"move": move}, name=move.replace("-", "_"))
        for move in views.DESK_TRANSITIONS
    ],
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path("notifications/read-all/", views.NotificationReadAllView.as_view(), name="notifications_read_all"),
    path("notifications/settings/", views.NotificationSettingsView.as_view(), name="notification_settings"),
    path("notifications/<int:notification_id>/read/", views.NotificationReadView.as_view(), name="notification_read"),
]
