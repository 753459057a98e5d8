"""Writes of the infusion center's configuration and of the nurses on duty, each kept with its
history and the acting user (``audited_save``). Every change of one facility's configuration
takes a transaction-scoped advisory lock per facility first, so two changes at once apply one
after the other and the study's defaults are written once (``infusion_defaults_ensure``).

Rules broken answer 400 ``invalid`` naming the field (``ApplicationError.fields``); an object of
another facility, or none, is 404."""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction

from analytics import services as analytics
from infusion import defaults
from infusion.models import (
    InfusionSettings,
    NurseShift,
    NurseSource,
    PatientType,
    PlacementRoute,
    Policy,
    RegimenCategory,
    RouteCode,
    WeekdayMix,
)
from infusion.selectors import capacity as selectors
from scheduling import ranges
from scheduling.errors import ApplicationError, NotFound
from scheduling.history import audited_delete, audited_save

CONFIGURATION_LOCK = 4345  # pg advisory locks: (namespace, facility id)
MIX_TOLERANCE = Decimal("0.5")  # a weekday's shares add up to 100 within this


def _lock(facility) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [CONFIGURATION_LOCK, facility.pk])


def _invalid(field: str, message: str, what: str = "Invalid input.") -> ApplicationError:
    return ApplicationError("invalid", f"{what} {message}".strip(), fields={field: [message]})


def _refuse_unknown(fields: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ApplicationError("invalid", "Unknown fields.", fields={name: ["Unknown field."] for name in unknown})


# --- the study's defaults -----------------------------------------------------------------------


def infusion_defaults_ensure(*, facility, actor=None) -> dict[str, int]:
    """Writes the study's defaults (``infusion.defaults``) the facility does not have yet: its
    settings row, the five patient types with the weekday mix (only while it has no patient type
    at all: a center that made its own keeps them), and each route it has not saved. Returns the
    rows created by kind. Idempotent; two calls at once write once (the configuration lock, and
    the unique constraints behind it: tests/infusion/test_configuration.py). Joins the caller's
    transaction if there is one."""
    created = {"settings": 0, "patient_types": 0, "weekday_mix": 0, "routes": 0}
    with transaction.atomic():
        _lock(facility)
        if not InfusionSettings.objects.filter(facility=facility).exists():
            audited_save(InfusionSettings(facility=facility), actor=actor)
            created["settings"] = 1
        if not PatientType.objects.filter(facility=facility).exists():
            types = {}
            for patient_type in selectors.patient_type_list(facility=facility):  # the unsaved defaults
                types[patient_type.code] = audited_save(patient_type, actor=actor)
                created["patient_types"] += 1
            for code, percents in defaults.WEEKDAY_MIX.items():
                for weekday, percent in enumerate(percents):
                    row = WeekdayMix(facility=facility, patient_type=types[code], weekday=weekday, percent=percent)
                    audited_save(row, actor=actor)
                    created["weekday_mix"] += 1
        saved = set(PlacementRoute.objects.filter(facility=facility).values_list("code", flat=True))
        for route in selectors.route_list(facility=facility):
            if route.code not in saved:
                audited_save(route, actor=actor)
                created["routes"] += 1
    return created


# --- settings -------------------------------------------------------------------------------------

SETTINGS_FIELDS = ("chairs_per_nurse", "weekly_capacity", "open_weekdays", "default_nurses", "policy", "search_days")


def _settings_problems(values: InfusionSettings) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    ratio = values.chairs_per_nurse
    if not isinstance(ratio, Decimal) or not Decimal("0.25") <= ratio <= Decimal("20") or ratio != round(ratio, 2):
        problems["chairs_per_nurse"] = ["Between 0.25 and 20 chairs per nurse, at most two decimals."]
    if not isinstance(values.weekly_capacity, int) or not 1 <= values.weekly_capacity <= 5000:
        problems["weekly_capacity"] = ["Between 1 and 5000 patients a week."]
    weekdays = values.open_weekdays
    if not weekdays or any(not isinstance(day, int) or not 0 <= day <= 6 for day in weekdays):
        problems["open_weekdays"] = ["At least one weekday, 0 = Monday … 6 = Sunday."]
    nurses = values.default_nurses
    if nurses is not None and (not isinstance(nurses, int) or not 0 <= nurses <= 500):
        problems["default_nurses"] = ["Empty (no cap) or between 0 and 500 nurses."]
    if values.policy not in Policy.values:
        problems["policy"] = [f"One of {', '.join(Policy.values)}."]
    if not isinstance(values.search_days, int) or not 0 <= values.search_days <= 60:
        problems["search_days"] = ["Between 0 and 60 days."]
    return problems


def settings_update(*, facility, actor, **fields) -> InfusionSettings:
    """Changes any of ``SETTINGS_FIELDS``: chairs one nurse runs (0.25–20), patients a week
    (1–5000), the open weekdays (0 = Monday … 6 = Sunday, at least one), the default nurses on
    duty (None: no cap on a day without other nurse data), the policy and the levelled policy's
    search days (0–60). A change that changes nothing writes nothing."""
    _refuse_unknown(fields, SETTINGS_FIELDS)
    if "open_weekdays" in fields and fields["open_weekdays"] is not None:
        fields["open_weekdays"] = sorted(set(fields["open_weekdays"]))
    with transaction.atomic():
        infusion_defaults_ensure(facility=facility, actor=actor)
        current = InfusionSettings.objects.select_for_update().get(facility=facility)
        if not current.open_weekdays:
            current.open_weekdays = current.weekdays
        before = {name: getattr(current, name) for name in SETTINGS_FIELDS}
        for name, value in fields.items():
            setattr(current, name, value)
        problems = _settings_problems(current)
        if problems:
            raise ApplicationError("invalid", "Invalid settings.", fields=problems)
        if before != {name: getattr(current, name) for name in SETTINGS_FIELDS}:
            audited_save(current, actor=actor)
    return current


# --- patient types --------------------------------------------------------------------------------

TYPE_FIELDS = ("name", "regimen_category", "chair_minutes", "share_percent", "treatments", "active", "position")
CODE_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9_-]{0,19}")


