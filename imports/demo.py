"""Demo imports (``manage.py seed_demo``): analytics gets history to show.

* Every demo facility: the last ``HISTORY_DAYS`` days up to yesterday of generated chair
  appointments, actual chair times and nurse capacity (``imports.generate``) for its chairs;
  and its plan of the ``PLAN_DAYS`` days from today: the chair appointments booked ahead (for
  the full staff) and the nurse capacity known now, so the at-risk calendar has days to flag.
  When a planned day has passed, its history replaces the plan: appointments booked ahead that
  the nurses who came could not run are cancelled.
* Riverside: the public January 2022 OR file, its suites 1–8 mapped to Theatre 1–8.

Each file goes through the pipeline as an upload would (``import_upload``, then the load that
the Celery task runs, here in this process). Idempotent: a kind whose facts reach yesterday is
left alone, a later run adds only the days since, and a generated day always has the same rows
(ids included), so an overlap updates rather than duplicates; uploading the same bytes again is
recognised by their SHA-256.
"""

import contextlib
import datetime as dt
import logging
import zlib
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Max
from django.utils import timezone

from analytics import selectors as analytics
from config.celery import app as celery_app
from imports import generate, selectors, services
from imports.formats import Kind
from imports.models import Status
from scheduling import selectors as kernel
from scheduling import services as kernel_services
from scheduling.choices import ResourceKind

logger = logging.getLogger(__name__)

HISTORY_DAYS = 90
PLAN_DAYS = 14
DEFAULT_CHAIRS = 12  # made when a facility has no chair
# January 2022 of the public "Operating Room Utilization" data set (a fictional general
# hospital, Q1 2022), published under Creative Commons Attribution 4.0 (CC BY 4.0) and used by
# the OptiOR project; unchanged. See data/README.md; keep this attribution with it.
OR_FILE = Path(settings.BASE_DIR) / "data" / "or-cases-2022-01.csv"
OR_FACILITY = "riverside"
OR_SUITES = {str(n): f"Theatre {n}" for n in range(1, 9)}


def seed(*, facility, actor, today: dt.date | None = None) -> int:
    """Loads what the facility's demo history lacks up to the day before ``today`` (the
    facility's today by default); returns the fact rows it added."""
    today = today or timezone.now().astimezone(ZoneInfo(facility.time_zone)).date()
    with _tasks_in_process():
        added = _chair_history(facility, actor, today)
        added += _chair_plan(facility, actor, today)
        if facility.slug == OR_FACILITY:
            added += _or_month(facility, actor)
    return added


