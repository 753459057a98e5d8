"""Leave that would strand bookings (booking.services.leave): the bookings in its span are listed,
moved (the next free slot of the same resource after the leave, or another resource of its kind)
or cancelled with a reason, each patient told, and the leave applied only if nothing is left in
its span — including a booking that arrived between the listing and the applying."""

import logging

import pytest

from availability.models import AvailabilityException
from booking import services
from booking.models import Booking, PatientMessage, Status
from booking.services import leave
from scheduling.errors import ApplicationError
from scheduling.models import ResourceKind, Role
from tests.availability.factories import make_schedule, window
from tests.booking.conftest import EVERY_DAY, theatre_team
from tests.booking.test_concurrency import run_concurrently
from tests.booking.test_seams import attempt, book, slow_check  # noqa: F401
from tests.factories import ResourceFactory


def apply(clinic, decisions, start="08:00", end="20:00", resource=None, role=Role.ADMIN, actor=None):
    return services.leave_apply(
        facility=clinic.facility,
        actor=actor or clinic.admin,
        actor_role=role,
        resource_id=(resource or clinic.chair).pk,
        start=clinic.at(start),
        end=clinic.at(end),
        reason="Chair repair",
        decisions=decisions,
    )


def affected(clinic, start="08:00", end="20:00"):
    return services.leave_affected_bookings(
        facility=clinic.facility, resource_id=clinic.chair.pk, start=clinic.at(start), end=clinic.at(end)
    )


@pytest.fixture
def second_chair(clinic):
    chair = ResourceFactory(facility=clinic.facility, kind=ResourceKind.CHAIR, name="Chair 02")
    make_schedule(clinic.facility, chair, clinic.admin, window(EVERY_DAY, "08:00", "20:00", type="open"))
    return chair


@pytest.mark.django_db
def test_the_bookings_a_leave_would_strand_are_listed(clinic):
    first = book(clinic, clinic.at("10:00"), clinic.at("10:30"), patient=clinic.patients[0])
    second = book(clinic, clinic.at("14:00"), clinic.at("14:30"), patient=clinic.patients[1])
    book(clinic, clinic.at("10:00", days_ahead=3), clinic.at("10:30", days_ahead=3), patient=clinic.patients[2])
    assert [b.pk for b in affected(clinic)] == [first.pk, second.pk]
    assert [b.pk for b in affected(clinic, "12:00", "13:00")] == []


