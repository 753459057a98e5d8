"""Who hears of a change to a booking: the booked resource's owner and their delegates, whoever
booked it, the department's desk when the facility asks; never every scheduler, never the member
who made the change, never a former member. A reschedule is one notice with both times; each
member hears in the app, by email or both; an event that concerns nobody queues nothing."""

import datetime as dt

import pytest
from django.core import mail

from availability import selectors as availability_selectors
from availability import services as availability_services
from booking import services
from booking.models import Notification, Status
from scheduling.models import Membership, NotifyBy, OutboxMessage, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(clinic, facility, make_member):
    """The chair's owner and the colleague they delegated it to, two front-desk schedulers, and a
    manager with no link to the chair."""
    owner = make_member(facility, Role.CLINICIAN, username="dr-owner")
    clinic.chair.user = owner
    clinic.chair.save()
    deputy = make_member(facility, Role.CLINICIAN, username="dr-deputy")
    availability_services.delegation_grant(
        facility=facility, actor=clinic.admin, resource_id=clinic.chair.pk, delegate_username="dr-deputy"
    )
    return {
        "owner": owner,
        "deputy": deputy,
        "desk": make_member(facility, Role.SCHEDULER, username="desk-one"),
        "other_desk": make_member(facility, Role.SCHEDULER, username="desk-two"),
        "manager": make_member(facility, Role.MANAGER, username="ward-manager"),
    }


def book(clinic, actor, *, resource=None, start="10:00", end="10:30", role=Role.SCHEDULER):
    return services.booking_create(
        facility=clinic.facility,
        actor=actor,
        actor_role=role,
        request=services.BookingRequest(
            patient_id=clinic.patients[0].pk,
            appointment_type_id=clinic.visit.pk,
            start=clinic.at(start),
            end=clinic.at(end),
            resources=(services.ResourceRequest((resource or clinic.chair).pk),),
        ),
    )


def told(booking_id=None) -> set[str]:
    notices = Notification.objects.all() if booking_id is None else Notification.objects.filter(booking_id=booking_id)
    return set(notices.values_list("recipient__username", flat=True))


