"""Duration estimates learned from a facility's history (issue 11, "Duration estimates"): how
long a chair appointment or a theatre case will really take, with the basis staff are shown.
Selectors: they read the facts only, of the facility they are given.

Chairs. Completed appointments with actual chair time, in the last year of history before the
cut-off (``HISTORY_DAYS``: practice changes; an old file still teaches when it is all there
is). The estimate is the booked minutes × the median ratio of actual to scheduled minutes of the
(regimen category, patient type), falling back to the category, then to the booked minutes; a
group counts from ``MIN_CHAIR_APPOINTMENTS``. A ratio rather than a median difference: chair
times miss by a share of the regimen (infusion pace, the noise of the visit), and within a
group the booked minutes differ (a medium regimen is booked 90 to 180 minutes); on generated
history (12 weeks to learn, 4 to evaluate, seeds 3, 7, 11, 2024) the ratio's MAE was 0.3–1.6 %
lower than the difference's in every run.

Theatres. In-room minutes (wheels in → wheels out), in the same period. The estimate is the
median in-room minutes of the procedure (CPT code) from ``MIN_PROCEDURE_CASES`` cases, falling
back to the booked minutes × the median ratio of in-room to booked minutes of the service from
``MIN_SERVICE_CASES``, then to the booked minutes. On the January OR file (learn before 21
January, evaluate the rest), estimating every case from its service alone: the median ratio has
an MAE of 7.6 minutes, the median in-room minutes 14.4, worse than the booking's 11.8 (a service
books 45- and 180-minute procedures alike). A procedure is one operation done one way:
three cases suffice (the January file's in-room times vary by a few minutes within a CPT code);
a minimum of 5 gave an MAE of 5.7 and of 10 one of 6.4, against 4.2 with 3.

Each estimate is one SQL statement (``percentile_cont`` over ``GROUPING SETS``); ``evaluate``
runs the same statement over every fact of the held-out period at once.
"""

import datetime as dt
import json
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

from analytics import selectors
from analytics.models import AppointmentStatus, ChairAppointment, ChairTime, RegimenCategory, SurgicalCase
from scheduling.choices import ResourceKind

A = ChairAppointment._meta.db_table
T = ChairTime._meta.db_table
S = SurgicalCase._meta.db_table

MIN_CHAIR_APPOINTMENTS = 10  # per (category, type) and per category
MIN_PROCEDURE_CASES = 3
MIN_SERVICE_CASES = 10
HISTORY_DAYS = 365  # practice changes: the last year of history before the cut-off


class Level:
    PROCEDURE = "procedure"
    SERVICE = "service"
    CATEGORY_AND_TYPE = "category_and_type"
    CATEGORY = "category"
    BOOKED = "booked"


@dataclass(frozen=True)
class Estimate:
    """The minutes to expect and why: ``basis`` is the sentence staff see, ``level`` which
    fallback gave it, ``sample_size`` the past appointments or cases behind it (0 when booked)."""

    minutes: int
    basis: str
    level: str
    sample_size: int


# --- the statements -------------------------------------------------------------------------------


def _since(table: str) -> str:
    """The day before the learning period: the year of history up to the last day before the
    cut-off that has any (the January 2022 OR file still teaches in 2026)."""
    return f"""(SELECT max(date) - {HISTORY_DAYS} FROM {table}
        WHERE facility_id = %(facility)s AND date < %(before)s)"""  # noqa: S608 - names come from the models


_CHAIR_SINCE, _CASE_SINCE = _since(A), _since(S)

# ``wanted`` is what to estimate, one row per question: a single VALUES row for an estimate, the
# held-out facts for ``evaluate`` (with their actual minutes). ``picked`` answers each row.