@pytest.mark.django_db
def test_moving_one_and_cancelling_the_other_then_the_leave_applies(clinic, caplog, django_capture_on_commit_callbacks):
    first = book(clinic, clinic.at("10:00"), clinic.at("10:30"), patient=clinic.patients[0])
    second = book(clinic, clinic.at("14:00"), clinic.at("14:30"), patient=clinic.patients[1])
    with (
        caplog.at_level(logging.INFO, logger="booking.services.patient_messages"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        outcome = apply(
            clinic,
            {first.pk: leave.Decision(leave.MOVE), second.pk: leave.Decision(leave.CANCEL, "Chair out of order")},
        )
    assert outcome.waiting == [] and outcome.failed == []
    exception = AvailabilityException.objects.get()
    assert (exception.start, exception.end, exception.is_available) == (clinic.at("08:00"), clinic.at("20:00"), False)
    ((old, new),) = outcome.moved
    # The next free slot of the same chair after the leave: 08:00 the next morning.
    assert (new.start, new.end) == (clinic.at("08:00", days_ahead=3), clinic.at("08:30", days_ahead=3))
    assert Booking.objects.get(pk=first.pk).status == Status.RESCHEDULED
    assert Booking.objects.get(pk=new.pk).replaces_id == first.pk
    cancelled = Booking.objects.get(pk=second.pk)
    assert (cancelled.status, cancelled.cancel_reason) == (Status.CANCELLED, "Chair out of order")
    moved_message = PatientMessage.objects.get(booking=new)
    assert moved_message.patient_id == clinic.patients[0].pk and "has moved to" in moved_message.text
    assert "Chair 01" in moved_message.text and moved_message.sent_at is not None  # the logging backend
    cancel_message = PatientMessage.objects.get(booking=cancelled)
    assert "is cancelled: Chair out of order" in cancel_message.text
    assert "has moved to" in caplog.text


@pytest.mark.django_db
def test_a_move_to_another_chair_keeps_the_patients_time(clinic, second_chair):
    first = book(clinic, clinic.at("10:00"), clinic.at("10:30"))
    outcome = apply(clinic, {first.pk: leave.Decision(leave.MOVE_OTHER)})
    ((_, new),) = outcome.moved
    assert (new.start, [r.resource_id for r in new.resources.all()]) == (clinic.at("10:00"), [second_chair.pk])
    assert outcome.exception is not None


@pytest.mark.django_db
def test_the_proposals_shown_before_applying(clinic, second_chair):
    first = book(clinic, clinic.at("10:00"), clinic.at("10:30"))
    proposals = services.leave_proposals(
        facility=clinic.facility, booking=affected(clinic)[0], resource_id=clinic.chair.pk, leave_end=clinic.at("20:00")
    )
    assert proposals[leave.MOVE].start == clinic.at("08:00", days_ahead=3)
    assert (proposals[leave.MOVE_OTHER].resource_name, proposals[leave.MOVE_OTHER].start) == (
        "Chair 02",
        clinic.at("10:00"),
    )
    assert Booking.objects.get(pk=first.pk).status == Status.SCHEDULED  # nothing moved by looking


@pytest.mark.django_db
def test_a_booking_made_between_listing_and_applying_is_shown_not_stranded(clinic):
    listed = book(clinic, clinic.at("10:00"), clinic.at("10:30"), patient=clinic.patients[0])
    decisions = {b.pk: leave.Decision(leave.MOVE) for b in affected(clinic)}
    # Someone at the desk books inside the span while the clinician reads the list.
    arrived = book(clinic, clinic.at("15:00"), clinic.at("15:30"), patient=clinic.patients[1])
    outcome = apply(clinic, decisions)
    assert outcome.exception is None and not AvailabilityException.objects.exists()
    assert [b.pk for b in outcome.waiting] == [arrived.pk]
    assert Booking.objects.get(pk=listed.pk).status == Status.RESCHEDULED  # the listed one did move
    assert Booking.objects.get(pk=arrived.pk).status == Status.SCHEDULED
    # Deciding for the newcomer too lets the leave through.
    outcome = apply(clinic, {arrived.pk: leave.Decision(leave.CANCEL, "Clinician on leave")})
    assert outcome.waiting == [] and AvailabilityException.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_booking_in_flight_while_the_leave_applies_is_waiting_never_stranded(busy_clinic, slow_check):  # noqa: F811
    clinic = busy_clinic

    def work(index):
        if index == 0:
            return attempt(lambda: book(clinic, clinic.at("10:00"), clinic.at("10:30")))
        slow_check.wait(5)  # the booking has passed availability and holds the resource row
        return apply(clinic, {})

    booking_result, outcome = run_concurrently(2, work)
    assert booking_result == "ok"
    assert [b.pk for b in outcome.waiting] == [Booking.objects.get().pk]
    assert outcome.exception is None and not AvailabilityException.objects.exists()


@pytest.mark.django_db
def test_nothing_moves_for_someone_who_may_not_manage_the_chair(clinic, make_member):
    clinician = make_member(clinic.facility, Role.CLINICIAN, username="not-the-chairs")
    first = book(clinic, clinic.at("10:00"), clinic.at("10:30"))
    with pytest.raises(ApplicationError) as refused:
        apply(clinic, {first.pk: leave.Decision(leave.CANCEL, "x")}, role=Role.CLINICIAN, actor=clinician)
    assert refused.value.code == "permission_denied"
    assert Booking.objects.get(pk=first.pk).status == Status.SCHEDULED


@pytest.mark.django_db
def test_a_cancel_without_reason_fails_alone_and_the_leave_waits(clinic):
    first = book(clinic, clinic.at("10:00"), clinic.at("10:30"))
    outcome = apply(clinic, {first.pk: leave.Decision(leave.CANCEL, "  ")})
    assert [b.pk for b, _ in outcome.failed] == [first.pk] and "Say why" in outcome.failed[0][1]
    assert [b.pk for b in outcome.waiting] == [first.pk] and not AvailabilityException.objects.exists()


@pytest.mark.django_db
def test_a_failing_backend_leaves_the_message_unsent_but_the_move_done(
    clinic, settings, django_capture_on_commit_callbacks
):
    settings.CARESLOT_PATIENT_MESSAGE_BACKEND = "tests.booking.test_leave.broken_backend"
    first = book(clinic, clinic.at("10:00"), clinic.at("10:30"))
    with django_capture_on_commit_callbacks(execute=True):
        outcome = apply(clinic, {first.pk: leave.Decision(leave.MOVE)})
    ((_, new),) = outcome.moved
    assert PatientMessage.objects.get(booking=new).sent_at is None and outcome.exception is not None


def broken_backend(message):
    raise ConnectionError("gateway down")


@pytest.mark.django_db
def test_the_booking_page_shows_what_the_patient_was_told(clinic, client, django_capture_on_commit_callbacks):
    first = book(clinic, clinic.at("10:00"), clinic.at("10:30"), patient=clinic.patients[0])
    with django_capture_on_commit_callbacks(execute=True):
        outcome = apply(clinic, {first.pk: leave.Decision(leave.CANCEL, "Chair out of order")})
    assert outcome.exception is not None
    client.force_login(clinic.admin)
    page = client.get(f"/f/{clinic.facility.slug}/bookings/{first.pk}/").content.decode()
    assert "Patient told" in page
    assert "is cancelled: Chair out of order" in page


@pytest.mark.django_db
def test_a_team_moved_for_the_theatres_leave_keeps_each_members_role(clinic):
    team = theatre_team(clinic)
    # Booked with the newer practitioner as surgeon, so the team's rows read back by id are not
    # in the order of its needs.
    case = services.booking_create(
        facility=clinic.facility,
        actor=clinic.admin,
        actor_role=Role.ADMIN,
        request=services.BookingRequest(
            patient_id=clinic.patients[0].pk,
            appointment_type_id=team["case"].pk,
            start=clinic.at("10:00"),
            end=clinic.at("12:00"),
            resources=tuple(
                services.ResourceRequest(r.pk)
                for r in (clinic.theatre, team["anaesthetist"], team["surgeon"], team["nurse"])
            ),
        ),
    )
    outcome = apply(clinic, {case.pk: leave.Decision(leave.MOVE)}, resource=clinic.theatre)
    assert outcome.failed == [] and outcome.exception is not None
    ((_, moved),) = outcome.moved
    roles = {row.resource_id: row.role for row in moved.resources.all()}
    assert roles == {
        clinic.theatre.pk: "Theatre",
        team["anaesthetist"].pk: "Surgeon",
        team["surgeon"].pk: "Anaesthetist",
        team["nurse"].pk: "Scrub nurse",
    }