def test_a_new_booking_tells_the_owner_and_their_delegate_not_the_booker_nor_the_other_schedulers(
    clinic, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        booking = book(clinic, people["desk"])

    assert len(callbacks) == 1
    assert told(booking.pk) == {"dr-owner", "dr-deputy"}


def test_a_cancellation_tells_whoever_booked_and_the_owner_but_not_the_member_who_cancelled(
    clinic, people, django_capture_on_commit_callbacks
):
    booking = book(clinic, people["desk"])
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        services.booking_transition(
            facility=clinic.facility,
            actor=people["other_desk"],
            booking_id=booking.pk,
            to_status=Status.CANCELLED,
            reason="Patient phoned",
        )

    assert told(booking.pk) == {"desk-one", "dr-owner", "dr-deputy"}
    assert "ward-manager" not in told() and "desk-two" not in told()


def test_a_revoked_delegate_and_a_former_member_are_not_told(clinic, people, django_capture_on_commit_callbacks):
    grant = availability_selectors.delegation_list(facility=clinic.facility, resource_id=clinic.chair.pk).get()
    availability_services.delegation_revoke(facility=clinic.facility, actor=clinic.admin, delegation_id=grant.pk)
    Membership.objects.filter(user=people["owner"]).delete()  # left the clinic; still named on the chair

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        book(clinic, people["desk"])

    assert callbacks == []  # nobody left to tell: nothing queued
    assert told() == set()


def test_the_department_desk_is_told_only_when_the_facility_asks(
    clinic, facility, people, make_member, django_capture_on_commit_callbacks
):
    chair_desk = make_member(facility, Role.SCHEDULER, username="chair-desk")
    Membership.objects.filter(user=chair_desk).update(department=clinic.chair.department)
    theatre_desk = make_member(facility, Role.SCHEDULER, username="theatre-desk")
    Membership.objects.filter(user=theatre_desk).update(department=clinic.theatre.department)

    with django_capture_on_commit_callbacks(execute=True):
        first = book(clinic, people["desk"])
    assert told(first.pk) == {"dr-owner", "dr-deputy"}

    facility.notify_department_desk = True
    facility.save()
    with django_capture_on_commit_callbacks(execute=True):
        second = book(clinic, people["desk"], start="11:00", end="11:30")
    assert told(second.pk) == {"dr-owner", "dr-deputy", "chair-desk"}


def test_a_reschedule_is_one_notice_with_the_old_and_the_new_time(clinic, people, django_capture_on_commit_callbacks):
    booking = book(clinic, people["desk"])
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        moved = services.booking_reschedule(
            facility=clinic.facility,
            actor=people["other_desk"],
            actor_role=Role.SCHEDULER,
            booking_id=booking.pk,
            start=clinic.at("14:00", days_ahead=3),
            end=clinic.at("14:30", days_ahead=3),
        )

    assert len(callbacks) == 1
    notices = list(Notification.objects.all())
    assert {n.event for n in notices} == {Status.RESCHEDULED}
    assert {n.booking_id for n in notices} == {moved.pk}
    assert told() == {"desk-one", "dr-owner", "dr-deputy"}
    old, new = clinic.at("10:00"), clinic.at("14:00", days_ahead=3)
    expected = f"from {old:%a} {old.day} {old:%b} 10:00 to {new:%a} {new.day} {new:%b} 14:00 with Chair 01."
    assert notices[0].message.startswith("Booking rescheduled: ")
    assert expected in notices[0].message


def test_a_reschedule_to_another_resource_tells_both_owners(
    clinic, facility, people, make_member, django_capture_on_commit_callbacks
):
    theatre_owner = make_member(facility, Role.CLINICIAN, username="dr-theatre")
    clinic.theatre.user = theatre_owner
    clinic.theatre.save()
    booking = book(clinic, people["desk"])
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        services.booking_reschedule(
            facility=clinic.facility,
            actor=clinic.admin,
            actor_role=Role.ADMIN,
            booking_id=booking.pk,
            start=clinic.at("15:00"),
            end=clinic.at("15:30"),
            resources=(services.ResourceRequest(clinic.theatre.pk),),
        )

    assert told() == {"desk-one", "dr-owner", "dr-deputy", "dr-theatre"}


@pytest.mark.parametrize(
    ("notify_by", "unread", "emailed"),
    [(NotifyBy.IN_APP, True, False), (NotifyBy.EMAIL, False, True), (NotifyBy.BOTH, True, True)],
)
def test_each_member_hears_as_they_chose(
    clinic, people, notify_by, unread, emailed, mailoutbox, django_capture_on_commit_callbacks
):
    Membership.objects.filter(user=people["owner"]).update(notify_by=notify_by)

    with django_capture_on_commit_callbacks(execute=True):
        booking = book(clinic, people["desk"])

    notice = Notification.objects.get(booking=booking, recipient=people["owner"])
    assert (notice.read_at is None) is unread
    assert (notice.emailed_at is not None) is emailed
    sent_to = {address for message in mail.outbox for address in message.to}
    assert (people["owner"].email in sent_to) is emailed
    assert people["deputy"].email in sent_to  # the deputy kept the default: both


def test_an_event_that_concerns_nobody_queues_no_task_and_keeps_nothing_in_the_outbox(
    clinic, django_capture_on_commit_callbacks
):
    # The administrator books the theatre, which has no owner: nobody else is concerned.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        booking = book(clinic, clinic.admin, resource=clinic.theatre, role=Role.ADMIN)
    with django_capture_on_commit_callbacks(execute=True) as more:
        services.booking_transition(
            facility=clinic.facility,
            actor=clinic.admin,
            booking_id=booking.pk,
            to_status=Status.CANCELLED,
            reason="Theatre closed",
            now=clinic.at("09:00") - dt.timedelta(days=1),
        )

    assert callbacks == [] and more == []
    assert not OutboxMessage.objects.exists()
    assert not Notification.objects.exists()
