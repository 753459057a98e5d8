"""Notifications of a change are created and emailed once per recipient, however often (and
however concurrently) their task runs: a broker may deliver a message twice, and the outbox
re-sends what it could not queue."""

import smtplib
import uuid

import pytest
from django.core import mail
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from booking import services, tasks
from booking.models import Notification, Status
from conftest import token_client
from scheduling.models import Membership, NotifyBy, Role
from tests.booking.test_concurrency import run_concurrently
from tests.factories import DepartmentFactory

RECIPIENTS = ["desk@careslot.invalid", "dr-owner@careslot.invalid"]


@pytest.fixture
def booked(clinic, facility, scheduler, make_member, monkeypatch):
    """A booking of the chair made by the front desk, whose owner and booker are to be told (the
    task is run without an actor, as the night's no-show sweep runs); its own notification is not
    queued: the test runs the task itself."""
    owner = make_member(facility, Role.CLINICIAN, username="dr-owner")
    clinic.chair.user = owner
    clinic.chair.save()
    with monkeypatch.context() as patch:
        patch.setattr(services.appointments, "notify_after_commit", lambda booking, event: None)
        booking = services.booking_create(
            facility=facility,
            actor=scheduler,
            actor_role=Role.SCHEDULER,
            request=services.BookingRequest(
                patient_id=clinic.patients[0].pk,
                appointment_type_id=clinic.visit.pk,
                start=clinic.at("10:00"),
                end=clinic.at("10:30"),
                resources=(services.ResourceRequest(clinic.chair.pk),),
            ),
        )
    return {"facility_id": facility.pk, "booking_id": booking.pk, "event": "created", "event_id": str(uuid.uuid4())}


def _emailed_to() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.mark.django_db
def test_running_the_task_twice_notifies_and_emails_each_recipient_once(booked, mailoutbox):
    tasks.notify_booking_event.delay(**booked)
    tasks.notify_booking_event.delay(**booked)

    notices = Notification.objects.filter(booking_id=booked["booking_id"])
    assert sorted(n.recipient.email for n in notices) == RECIPIENTS
    assert all(n.emailed_at is not None for n in notices)
    assert _emailed_to() == RECIPIENTS


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_notify_and_email_each_recipient_once(booked, mailoutbox):
    run_concurrently(8, lambda i: services.notify_booking_event(**booked))

    assert sorted(Notification.objects.values_list("recipient__email", flat=True)) == RECIPIENTS
    assert _emailed_to() == RECIPIENTS


@pytest.mark.django_db
def test_an_email_that_failed_is_sent_by_the_retry_and_only_it(booked, mailoutbox, monkeypatch):
    real_send = mail.send_mail
    failing = {"dr-owner@careslot.invalid"}

    def send_mail(subject, message, from_email, recipient_list, **kwargs):
        if failing & set(recipient_list):
            raise smtplib.SMTPServerDisconnected("mail server went away")
        return real_send(subject, message, from_email, recipient_list, **kwargs)

    monkeypatch.setattr(services.notifications, "send_mail", send_mail)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        services.notify_booking_event(**booked)
    assert Notification.objects.get(recipient__email="dr-owner@careslot.invalid").emailed_at is None

    failing.clear()  # the mail server is back; the task's retry runs
    services.notify_booking_event(**booked)

    assert _emailed_to() == RECIPIENTS
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_only_events_that_notify_someone_queue_a_task(clinic, booked, django_capture_on_commit_callbacks):
    def transition(to_status):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.booking_transition(
                facility=clinic.facility,
                actor=clinic.admin,
                booking_id=booked["booking_id"],
                to_status=to_status,
                now=clinic.at("09:55"),  # on the day: only today's bookings are checked in
                from_queue=True,  # the queue's "left" cancels a checked-in booking
            )
        return len(callbacks)

    # Checking in tells nobody; cancelling tells the desk (who booked) and the owner.
    assert transition(Status.CHECKED_IN) == 0
    assert transition(Status.CANCELLED) == 1


@pytest.mark.django_db
def test_a_notification_has_no_history_route(booked, scheduler):
    """Notifications keep no audit history: ``history/`` answered 500 (found by the fuzzer), and
    the schema advertised it."""
    services.notify_booking_event(**booked)
    notice = Notification.objects.get(booking_id=booked["booking_id"], recipient=scheduler)
    slug = notice.facility.slug

    response = token_client(scheduler).get(f"/api/v1/facilities/{slug}/notifications/{notice.pk}/history/")

    assert response.status_code == 404
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    assert "/api/v1/facilities/{facility_slug}/notifications/{id}/history/" not in paths


# --- how each member hears: their own settings page, the membership API ----------------------


def _settings_url(facility) -> str:
    return f"/f/{facility.slug}/bookings/notifications/settings/"


@pytest.mark.django_db
def test_a_member_chooses_email_only_on_their_settings_page_reached_from_the_notifications(facility, scheduler):
    client = Client()
    client.force_login(scheduler)
    notifications = client.get(f"/f/{facility.slug}/bookings/notifications/").content.decode()
    assert f'href="{_settings_url(facility)}"' in notifications

    page = client.get(_settings_url(facility)).content.decode()
    assert page.count("<h1") == 1
    assert 'value="both" checked' in page
    response = client.post(_settings_url(facility), {"notify_by": "email"})

    assert response.status_code == 302
    assert Membership.objects.get(facility=facility, user=scheduler).notify_by == NotifyBy.EMAIL
    assert 'value="email" checked' in client.get(_settings_url(facility)).content.decode()


@pytest.mark.django_db
def test_an_unknown_choice_is_refused_and_changes_nothing(facility, scheduler):
    client = Client()
    client.force_login(scheduler)

    response = client.post(_settings_url(facility), {"notify_by": "pigeon"})

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert Membership.objects.get(facility=facility, user=scheduler).notify_by == NotifyBy.BOTH


@pytest.mark.django_db
def test_the_membership_api_sets_department_and_notify_by_and_refuses_another_facilitys_department(
    facility, other_facility, user, scheduler
):
    api = token_client(user)
    membership = Membership.objects.get(facility=facility, user=scheduler)
    url = f"/api/v1/facilities/{facility.slug}/memberships/{membership.pk}/"
    ours = DepartmentFactory(facility=facility)
    theirs = DepartmentFactory(facility=other_facility)

    refused = api.patch(url, {"department": theirs.pk}, format="json")
    assert refused.status_code == 400
    assert "department" in refused.json()["fields"]

    response = api.patch(url, {"department": ours.pk, "notify_by": "in_app"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["department"], response.json()["notify_by"], response.json()["role"]) == (
        ours.pk,
        "in_app",
        Role.SCHEDULER,
    )
    membership.refresh_from_db()
    assert (membership.department, membership.notify_by) == (ours, NotifyBy.IN_APP)


@pytest.mark.django_db
def test_the_facility_api_turns_the_department_desk_on(facility, user):
    api = token_client(user)
    url = f"/api/v1/facilities/{facility.slug}/"

    response = api.patch(url, {"notify_department_desk": True}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["notify_department_desk"] is True
    facility.refresh_from_db()
    assert facility.notify_department_desk is True
