"""The metrics: reads for the dashboards, the API and the daily report (selectors, in the house
style: every function takes the facility and reads nothing of another). Each metric is one SQL
statement over the nightly aggregates, or over the facts where it needs single rows (percentiles,
booked against in-room, one case against the next); its definition is in the README, "Analytics:
the metrics", and each is recomputed with pandas by ``tests/analytics``.

Facility-day metrics (utilization, capacity gap, at-risk days, rates, trends) are of the whole
infusion center, because nurses are on duty for the center, not for a chair. Metrics per chair,
per suite and of single facts take ``resource_ids`` (a department's or one resource).

Ratios are floats in [0, 1] (None when their denominator is 0); minutes are rounded to 0.1.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

from analytics import selectors
from analytics.aggregates import A, S, T
from analytics.models import DailyChairStats, DailySuiteStats

CS = DailyChairStats._meta.db_table
SS = DailySuiteStats._meta.db_table

VARIANCE_GROUPS = {
    "regimen_category": ["regimen_category"],
    "patient_type": ["patient_type"],
    "category_and_type": ["regimen_category", "patient_type"],
}
CASE_GROUPS = {"service": "service", "procedure": "cpt_code", "suite": "suite_name"}
RISK_REASONS = {
    "staffing_shortfall": "Nurses on duty support fewer chairs than are open",
    "over_demand": "Booked minutes alone reach the at-risk share of what the nurses on duty support",
    "chronic_overrun": "Booked minutes fit, but regimens booked this day chronically run longer than booked",
}


def _rows(sql: str, params: list) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _ratio(numerator, denominator) -> float | None:
    return round(float(numerator) / float(denominator), 4) if denominator else None


def _minutes(value) -> float | None:
    return None if value is None else round(float(value), 1)


def _resource_filter(column: str, resource_ids: list[int] | None) -> tuple[str, list]:
    if resource_ids is None:
        return "", []
    return f" AND {column} = ANY(%s)", [list(resource_ids)]


# --- chairs ---------------------------------------------------------------------------------------


def chair_variance(
    *, facility, first: dt.date, last: dt.date, group_by: str = "category_and_type", resource_ids=None
) -> list[dict]:
    """Actual − scheduled chair minutes of completed appointments, by group: count, mean, median,
    90th percentile (continuous), and the share more than the threshold off either way."""
    return chair_variance_sets(facility=facility, first=first, last=last, resource_ids=resource_ids)[group_by]


def chair_variance_sets(*, facility, first: dt.date, last: dt.date, resource_ids=None) -> dict[str, list[dict]]:
    """``chair_variance`` by each of ``VARIANCE_GROUPS`` at once: one pass over the facts
    (GROUPING SETS), as the dashboard shows all three."""
    threshold = selectors.settings_for(facility_id=facility.pk).variance_threshold_minutes
    where, extra = _resource_filter("a.chair_id", resource_ids)
    rows = _rows(
        f"""
        SELECT a.regimen_category, a.patient_type,
            GROUPING(a.regimen_category) AS no_category, GROUPING(a.patient_type) AS no_type, count(*) AS n,
            avg(t.total_minutes - a.scheduled_minutes) AS mean,
            percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY t.total_minutes - a.scheduled_minutes)
                AS percentiles,
            avg((abs(t.total_minutes - a.scheduled_minutes) > %s)::int) AS share_off,
            avg(a.scheduled_minutes) AS mean_scheduled, avg(t.total_minutes) AS mean_actual
        FROM {A} a JOIN {T} t ON t.facility_id = a.facility_id AND t.encounter_id = a.encounter_id
        WHERE a.facility_id = %s AND a.date BETWEEN %s AND %s AND a.status = 'completed'{where}
        GROUP BY GROUPING SETS ((a.regimen_category), (a.patient_type), (a.regimen_category, a.patient_type))
        ORDER BY a.regimen_category NULLS FIRST, a.patient_type NULLS FIRST
        """,  # noqa: S608 - names come from this module
        [threshold, facility.pk, first, last, *extra],
    )
    found: dict[str, list[dict]] = {group: [] for group in VARIANCE_GROUPS}
    for row in rows:
        group = {(0, 1): "regimen_category", (1, 0): "patient_type", (0, 0): "category_and_type"}[
            (row["no_category"], row["no_type"])
        ]
        median, p90 = row["percentiles"]
        found[group].append(
            {
                **{key: row[key] for key in VARIANCE_GROUPS[group]},
                "appointments": row["n"],
                "mean_scheduled_minutes": _minutes(row["mean_scheduled"]),
                "mean_actual_minutes": _minutes(row["mean_actual"]),
                "mean_difference": _minutes(row["mean"]),
                "median_difference": _minutes(median),
                "p90_difference": _minutes(p90),
                "share_off": round(float(row["share_off"]), 4),
            }
        )
    return found


def chair_days(*, facility, first: dt.date, last: dt.date) -> list[dict]:
    """Each facility-day: capacity, demand, use, utilization (None for a day from today on: it
    has not happened) and capacity gap."""
    rows = _rows(
        f"""
        SELECT date, chairs_open, nurses_available, chairs_supported, open_minutes, supported_minutes,
            appointments, demand_minutes, expected_minutes, completed, cancelled, no_shows, used_minutes
        FROM {CS} WHERE facility_id = %s AND date BETWEEN %s AND %s ORDER BY date
        """,  # noqa: S608
        [facility.pk, first, last],
    )
    today = timezone.localdate(timezone=ZoneInfo(facility.time_zone))
    for row in rows:
        # A day still to come has used nothing yet: its utilization is not 0 but unknown.
        row["utilization"] = _ratio(row["used_minutes"], row["supported_minutes"]) if row["date"] < today else None
        row["capacity_gap_minutes"] = row["demand_minutes"] - row["supported_minutes"]
    return rows


def _until_yesterday(facility, last: dt.date) -> dt.date:
    """Period figures of use count the days that have happened: up to yesterday at the latest."""
    return min(last, timezone.localdate(timezone=ZoneInfo(facility.time_zone)) - dt.timedelta(days=1))


def chair_use_by_chair(*, facility, first: dt.date, last: dt.date, resource_ids=None) -> list[dict]:
    """Each chair, over the days until yesterday: appointments not cancelled, used minutes and
    utilization (used ÷ open minutes of the center's days)."""
    last = _until_yesterday(facility, last)
    where, extra = _resource_filter("u.chair_id", resource_ids)
    rows = _rows(
        f"""
        WITH open AS (
            SELECT coalesce(sum(open_minutes), 0) AS minutes FROM {CS}
            WHERE facility_id = %s AND date BETWEEN %s AND %s
        )
        SELECT u.chair_name, max(u.chair_id) AS chair_id, sum(u.appointments)::int AS appointments,
            sum(u.used_minutes)::int AS used_minutes, (SELECT minutes FROM open)::int AS open_minutes
        FROM {CS} s
        CROSS JOIN LATERAL unnest(s.chair_names, s.chair_ids, s.chair_appointments, s.chair_used)
            AS u(chair_name, chair_id, appointments, used_minutes)
        WHERE s.facility_id = %s AND s.date BETWEEN %s AND %s{where}
        GROUP BY u.chair_name ORDER BY u.chair_name
        """,  # noqa: S608
        [facility.pk, first, last, facility.pk, first, last, *extra],
    )
    for row in rows:
        row["utilization"] = _ratio(row["used_minutes"], row["open_minutes"])
    return rows


def chair_use_by_hour(*, facility, first: dt.date, last: dt.date) -> list[dict]:
    """Weekday (0 = Monday) × hour of the local clock, over the days until yesterday: used chair
    minutes ÷ the chair minutes the nurses supported in that hour (chairs supported × the minutes
    of the hour inside the chairs' opening hours, on each such day). An hour outside the opening
    hours supports nothing: its utilization is None, its used minutes are still shown."""
    last = _until_yesterday(facility, last)
    settings = selectors.settings_for(facility_id=facility.pk)
    opening = settings.chair_day_start.hour * 60 + settings.chair_day_start.minute
    closing = settings.chair_day_end.hour * 60 + settings.chair_day_end.minute
    rows = _rows(
        f"""
        SELECT extract(isodow FROM s.date)::int - 1 AS weekday, h.hour::int - 1 AS hour,
            sum(h.used)::int AS used_minutes,
            sum(s.chairs_supported * greatest(0, least(h.hour * 60, %s) - greatest(h.hour * 60 - 60, %s)))::int
                AS supported_minutes
        FROM {CS} s CROSS JOIN LATERAL unnest(s.hour_used) WITH ORDINALITY AS h(used, hour)
        WHERE s.facility_id = %s AND s.date BETWEEN %s AND %s
        GROUP BY 1, 2 ORDER BY 1, 2
        """,  # noqa: S608
        [closing, opening, facility.pk, first, last],
    )
    for row in rows:
        row["utilization"] = _ratio(row["used_minutes"], row["supported_minutes"])
    return rows


def at_risk_days(*, facility, first: dt.date, last: dt.date) -> list[dict]:
    """Days whose expected demand reaches the risk share of the supported minutes, each with its
    reasons: ``staffing_shortfall`` (the nurses support fewer chairs than are open), and either
    ``over_demand`` (the booked minutes alone reach the share) or ``chronic_overrun`` (they do
    not, but with the usual overrun of chronically long regimens they do)."""
    share = selectors.settings_for(facility_id=facility.pk).risk_utilization_percent / 100
    days = []
    for row in chair_days(facility=facility, first=first, last=last):
        supported, expected, demand = row["supported_minutes"], row["expected_minutes"], row["demand_minutes"]
        if not row["appointments"] or expected < share * supported:
            continue
        reasons = ["staffing_shortfall"] if row["chairs_supported"] < row["chairs_open"] else []
        reasons.append("over_demand" if demand >= share * supported else "chronic_overrun")
        days.append(
            {
                "date": row["date"],
                "demand_minutes": demand,
                "expected_minutes": expected,
                "supported_minutes": supported,
                "capacity_gap_minutes": row["capacity_gap_minutes"],
                "expected_utilization": _ratio(expected, supported),
                "chairs_open": row["chairs_open"],
                "chairs_supported": row["chairs_supported"],
                "nurses_available": row["nurses_available"],
                "reasons": reasons,
            }
        )
    return days


def upcoming_risk(*, facility, days: int = 14) -> list[dict]:
    today = timezone.localdate(timezone=ZoneInfo(facility.time_zone))
    return at_risk_days(facility=facility, first=today, last=today + dt.timedelta(days=days - 1))


def weekly_trends(*, facility, first: dt.date, last: dt.date) -> list[dict]:
    """Per ISO week (its Monday), over the days until yesterday: appointments, utilization,
    cancellation and no-show rates, the mean variance of completed appointments."""
    last = _until_yesterday(facility, last)
    rows = _rows(
        f"""
        SELECT date_trunc('week', date)::date AS week, count(*) AS days, sum(appointments) AS appointments,
            sum(cancelled) AS cancelled, sum(no_shows) AS no_shows, sum(completed) AS completed,
            sum(used_minutes) AS used_minutes, sum(supported_minutes) AS supported_minutes,
            sum(demand_minutes) AS demand_minutes, sum(variance_sum) AS variance_sum, sum(variance_n) AS variance_n,
            sum(variance_off) AS variance_off
        FROM {CS} WHERE facility_id = %s AND date BETWEEN %s AND %s
        GROUP BY 1 ORDER BY 1
        """,  # noqa: S608
        [facility.pk, first, last],
    )
    return [_with_rates(row) for row in rows]


_TOTALS = {
    "appointments",
    "cancelled",
    "no_shows",
    "completed",
    "used_minutes",
    "supported_minutes",
    "demand_minutes",
    "variance_sum",
    "variance_n",
    "variance_off",
}


def chair_rates(*, facility, first: dt.date, last: dt.date) -> dict:
    """The period's totals over the days until yesterday: cancellation rate = cancelled ÷
    appointments; no-show rate = no-shows ÷ (completed + no-shows), the appointments that were
    due and closed; utilization; mean variance."""
    last = _until_yesterday(facility, last)
    row = _rows(
        f"""
        SELECT count(*) AS days, coalesce(sum(appointments), 0) AS appointments,
            coalesce(sum(cancelled), 0) AS cancelled, coalesce(sum(no_shows), 0) AS no_shows,
            coalesce(sum(completed), 0) AS completed, coalesce(sum(used_minutes), 0) AS used_minutes,
            coalesce(sum(supported_minutes), 0) AS supported_minutes,
            coalesce(sum(demand_minutes), 0) AS demand_minutes,
            coalesce(sum(variance_sum), 0) AS variance_sum, coalesce(sum(variance_n), 0) AS variance_n,
            coalesce(sum(variance_off), 0) AS variance_off
        FROM {CS} WHERE facility_id = %s AND date BETWEEN %s AND %s
        """,  # noqa: S608
        [facility.pk, first, last],
    )[0]
    return _with_rates(row)


def _with_rates(row: dict) -> dict:
    row = {key: int(value) if key in _TOTALS else value for key, value in row.items()}
    row["utilization"] = _ratio(row["used_minutes"], row["supported_minutes"])
    row["cancellation_rate"] = _ratio(row["cancelled"], row["appointments"])
    row["no_show_rate"] = _ratio(row["no_shows"], row["completed"] + row["no_shows"])
    row["mean_difference"] = _minutes(row["variance_sum"] / row["variance_n"]) if row["variance_n"] else None
    row["share_off"] = _ratio(row["variance_off"], row["variance_n"])
    return row


# --- operating rooms -------------------------------------------------------------------------------


def or_suites(*, facility, first: dt.date, last: dt.date, resource_ids=None, by_suite: bool = True) -> list[dict]:
    """Per suite (or all suites together): suite-days, cases, cases per suite-day, prime-time
    utilization (in-room minutes inside prime time ÷ prime minutes of the suite-days), first-case
    on-time share, late-start share, mean turnover, the share of suite-days running past prime
    time and their mean minutes past it, booked and in-room minutes."""
    where, extra = _resource_filter("suite_id", resource_ids)
    suite = "suite_id, max(suite_name) AS suite_name" if by_suite else "NULL::bigint AS suite_id, NULL AS suite_name"
    rows = _rows(
        f"""
        SELECT {suite}, count(*) AS suite_days, coalesce(sum(cases), 0)::int AS cases,
            coalesce(sum(prime_in_room_minutes), 0)::int AS prime_in_room_minutes,
            coalesce(sum(prime_minutes), 0)::int AS prime_minutes,
            count(*) FILTER (WHERE first_case_on_time) AS first_cases_on_time,
            coalesce(sum(late_starts), 0)::int AS late_starts, coalesce(sum(turnovers), 0)::int AS turnovers,
            coalesce(sum(turnover_minutes), 0)::int AS turnover_minutes,
            count(*) FILTER (WHERE after_prime_minutes > 0) AS days_after_prime,
            coalesce(sum(after_prime_minutes), 0)::int AS after_prime_minutes,
            coalesce(sum(booked_minutes), 0)::int AS booked_minutes,
            coalesce(sum(in_room_minutes), 0)::int AS in_room_minutes
        FROM {SS} WHERE facility_id = %s AND date BETWEEN %s AND %s{where}
        {"GROUP BY suite_id ORDER BY max(suite_name)" if by_suite else ""}
        """,  # noqa: S608
        [facility.pk, first, last, *extra],
    )
    for row in rows:
        days = row["suite_days"]
        row["cases_per_suite_day"] = _minutes(row["cases"] / days) if days else None
        row["prime_time_utilization"] = _ratio(row["prime_in_room_minutes"], row["prime_minutes"])
        row["first_case_on_time_share"] = _ratio(row["first_cases_on_time"], days)
        row["late_start_share"] = _ratio(row["late_starts"], row["cases"])
        row["mean_turnover_minutes"] = (
            _minutes(row["turnover_minutes"] / row["turnovers"]) if row["turnovers"] else None
        )
        row["after_prime_share"] = _ratio(row["days_after_prime"], days)
        row["mean_after_prime_minutes"] = (
            _minutes(row["after_prime_minutes"] / row["days_after_prime"]) if row["days_after_prime"] else None
        )
    return rows


def or_suite_days(*, facility, first: dt.date, last: dt.date, resource_ids=None) -> list[dict]:
    where, extra = _resource_filter("suite_id", resource_ids)
    return _rows(
        f"""
        SELECT date, suite_id, suite_name, cases, booked_minutes, in_room_minutes, prime_minutes,
            prime_in_room_minutes, first_case_on_time, late_starts, turnovers, turnover_minutes, after_prime_minutes
        FROM {SS} WHERE facility_id = %s AND date BETWEEN %s AND %s{where} ORDER BY date, suite_name
        """,  # noqa: S608
        [facility.pk, first, last, *extra],
    )


def or_booked_vs_actual(
    *, facility, first: dt.date, last: dt.date, group_by: str = "service", resource_ids=None
) -> list[dict]:
    """Booked against in-room minutes (wheels in to wheels out) per service, procedure or suite:
    cases, mean booked, mean in-room, mean difference (in-room − booked), mean absolute error."""
    column = CASE_GROUPS[group_by]
    where, extra = _resource_filter("suite_id", resource_ids)
    label = ", max(cpt_description) AS description" if group_by == "procedure" else ""
    rows = _rows(
        f"""
        SELECT {column} AS key{label}, count(*) AS cases, avg(booked_minutes) AS mean_booked,
            avg(extract(epoch FROM wheels_out - wheels_in) / 60) AS mean_in_room,
            avg(extract(epoch FROM wheels_out - wheels_in) / 60 - booked_minutes) AS mean_difference,
            avg(abs(extract(epoch FROM wheels_out - wheels_in) / 60 - booked_minutes)) AS mean_absolute_error
        FROM {S} WHERE facility_id = %s AND date BETWEEN %s AND %s{where}
        GROUP BY {column} ORDER BY count(*) DESC, {column}
        """,  # noqa: S608
        [facility.pk, first, last, *extra],
    )
    return [
        {
            group_by: row["key"],
            **({"description": row["description"]} if group_by == "procedure" else {}),
            "cases": row["cases"],
            "mean_booked_minutes": _minutes(row["mean_booked"]),
            "mean_in_room_minutes": _minutes(row["mean_in_room"]),
            "mean_difference": _minutes(row["mean_difference"]),
            "mean_absolute_error": _minutes(row["mean_absolute_error"]),
        }
        for row in rows
    ]


def or_knock_on(*, facility, first: dt.date, last: dt.date, resource_ids=None) -> dict:
    """How a late case delays the next: for each case after another in the same suite and day,
    its own start delay (wheels in − scheduled start, in minutes) after a case that started late
    and after one that did not, and how often a late case is followed by a late one."""
    late = selectors.settings_for(facility_id=facility.pk).late_start_minutes
    where, extra = _resource_filter("suite_id", resource_ids)
    row = _rows(
        f"""
        WITH c AS (
            SELECT extract(epoch FROM wheels_in - scheduled_start) / 60 AS delay,
                lag(extract(epoch FROM wheels_in - scheduled_start) / 60) OVER (
                    PARTITION BY suite_id, date ORDER BY wheels_in, id) AS previous_delay
            FROM {S} WHERE facility_id = %s AND date BETWEEN %s AND %s{where}
        )
        SELECT count(*) FILTER (WHERE previous_delay > %s) AS after_late,
            avg(delay) FILTER (WHERE previous_delay > %s) AS delay_after_late,
            avg((delay > %s)::int) FILTER (WHERE previous_delay > %s) AS late_after_late,
            count(*) FILTER (WHERE previous_delay <= %s) AS after_on_time,
            avg(delay) FILTER (WHERE previous_delay <= %s) AS delay_after_on_time,
            avg((delay > %s)::int) FILTER (WHERE previous_delay <= %s) AS late_after_on_time
        FROM c WHERE previous_delay IS NOT NULL
        """,  # noqa: S608
        [facility.pk, first, last, *extra, late, late, late, late, late, late, late, late],
    )[0]
    return {
        "cases_after_a_late_case": row["after_late"],
        "mean_delay_after_a_late_case": _minutes(row["delay_after_late"]),
        "late_share_after_a_late_case": None
        if row["late_after_late"] is None
        else round(float(row["late_after_late"]), 4),
        "cases_after_an_on_time_case": row["after_on_time"],
        "mean_delay_after_an_on_time_case": _minutes(row["delay_after_on_time"]),
        "late_share_after_an_on_time_case": (
            None if row["late_after_on_time"] is None else round(float(row["late_after_on_time"]), 4)
        ),
    }


# --- the daily report --------------------------------------------------------------------------


def largest_variances(*, facility, day: dt.date, limit: int = 10) -> list[dict]:
    """The day's completed chair appointments furthest from their scheduled minutes."""
    return _rows(
        f"""
        SELECT a.appointment_id, a.chair_name, a.regimen_category, a.patient_type, a.scheduled_minutes,
            t.total_minutes AS actual_minutes, t.total_minutes - a.scheduled_minutes AS difference
        FROM {A} a JOIN {T} t ON t.facility_id = a.facility_id AND t.encounter_id = a.encounter_id
        WHERE a.facility_id = %s AND a.date = %s AND a.status = 'completed'
        ORDER BY abs(t.total_minutes - a.scheduled_minutes) DESC, a.appointment_id LIMIT %s
        """,  # noqa: S608
        [facility.pk, day, limit],
    )


def daily_report(*, facility, day: dt.date) -> dict:
    """The report of one local day: the chairs' day (utilization, gap), each chair, the at-risk
    days of the 14 that follow, the largest variances, the theatres' day."""
    following = day + dt.timedelta(days=1)
    chair_day = chair_days(facility=facility, first=day, last=day)
    theatres = or_suites(facility=facility, first=day, last=day, by_suite=False)
    return {
        "facility": facility.name,
        "date": day,
        "chairs": chair_day[0] if chair_day else None,
        "by_chair": chair_use_by_chair(facility=facility, first=day, last=day),
        "at_risk": at_risk_days(facility=facility, first=following, last=following + dt.timedelta(days=13)),
        "largest_variances": largest_variances(facility=facility, day=day),
        "theatres": theatres[0] if theatres and theatres[0]["suite_days"] else None,
        "by_suite": or_suites(facility=facility, first=day, last=day),
    }


def _percent(value) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def report_text(report: dict) -> str:
    """The report as the plain-text email body."""
    lines = [f"{report['facility']}: daily report for {report['date']:%A %d %B %Y}", ""]
    chairs = report["chairs"]
    if chairs:
        lines += [
            "Infusion chairs",
            f"  utilization {_percent(chairs['utilization'])}: {chairs['used_minutes']} chair minutes used of "
            f"{chairs['supported_minutes']} supported ({chairs['chairs_supported']} of {chairs['chairs_open']} chairs)",
            f"  appointments {chairs['appointments']}: {chairs['completed']} completed, "
            f"{chairs['cancelled']} cancelled, {chairs['no_shows']} no-shows",
            f"  capacity gap {chairs['capacity_gap_minutes']} minutes (demand − supported)",
            "",
        ]
    else:
        lines += ["Infusion chairs: no appointments and no nurse capacity this day.", ""]
    lines.append("At-risk days ahead" if report["at_risk"] else "At-risk days ahead: none in the next 14 days.")
    for risk in report["at_risk"]:
        reasons = "; ".join(RISK_REASONS[reason] for reason in risk["reasons"])
        lines.append(
            f"  {risk['date']:%a %d %b}: expected {risk['expected_minutes']} of {risk['supported_minutes']} "
            f"supported minutes ({_percent(risk['expected_utilization'])}). {reasons}."
        )
    if report["largest_variances"]:
        lines += ["", "Largest variances (actual − scheduled minutes)"]
        for row in report["largest_variances"]:
            lines.append(
                f"  {row['appointment_id']} {row['chair_name'] or 'no chair'} {row['regimen_category']}/"
                f"{row['patient_type']}: {row['scheduled_minutes']} booked, {row['actual_minutes']} actual "
                f"({row['difference']:+d})"
            )
    theatres = report["theatres"]
    if theatres:
        lines += [
            "",
            "Operating rooms",
            f"  {theatres['cases']} cases in {theatres['suite_days']} suites; prime-time utilization "
            f"{_percent(theatres['prime_time_utilization'])}; first cases on time "
            f"{_percent(theatres['first_case_on_time_share'])}; late starts {_percent(theatres['late_start_share'])}; "
            f"mean turnover {theatres['mean_turnover_minutes'] or '—'} min; "
            f"{theatres['days_after_prime']} suites ran past prime time",
        ]
    return "\n".join(lines) + "\n"


def latest_days(*, facility, before: dt.date) -> dict[str, dt.date | None]:
    """The last day before ``before`` with chair appointments, and with theatre cases (None when
    there is none): where an empty default period can point the reader."""
    row = _rows(
        f"""
        SELECT (SELECT max(date) FROM {CS} WHERE facility_id = %s AND date < %s AND appointments > 0) AS chairs,
            (SELECT max(date) FROM {SS} WHERE facility_id = %s AND date < %s) AS theatres
        """,  # noqa: S608
        [facility.pk, before, facility.pk, before],
    )[0]
    return {"chairs": row["chairs"], "theatres": row["theatres"]}
