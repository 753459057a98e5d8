"""What a patient reads when leave moves or cancels their booking: whole sentences (the clerk's
reason used to run into "Please call us") and days as the rest of CareSlot writes them ('Tue 8
Dec', not 'Tue 08 Dec')."""

import pytest

from booking.models import PatientMessage
from booking.services import leave
from tests.booking.test_leave import apply
from tests.booking.test_seams import book


def day(clinic, instant) -> str:
    local = instant.astimezone(clinic.at("00:00").tzinfo)
    return f"{local:%a} {local.day} {local:%b %Y} at {local:%H:%M}"


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["Chair out of order", "Chair out of order."])
def test_the_cancelled_patient_reads_the_reason_as_its_own_sentence(clinic, reason, django_capture_on_commit_callbacks):
    booking = book(clinic, clinic.at("10:00"), clinic.at("10:30"), patient=clinic.patients[0])
    with django_capture_on_commit_callbacks(execute=True):
        apply(clinic, {booking.pk: leave.Decision(leave.CANCEL, reason)})

    text = PatientMessage.objects.get(booking_id=booking.pk).text
    assert text == (
        f"Your {booking.appointment_type.name} appointment on {day(clinic, booking.start)} is cancelled: "
        "Chair out of order. Please call us to book a new time."
    )


@pytest.mark.django_db
def test_the_moved_patient_reads_both_days_unpadded(clinic, django_capture_on_commit_callbacks):
    booking = book(clinic, clinic.at("10:00"), clinic.at("10:30"), patient=clinic.patients[0])
    with django_capture_on_commit_callbacks(execute=True):
        outcome = apply(clinic, {booking.pk: leave.Decision(leave.MOVE)})

    ((_, new),) = outcome.moved
    text = PatientMessage.objects.get(booking=new).text
    assert f"on {day(clinic, booking.start)} has moved to {day(clinic, new.start)} with Chair 01." in text
