"""Writes to the fact tables. Loaders (imports today, the day of care next) come through here."""

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from analytics import aggregates, metrics, selectors, tasks
from analytics.facts import FACT_SPECS, stage_columns
from analytics.models import (
    AnalyticsSettings,
    AppointmentStatus,
    AppointmentTypeMapping,
    ChairAppointment,
    ChairTime,
    NightlyRun,
    PatientType,
    RegimenCategory,
    ReportSubscription,
    RunStatus,
    Source,
    SurgicalCase,
)
from booking import selectors as booking_selectors
from scheduling import ranges
from scheduling import selectors as kernel
from scheduling.choices import ResourceKind
from scheduling.errors import ApplicationError, NotFound, constraint_name
from scheduling.history import audited_delete, audited_save
from scheduling.outbox import enqueue_on_commit
from scheduling.permissions import Action, roles_allowed

logger = logging.getLogger(__name__)


def facts_merge(*, kind: str, facility_id: int, import_id: int, stage_table: str) -> tuple[int, int]:
    """Upserts the ``ok`` rows of ``stage_table`` (a loader's temporary table, see ``facts``)
    into the fact table of ``kind`` by natural key; returns (inserted, updated).

    Run inside the loader's transaction: the facts and the import's new status commit together
    or not at all. A row the file repeats is the loader's to refuse before this.

    Two statements rather than one INSERT ... ON CONFLICT ... RETURNING: an UPDATE of
    the rows whose key the facility has, then a plain INSERT of the others. A plain insert skips
    the speculative insertion ON CONFLICT makes for every row, and the counts are the statements'
    row counts instead of a million RETURNING rows counted in a CTE (1M new rows: 15.8 s → 10.3 s
    on the bench machine). A transaction-scoped advisory lock per (facility, kind) keeps two
    merges of the same facts from inserting the same key between the two statements."""
    spec = FACT_SPECS[kind]
    columns = [name for name, _ in stage_columns(kind)]
    names = ", ".join(columns)
    stage = connection.ops.quote_name(stage_table)
    updates = ", ".join(f"{name} = s.{name}" for name in columns if name != spec.key)
    # Table and column names come from the models, never from input.
    update = f"""/* facts_merge */
        UPDATE {spec.table} f SET {updates}, source = %s, import_id = %s, loaded_at = now()
        FROM {stage} s WHERE s.ok AND f.facility_id = %s AND f.{spec.key} = s.{spec.key}
    """  # noqa: S608
    insert = f"""/* facts_merge */
        INSERT INTO {spec.table} (facility_id, source, import_id, loaded_at, {names})
        SELECT %s, %s, %s, now(), {names} FROM {stage} s
        WHERE s.ok AND NOT EXISTS (
            SELECT 1 FROM {spec.table} f WHERE f.facility_id = %s AND f.{spec.key} = s.{spec.key}
        )
    """  # noqa: S608
    with connection.cursor() as cursor:
        # One bigint key: its key space does not overlap the (int, int) locks of imports.services.
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [facility_id * 16 + list(FACT_SPECS).index(kind)])
        cursor.execute(f"ANALYZE {stage}")
        cursor.execute(update, [Source.IMPORT, import_id, facility_id])
        updated = cursor.rowcount
        cursor.execute(insert, [facility_id, Source.IMPORT, import_id, facility_id])
        inserted = cursor.rowcount
        first, last = _merged_days(cursor, kind=kind, facility_id=facility_id, stage=stage)
    if first is not None:
        # The loaded days' aggregates are rebuilt once the load commits: a month of history
        # imported today shows on the dashboards without waiting for a backfill.
        enqueue_on_commit(tasks.rebuild_days, facility_id=facility_id, first=first.isoformat(), last=last.isoformat())
    return inserted, updated


def _merged_days(cursor, *, kind: str, facility_id: int, stage: str) -> tuple[dt.date | None, dt.date | None]:
    """The first and last local day the merged rows of ``stage`` count on: their own date, or for
    actual chair times the date of the appointment of their encounter."""
    if kind == "chair_times":
        sql = f"""SELECT min(a.date), max(a.date) FROM {stage} s JOIN {ChairAppointment._meta.db_table} a
            ON a.facility_id = %s AND a.encounter_id = s.encounter_id WHERE s.ok"""  # noqa: S608
        cursor.execute(sql, [facility_id])
    else:
        cursor.execute(f"SELECT min(date), max(date) FROM {stage} WHERE ok")  # noqa: S608
    return cursor.fetchone()