def parse_treatments(text: str, *, field: str = "treatments") -> dict[str, float]:
    """``"1: 0.5, 4: 0.5"`` → ``{"1": 0.5, "4": 0.5}``; empty text → ``{}``. 400 naming
    ``field`` for anything else."""
    text = (text or "").strip()
    if not text:
        return {}
    result: dict[str, float] = {}
    for part in text.split(","):
        count, sep, probability = part.partition(":")
        try:
            if not sep:
                raise ValueError
            result[str(int(count.strip()))] = float(probability.strip())
        except ValueError:
            raise _invalid(
                field,
                f"Write each number of treatments with its probability, e.g. 1: 0.5, 4: 0.5 (not “{part.strip()}”).",
            ) from None
    return result


def _treatments_problem(treatments) -> str | None:
    if not isinstance(treatments, dict):
        return 'A mapping of treatments to probabilities, e.g. {"1": 0.5, "4": 0.5}.'
    if not treatments:
        return None
    total = 0.0
    for count, probability in treatments.items():
        if not str(count).isdigit() or not 1 <= int(count) <= 100:
            return f"“{count}” is not a number of treatments from 1 to 100."
        if not isinstance(probability, int | float) or isinstance(probability, bool) or not 0 <= probability <= 1:
            return f"The probability of {count} treatments must be between 0 and 1."
        total += probability
    if abs(total - 1) > 0.01:
        return f"The probabilities add up to {total:g}; they must add up to 1."
    return None


def _type_problems(patient_type: PatientType) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if not patient_type.name or len(patient_type.name) > 200:
        problems["name"] = ["A name of 1 to 200 characters."]
    if patient_type.regimen_category not in RegimenCategory.values:
        problems["regimen_category"] = [f"One of {', '.join(RegimenCategory.values)}."]
    minutes = patient_type.chair_minutes
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 5 <= minutes <= 720:
        problems["chair_minutes"] = ["Between 5 and 720 minutes."]
    share = patient_type.share_percent
    if not isinstance(share, Decimal) or not 0 <= share <= 100 or share != round(share, 2):
        problems["share_percent"] = ["Between 0 and 100, at most two decimals."]
    problem = _treatments_problem(patient_type.treatments)
    if problem:
        problems["treatments"] = [problem]
    if not isinstance(patient_type.position, int) or not 0 <= patient_type.position <= 1000:
        problems["position"] = ["Between 0 and 1000."]
    return problems