@contextlib.contextmanager
def _tasks_in_process():
    """The task queued by an upload runs here on commit, not on a worker that may not be up."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = eager


def _chair_history(facility, actor, today: dt.date) -> int:
    first = today - dt.timedelta(days=HISTORY_DAYS)
    starts = {
        kind: max(first, _next_day(facility, kind, today)) for kind in generate.FILE_NAMES if kind != Kind.OR_CASES
    }
    start = min(starts.values())
    days = generate.weekdays(start, (today - start).days)
    if not days:
        return 0  # up to date, or only a weekend since (the history has weekdays only)
    setup = generate.ChairSetup(chairs=_chair_names(facility, actor))
    seed = zlib.crc32(facility.slug.encode())
    block = _with_cancelled_ahead(generate.chair_block(seed, days, setup, today=today), seed, days, setup)
    block = {kind: block[block["day"] >= starts[kind].toordinal()] for kind in starts}
    frames = {
        Kind.CHAIR_APPOINTMENTS: generate.appointments_frame(block[Kind.CHAIR_APPOINTMENTS], setup),
        Kind.CHAIR_TIMES: generate.chair_times_frame(block[Kind.CHAIR_TIMES]),
        Kind.NURSE_CAPACITY: generate.capacity_frame(
            seed, [day for day in days if day >= starts[Kind.NURSE_CAPACITY]], setup
        ),
    }
    added = 0
    for kind, frame in frames.items():  # appointments first: actual times name their encounters
        if frame.empty:
            continue
        last = today - dt.timedelta(days=1)
        name = f"demo-{generate.FILE_NAMES[kind].removesuffix('.csv')}-{starts[kind]:%Y%m%d}-{last:%Y%m%d}.csv"
        added += _load(facility, actor, kind, generate.csv_text(frame).encode(), name)
    return added


def _with_cancelled_ahead(block, seed: int, days: list[dt.date], setup):
    """The history ``block`` of ``days`` and, as cancelled and without a chair, the appointments
    booked ahead for those days (for the full staff) beyond those the nurses who came ran: what
    the plan loaded for a short-staffed day becomes once the day is history."""
    ahead = generate.chair_block(seed, days, setup, today=days[0])
    ran = block.groupby("day")["number"].max().reindex(ahead["day"].unique(), fill_value=0)
    extra = ahead[ahead["number"].to_numpy() > ran.loc[ahead["day"]].to_numpy()].copy()
    extra["status"], extra["chair"] = generate.CANCELLED, -1
    extra["actual_start"], extra["actual_minutes"] = -1, -1
    return pd.concat([block, extra]).sort_values(["day", "number"], kind="stable").reset_index(drop=True)


def _chair_plan(facility, actor, today: dt.date) -> int:
    """The chair appointments and nurse capacity of the weekdays of the next ``PLAN_DAYS`` days
    (the same bytes again on the same day are recognised and skipped)."""
    days = generate.weekdays(today, PLAN_DAYS)
    if not days:
        return 0
    setup = generate.ChairSetup(chairs=_chair_names(facility, actor))
    seed = zlib.crc32(facility.slug.encode())
    frames = {
        Kind.CHAIR_APPOINTMENTS: generate.appointments_frame(
            generate.chair_block(seed, days, setup, today=today), setup
        ),
        Kind.NURSE_CAPACITY: generate.capacity_frame(seed, days, setup),
    }
    added = 0
    for kind, frame in frames.items():
        name = f"demo-plan-{generate.FILE_NAMES[kind].removesuffix('.csv')}-{days[0]:%Y%m%d}-{days[-1]:%Y%m%d}.csv"
        added += _load(facility, actor, kind, generate.csv_text(frame).encode(), name)
    return added


def _next_day(facility, kind: str, today: dt.date) -> dt.date:
    """The day after the last one of the history the facility has imported facts of ``kind``
    for (or long ago). A planned day, even once past, is not history until its history is
    loaded: history is the days with completed or missed appointments (only history has them),
    and for actual chair times the last one. Facts of the day of care (bookings made in
    CareSlot) are not the demo's."""
    facts = analytics.fact_rows(kind=kind, facility_id=facility.pk).filter(source="import")
    if kind == Kind.CHAIR_TIMES:
        last = facts.aggregate(last=Max("actual_start"))["last"]
        last = last.astimezone(ZoneInfo(facility.time_zone)).date() if last else None
    else:
        appointments = analytics.fact_rows(kind=Kind.CHAIR_APPOINTMENTS, facility_id=facility.pk)
        closed = appointments.filter(source="import", status__in=["completed", "no-show"], date__lt=today)
        last = closed.aggregate(last=Max("date"))["last"]
    return last + dt.timedelta(days=1) if last else dt.date.min


def _chair_names(facility, actor) -> tuple[str, ...]:
    chairs = kernel.resource_list(facility=facility).filter(kind=ResourceKind.CHAIR, active=True)
    names = tuple(chair.name for chair in chairs)
    if names:
        return names
    for name in generate.chair_names(DEFAULT_CHAIRS):
        kernel_services.resource_create(facility=facility, actor=actor, kind=ResourceKind.CHAIR, name=name)
    return generate.chair_names(DEFAULT_CHAIRS)


def _or_month(facility, actor) -> int:
    if not OR_FILE.exists():
        logger.warning("Demo OR cases skipped: %s is not there.", OR_FILE)
        return 0
    theatres = {
        theatre.name: theatre.pk
        for theatre in kernel.resource_list(facility=facility).filter(kind=ResourceKind.THEATRE)
    }
    mappings = [{"name": suite, "resource_id": theatres[name]} for suite, name in OR_SUITES.items() if name in theatres]
    return _load(facility, actor, Kind.OR_CASES, OR_FILE.read_bytes(), OR_FILE.name, mappings=mappings)


def _load(facility, actor, kind: str, content: bytes, name: str, *, mappings=()) -> int:
    """Uploads ``content`` and sees the load through; returns the rows it added."""
    record, created = services.import_upload(
        facility=facility,
        actor=actor,
        uploaded_file=SimpleUploadedFile(name, content, content_type="text/csv"),
        kind=kind,
    )
    if not created:
        return 0  # these bytes were uploaded before
    status = services.import_process(import_id=record.pk)  # a no-op when it ran on commit
    if status == Status.NEEDS_MAPPING:
        unknown = selectors.import_get(facility=facility, import_id=record.pk).unknown_resources
        wanted = {entry["name"] for entry in unknown}
        services.import_resolve_resources(
            facility=facility,
            actor=actor,
            import_id=record.pk,
            resolutions=[mapping for mapping in mappings if mapping["name"] in wanted],
        )
        status = services.import_process(import_id=record.pk)
    record = selectors.import_get(facility=facility, import_id=record.pk)
    if status != Status.LOADED:
        raise RuntimeError(f"The demo import {name} ended '{status}', not loaded: {record.message}")
    return record.rows_inserted
