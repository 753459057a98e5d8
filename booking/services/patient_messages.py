"""Telling a patient about a change to their booking.

``patient_message_send`` records the message in the caller's transaction and, once that commits,
hands it to the backend named by ``CARESLOT_PATIENT_MESSAGE_BACKEND`` (a dotted path to a callable
taking the ``PatientMessage``). No SMS gateway is wired in this version: the default backend,
``log_patient_message``, writes the message to the log and stamps ``sent_at``; a gateway would be
a backend that queues a Celery task to send it and stamps ``sent_at`` when the gateway accepts it.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from booking.models import Booking, PatientMessage

logger = logging.getLogger(__name__)

DEFAULT_BACKEND = "booking.services.patient_messages.log_patient_message"


def patient_message_send(*, facility, booking: Booking, text: str, channel: str | None = None) -> PatientMessage:
    """Records ``text`` for the booking's patient and delivers it after the commit (nothing is
    delivered if the transaction rolls back). ``channel`` defaults to SMS when the patient has a
    phone number, else the desk's phone call list. A backend that fails is logged and leaves the
    message unsent (``sent_at`` empty): the change it reports has been made either way."""
    if booking.facility_id != facility.pk:
        raise ValueError("The booking belongs to another facility.")
    patient = booking.patient
    if channel is None:
        channel = PatientMessage.Channel.SMS if patient.phone else PatientMessage.Channel.PHONE_CALL_LIST
    message = PatientMessage.objects.create(
        facility=facility,
        patient=patient,
        booking=booking,
        text=text[: PatientMessage._meta.get_field("text").max_length],
        channel=PatientMessage.Channel(channel),
    )
    transaction.on_commit(lambda: _deliver(message.pk))
    return message


def _deliver(message_id: int) -> None:
    backend = import_string(getattr(settings, "CARESLOT_PATIENT_MESSAGE_BACKEND", DEFAULT_BACKEND))
    message = PatientMessage.objects.select_related("patient").get(pk=message_id)
    try:
        backend(message)
    except Exception:
        logger.exception("Patient message %s was not handed over; it stays unsent.", message_id)


def log_patient_message(message: PatientMessage) -> None:
    """The default backend: no gateway, so the message goes to the log and counts as sent."""
    logger.info(
        "Patient message %s by %s to patient #%s: %s", message.pk, message.channel, message.patient_id, message.text
    )
    PatientMessage.objects.filter(pk=message.pk, sent_at__isnull=True).update(sent_at=timezone.now())