def patient_type_create(*, facility, actor, code: str, **fields) -> PatientType:
    """Adds a patient type: ``code`` (upper-cased; letters, digits, - and _, at most 20, unique
    in the facility: else 400 naming ``code``), a ``name``, and any of ``TYPE_FIELDS``. Analytics
    learns the code too (its mappings and imported files accept it). Placed last by default."""
    _refuse_unknown(fields, TYPE_FIELDS)
    code = (code or "").strip().upper()
    if not CODE_PATTERN.fullmatch(code):
        raise _invalid("code", "Letters, digits, - or _, at most 20 characters, e.g. RAD.", "Invalid patient type.")
    with transaction.atomic():
        infusion_defaults_ensure(facility=facility, actor=actor)
        if PatientType.objects.filter(facility=facility, code=code).exists():
            raise _invalid("code", f"The facility has a patient type {code} already.", "Invalid patient type.")
        last = PatientType.objects.filter(facility=facility).order_by("-position").first()
        patient_type = PatientType(facility=facility, code=code, position=(last.position + 1) if last else 0)
        for name, value in fields.items():
            setattr(patient_type, name, value)
        problems = _type_problems(patient_type)
        if problems:
            raise ApplicationError("invalid", "Invalid patient type.", fields=problems)
        audited_save(patient_type, actor=actor)
        analytics.patient_type_ensure(facility=facility, code=code, description=patient_type.name, actor=actor)
    return patient_type


def patient_type_update(*, facility, actor, code: str, **fields) -> PatientType:
    """Changes any of ``TYPE_FIELDS`` of the facility's type ``code`` (404 if it has none; the
    code itself stays, as bookings' mappings name it). A change that changes nothing writes
    nothing."""
    _refuse_unknown(fields, TYPE_FIELDS)
    with transaction.atomic():
        infusion_defaults_ensure(facility=facility, actor=actor)
        patient_type = (
            PatientType.objects.select_for_update().filter(facility=facility, code=(code or "").strip().upper()).first()
        )
        if patient_type is None:
            raise NotFound("Patient type")
        before = {name: getattr(patient_type, name) for name in TYPE_FIELDS}
        for name, value in fields.items():
            setattr(patient_type, name, value)
        problems = _type_problems(patient_type)
        if problems:
            raise ApplicationError("invalid", "Invalid patient type.", fields=problems)
        if before != {name: getattr(patient_type, name) for name in TYPE_FIELDS}:
            audited_save(patient_type, actor=actor)
    return patient_type


# --- the weekday mix ------------------------------------------------------------------------------


def weekday_field(weekday: int) -> str:
    """The field name of a weekday's column: ``monday`` … ``sunday``."""
    return defaults.WEEKDAY_NAMES[weekday].lower()


