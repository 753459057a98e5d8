"""What the clerk reads after a leave is applied: where each moved patient went (the resource,
which may be another of the same kind, and the day as every other page writes it, 'Wed 9 Dec')."""

import pytest
from django.utils import timezone

from booking.models import Booking
from tests.availability.test_pages_windows import clinic, desk_day, hidden_leave, leave_body, page  # noqa: F401 - fixtures


@pytest.mark.django_db
def test_a_moved_booking_is_reported_with_its_resource_and_day(client, clinic, desk_day):  # noqa: F811
    first, second = desk_day
    listing = client.post(page(clinic.facility, "exception_add", resource_id=clinic.chair.pk), leave_body(clinic))
    hidden = hidden_leave(listing)

    response = client.post(
        page(clinic.facility, "leave_apply", resource_id=clinic.chair.pk),
        {**hidden, "booking": [first.pk, second.pk], "all": "move"},
        follow=True,
    )

    moved = Booking.objects.get(replaces=first)
    with timezone.override(clinic.facility.time_zone):
        local = timezone.localtime(moved.start)
    when = f"{local:%a} {local.day} {local:%b %Y %H:%M}"
    told = [str(message) for message in response.context["messages"]]
    assert f"{first.patient.name} moved to {clinic.chair.name}, {when}; the patient is told." in told
