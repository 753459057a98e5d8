"""The booking life cycle in one table. A transition not listed here answers 409
``invalid_transition``; each allowed one stamps its time and actor on the booking."""

from booking.models import Status

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.REQUESTED: frozenset({Status.APPROVED, Status.DENIED, Status.CANCELLED}),
    Status.APPROVED: frozenset(
        {Status.CHECKED_IN, Status.CANCELLED, Status.NO_SHOW, Status.RESCHEDULED, Status.NEEDS_RESCHEDULE}
    ),
    Status.SCHEDULED: frozenset(
        {Status.CHECKED_IN, Status.CANCELLED, Status.NO_SHOW, Status.RESCHEDULED, Status.NEEDS_RESCHEDULE}
    ),
    Status.CHECKED_IN: frozenset({Status.IN_PROGRESS, Status.CANCELLED, Status.SCHEDULED}),
    Status.IN_PROGRESS: frozenset({Status.COMPLETED}),
    Status.NEEDS_RESCHEDULE: frozenset({Status.RESCHEDULED, Status.CANCELLED}),
    Status.DENIED: frozenset(),
    Status.COMPLETED: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.NO_SHOW: frozenset(),
    Status.RESCHEDULED: frozenset(),
}

# Moves only the live queue makes (``booking_transition(..., from_queue=True)``), because its
# queue entry must move with the booking: a checked-in patient's booking is cancelled by the
# queue's "left", and goes back to scheduled when the queue undoes a mistaken check-in.
QUEUE_ONLY: frozenset[tuple[Status, Status]] = frozenset(
    {(Status.CHECKED_IN, Status.CANCELLED), (Status.CHECKED_IN, Status.SCHEDULED)}
)

# Statuses that keep the booking's time (and so the patient, its resources and token) taken.
# Everything that ends without care frees it; a completed visit frees the patient, and its
# resources keep only the time it used, up to its actual end (``services.transitions.move``).
HOLDING: frozenset[Status] = frozenset(
    {Status.REQUESTED, Status.APPROVED, Status.SCHEDULED, Status.CHECKED_IN, Status.IN_PROGRESS}
)

# Field stamped with the time of entering a status (actual times feed analytics).
STAMPS: dict[Status, str] = {
    Status.CHECKED_IN: "checked_in_at",
    Status.IN_PROGRESS: "actual_start",
    Status.COMPLETED: "actual_end",
}


def can_move(current: str, target: str) -> bool:
    return Status(target) in TRANSITIONS[Status(current)]


def desk_moves(current: str) -> frozenset[Status]:
    """The moves open to the booking pages and API: the table without the queue's own."""
    return frozenset(t for t in TRANSITIONS[Status(current)] if (Status(current), t) not in QUEUE_ONLY)