def weekday_mix_replace(*, facility, actor, grid: dict[str, dict[int, Decimal]]) -> dict[int, dict[str, Decimal]]:
    """Replaces the weekday mix: ``grid`` is {type code: {weekday: percent}}. Every weekday the
    grid has a column for must add up to 100 (± 0.5), else 400 naming that weekday (``monday``…);
    a code the facility has no type of is 400 naming ``mix.<code>``; a percent outside 0–100 or
    with more than two decimals is 400 naming ``<code>.<weekday>``. Within a column given, a type
    the grid leaves out loses its row. Returns the mix as ``selectors.weekday_mix`` reads it."""
    with transaction.atomic():
        infusion_defaults_ensure(facility=facility, actor=actor)
        types = {t.code: t for t in PatientType.objects.filter(facility=facility)}
        problems: dict[str, list[str]] = {}
        clean: dict[str, dict[int, Decimal]] = {}
        for raw_code, column in grid.items():
            code = str(raw_code).strip().upper()
            if code not in types:
                problems[f"mix.{raw_code}"] = ["Not one of the facility's patient types."]
                continue
            clean[code] = {}
            for weekday, percent in column.items():
                if not isinstance(weekday, int) or not 0 <= weekday <= 6:
                    problems[f"{code}.{weekday}"] = ["A weekday from 0 (Monday) to 6 (Sunday)."]
                    continue
                field = f"{code}.{weekday_field(weekday)}"
                try:
                    value = Decimal(str(percent if percent is not None else 0))
                except InvalidOperation:
                    problems[field] = ["A percentage, e.g. 24.5."]
                    continue
                if not value.is_finite() or not 0 <= value <= 100 or value != round(value, 2):
                    problems[field] = ["Between 0 and 100, at most two decimals."]
                    continue
                clean[code][weekday] = value
        weekdays = sorted({weekday for column in clean.values() for weekday in column})
        for weekday in weekdays:
            total = sum((column.get(weekday, Decimal(0)) for column in clean.values()), Decimal(0))
            if abs(total - 100) > MIX_TOLERANCE:
                name = defaults.WEEKDAY_NAMES[weekday]
                problems[weekday_field(weekday)] = [f"{name}'s shares add up to {total:f} %: they must add up to 100."]
        if problems:
            raise ApplicationError("invalid", "Invalid weekday mix.", fields=problems)
        existing = {
            (row.patient_type_id, row.weekday): row
            for row in WeekdayMix.objects.select_for_update().filter(facility=facility, weekday__in=weekdays)
        }
        wanted = set()
        for code, column in clean.items():
            for weekday, value in column.items():
                key = (types[code].pk, weekday)
                wanted.add(key)
                row = existing.get(key)
                if row is None:
                    audited_save(
                        WeekdayMix(facility=facility, patient_type=types[code], weekday=weekday, percent=value),
                        actor=actor,
                    )
                elif row.percent != value:
                    row.percent = value
                    audited_save(row, actor=actor)
        for key, row in existing.items():
            if key not in wanted:
                audited_delete(row, actor=actor)
    return selectors.weekday_mix(facility=facility)


# --- routes -----------------------------------------------------------------------------------------

ROUTE_FIELDS = ("target_days", "offsets", "search_further", "description")


def parse_offsets(text: str, *, field: str = "offsets") -> list[int]:
    """``"0, -1, 1"`` → ``[0, -1, 1]``; 400 naming ``field`` for anything else."""
    parts = [part.strip() for part in (text or "").replace(";", ",").split(",")]
    if not any(parts):
        raise _invalid(field, "Give at least one day, e.g. 0, -1, 1.", "Invalid route.")
    offsets = []
    for part in parts:
        if not re.fullmatch(r"[+-]?\d{1,3}", part.replace("−", "-")):
            raise _invalid(
                field,
                f"Whole numbers of days from the target separated by commas, e.g. 0, -1, 1 (not “{part}”).",
                "Invalid route.",
            )
        offsets.append(int(part.replace("−", "-")))
    return offsets


def _route_problems(route: PlacementRoute) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    target = route.target_days
    if not isinstance(target, int) or isinstance(target, bool) or not 0 <= target <= 365:
        problems["target_days"] = ["Between 0 and 365 days."]
    offsets = route.offsets
    if not isinstance(offsets, list | tuple) or not offsets:
        problems["offsets"] = ["At least one day from the target, e.g. 0, -1, 1."]
    elif any(not isinstance(o, int) or isinstance(o, bool) or not -30 <= o <= 30 for o in offsets):
        problems["offsets"] = ["Each day between -30 and 30 from the target."]
    elif len(set(offsets)) != len(offsets):
        problems["offsets"] = ["Each day once."]
    elif "target_days" not in problems and target + min(offsets) < 0:
        problems["offsets"] = [f"{min(offsets)} days from a target {target} days out is before the request."]
    if len(route.description or "") > 300:
        problems["description"] = ["At most 300 characters."]
    if not isinstance(route.search_further, bool):
        problems["search_further"] = ["True or false."]
    return problems


