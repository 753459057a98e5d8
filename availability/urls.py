"""Availability pages under ``/f/<facility_slug>/availability/``."""

from django.urls import path

from availability import leave_views, views, window_views

app_name = "availability"

resource = "resources/<int:resource_id>/"
window = resource + "schedules/<int:schedule_id>/windows/"

urlpatterns = [
    path("", views.AvailabilityHomeView.as_view(), name="home"),
    path(resource, views.ResourceAvailabilityView.as_view(), name="resource"),
    path(resource + "preview/", views.PreviewView.as_view(), name="preview"),
    path(resource + "schedules/", views.ScheduleCreateView.as_view(), name="schedule_create"),
    path(resource + "schedules/<int:schedule_id>/close/", views.ScheduleCloseView.as_view(), name="schedule_close"),
    path(window, window_views.WindowAddView.as_view(), name="window_add"),
    path(window + "<int:window_id>/", window_views.WindowEditView.as_view(), name="window_edit"),
    path(window + "<int:window_id>/remove/", window_views.WindowRemoveView.as_view(), name="window_remove"),
    path(resource + "exceptions/", views.ExceptionAddView.as_view(), name="exception_add"),
    path(
        resource + "exceptions/<int:exception_id>/remove/", views.ExceptionRemoveView.as_view(), name="exception_remove"
    ),
    path(resource + "leave/", leave_views.LeaveApplyView.as_view(), name="leave_apply"),
    path(resource + "delegations/", views.DelegationGrantView.as_view(), name="delegation_grant"),
    path(
        resource + "delegations/<int:delegation_id>/revoke/",
        views.DelegationRevokeView.as_view(),
        name="delegation_revoke",
    ),
]
