"""What a published roster gives the rest of CareSlot, kept in step by one idempotent sync per
rota (``rota_sync``, the task queued after every publish, archive or approved swap):

- **Availability.** Each future shift of a published roster is extra time on the person's
  resource (availability's ``exception_create``, ``is_available``), its id kept on the
  assignment; a shift no longer in a published roster (archived, swapped away) has its extra
  time removed. A shift the weekly pattern already covers needs nothing (id 0). Where the
  availability service refuses (a partial overlap with the weekly pattern; removing time that
  now holds bookings), the sync logs it, leaves that shift as it was, and carries on.
- **The infusion center.** For a rota of infusion nurses, each day of a published roster from
  today on tells infusion how many nurses are on duty per shift (``nurses_on_duty_replace``,
  source "roster"); a night is split at midnight into its two days.

It runs under a transaction-scoped advisory lock per rota, so two syncs apply one after the
other; running it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from availability import services as availability
from infusion.services import configuration as infusion
from rostering.models import Assignment, RosterStatus, Rota
from scheduling.errors import ApplicationError

logger = logging.getLogger(__name__)

SYNC_LOCK = 4350  # pg advisory locks: (namespace, rota id)
#: ``Assignment.exception_id`` when the weekly pattern already covered the shift.
COVERED = 0
END_OF_DAY = dt.time(23, 59, 59, 999999)


def shift_span(assignment, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The shift's [start, end) as aware instants in the facility's zone (a night ends the next day)."""
    shift = assignment.shift_type
    start = dt.datetime.combine(assignment.date, shift.start_time, tzinfo=zone)
    end_day = assignment.date if shift.end_time > shift.start_time else assignment.date + dt.timedelta(days=1)
    return start, dt.datetime.combine(end_day, shift.end_time, tzinfo=zone)


def rota_sync(*, rota_id: int, actor_id: int) -> dict[str, int]:
    """Brings availability and the infusion center in step with the rota's published rosters.
    Returns counts: ``added``, ``removed``, ``refused``, ``nurse_days``."""
    rota = Rota.objects.select_related("facility").filter(pk=rota_id).first()
    actor = get_user_model().objects.filter(pk=actor_id).first()
    if rota is None or actor is None:
        return {"added": 0, "removed": 0, "refused": 0, "nurse_days": 0}
    facility = rota.facility
    zone = ZoneInfo(facility.time_zone)
    now = timezone.now()
    counts = {"added": 0, "removed": 0, "refused": 0, "nurse_days": 0}
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SYNC_LOCK, rota.pk])
        rows = list(
            Assignment.objects.filter(roster__rota=rota, date__gte=(now.astimezone(zone) - dt.timedelta(days=1)).date())
            .filter(roster__status__in=[RosterStatus.PUBLISHED, RosterStatus.ARCHIVED])
            .select_related("roster", "shift_type", "staff__resource")
        )
        live = [row for row in rows if row.roster.status == RosterStatus.PUBLISHED]
        gone = [row for row in rows if row.roster.status == RosterStatus.ARCHIVED and row.exception_id]
        # A shift both archived and published (a re-plan kept it) hands its extra time over.
        kept = {(row.staff_id, row.date, row.shift_type_id): row for row in gone}
        create = []
        for row in live:
            if row.exception_id is not None:
                continue
            old = kept.pop((row.staff_id, row.date, row.shift_type_id), None)
            if old is not None:
                _move_exception(old, row)
            else:
                create.append(row)
        # Old extra time goes first: a changed shift of the same day would overlap it.
        for row in kept.values():
            if row.exception_id == COVERED:
                Assignment.objects.filter(pk=row.pk).update(exception_id=None)
                continue
            try:
                availability.exception_remove(facility=facility, actor=actor, exception_id=row.exception_id)
            except ApplicationError as error:
                if error.code not in ("exception_past", "not_found"):
                    counts["refused"] += 1
                    logger.warning("Roster %s: extra time %s kept: %s", row.roster_id, row.exception_id, error.message)
                    continue
            Assignment.objects.filter(pk=row.pk).update(exception_id=None)
            counts["removed"] += 1
        for row in create:
            start, end = shift_span(row, zone)
            if end <= now:
                continue
            try:
                exception = availability.exception_create(
                    facility=facility,
                    actor=actor,
                    resource_id=row.staff.resource_id,
                    start=start,
                    end=end,
                    reason=f"{row.shift_type.name} shift ({row.roster.name})"[:300],
                    is_available=True,
                )
            except ApplicationError as error:
                counts["refused"] += 1
                logger.warning(
                    "Roster %s: %s's %s shift on %s not added: %s",
                    row.roster_id,
                    row.staff,
                    row.shift_type,
                    row.date,
                    error.message,
                )
                continue
            Assignment.objects.filter(pk=row.pk).update(exception_id=exception.pk or COVERED)
            counts["added"] += 1 if exception.pk else 0
        if rota.infusion_nurses:
            counts["nurse_days"] = _sync_nurses(rota, actor, zone, now)
    return counts


def _move_exception(old: Assignment, new: Assignment) -> None:
    Assignment.objects.filter(pk=new.pk).update(exception_id=old.exception_id)
    Assignment.objects.filter(pk=old.pk).update(exception_id=None)


def _sync_nurses(rota, actor, zone: ZoneInfo, now: dt.datetime) -> int:
    """Each day from today that a published or archived roster of the rota covers gets the
    published roster's nurses per shift (none: the roster's rows of that day are removed)."""
    today = now.astimezone(zone).date()
    rosters = list(rota.rosters.filter(status__in=[RosterStatus.PUBLISHED, RosterStatus.ARCHIVED]))
    days = set()
    for roster in rosters:
        first = max(today, roster.first_day)
        days.update(first + dt.timedelta(days=i) for i in range((roster.last_day - first).days + 1))
    if not days:
        return 0
    counts: dict[dt.date, dict[tuple[dt.time, dt.time, str], int]] = defaultdict(lambda: defaultdict(int))
    for row in Assignment.objects.filter(
        roster__rota=rota, roster__status=RosterStatus.PUBLISHED, date__gte=today - dt.timedelta(days=1)
    ).select_related("shift_type"):
        shift = row.shift_type
        if shift.end_time > shift.start_time:
            counts[row.date][shift.start_time, shift.end_time, shift.name] += 1
        else:
            counts[row.date][shift.start_time, END_OF_DAY, shift.name] += 1
            if shift.end_time != dt.time(0):
                counts[row.date + dt.timedelta(days=1)][dt.time(0), shift.end_time, f"{shift.name} (from the eve)"] += 1
    for day in sorted(days):
        shifts = [
            {"start_time": start, "end_time": end, "nurses": nurses, "note": f"Roster: {name}"[:200]}
            for (start, end, name), nurses in sorted(counts.get(day, {}).items())
        ]
        infusion.nurses_on_duty_replace(facility=rota.facility, day=day, shifts=shifts, source="roster", actor=actor)
    return len(days)