# --- the day of care as facts --------------------------------------------------------------------

# Booking statuses as chair appointment statuses; a booking in a status not listed (requested,
# denied, rescheduled: never a visit) is no fact, and a fact it made before is removed.
CHAIR_STATUS = {
    "approved": AppointmentStatus.SCHEDULED,
    "scheduled": AppointmentStatus.SCHEDULED,
    "checked_in": AppointmentStatus.SCHEDULED,
    "in_progress": AppointmentStatus.SCHEDULED,
    "needs_reschedule": AppointmentStatus.SCHEDULED,
    "completed": AppointmentStatus.COMPLETED,
    "cancelled": AppointmentStatus.CANCELLED,
    "no_show": AppointmentStatus.NO_SHOW,
}
APP_PREFIX = "careslot-"


def _minutes(start: dt.datetime, end: dt.datetime) -> int:
    return max(1, round((end - start).total_seconds() / 60))


def day_of_care_sync(*, facility, first: dt.date, last: dt.date) -> dict[str, int]:
    """Makes the facts of the bookings of chairs and theatres starting on the local days
    [first, last] match those bookings: a chair booking is a chair appointment (and its actual
    chair time once completed with actual times), a completed theatre booking with actual times
    is a surgical case. Keys are ``careslot-<booking id>``, so they never meet an imported row's.
    Idempotent: facts of bookings that are no longer visits (rescheduled, requested, denied) go.
    Returns the number of facts of each kind written."""
    zone = ZoneInfo(facility.time_zone)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    rows = booking_selectors.bookings_for_facts(
        facility=facility, start=start, end=end, resource_kinds=[ResourceKind.CHAIR, ResourceKind.THEATRE]
    )
    mappings = {m.appointment_type_id: m for m in AppointmentTypeMapping.objects.filter(facility=facility)}
    appointments: dict[str, ChairAppointment] = {}
    times: dict[str, ChairTime] = {}
    cases: dict[str, SurgicalCase] = {}
    seen: set[str] = set()
    for row in rows:
        key = f"{APP_PREFIX}{row['booking_id']}"
        seen.add(key)
        mapping = mappings.get(row["appointment_type_id"])
        actual = row["actual_start"] is not None and row["actual_end"] is not None
        actual = actual and row["actual_end"] > row["actual_start"]
        common = {"facility_id": facility.pk, "source": Source.APP, "import_id": None}
        if row["resource_kind"] == ResourceKind.CHAIR and key not in appointments:
            status = CHAIR_STATUS.get(row["status"])
            if status is None:
                continue
            appointments[key] = ChairAppointment(
                **common,
                appointment_id=key,
                encounter_id=key,
                date=row["start"].astimezone(zone).date(),
                chair_id=row["resource_id"],
                chair_name=row["resource_name"],
                regimen_category=(mapping.regimen_category if mapping else "") or RegimenCategory.MEDIUM,
                patient_type=(mapping.patient_type if mapping else "") or "MISC",
                scheduled_minutes=min(1440, _minutes(row["start"], row["end"])),
                status=status,
            )
            if status == AppointmentStatus.COMPLETED and actual:
                times[key] = ChairTime(
                    **common,
                    encounter_id=key,
                    actual_start=row["actual_start"],
                    actual_end=row["actual_end"],
                    total_minutes=_minutes(row["actual_start"], row["actual_end"]),
                )
        elif row["resource_kind"] == ResourceKind.THEATRE and key not in cases:
            if row["status"] != "completed" or not actual:
                continue
            cases[key] = SurgicalCase(
                **common,
                case_id=key,
                date=row["start"].astimezone(zone).date(),
                suite_id=row["resource_id"],
                suite_name=row["resource_name"],
                service=(mapping.service if mapping else "") or row["appointment_type_name"],
                cpt_code=(mapping.procedure_code if mapping else "") or row["appointment_type_code"][:20],
                cpt_description=(mapping.procedure_description if mapping else "") or row["appointment_type_name"],
                booked_minutes=_minutes(row["start"], row["end"]),
                scheduled_start=row["start"],
                wheels_in=row["actual_start"],
                incision_start=row["actual_start"],
                incision_end=row["actual_end"],
                wheels_out=row["actual_end"],
            )
    with transaction.atomic():
        _upsert(ChairAppointment, "appointment_id", list(appointments.values()))
        _upsert(ChairTime, "encounter_id", list(times.values()))
        _upsert(SurgicalCase, "case_id", list(cases.values()))
        ours = {"facility": facility, "source": Source.APP}
        gone = ChairAppointment.objects.filter(**ours, date__range=(first, last)).exclude(
            appointment_id__in=appointments
        )
        gone_keys = list(gone.values_list("encounter_id", flat=True))
        ChairTime.objects.filter(**ours, encounter_id__in=(seen | set(gone_keys)) - set(times)).delete()
        gone.delete()
        SurgicalCase.objects.filter(**ours, date__range=(first, last)).exclude(case_id__in=cases).delete()
    return {"chair_appointments": len(appointments), "chair_times": len(times), "or_cases": len(cases)}


