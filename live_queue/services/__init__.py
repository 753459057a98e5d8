"""The day of care: check-in and its undo, the queue's actions, and the booking moves that go
with them. The only code that writes encounters, queues and queue entries.

Each entry point owns one transaction. Token numbers come from the queue row, made or bumped by
one upsert in the check-in's own transaction (which locks the row), so concurrent check-ins get
distinct numbers and a failed check-in leaves no gap. "Call next" locks the entry it calls with
SKIP LOCKED, so two staff pressing it at once call two different patients. A patient has at most
one open entry per facility day: the database holds it (``queue_entry_one_open_per_patient_day``)
and a check-in that would break it rolls back whole and answers 409 ``already_queued``.

Audit: encounters and queue entries keep the history of every change, an undone check-in's
deletion included, with who made it. A queue is derived state with no history (made on first
use, its ``last_token`` bumped by each check-in), so a check-in writes no empty history row.
"""

from live_queue.services.check_in import UndoneCheckIn, check_in, check_in_undo
from live_queue.services.entries import (
    TRANSITIONS,
    call_next,
    entry_clear_vip,
    entry_complete,
    entry_left,
    entry_move,
    entry_recall,
    entry_set_vip,
    entry_skip,
    entry_start,
    entry_transfer,
)

__all__ = [
    "TRANSITIONS",
    "UndoneCheckIn",
    "call_next",
    "check_in",
    "check_in_undo",
    "entry_clear_vip",
    "entry_complete",
    "entry_left",
    "entry_move",
    "entry_recall",
    "entry_set_vip",
    "entry_skip",
    "entry_start",
    "entry_transfer",
]
