"""The nightly aggregates: each facility-day of chairs and each suite-day of theatres, computed
from the facts in PostgreSQL by set-based statements over a range of days (one day for the
nightly run, years for a backfill). Called by ``services.aggregates_rebuild`` only, inside its
transaction; every statement here first removes the range's rows, so a re-run replaces them.

Definitions (README, "Analytics: the metrics"):
* chairs open: the facility's active chairs (the chairs named that day when it has none);
  chairs supported: min(chairs open, the day's ``max_chairs_supported`` from nurse capacity,
  chairs open when none is known); supported minutes = chairs supported × open minutes.
* demand: scheduled minutes of the day's appointments that were not cancelled; expected demand
  adds to each the mean overrun of its (regimen category, patient type) when that group ran
  chronically long in the 26 weeks before the day's week (``CHRONIC_MIN_APPOINTMENTS``).
* used minutes: actual chair minutes of the day's completed appointments; by hour of the local
  clock, each minute counted in the hour it fell in.
* suite-day: the cases of one suite on one local date, in order of wheels in.
"""

import datetime as dt

from django.db import connection

from analytics.models import (
    ChairAppointment,
    ChairTime,
    DailyChairHour,
    DailyChairStats,
    DailyChairUse,
    DailySuiteStats,
    NurseCapacity,
    SurgicalCase,
)

A = ChairAppointment._meta.db_table
T = ChairTime._meta.db_table
N = NurseCapacity._meta.db_table
S = SurgicalCase._meta.db_table

# A (category, patient type) group runs chronically long in a week when, over the 26 weeks
# before it, at least this many of its completed appointments ran on average at least the
# facility's variance threshold longer than booked. Learned per week from the weeks before it
# only, so a day's expected minutes are the same whichever range a run covers.
CHRONIC_MIN_APPOINTMENTS = 10
CHRONIC_HISTORY_WEEKS = 26


def minutes_between(start: dt.time, end: dt.time) -> int:
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