def _upsert(model, key: str, facts: list) -> None:
    if not facts:
        return
    fields = [
        f.name for f in model._meta.concrete_fields if f.name not in {"id", "facility", key} and not f.primary_key
    ]
    model.objects.bulk_create(facts, update_conflicts=True, unique_fields=["facility", key], update_fields=fields)


# --- the nightly aggregates ----------------------------------------------------------------------

AGGREGATES_LOCK = 4343  # pg advisory locks: (namespace, facility id)


def aggregates_rebuild(*, facility, first: dt.date, last: dt.date) -> dict[str, int]:
    """Syncs the day of care into facts, then replaces the daily aggregates of [first, last]
    (``aggregates``), in one transaction under a lock per facility: a re-run replaces, two runs
    at once wait for each other, and a failure leaves the previous aggregates."""
    ranges.date_span_check(first, last, max_days=MAX_REBUILD_DAYS, start_field="first", end_field="last")
    settings = selectors.settings_for(facility_id=facility.pk)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [AGGREGATES_LOCK, facility.pk])
        synced = day_of_care_sync(facility=facility, first=first, last=last)
        chairs_open = kernel.resource_list(facility=facility).filter(kind=ResourceKind.CHAIR, active=True).count()
        span = {"facility_id": facility.pk, "zone": facility.time_zone, "first": first, "last": last}
        days = aggregates.rebuild_chairs(**span, settings=settings, chairs_open=chairs_open)
        suite_days = aggregates.rebuild_suites(**span, settings=settings)
    return {**synced, "chair_days": days, "suite_days": suite_days}


MAX_REBUILD_DAYS = 4 * 366
REFRESH_PAST_DAYS = 1  # the refresh keeps yesterday (late completions) up to date as well
RISK_HORIZON_DAYS = 14


def aggregates_refresh(*, facility_id: int) -> dict[str, int]:
    """The frequent refresh (beat, every few minutes): the day of care and the aggregates from
    yesterday to the end of the risk horizon, so today's figures and the at-risk days ahead follow
    the bookings as they are made."""
    facility = kernel.facility_get(facility_id=facility_id)
    today = timezone.localdate(timezone=ZoneInfo(facility.time_zone))
    return aggregates_rebuild(
        facility=facility,
        first=today - dt.timedelta(days=REFRESH_PAST_DAYS),
        last=today + dt.timedelta(days=RISK_HORIZON_DAYS),
    )


def nightly_run(*, facility_id: int, day: dt.date, trigger: str) -> NightlyRun:
    """Aggregates one local day and records the run: running, then succeeded or failed with its
    error (the failure is kept for admins and the run is tried again by the next nightly pass)."""
    facility = kernel.facility_get(facility_id=facility_id)
    run, _ = NightlyRun.objects.update_or_create(
        facility=facility,
        date=day,
        defaults={
            "status": RunStatus.RUNNING,
            "trigger": trigger,
            "started_at": timezone.now(),
            "finished_at": None,
            "error": "",
        },
    )
    try:
        aggregates_rebuild(facility=facility, first=day, last=day)
    except Exception as error:
        logger.exception("Nightly aggregates of %s for facility %s failed", day, facility_id)
        run.status, run.error = RunStatus.FAILED, f"{type(error).__name__}: {error}"[:2000]
    else:
        run.status = RunStatus.SUCCEEDED
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    return run