_CHAIR_PICKED = f"""
    learned AS (
        SELECT a.regimen_category AS category, a.patient_type, GROUPING(a.patient_type) = 1 AS whole_category,
            count(*) AS n,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY t.total_minutes::float8 / a.scheduled_minutes) AS ratio
        FROM {A} a JOIN {T} t ON t.facility_id = a.facility_id AND t.encounter_id = a.encounter_id
        WHERE a.facility_id = %(facility)s AND a.status = %(completed)s
            AND a.date < %(before)s AND a.date > {_CHAIR_SINCE}
            AND a.regimen_category IN (SELECT category FROM wanted)
        GROUP BY GROUPING SETS ((a.regimen_category, a.patient_type), (a.regimen_category))
    ),
    picked AS (
        SELECT w.*,
            CASE WHEN g.n >= %(least)s THEN '{Level.CATEGORY_AND_TYPE}'
                 WHEN c.n >= %(least)s THEN '{Level.CATEGORY}' ELSE '{Level.BOOKED}' END AS level,
            CASE WHEN g.n >= %(least)s THEN g.n WHEN c.n >= %(least)s THEN c.n ELSE 0 END AS n,
            CASE WHEN g.n >= %(least)s THEN g.ratio WHEN c.n >= %(least)s THEN c.ratio END AS ratio,
            coalesce(g.n, 0) AS group_n
        FROM wanted w
        LEFT JOIN learned g ON NOT g.whole_category AND g.category = w.category AND g.patient_type = w.patient_type
        LEFT JOIN learned c ON c.whole_category AND c.category = w.category
    ),
    answered AS (
        SELECT p.*, coalesce(round((p.booked * p.ratio)::numeric)::int, p.booked) AS minutes FROM picked p
    )
"""  # noqa: S608 - table names come from the models

_CASE_PICKED = f"""
    learned AS (
        SELECT s.cpt_code AS code, s.service, GROUPING(s.service) = 1 AS by_procedure, count(*) AS n,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM s.wheels_out - s.wheels_in) / 60)
                AS in_room,
            percentile_cont(0.5) WITHIN GROUP (
                ORDER BY extract(epoch FROM s.wheels_out - s.wheels_in) / 60 / nullif(s.booked_minutes, 0)
            ) AS ratio,
            max(s.cpt_description) AS description
        FROM {S} s
        WHERE s.facility_id = %(facility)s AND s.date < %(before)s AND s.date > {_CASE_SINCE}
            AND (s.cpt_code IN (SELECT code FROM wanted) OR s.service IN (SELECT service FROM wanted))
        GROUP BY GROUPING SETS ((s.cpt_code), (s.service))
    ),
    picked AS (
        SELECT w.*,
            CASE WHEN p.n >= %(least_procedure)s THEN '{Level.PROCEDURE}'
                 WHEN v.n >= %(least_service)s THEN '{Level.SERVICE}' ELSE '{Level.BOOKED}' END AS level,
            CASE WHEN p.n >= %(least_procedure)s THEN p.n WHEN v.n >= %(least_service)s THEN v.n ELSE 0 END AS n,
            CASE WHEN p.n >= %(least_procedure)s THEN p.in_room
                 WHEN v.n >= %(least_service)s THEN w.booked * v.ratio END AS expected,
            v.ratio, p.description, coalesce(p.n, 0) AS procedure_n
        FROM wanted w
        LEFT JOIN learned p ON p.by_procedure AND p.code = w.code
        LEFT JOIN learned v ON NOT v.by_procedure AND v.service = w.service
    ),
    answered AS (
        SELECT p.*, coalesce(round(p.expected::numeric)::int, p.booked) AS minutes FROM picked p
    )
"""  # noqa: S608 - table names come from the models


def _fetch_one(sql: str, params: dict) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def _window(facility, before: dt.date | None) -> dict:
    """The cut-off: ``before``, by default the day after the facility's today (all history)."""
    if before is None:
        before = timezone.localdate(timezone=ZoneInfo(facility.time_zone)) + dt.timedelta(days=1)
    return {"facility": facility.pk, "before": before}


def _plural(count: int, word: str) -> str:
    return f"{count} past {word}{'' if count == 1 else 's'}"


# --- chairs -----------------------------------------------------------------------------------