def route_update(*, facility, actor, code: str, **fields) -> PlacementRoute:
    """Changes the route ``code`` (404 for a code that is not a route): its target (0–365 days
    after the day it counts from), its offsets (each −30–30, each once, none before the day it
    counts from), whether the levelled policy may search further, its description."""
    _refuse_unknown(fields, ROUTE_FIELDS)
    if code not in RouteCode.values:
        raise NotFound("Route")
    if "offsets" in fields and isinstance(fields["offsets"], tuple):
        fields["offsets"] = list(fields["offsets"])
    with transaction.atomic():
        infusion_defaults_ensure(facility=facility, actor=actor)
        route = PlacementRoute.objects.select_for_update().get(facility=facility, code=code)
        before = {name: getattr(route, name) for name in ROUTE_FIELDS}
        for name, value in fields.items():
            setattr(route, name, value)
        problems = _route_problems(route)
        if problems:
            raise ApplicationError("invalid", "Invalid route.", fields=problems)
        if before != {name: getattr(route, name) for name in ROUTE_FIELDS}:
            audited_save(route, actor=actor)
    return route


# --- nurses on duty --------------------------------------------------------------------------------


def _shift(facility, day: dt.date, start, end, nurses, note, source, index: int | None = None) -> NurseShift:
    prefix = "" if index is None else f"shifts[{index}]."
    problems: dict[str, list[str]] = {}
    if not isinstance(start, dt.time):
        problems[f"{prefix}start_time"] = ["A wall-clock time, e.g. 08:00."]
    if not isinstance(end, dt.time):
        problems[f"{prefix}end_time"] = ["A wall-clock time, e.g. 18:00."]
    elif isinstance(start, dt.time) and end <= start:
        problems[f"{prefix}end_time"] = ["The shift ends after it starts (on the same day)."]
    if not isinstance(nurses, int) or isinstance(nurses, bool) or not 0 <= nurses <= 500:
        problems[f"{prefix}nurses"] = ["Between 0 and 500 nurses."]
    if len(note or "") > 200:
        problems[f"{prefix}note"] = ["At most 200 characters."]
    if problems:
        raise ApplicationError("invalid", "Invalid nurses on duty.", fields=problems)
    return NurseShift(
        facility=facility, date=day, start_time=start, end_time=end, nurses=nurses, source=source, note=note or ""
    )


def nurse_shift_add(
    *, facility, actor, date: dt.date, start_time: dt.time, end_time: dt.time, nurses: int, note: str = ""
) -> NurseShift:
    """Records that ``nurses`` nurses are on duty on the local ``date`` from ``start_time`` to
    ``end_time`` (a manager's entry). On a day with entries these replace the imported nurse
    capacity; a published roster's rows replace them in turn."""
    ranges.date_check(date, field="date")
    shift = _shift(facility, date, start_time, end_time, nurses, note, NurseSource.MANUAL)
    with transaction.atomic():
        _lock(facility)
        audited_save(shift, actor=actor)
    return shift


def nurse_shift_remove(*, facility, actor, shift_id) -> None:
    """Removes a manager's entry (404 if the facility has none of that id); a roster's rows are
    replaced only by publishing the roster again (400 naming ``source``)."""
    shift = selectors.nurse_shift_get(facility=facility, shift_id=shift_id)
    if shift.source != NurseSource.MANUAL:
        raise _invalid("source", "A published roster's nurses change when the roster is published again.")
    with transaction.atomic():
        _lock(facility)
        audited_delete(shift, actor=actor)


def nurses_on_duty_replace(*, facility, day: dt.date, shifts, source: str = NurseSource.ROSTER, actor) -> list:
    """Replaces the nurses on duty ``source`` (roster or manual) says for the local ``day`` with
    ``shifts``: each a mapping with ``start_time``, ``end_time``, ``nurses`` and an optional
    ``note``. Every shift is checked before anything is written (400 naming ``shifts[i].<field>``);
    the day's previous rows of that source are deleted, each kept in history. An empty list
    leaves the day without rows of that source. Returns the new rows."""
    if source not in NurseSource.values:
        raise _invalid("source", f"One of {', '.join(NurseSource.values)}.")
    ranges.date_check(day, field="date")
    rows = [
        _shift(
            facility,
            day,
            shift.get("start_time"),
            shift.get("end_time"),
            shift.get("nurses"),
            shift.get("note", ""),
            source,
            index,
        )
        for index, shift in enumerate(shifts)
    ]
    with transaction.atomic():
        _lock(facility)
        for old in NurseShift.objects.filter(facility=facility, date=day, source=source):
            audited_delete(old, actor=actor)
        for row in rows:
            audited_save(row, actor=actor)
    return rows