def rebuild_chairs(*, facility_id: int, zone: str, first: dt.date, last: dt.date, settings, chairs_open: int) -> int:
    """Replaces the chair aggregates of [first, last]; returns the days written."""
    open_minutes = minutes_between(settings.chair_day_start, settings.chair_day_end)
    threshold = settings.variance_threshold_minutes
    span = [facility_id, first, last]
    history_start = first - dt.timedelta(weeks=CHRONIC_HISTORY_WEEKS + 1)
    with connection.cursor() as cursor:
        for model in (DailyChairStats, DailyChairUse, DailyChairHour):
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE facility_id = %s AND date BETWEEN %s AND %s",  # noqa: S608
                span,
            )
        cursor.execute(
            f"""
            WITH weekly AS (
                SELECT a.regimen_category AS category, a.patient_type AS kind,
                    date_trunc('week', a.date)::date AS week,
                    sum(t.total_minutes - a.scheduled_minutes) AS total, count(*) AS n
                FROM {A} a JOIN {T} t ON t.facility_id = a.facility_id AND t.encounter_id = a.encounter_id
                WHERE a.facility_id = %s AND a.status = 'completed' AND a.date >= %s AND a.date < %s
                GROUP BY 1, 2, 3
            ),
            grid AS (
                SELECT g.category, g.kind, w.week::date AS week, coalesce(x.total, 0) AS total, coalesce(x.n, 0) AS n
                FROM (SELECT DISTINCT category, kind FROM weekly) g
                CROSS JOIN generate_series(date_trunc('week', %s::date), date_trunc('week', %s::date), '1 week') w(week)
                LEFT JOIN weekly x ON x.category = g.category AND x.kind = g.kind AND x.week = w.week::date
            ),
            history AS (
                SELECT category, kind, week, sum(total) OVER past AS total, sum(n) OVER past AS n
                FROM grid
                WINDOW past AS (PARTITION BY category, kind ORDER BY week
                    ROWS BETWEEN {CHRONIC_HISTORY_WEEKS} PRECEDING AND 1 PRECEDING)
            ),
            overrun AS (
                SELECT category, kind, week, total::float8 / n AS mean FROM history
                WHERE n >= {CHRONIC_MIN_APPOINTMENTS} AND total::float8 / n >= %s
            ),
            appts AS (
                SELECT a.date, count(*) AS appointments,
                    count(DISTINCT nullif(a.chair_name, '')) AS chairs_named,
                    coalesce(sum(a.scheduled_minutes) FILTER (WHERE a.status <> 'cancelled'), 0) AS demand,
                    coalesce(sum(a.scheduled_minutes + coalesce(o.mean, 0))
                        FILTER (WHERE a.status <> 'cancelled'), 0) AS expected,
                    count(*) FILTER (WHERE a.status = 'completed') AS completed,
                    count(*) FILTER (WHERE a.status = 'cancelled') AS cancelled,
                    count(*) FILTER (WHERE a.status = 'no-show') AS no_shows
                FROM {A} a LEFT JOIN overrun o ON o.category = a.regimen_category AND o.kind = a.patient_type
                    AND o.week = date_trunc('week', a.date)::date
                WHERE a.facility_id = %s AND a.date BETWEEN %s AND %s
                GROUP BY a.date
            ),
            used AS (
                SELECT a.date, sum(t.total_minutes) AS used, count(*) AS n,
                    count(*) FILTER (WHERE abs(t.total_minutes - a.scheduled_minutes) > %s) AS off,
                    sum(t.total_minutes - a.scheduled_minutes) AS diff
                FROM {A} a JOIN {T} t ON t.facility_id = a.facility_id AND t.encounter_id = a.encounter_id
                WHERE a.facility_id = %s AND a.date BETWEEN %s AND %s AND a.status = 'completed'
                GROUP BY a.date
            ),
            days AS (
                SELECT coalesce(p.date, n.date) AS date, p.appointments, p.chairs_named, p.demand, p.expected,
                    p.completed, p.cancelled, p.no_shows, n.nurses_available, n.max_chairs_supported,
                    CASE WHEN %s > 0 THEN %s ELSE coalesce(p.chairs_named, 0) END AS chairs_open
                FROM appts p
                FULL JOIN (SELECT * FROM {N} WHERE facility_id = %s AND date BETWEEN %s AND %s) n
                    ON n.date = p.date
            )
            INSERT INTO {DailyChairStats._meta.db_table} (
                facility_id, date, chairs_open, nurses_available, chairs_supported, open_minutes,
                supported_minutes, appointments, demand_minutes, expected_minutes, completed, cancelled,
                no_shows, used_minutes, variance_n, variance_off, variance_sum)
            SELECT %s, d.date, d.chairs_open, d.nurses_available,
                least(d.chairs_open, coalesce(d.max_chairs_supported, d.chairs_open)), %s,
                least(d.chairs_open, coalesce(d.max_chairs_supported, d.chairs_open)) * %s,
                coalesce(d.appointments, 0), coalesce(d.demand, 0), round(coalesce(d.expected, 0)),
                coalesce(d.completed, 0), coalesce(d.cancelled, 0), coalesce(d.no_shows, 0),
                coalesce(u.used, 0), coalesce(u.n, 0), coalesce(u.off, 0), coalesce(u.diff, 0)
            FROM days d LEFT JOIN used u ON u.date = d.date
            """,  # noqa: S608
            [
                facility_id,
                history_start,
                last,
                history_start,
                last,
                threshold,
                *span,
                threshold,
                *span,
                chairs_open,
                chairs_open,
                *span,
                facility_id,
                open_minutes,
                open_minutes,
            ],
        )
        days = cursor.rowcount
        cursor.execute(
            f"""
            INSERT INTO {DailyChairUse._meta.db_table}
                (facility_id, date, chair_name, chair_id, appointments, used_minutes)
            SELECT %s, a.date, a.chair_name, max(a.chair_id),
                count(*) FILTER (WHERE a.status <> 'cancelled'), coalesce(sum(t.total_minutes), 0)
            FROM {A} a LEFT JOIN {T} t
                ON a.status = 'completed' AND t.facility_id = a.facility_id AND t.encounter_id = a.encounter_id
            WHERE a.facility_id = %s AND a.date BETWEEN %s AND %s AND a.chair_name <> ''
            GROUP BY a.date, a.chair_name
            """,  # noqa: S608
            [facility_id, *span],
        )
        cursor.execute(
            f"""
            INSERT INTO {DailyChairHour._meta.db_table} (facility_id, date, hour, used_minutes)
            SELECT %s, a.date, extract(hour FROM h)::int,
                round(sum(extract(epoch FROM least(l.local_end, h + interval '1 hour') - greatest(l.local_start, h)))
                    / 60)
            FROM {A} a
            JOIN {T} t ON t.facility_id = a.facility_id AND t.encounter_id = a.encounter_id
            CROSS JOIN LATERAL (
                SELECT t.actual_start AT TIME ZONE %s AS local_start, t.actual_end AT TIME ZONE %s AS local_end
            ) l
            CROSS JOIN LATERAL generate_series(
                date_trunc('hour', l.local_start), l.local_end - interval '1 microsecond', interval '1 hour'
            ) h
            WHERE a.facility_id = %s AND a.date BETWEEN %s AND %s AND a.status = 'completed'
            GROUP BY a.date, extract(hour FROM h)::int
            """,  # noqa: S608
            [facility_id, zone, zone, *span],
        )
    return days


