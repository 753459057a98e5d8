"""The priority score: one function, and the queue is the waiting entries sorted by it (lower
first), ties broken by token number.

    score = class_offset(priority)
            + minutes(reference − now)
            − URGENT_BOOST_MINUTES  if urgent
            − VIP_BOOST_MINUTES     if VIP
            + manual_minutes        (staff bumps are negative, send-backs positive)

where the *reference* time is
    - for a patient with an appointment who checked in no later than GRACE_MINUTES after it:
      the earlier of the appointment time and their arrival ("served at about the appointment
      time", and never behind someone who arrived after them);
    - for everyone else (walk-ins, and appointments later than the grace period, who lose their
      place and are ordered by arrival): their arrival time.
and class_offset is −EMERGENCY_OFFSET for emergencies (always first), 0 otherwise.

Why it cannot starve anyone: the reference is fixed at check-in, while ``now`` grows, so a
waiting patient's score keeps falling (improving) as they wait, and every later arrival starts
from a reference no earlier than its own arrival minus GRACE_MINUTES. So, leaving emergencies
and staff moves aside, a routine patient can be overtaken only by patients who arrive less than
``OVERTAKE_BOUND_MINUTES`` (= grace + urgent boost + VIP boost) after them; anyone arriving
later than that queues behind them.
"""

import datetime as dt
from dataclasses import dataclass

GRACE_MINUTES = 10
URGENT_BOOST_MINUTES = 30
VIP_BOOST_MINUTES = 15
EMERGENCY_OFFSET = 1_000_000
OVERTAKE_BOUND_MINUTES = GRACE_MINUTES + URGENT_BOOST_MINUTES + VIP_BOOST_MINUTES


@dataclass(frozen=True)
class ScoreParts:
    """The score and what it is made of, as the staff page and the API show it."""

    score: float
    reference: dt.datetime
    on_time_appointment: bool
    class_offset: int
    boost_minutes: int
    manual_minutes: int
    waited_minutes: float


def reference_time(*, appointment_at: dt.datetime | None, arrived_at: dt.datetime) -> tuple[dt.datetime, bool]:
    """The time a patient is ordered by, and whether they count as on time for an appointment."""
    if appointment_at is not None and arrived_at <= appointment_at + dt.timedelta(minutes=GRACE_MINUTES):
        return min(appointment_at, arrived_at), True
    return arrived_at, False


def score(
    *,
    priority: str,
    is_vip: bool,
    appointment_at: dt.datetime | None,
    arrived_at: dt.datetime,
    manual_minutes: int,
    now: dt.datetime,
) -> ScoreParts:
    reference, on_time = reference_time(appointment_at=appointment_at, arrived_at=arrived_at)
    class_offset = -EMERGENCY_OFFSET if priority == "emergency" else 0
    boost = (URGENT_BOOST_MINUTES if priority == "urgent" else 0) + (VIP_BOOST_MINUTES if is_vip else 0)
    minutes = (reference - now).total_seconds() / 60
    return ScoreParts(
        score=class_offset + minutes - boost + manual_minutes,
        reference=reference,
        on_time_appointment=on_time,
        class_offset=class_offset,
        boost_minutes=boost,
        manual_minutes=manual_minutes,
        waited_minutes=max(0.0, (now - arrived_at).total_seconds() / 60),
    )


def entry_score(entry, *, now: dt.datetime) -> ScoreParts:
    return score(
        priority=entry.priority,
        is_vip=entry.is_vip,
        appointment_at=entry.appointment_at,
        arrived_at=entry.arrived_at,
        manual_minutes=entry.manual_minutes,
        now=now,
    )


def ordered(entries, *, now: dt.datetime) -> list:
    """The entries in queue order: by score, then token number. Deterministic for a given now."""
    return sorted(entries, key=lambda entry: (entry_score(entry, now=now).score, entry.token_number))