NIGHTLY_AFTER_HOUR = 1  # local hour after which yesterday is aggregated (late completions first)
CATCH_UP_DAYS = 7


def nightly_due(*, facility_id: int, now: dt.datetime | None = None) -> list[dt.date]:
    """The local days the nightly pass should (re)run: yesterday once the facility's clock is
    past 01:00, and any of the 7 days before without a successful run (missed or failed)."""
    facility = kernel.facility_get(facility_id=facility_id)
    local = (now or timezone.now()).astimezone(ZoneInfo(facility.time_zone))
    newest = local.date() - dt.timedelta(days=1 if local.hour >= NIGHTLY_AFTER_HOUR else 2)
    days = [newest - dt.timedelta(days=back) for back in range(CATCH_UP_DAYS)]
    done = set(
        NightlyRun.objects.filter(facility=facility, date__in=days, status=RunStatus.SUCCEEDED).values_list(
            "date", flat=True
        )
    )
    return sorted(day for day in days if day not in done)


def nightly_pass(*, facility_id: int, now: dt.datetime | None = None) -> list[NightlyRun]:
    """One facility's nightly work: each due day, then the daily report of the newest day to its
    subscribers (once)."""
    runs = [
        nightly_run(facility_id=facility_id, day=day, trigger="nightly")
        for day in nightly_due(facility_id=facility_id, now=now)
    ]
    for run in runs:
        if run.status == RunStatus.SUCCEEDED:
            report_email(run=run)
    return runs


def aggregates_backfill(
    *, facility, first: dt.date, last: dt.date, chunk_days: int = 366, record_runs: bool = True
) -> int:
    """Rebuilds [first, last] in chunks (each its own transaction); returns the day rows written.
    With ``record_runs``, each past day gets a successful run (a day from today on is left to its
    own nightly run)."""
    ranges.date_span_check(first, last, max_days=MAX_BACKFILL_DAYS, start_field="first", end_field="last")
    today = timezone.localdate(timezone=ZoneInfo(facility.time_zone))
    day, written = first, 0
    while day <= last:
        chunk_last = min(last, day + dt.timedelta(days=chunk_days - 1))
        started = timezone.now()
        result = aggregates_rebuild(facility=facility, first=day, last=chunk_last)
        written += result["chair_days"] + result["suite_days"]
        finished = timezone.now()
        past = [
            day + dt.timedelta(days=n) for n in range((min(chunk_last, today - dt.timedelta(days=1)) - day).days + 1)
        ]
        NightlyRun.objects.bulk_create(
            [
                NightlyRun(
                    facility=facility,
                    date=one,
                    status=RunStatus.SUCCEEDED,
                    trigger="backfill",
                    started_at=started,
                    finished_at=finished,
                )
                for one in (past if record_runs else [])
            ],
            update_conflicts=True,
            unique_fields=["facility", "date"],
            update_fields=["status", "trigger", "started_at", "finished_at", "error"],
        )
        day = chunk_last + dt.timedelta(days=1)
    return written


MAX_BACKFILL_DAYS = 20 * 366


def aggregates_rebuild_days(*, facility_id: int, first: dt.date, last: dt.date) -> int:
    """After a load: the aggregates of the days it touched (at most ``MAX_BACKFILL_DAYS``, the
    latest ones), without recording runs."""
    first = max(first, last - dt.timedelta(days=MAX_BACKFILL_DAYS - 1))
    facility = kernel.facility_get(facility_id=facility_id)
    return aggregates_backfill(facility=facility, first=first, last=last, record_runs=False)


# --- the daily report by email --------------------------------------------------------------------


