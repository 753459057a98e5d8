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
  clock, each minute counted in the hour it fell in (minutes outside the appointment's own day,
  past midnight, are in no hour).
* suite-day: the cases of one suite on one local date, in order of wheels in.
"""

import datetime as dt

from django.db import connection

from analytics.models import ChairAppointment, ChairTime, DailyChairStats, DailySuiteStats, NurseCapacity, SurgicalCase

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


PART = "analytics_chair_part"  # the temporary table of one rebuild


def rebuild_chairs(*, facility_id: int, zone: str, first: dt.date, last: dt.date, settings, chairs_open: int) -> int:
    """Replaces the chair aggregates of [first, last]; returns the days written.

    One pass over the facts (appointments left-joined to their chair times), from the 26 weeks
    before the range on (for the chronic overruns), groups them two ways at once into a temporary
    table: by day and chair (counts, minutes, minutes by hour) and by day, regimen category and
    patient type (for the overruns). Each day's row, its hours and chairs as arrays, is then made
    from that table alone."""
    open_minutes = minutes_between(settings.chair_day_start, settings.chair_day_end)
    threshold = settings.variance_threshold_minutes
    span = [facility_id, first, last]
    history_start = first - dt.timedelta(days=first.weekday(), weeks=CHRONIC_HISTORY_WEEKS)
    hours = ",\n".join(
        f"coalesce(sum(greatest(0, least(a.until, {60 * h + 60}) - greatest(a.since, {60 * h})))"
        f" FILTER (WHERE a.since IS NOT NULL), 0) AS h{h}"
        for h in range(24)
    )
    hour_array = ", ".join(f"round(sum(p.h{h}))" for h in range(24))
    with connection.cursor() as cursor:
        # Years at once: no JIT (its compile time is more than it saves here), room to hash.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        table = DailyChairStats._meta.db_table
        cursor.execute(f"DELETE FROM {table} WHERE facility_id = %s AND date BETWEEN %s AND %s", span)  # noqa: S608
        cursor.execute(f"DROP TABLE IF EXISTS {PART}")
        cursor.execute(
            f"""
            CREATE TEMPORARY TABLE {PART} ON COMMIT DROP AS
            SELECT a.date, GROUPING(a.chair_name) AS by_type, a.chair_name, max(a.chair_id) AS chair_id,
                a.regimen_category AS category, a.patient_type AS kind, count(*) AS appointments,
                count(*) FILTER (WHERE a.status <> 'cancelled') AS live,
                coalesce(sum(a.scheduled_minutes) FILTER (WHERE a.status <> 'cancelled'), 0) AS demand,
                count(*) FILTER (WHERE a.status = 'completed') AS completed,
                count(*) FILTER (WHERE a.status = 'cancelled') AS cancelled,
                count(*) FILTER (WHERE a.status = 'no-show') AS no_shows,
                coalesce(sum(a.total_minutes), 0) AS used, count(a.total_minutes) AS n,
                count(*) FILTER (WHERE abs(a.total_minutes - a.scheduled_minutes) > %s) AS off,
                coalesce(sum(a.total_minutes - a.scheduled_minutes), 0) AS diff,
                {hours}
            FROM (
                -- OFFSET 0 keeps this a subquery: each visit's local minutes are computed once,
                -- not once for each of the 24 hours that use them.
                SELECT a.date, a.chair_name, a.chair_id, a.regimen_category, a.patient_type, a.status,
                    a.scheduled_minutes, t.total_minutes,
                    extract(epoch FROM (t.actual_start AT TIME ZONE %s) - a.date::timestamp)::float8 / 60 AS since,
                    extract(epoch FROM (t.actual_end AT TIME ZONE %s) - a.date::timestamp)::float8 / 60 AS until
                FROM {A} a
                LEFT JOIN {T} t
                    ON a.status = 'completed' AND t.facility_id = a.facility_id AND t.encounter_id = a.encounter_id
                WHERE a.facility_id = %s AND a.date BETWEEN %s AND %s
                OFFSET 0
            ) a
            GROUP BY GROUPING SETS ((a.date, a.chair_name), (a.date, a.regimen_category, a.patient_type))
            """,  # noqa: S608 - names come from the models and this module
            [threshold, zone, zone, facility_id, history_start, last],
        )
        cursor.execute(f"ANALYZE {PART}")  # the next statement's plan needs its statistics
        cursor.execute(
            f"""
            WITH weekly AS (
                SELECT category, kind, date_trunc('week', date)::date AS week, sum(diff) AS total, sum(n) AS n
                FROM {PART} WHERE by_type = 1 GROUP BY 1, 2, 3
            ),
            grid AS (
                SELECT g.category, g.kind, w.week::date AS week, coalesce(x.total, 0) AS total, coalesce(x.n, 0) AS n
                FROM (SELECT DISTINCT category, kind FROM weekly) g
                CROSS JOIN generate_series(%s::date, date_trunc('week', %s::date), '1 week') w(week)
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
            extra AS (
                SELECT p.date, sum(p.live * o.mean) AS minutes
                FROM {PART} p
                JOIN overrun o
                    ON o.category = p.category AND o.kind = p.kind AND o.week = date_trunc('week', p.date)::date
                WHERE p.by_type = 1 AND p.date BETWEEN %s AND %s
                GROUP BY p.date
            ),
            per_day AS (
                SELECT p.date, sum(p.appointments) AS appointments,
                    count(*) FILTER (WHERE p.chair_name <> '') AS chairs_named, sum(p.demand) AS demand,
                    sum(p.completed) AS completed, sum(p.cancelled) AS cancelled, sum(p.no_shows) AS no_shows,
                    sum(p.used) AS used, sum(p.n) AS n, sum(p.off) AS off, sum(p.diff) AS diff,
                    ARRAY[{hour_array}]::int[] AS hour_used,
                    array_agg(p.chair_name ORDER BY p.chair_name) FILTER (WHERE p.chair_name <> '') AS names,
                    array_agg(p.chair_id ORDER BY p.chair_name) FILTER (WHERE p.chair_name <> '') AS ids,
                    array_agg(p.live ORDER BY p.chair_name) FILTER (WHERE p.chair_name <> '') AS live,
                    array_agg(p.used ORDER BY p.chair_name) FILTER (WHERE p.chair_name <> '') AS chair_used
                FROM {PART} p
                WHERE p.by_type = 0 AND p.date BETWEEN %s AND %s
                GROUP BY p.date
            ),
            days AS (
                SELECT coalesce(p.date, n.date) AS date, p.appointments, p.chairs_named, p.demand,
                    p.demand + coalesce(e.minutes, 0) AS expected, p.completed, p.cancelled, p.no_shows, p.used,
                    p.n, p.off, p.diff, p.hour_used, p.names, p.ids, p.live, p.chair_used,
                    n.nurses_available, n.max_chairs_supported,
                    CASE WHEN %s > 0 THEN %s ELSE coalesce(p.chairs_named, 0) END AS chairs_open
                FROM per_day p
                LEFT JOIN extra e ON e.date = p.date
                FULL JOIN (SELECT * FROM {N} WHERE facility_id = %s AND date BETWEEN %s AND %s) n
                    ON n.date = p.date
            )
            INSERT INTO {DailyChairStats._meta.db_table} (
                facility_id, date, chairs_open, nurses_available, chairs_supported, open_minutes,
                supported_minutes, appointments, demand_minutes, expected_minutes, completed, cancelled,
                no_shows, used_minutes, variance_n, variance_off, variance_sum,
                hour_used, chair_names, chair_ids, chair_appointments, chair_used)
            SELECT %s, d.date, d.chairs_open, d.nurses_available,
                least(d.chairs_open, coalesce(d.max_chairs_supported, d.chairs_open)), %s,
                least(d.chairs_open, coalesce(d.max_chairs_supported, d.chairs_open)) * %s,
                coalesce(d.appointments, 0), coalesce(d.demand, 0), round(coalesce(d.expected, 0)),
                coalesce(d.completed, 0), coalesce(d.cancelled, 0), coalesce(d.no_shows, 0),
                coalesce(d.used, 0), coalesce(d.n, 0), coalesce(d.off, 0), coalesce(d.diff, 0),
                coalesce(d.hour_used, array_fill(0, ARRAY[24])),
                coalesce(d.names, '{{}}'), coalesce(d.ids, '{{}}'), coalesce(d.live, '{{}}'),
                coalesce(d.chair_used, '{{}}')
            FROM days d
            """,  # noqa: S608
            [
                history_start,
                last,
                threshold,
                first,
                last,
                first,
                last,
                chairs_open,
                chairs_open,
                *span,
                facility_id,
                open_minutes,
                open_minutes,
            ],
        )
        days = cursor.rowcount
        cursor.execute(f"DROP TABLE {PART}")
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
