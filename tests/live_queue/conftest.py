import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from booking import services as booking_services
from scheduling.models import Role


def book_today(clinic, patient, *, minutes_from_now: int = 5, resource=None, actor=None):
    """A booking of today, made through the service as the desk would (with a ``now`` before it
    so availability's notice and past checks pass)."""
    start = (timezone.now() + dt.timedelta(minutes=minutes_from_now)).replace(second=0, microsecond=0)
    zone = ZoneInfo(clinic.facility.time_zone)
    if (start + dt.timedelta(minutes=20)).astimezone(zone).date() != timezone.now().astimezone(zone).date():
        # Late in the evening "later" would be tomorrow, and check-in takes only today's
        # bookings: the same booking earlier today serves (emergencies may lie in the past).
        start -= dt.timedelta(hours=3)
    return booking_services.booking_create(
        facility=clinic.facility,
        actor=actor or clinic.admin,
        actor_role=Role.ADMIN,
        request=booking_services.BookingRequest(
            patient_id=patient.pk,
            appointment_type_id=clinic.visit.pk,
            start=start,
            end=start + dt.timedelta(minutes=20),
            resources=((booking_services.ResourceRequest((resource or clinic.chair).pk)),),
            kind="emergency",  # emergencies skip availability, so any time of today can be booked
        ),
        now=start - dt.timedelta(hours=1),
    )


@pytest.fixture
def desk(facility, make_member):
    return make_member(facility, Role.SCHEDULER, username="desk")
