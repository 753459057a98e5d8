"""REST API of availability (see ``availability.api.views``)."""

from availability.api.views import (
    BookingPolicyViewSet,
    DelegationViewSet,
    ExceptionViewSet,
    ScheduleAvailabilityViewSet,
    ScheduleViewSet,
    SlotDurationViewSet,
    SlotViewSet,
)

__all__ = [
    "BookingPolicyViewSet",
    "DelegationViewSet",
    "ExceptionViewSet",
    "ScheduleAvailabilityViewSet",
    "ScheduleViewSet",
    "SlotDurationViewSet",
    "SlotViewSet",
]