def report_email(*, run: NightlyRun) -> int:
    """Emails the daily report of ``run``'s day to the facility's subscribers whose role may
    still see analytics, once: the run is claimed by setting ``emailed_at`` where it is empty (of
    passes at once, one wins); a failed send clears it again, for the next pass."""
    if not NightlyRun.objects.filter(pk=run.pk, emailed_at__isnull=True).update(emailed_at=timezone.now()):
        return 0
    facility = kernel.facility_get(facility_id=run.facility_id)
    allowed = kernel.member_user_list(facility=facility, roles=roles_allowed(Action.ANALYTICS_VIEW))
    recipients = list(
        allowed.filter(pk__in=ReportSubscription.objects.filter(facility=facility).values("user_id"))
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients:
        return 0
    report = metrics.daily_report(facility=facility, day=run.date)
    subject = f"CareSlot daily report: {facility.name}, {run.date:%a %d %b %Y}"
    body = metrics.report_text(report)
    try:
        # One message each: subscribers do not see each other's addresses.
        send_mass_mail([(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in recipients])
    except Exception:
        NightlyRun.objects.filter(pk=run.pk).update(emailed_at=None)
        raise
    return len(recipients)


def report_subscribe(*, facility, user, subscribe: bool) -> bool:
    """Starts or stops the daily report email for ``user``; returns whether they now subscribe."""
    if subscribe:
        if not ReportSubscription.objects.filter(facility=facility, user=user).exists():
            try:
                with transaction.atomic():
                    audited_save(ReportSubscription(facility=facility, user=user), actor=user)
            except IntegrityError:
                pass  # a second click at once: the first made it
    else:
        for subscription in ReportSubscription.objects.filter(facility=facility, user=user):
            audited_delete(subscription, actor=user)
    return subscribe


# --- configuration and re-runs, as the API changes them --------------------------------------------


SETTINGS_LOCK = 4344  # pg advisory locks: (namespace, facility id)
SETTINGS_TIMES = ("chair_day_start", "chair_day_end", "prime_start", "prime_end")
# The thresholds' sensible bounds (minutes, or a percentage of the supported minutes).
SETTINGS_LIMITS = {
    "first_case_grace_minutes": (0, 120),
    "late_start_minutes": (0, 240),
    "variance_threshold_minutes": (1, 240),
    "risk_utilization_percent": (50, 150),
}
SETTINGS_FIELDS = (*SETTINGS_TIMES, *SETTINGS_LIMITS)


def _refuse_unknown(fields: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ApplicationError("invalid", "Unknown fields.", fields={name: ["Unknown field."] for name in unknown})


def _settings_problems(values: AnalyticsSettings) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if values.chair_day_end <= values.chair_day_start:
        problems["chair_day_end"] = ["The chairs close after they open."]
    if values.prime_end <= values.prime_start:
        problems["prime_end"] = ["Prime time ends after it starts."]
    for name, (low, high) in SETTINGS_LIMITS.items():
        value = getattr(values, name)
        if not low <= value <= high:
            problems[name] = [f"Between {low} and {high}."]
    return problems


def settings_update(*, facility, actor, **fields) -> AnalyticsSettings:
    """Changes the facility's analytics settings: any of ``SETTINGS_FIELDS`` (wall-clock times are
    naive local times). A facility without its own row gets one, from the defaults, on its first
    change. Rules: the chair day and prime time end after they start, the thresholds within
    ``SETTINGS_LIMITS``; else 400 ``invalid`` naming the field. Kept with its history
    (``audited_save``); a change that changes nothing writes nothing.

    Two changes at once apply one after the other: each takes a transaction-scoped advisory lock
    per facility, then reads the row. Aggregates already made keep the settings of their run
    (the next nightly run uses the new ones; a re-run applies them to a past day)."""
    _refuse_unknown(fields, SETTINGS_FIELDS)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SETTINGS_LOCK, facility.pk])
        current = selectors.settings_for(facility_id=facility.pk)
        before = {name: getattr(current, name) for name in SETTINGS_FIELDS}
        for name, value in fields.items():
            setattr(current, name, value)
        problems = _settings_problems(current)
        if problems:
            raise ApplicationError("invalid", "Invalid settings.", fields=problems)
        if current.pk is None or before != {name: getattr(current, name) for name in SETTINGS_FIELDS}:
            audited_save(current, actor=actor)
    return current


MAPPING_FIELDS = ("regimen_category", "patient_type", "service", "procedure_code", "procedure_description")


def _mapping_save(mapping: AppointmentTypeMapping, *, actor, fields: dict) -> AppointmentTypeMapping:
    """Applies ``fields`` (and ``appointment_type_id``) to ``mapping``, checks them, saves it."""
    _refuse_unknown(fields, ("appointment_type_id", *MAPPING_FIELDS))
    facility = mapping.facility
    if "appointment_type_id" in fields:
        try:
            kernel.appointment_type_get(facility=facility, appointment_type_id=fields["appointment_type_id"])
        except NotFound:
            message = "Not an appointment type of this facility."
            raise ApplicationError("invalid", message, fields={"appointment_type": [message]}) from None
    for name, value in fields.items():
        setattr(mapping, name, value)
    mapping.patient_type = (mapping.patient_type or "").strip().upper()
    problems: dict[str, list[str]] = {}
    if mapping.regimen_category and mapping.regimen_category not in RegimenCategory.values:
        problems["regimen_category"] = [f"One of {', '.join(RegimenCategory.values)}."]
    codes = selectors.patient_type_codes(facility_id=facility.pk)
    if mapping.patient_type and mapping.patient_type not in codes:
        problems["patient_type"] = [f"One of the facility's patient types: {', '.join(sorted(codes))}."]
    for name, limit in (("service", 200), ("procedure_code", 20), ("procedure_description", 500)):
        if len(getattr(mapping, name)) > limit:
            problems[name] = [f"At most {limit} characters."]
    if problems:
        raise ApplicationError("invalid", "Invalid mapping.", fields=problems)
    try:
        with transaction.atomic():
            audited_save(mapping, actor=actor)
    except IntegrityError as error:
        if "appointment_type" not in constraint_name(error):
            raise
        message = "This appointment type has a mapping already: change that one."
        raise ApplicationError("duplicate", message, fields={"appointment_type": [message]}, status_code=409) from None
    return mapping


def patient_type_ensure(*, facility, code: str, description: str = "", actor=None) -> None:
    """Makes ``code`` (upper-cased) one of the facility's patient types, so its mappings and
    imported files accept it; a default type or one it has already is left as it is."""
    code = code.strip().upper()
    if code in selectors.patient_type_codes(facility_id=facility.pk):
        return
    try:
        with transaction.atomic():
            audited_save(PatientType(facility=facility, code=code, description=description[:200]), actor=actor)
    except IntegrityError:
        pass  # added at the same moment by another request


def mapping_create(*, facility, actor, appointment_type_id: int, **fields) -> AppointmentTypeMapping:
    """Maps an appointment type of the facility to what its bookings are as facts (regimen
    category and patient type for a chair; service and procedure for a theatre). 400 naming the
    field: a type of another facility, a regimen category or patient type the facility does not
    have (``selectors.patient_type_codes``); 409 ``duplicate``: the type has a mapping. Facts
    already made keep their mapping until their days are synced again (the refresh does the days
    from yesterday on; a re-run, a past day)."""
    mapping = AppointmentTypeMapping(facility=facility)
    return _mapping_save(mapping, actor=actor, fields={"appointment_type_id": appointment_type_id, **fields})


def mapping_update(*, facility, actor, mapping_id: int, **fields) -> AppointmentTypeMapping:
    """Changes the fields given of one of the facility's mappings (404 if it is not one), with
    the rules of ``mapping_create``."""
    with transaction.atomic():
        mapping = AppointmentTypeMapping.objects.select_for_update().filter(facility=facility, pk=mapping_id).first()
        if mapping is None:
            raise NotFound("Appointment-type mapping")
        return _mapping_save(mapping, actor=actor, fields=fields)


def mapping_delete(*, facility, actor, mapping_id: int) -> None:
    """Removes one of the facility's mappings (404 if it is not one); its history keeps it. Its
    type's bookings count as a medium regimen of type MISC, or a case of the type's own name."""
    mapping = AppointmentTypeMapping.objects.filter(facility=facility, pk=mapping_id).first()
    if mapping is None:
        raise NotFound("Appointment-type mapping")
    audited_delete(mapping, actor=actor)


def nightly_rerun_queue(*, facility, actor, day: dt.date) -> None:
    """Queues a re-run of one past local day's aggregates (``tasks.rerun``, after the commit):
    its facts from the day of care synced again and its aggregates replaced, recorded as a
    NightlyRun with trigger ``rerun``. Only a day before today (today is still being written by
    the refresh): else 400 naming ``date``."""
    ranges.date_check(day, field="date")
    today = timezone.localdate(timezone=ZoneInfo(facility.time_zone))
    if day >= today:
        message = "Only a day before today can be re-run: today is still being written."
        raise ApplicationError("invalid", message, fields={"date": [message]})
    logger.info("Re-run of %s for facility %s queued by %s", day, facility.pk, actor)
    enqueue_on_commit(tasks.rerun, facility_id=facility.pk, day=day.isoformat())
