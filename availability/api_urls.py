"""Availability endpoints under ``/api/v1/facilities/<facility_slug>/``."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from availability import api

router = SimpleRouter()
router.register("schedules", api.ScheduleViewSet, basename="availability-schedule")
router.register("exceptions", api.ExceptionViewSet, basename="availability-exception")
router.register("slot-durations", api.SlotDurationViewSet, basename="availability-slot-duration")
router.register("delegations", api.DelegationViewSet, basename="availability-delegation")

windows = api.ScheduleAvailabilityViewSet

urlpatterns = [
    *router.urls,
    path(
        "schedules/<int:schedule_pk>/availabilities/",
        windows.as_view({"get": "list", "post": "create"}),
        name="availability-window-list",
    ),
    path(
        "schedules/<int:schedule_pk>/availabilities/<int:pk>/",
        windows.as_view({"get": "retrieve", "put": "update", "delete": "destroy"}),
        name="availability-window-detail",
    ),
    path(
        "resources/<int:resource_id>/slots/",
        api.SlotViewSet.as_view({"get": "resource_slots"}),
        name="availability-resource-slots",
    ),
    path(
        "resources/<int:resource_id>/availability-stats/",
        api.SlotViewSet.as_view({"get": "resource_stats"}),
        name="availability-resource-stats",
    ),
    path(
        "resources/<int:resource_id>/booking-policy/",
        api.BookingPolicyViewSet.as_view({"get": "retrieve", "put": "update"}),
        name="availability-booking-policy",
    ),
    path("slots/", api.SlotViewSet.as_view({"get": "search"}), name="availability-slot-search"),
]
