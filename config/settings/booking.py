"""Availability and booking rules that clinics tune per deployment."""

from config.env import env_int, env_str
from config.settings.base import REDIS_URL

# Redis locks in front of the database guard (see booking/services/locks.py).
BOOKING_LOCK_REDIS_URL = env_str("BOOKING_LOCK_REDIS_URL", REDIS_URL)
BOOKING_LOCK_TTL_SECONDS = float(env_int("BOOKING_LOCK_TTL_SECONDS", 60))
BOOKING_LOCK_WAIT_SECONDS = float(env_int("BOOKING_LOCK_WAIT_SECONDS", 5))
# A patient may hold at most this many future appointments at once.
BOOKING_MAX_FUTURE_PER_PATIENT = env_int("BOOKING_MAX_FUTURE_PER_PATIENT", 20)
# Longest booking accepted (an all-day theatre list is the longest real case).
BOOKING_MAX_HOURS = env_int("BOOKING_MAX_HOURS", 24)
# Most slots one token window may hold (a configuration mistake guard).
AVAILABILITY_MAX_SLOTS_PER_WINDOW = env_int("AVAILABILITY_MAX_SLOTS_PER_WINDOW", 96)
# Who delivers messages to patients (a dotted path to a callable taking the PatientMessage). No
# SMS gateway is wired: the default logs the message and marks it sent (booking/services/patient_messages.py).
CARESLOT_PATIENT_MESSAGE_BACKEND = env_str(
    "CARESLOT_PATIENT_MESSAGE_BACKEND", "booking.services.patient_messages.log_patient_message"
)