def rebuild_suites(*, facility_id: int, zone: str, first: dt.date, last: dt.date, settings) -> int:
    """Replaces the suite-day aggregates of [first, last]; returns the suite-days written."""
    prime = minutes_between(settings.prime_start, settings.prime_end)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {DailySuiteStats._meta.db_table} WHERE facility_id = %s AND date BETWEEN %s AND %s",  # noqa: S608
            [facility_id, first, last],
        )
        cursor.execute(
            f"""
            WITH c AS (
                SELECT s.date, s.suite_id, s.suite_name, s.booked_minutes, s.wheels_in, s.wheels_out,
                    s.scheduled_start,
                    s.wheels_in AT TIME ZONE %s AS local_in, s.wheels_out AT TIME ZONE %s AS local_out,
                    s.date + %s::time AS prime_start, s.date + %s::time AS prime_end,
                    lag(s.wheels_out) OVER w AS previous_out,
                    row_number() OVER w AS position
                FROM {S} s
                WHERE s.facility_id = %s AND s.date BETWEEN %s AND %s
                WINDOW w AS (PARTITION BY s.suite_id, s.date ORDER BY s.wheels_in, s.id)
            )
            INSERT INTO {DailySuiteStats._meta.db_table} (
                facility_id, date, suite_id, suite_name, cases, booked_minutes, in_room_minutes, prime_minutes,
                prime_in_room_minutes, first_case_on_time, late_starts, turnovers, turnover_minutes,
                after_prime_minutes)
            SELECT %s, c.date, c.suite_id, max(c.suite_name), count(*), sum(c.booked_minutes),
                round(sum(extract(epoch FROM c.wheels_out - c.wheels_in)) / 60), %s,
                round(sum(greatest(0, extract(epoch FROM least(c.local_out, c.prime_end)
                    - greatest(c.local_in, c.prime_start)))) / 60),
                bool_or(c.position = 1 AND c.wheels_in <= c.scheduled_start + make_interval(mins => %s)),
                count(*) FILTER (WHERE c.wheels_in > c.scheduled_start + make_interval(mins => %s)),
                count(c.previous_out),
                round(coalesce(sum(greatest(0, extract(epoch FROM c.wheels_in - c.previous_out))), 0) / 60),
                round(greatest(0, extract(epoch FROM max(c.local_out) - max(c.prime_end))) / 60)
            FROM c GROUP BY c.date, c.suite_id
            """,  # noqa: S608
            [
                zone,
                zone,
                settings.prime_start,
                settings.prime_end,
                facility_id,
                first,
                last,
                facility_id,
                prime,
                settings.first_case_grace_minutes,
                settings.late_start_minutes,
            ],
        )
        return cursor.rowcount