def chair_estimate(
    *, facility, regimen_category: str, patient_type: str, scheduled_minutes: int, before: dt.date | None = None
) -> Estimate:
    """The chair minutes to expect of an appointment booked ``scheduled_minutes`` long, learned
    from the facility's completed appointments before ``before`` (module docstring)."""
    patient_type = patient_type.strip().upper()
    row = _fetch_one(
        f"""
        WITH wanted AS (SELECT %(category)s::text AS category, %(type)s::text AS patient_type,
            %(booked)s::int AS booked),
        {_CHAIR_PICKED}
        SELECT level, n, ratio, minutes, group_n FROM answered
        """,  # noqa: S608
        {
            **_window(facility, before),
            "completed": AppointmentStatus.COMPLETED,
            "least": MIN_CHAIR_APPOINTMENTS,
            "category": regimen_category,
            "type": patient_type,
            "booked": scheduled_minutes,
        },
    )
    category = RegimenCategory(regimen_category).label.lower() if regimen_category in RegimenCategory.values else ""
    level, n = row["level"], row["n"]
    if level == Level.BOOKED:
        basis = "booked time: no history yet"
        if row["group_n"]:
            past = _plural(row["group_n"], "appointment")
            basis = f"booked time: only {past} of {category} regimens, type {patient_type}"
    else:
        group = f"{category} regimens, type {patient_type}"
        if level == Level.CATEGORY:
            group = f"{category} regimens; fewer than {MIN_CHAIR_APPOINTMENTS} of type {patient_type}"
        basis = (
            f"booked {scheduled_minutes} min × {row['ratio']:.3f}, the median actual ÷ booked chair time "
            f"of {_plural(n, 'appointment')} ({group})"
        )
    return Estimate(minutes=row["minutes"], basis=basis, level=level, sample_size=n)


# --- theatres -------------------------------------------------------------------------------------


def case_estimate(
    *, facility, procedure_code: str, service: str, booked_minutes: int, before: dt.date | None = None
) -> Estimate:
    """The in-room minutes to expect of a case of ``procedure_code`` (CPT) in ``service``
    booked ``booked_minutes`` long, learned from the facility's cases before ``before``."""
    procedure_code, service = procedure_code.strip(), service.strip()
    row = _fetch_one(
        f"""
        WITH wanted AS (SELECT nullif(%(code)s, '')::text AS code, nullif(%(service)s, '')::text AS service,
            %(booked)s::int AS booked),
        {_CASE_PICKED}
        SELECT level, n, ratio, description, minutes, procedure_n FROM answered
        """,  # noqa: S608
        {
            **_window(facility, before),
            "least_procedure": MIN_PROCEDURE_CASES,
            "least_service": MIN_SERVICE_CASES,
            "code": procedure_code,
            "service": service,
            "booked": booked_minutes,
        },
    )
    level, n = row["level"], row["n"]
    procedure = f"CPT {procedure_code}" + (f" ({row['description']})" if row["description"] else "")
    if level == Level.PROCEDURE:
        basis = f"median of {_plural(n, 'case')} of {procedure}"
    elif level == Level.SERVICE:
        basis = (
            f"booked {booked_minutes} min × {row['ratio']:.3f}, the median in-room ÷ booked time "
            f"of {_plural(n, 'case')} in {service}"
        )
        if procedure_code:
            basis += f"; fewer than {MIN_PROCEDURE_CASES} of {procedure}"
    else:
        basis = "booked time: no history yet"
        if row["procedure_n"]:
            basis = f"booked time: only {_plural(row['procedure_n'], 'case')} of {procedure}"
    return Estimate(minutes=row["minutes"], basis=basis, level=level, sample_size=n)


# --- what the booking form asks -------------------------------------------------------------------


def estimate_for_appointment_type(*, facility, appointment_type, resource_kind: str, minutes: int) -> Estimate | None:
    """The estimate of booking ``appointment_type`` for ``minutes`` on a resource of
    ``resource_kind``: a chair's from the type's regimen category and patient type, a theatre's
    from its procedure and service (``AppointmentTypeMapping``). A type without a mapping is
    what its bookings become as facts (``services.day_of_care_sync``): a medium regimen of type
    MISC, or a case of the type's own code and name. None for other resources, and for a type
    of another facility."""
    if appointment_type.facility_id != facility.pk:
        return None
    mapping = selectors.mapping_for(facility_id=facility.pk, appointment_type_id=appointment_type.pk)
    if resource_kind == ResourceKind.CHAIR:
        return chair_estimate(
            facility=facility,
            regimen_category=(mapping.regimen_category if mapping else "") or RegimenCategory.MEDIUM,
            patient_type=(mapping.patient_type if mapping else "") or "MISC",
            scheduled_minutes=minutes,
        )
    if resource_kind == ResourceKind.THEATRE:
        return case_estimate(
            facility=facility,
            procedure_code=(mapping.procedure_code if mapping else "") or appointment_type.code[:20],
            service=(mapping.service if mapping else "") or appointment_type.name,
            booked_minutes=minutes,
        )
    return None


# --- evaluation -------------------------------------------------------------------------------


def evaluate(*, facility, split_date: dt.date) -> dict:
    """Learns on the facts before ``split_date`` and estimates each fact on or after it, as
    ``chair_estimate`` and ``case_estimate`` answer with ``before=split_date``. For chairs (completed
    appointments with actual time) and for theatre cases: rows learned from and evaluated, the
    mean absolute error of the booked minutes and of the estimate against the actual ones, the
    ratio of the two, and how many estimates each level gave. A part without facts to evaluate
    has its MAEs None."""
    window = _window(facility, split_date)
    chairs = _evaluation(
        f"""
        WITH wanted AS (
            SELECT a.regimen_category AS category, a.patient_type, a.scheduled_minutes AS booked,
                t.total_minutes AS actual
            FROM {A} a JOIN {T} t ON t.facility_id = a.facility_id AND t.encounter_id = a.encounter_id
            WHERE a.facility_id = %(facility)s AND a.status = %(completed)s AND a.date >= %(before)s
        ),
        {_CHAIR_PICKED}
        """,  # noqa: S608
        {**window, "completed": AppointmentStatus.COMPLETED, "least": MIN_CHAIR_APPOINTMENTS},
        learned_sql=f"""
            SELECT count(*) FROM {A} a JOIN {T} t ON t.facility_id = a.facility_id AND t.encounter_id = a.encounter_id
            WHERE a.facility_id = %(facility)s AND a.status = %(completed)s
                AND a.date < %(before)s AND a.date > {_CHAIR_SINCE}
        """,  # noqa: S608
    )
    cases = _evaluation(
        f"""
        WITH wanted AS (
            SELECT s.cpt_code AS code, s.service, s.booked_minutes AS booked,
                extract(epoch FROM s.wheels_out - s.wheels_in) / 60 AS actual
            FROM {S} s WHERE s.facility_id = %(facility)s AND s.date >= %(before)s
        ),
        {_CASE_PICKED}
        """,  # noqa: S608
        {**window, "least_procedure": MIN_PROCEDURE_CASES, "least_service": MIN_SERVICE_CASES},
        learned_sql=f"""
            SELECT count(*) FROM {S} s
            WHERE s.facility_id = %(facility)s AND s.date < %(before)s AND s.date > {_CASE_SINCE}
        """,  # noqa: S608
    )
    return {"split_date": split_date, "chairs": chairs, "cases": cases}


def _evaluation(with_sql: str, params: dict, *, learned_sql: str) -> dict:
    row = _fetch_one(
        f"""
        {with_sql}
        SELECT count(*) AS evaluated, ({learned_sql}) AS learned,
            avg(abs(booked - actual)) AS booked_mae, avg(abs(minutes - actual)) AS estimate_mae,
            (SELECT coalesce(jsonb_object_agg(level, n), '{{}}') FROM (
                SELECT level, count(*) AS n FROM answered GROUP BY level) l) AS levels
        FROM answered
        """,  # noqa: S608 - the statements above
        params,
    )
    booked, estimate = row["booked_mae"], row["estimate_mae"]
    levels = json.loads(row["levels"]) if isinstance(row["levels"], str) else row["levels"]
    return {
        "learned": row["learned"],
        "evaluated": row["evaluated"],
        "booked_mae": None if booked is None else round(float(booked), 2),
        "estimate_mae": None if estimate is None else round(float(estimate), 2),
        "ratio": round(float(estimate) / float(booked), 3) if booked else None,
        "levels": dict(sorted(levels.items())),
    }
