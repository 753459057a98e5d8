"""One GET per metric, for chairs and theatres: their rows, their answers (the period and
filters, then the rows) and their views. JSON, or the rows as CSV."""

from rest_framework import serializers

from analytics import filters, metrics
from analytics.api.common import MetricViewSet, _period_fields, metric_schema, regimen_field
from scheduling.schema import EnumField

# --- the metrics' rows ---------------------------------------------------------------------------


def ratio(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, help_text=f"{help_text} (0–1; null when its denominator is 0).")


def minutes(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, help_text=f"{help_text} (minutes, to 0.1; null when no row).")


class ChairVarianceRow(serializers.Serializer):
    regimen_category = regimen_field(allow_null=True, help_text="Null unless the rows are per category.")
    patient_type = serializers.CharField(allow_null=True, help_text="Null unless the rows are per patient type.")
    appointments = serializers.IntegerField(help_text="Completed appointments with their actual chair time.")
    mean_scheduled_minutes = minutes("Mean scheduled chair minutes")
    mean_actual_minutes = minutes("Mean actual chair minutes")
    mean_difference = minutes("Mean of actual − scheduled")
    median_difference = minutes("Median of actual − scheduled")
    p90_difference = minutes("90th percentile (continuous) of actual − scheduled")
    share_off = serializers.FloatField(help_text="Share more than the variance threshold off, either way (0–1).")


class ChairDayRow(serializers.Serializer):
    date = serializers.DateField()
    chairs_open = serializers.IntegerField(help_text="Active chairs (the chairs named that day if none is).")
    nurses_available = serializers.IntegerField(allow_null=True, help_text="Null: no nurse capacity known.")
    chairs_supported = serializers.IntegerField(help_text="min(chairs open, chairs the nurses on duty support).")
    open_minutes = serializers.IntegerField(help_text="Minutes of the chair day (settings).")
    supported_minutes = serializers.IntegerField(help_text="chairs_supported × open_minutes.")
    appointments = serializers.IntegerField()
    demand_minutes = serializers.IntegerField(help_text="Scheduled minutes of the appointments not cancelled.")
    expected_minutes = serializers.IntegerField(
        help_text="Demand plus the mean overrun of the regimens that chronically run longer than booked."
    )
    completed = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    no_shows = serializers.IntegerField()
    used_minutes = serializers.IntegerField(help_text="Actual chair minutes of the completed appointments.")
    utilization = ratio("used_minutes ÷ supported_minutes")
    capacity_gap_minutes = serializers.IntegerField(help_text="demand_minutes − supported_minutes.")


class ChairUseRow(serializers.Serializer):
    chair = serializers.IntegerField(source="chair_id", allow_null=True, help_text="The chair's id, if known.")
    chair_name = serializers.CharField()
    appointments = serializers.IntegerField(help_text="Appointments not cancelled.")
    used_minutes = serializers.IntegerField()
    open_minutes = serializers.IntegerField(
        help_text="Open minutes of the days up to yesterday with appointments or nurse capacity."
    )
    utilization = ratio("used_minutes ÷ open_minutes")


class ChairHourRow(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 = Monday … 6 = Sunday.")
    hour = serializers.IntegerField(min_value=0, max_value=23, help_text="Hour of the local clock.")
    used_minutes = serializers.IntegerField(help_text="Actual chair minutes that fell in this hour.")
    supported_minutes = serializers.IntegerField(
        help_text="chairs supported × the minutes of the hour within opening hours, over the days of this weekday."
    )
    utilization = ratio("used_minutes ÷ supported_minutes")


class AtRiskRow(serializers.Serializer):
    date = serializers.DateField()
    demand_minutes = serializers.IntegerField()
    expected_minutes = serializers.IntegerField()
    supported_minutes = serializers.IntegerField()
    capacity_gap_minutes = serializers.IntegerField(help_text="demand_minutes − supported_minutes.")
    expected_utilization = ratio("expected_minutes ÷ supported_minutes")
    chairs_open = serializers.IntegerField()
    chairs_supported = serializers.IntegerField()
    nurses_available = serializers.IntegerField(allow_null=True)
    reasons = serializers.ListField(
        child=EnumField(enum_name="AtRiskReasonEnum", choices=list(metrics.RISK_REASONS.items())),
        help_text="Why the day is at risk.",
    )


class ChairTotalsRow(serializers.Serializer):
    days = serializers.IntegerField(help_text="Days with appointments.")
    appointments = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    no_shows = serializers.IntegerField()
    completed = serializers.IntegerField()
    used_minutes = serializers.IntegerField()
    supported_minutes = serializers.IntegerField()
    demand_minutes = serializers.IntegerField()
    variance_n = serializers.IntegerField(help_text="Completed appointments with their actual chair time.")
    variance_off = serializers.IntegerField(help_text="Of those, more than the variance threshold off.")
    variance_sum = serializers.IntegerField(help_text="Σ (actual − scheduled) minutes.")
    utilization = ratio("used_minutes ÷ supported_minutes")
    cancellation_rate = ratio("cancelled ÷ appointments")
    no_show_rate = ratio("no_shows ÷ (completed + no_shows)")
    mean_difference = minutes("variance_sum ÷ variance_n")
    share_off = ratio("variance_off ÷ variance_n")


class ChairWeekRow(ChairTotalsRow):
    week = serializers.DateField(help_text="The Monday of the ISO week.")

    def get_fields(self):
        fields = super().get_fields()
        return {"week": fields.pop("week"), **fields}


class TheatreTotalsRow(serializers.Serializer):
    suite_days = serializers.IntegerField()
    cases = serializers.IntegerField()
    cases_per_suite_day = minutes("cases ÷ suite_days (a count, to 0.1)")
    booked_minutes = serializers.IntegerField()
    in_room_minutes = serializers.IntegerField(help_text="Wheels in to wheels out.")
    prime_minutes = serializers.IntegerField(help_text="Prime-time minutes of the suite-days.")
    prime_in_room_minutes = serializers.IntegerField(help_text="In-room minutes inside prime time.")
    prime_time_utilization = ratio("prime_in_room_minutes ÷ prime_minutes")
    first_cases_on_time = serializers.IntegerField(help_text="Suite-days whose first case was on time (grace).")
    first_case_on_time_share = ratio("first_cases_on_time ÷ suite_days")
    late_starts = serializers.IntegerField(help_text="Cases wheeled in later than the late-start threshold.")
    late_start_share = ratio("late_starts ÷ cases")
    turnovers = serializers.IntegerField(help_text="Cases after another in the same suite and day.")
    turnover_minutes = serializers.IntegerField(help_text="Σ wheels out → next wheels in (negative gaps as 0).")
    mean_turnover_minutes = minutes("turnover_minutes ÷ turnovers")
    days_after_prime = serializers.IntegerField(help_text="Suite-days whose last case ran past prime time.")
    after_prime_minutes = serializers.IntegerField()
    after_prime_share = ratio("days_after_prime ÷ suite_days")
    mean_after_prime_minutes = minutes("after_prime_minutes ÷ days_after_prime")


class SuiteRow(TheatreTotalsRow):
    suite = serializers.IntegerField(source="suite_id", help_text="The theatre's id.")
    suite_name = serializers.CharField()

    def get_fields(self):
        fields = super().get_fields()
        return {"suite": fields.pop("suite"), "suite_name": fields.pop("suite_name"), **fields}


class SuiteDayRow(serializers.Serializer):
    date = serializers.DateField()
    suite = serializers.IntegerField(source="suite_id")
    suite_name = serializers.CharField()
    cases = serializers.IntegerField()
    booked_minutes = serializers.IntegerField()
    in_room_minutes = serializers.IntegerField()
    prime_minutes = serializers.IntegerField()
    prime_in_room_minutes = serializers.IntegerField()
    first_case_on_time = serializers.BooleanField()
    late_starts = serializers.IntegerField()
    turnovers = serializers.IntegerField()
    turnover_minutes = serializers.IntegerField()
    after_prime_minutes = serializers.IntegerField(help_text="Minutes the last case ran past prime time.")


class BookedVsActualRow(serializers.Serializer):
    service = serializers.CharField(allow_null=True, help_text="Null unless the rows are per service.")
    procedure = serializers.CharField(allow_null=True, help_text="CPT code; null unless the rows are per procedure.")
    description = serializers.CharField(allow_null=True, help_text="The procedure's description, per procedure.")
    suite_name = serializers.CharField(source="suite", allow_null=True, help_text="Null unless the rows are per suite.")
    cases = serializers.IntegerField()
    mean_booked_minutes = minutes("Mean booked minutes")
    mean_in_room_minutes = minutes("Mean in-room minutes (wheels in to wheels out)")
    mean_difference = minutes("Mean of in-room − booked")
    mean_absolute_error = minutes("Mean of |in-room − booked|")


class KnockOnRow(serializers.Serializer):
    cases_after_a_late_case = serializers.IntegerField()
    mean_delay_after_a_late_case = minutes("Mean start delay (wheels in − scheduled start) after a late case")
    late_share_after_a_late_case = ratio("Share starting late after a late case")
    cases_after_an_on_time_case = serializers.IntegerField()
    mean_delay_after_an_on_time_case = minutes("Mean start delay after a case that was not late")
    late_share_after_an_on_time_case = ratio("Share starting late after a case that was not late")


# --- the metrics' answers: the period and filters, then the rows ------------------------------------


class PeriodAnswer(serializers.Serializer):
    from_ = serializers.DateField(help_text="First local date (included).")
    to = serializers.DateField(help_text="Last local date (included).")

    def get_fields(self):
        return _period_fields(super().get_fields())


class FilteredAnswer(PeriodAnswer):
    department = serializers.IntegerField(allow_null=True, help_text="The department the rows are limited to.")
    resource = serializers.IntegerField(allow_null=True, help_text="The one chair or theatre the rows are of.")


class ChairVarianceAnswer(FilteredAnswer):
    group_by = EnumField(enum_name="ChairVarianceGroupEnum", choices=list(metrics.VARIANCE_GROUPS))
    results = ChairVarianceRow(many=True)


class ChairDaysAnswer(PeriodAnswer):
    results = ChairDayRow(many=True)


class ChairUseAnswer(FilteredAnswer):
    results = ChairUseRow(many=True)


class ChairHoursAnswer(PeriodAnswer):
    results = ChairHourRow(many=True)


class AtRiskAnswer(PeriodAnswer):
    results = AtRiskRow(many=True)


class ChairRatesAnswer(PeriodAnswer, ChairTotalsRow):
    pass


class ChairWeeksAnswer(PeriodAnswer):
    results = ChairWeekRow(many=True)


class TheatreSummaryAnswer(FilteredAnswer, TheatreTotalsRow):
    pass


class SuitesAnswer(FilteredAnswer):
    results = SuiteRow(many=True)


class SuiteDaysAnswer(FilteredAnswer):
    results = SuiteDayRow(many=True)


class BookedVsActualAnswer(FilteredAnswer):
    group_by = EnumField(enum_name="CaseGroupEnum", choices=list(metrics.CASE_GROUPS))
    results = BookedVsActualRow(many=True)


class KnockOnAnswer(FilteredAnswer, KnockOnRow):
    pass


# --- chairs ------------------------------------------------------------------------------------


@metric_schema(
    ChairVarianceAnswer,
    filters.ChairVarianceQuery,
    summary="Chair minutes: scheduled against actual",
    description="Actual − scheduled chair minutes of the completed appointments, per regimen category, patient "
    "type or both: count, mean, median, 90th percentile (continuous), and the share more than the "
    "variance threshold off either way.",
)
class ChairVarianceApi(MetricViewSet):
    query_serializer = filters.ChairVarianceQuery
    answer_serializer = ChairVarianceAnswer
    row_serializer = ChairVarianceRow
    file_name = "chair-variance"

    def read(self, *, facility, query, resource_ids):
        return metrics.chair_variance(
            facility=facility,
            first=query["from"],
            last=query["to"],
            group_by=query["group_by"],
            resource_ids=resource_ids,
        )


@metric_schema(
    ChairDaysAnswer,
    filters.WholeCentreQuery,
    summary="Chair utilization and capacity gap per day",
    description="Each day of the infusion centre: chairs open and supported by the nurses on duty, demand, use, "
    "utilization (used ÷ supported minutes) and the capacity gap (demand − supported minutes).",
)
class ChairDaysApi(MetricViewSet):
    query_serializer = filters.WholeCentreQuery
    answer_serializer = ChairDaysAnswer
    row_serializer = ChairDayRow
    file_name = "chair-days"

    def read(self, *, facility, query, resource_ids):
        return metrics.chair_days(facility=facility, first=query["from"], last=query["to"])


@metric_schema(
    ChairUseAnswer,
    filters.ChairQuery,
    summary="Chair use per chair",
    description="Each chair: appointments not cancelled, used minutes, and utilization (used ÷ the open minutes "
    "of the days up to yesterday with appointments or nurse capacity).",
)
class ChairUseApi(MetricViewSet):
    query_serializer = filters.ChairQuery
    answer_serializer = ChairUseAnswer
    row_serializer = ChairUseRow
    file_name = "chair-use"

    def read(self, *, facility, query, resource_ids):
        return metrics.chair_use_by_chair(
            facility=facility, first=query["from"], last=query["to"], resource_ids=resource_ids
        )


@metric_schema(
    ChairHoursAnswer,
    filters.WholeCentreQuery,
    summary="Chair utilization by weekday and hour",
    description="Weekday × hour of the local clock: chair minutes used in the hour ÷ the chair minutes the "
    "nurses supported in it (chairs supported × the minutes of the hour within opening hours, on each day up to "
    "yesterday); an hour outside opening hours has no utilization.",
)
class ChairHoursApi(MetricViewSet):
    query_serializer = filters.WholeCentreQuery
    answer_serializer = ChairHoursAnswer
    row_serializer = ChairHourRow
    file_name = "chair-hours"

    def read(self, *, facility, query, resource_ids):
        return metrics.chair_use_by_hour(facility=facility, first=query["from"], last=query["to"])


@metric_schema(
    AtRiskAnswer,
    filters.AheadQuery,
    summary="At-risk days",
    description="Days whose expected demand reaches the risk share of the supported minutes (settings), each "
    "with its reasons: a staffing shortfall, over-demand, or regimens that chronically run longer than "
    "booked. By default today and the 13 days after, scored from the bookings and capacity known now.",
)
class AtRiskApi(MetricViewSet):
    query_serializer = filters.AheadQuery
    answer_serializer = AtRiskAnswer
    row_serializer = AtRiskRow
    file_name = "chair-at-risk"

    def read(self, *, facility, query, resource_ids):
        return metrics.at_risk_days(facility=facility, first=query["from"], last=query["to"])


@metric_schema(
    ChairRatesAnswer,
    filters.WholeCentreQuery,
    summary="Chair totals and rates of the period",
    description="The period's totals over its days up to yesterday: cancellation rate (cancelled ÷ "
    "appointments), no-show rate (no-shows ÷ (completed + no-shows)), utilization, mean variance.",
)
class ChairRatesApi(MetricViewSet):
    query_serializer = filters.WholeCentreQuery
    answer_serializer = ChairRatesAnswer
    row_serializer = ChairTotalsRow
    many = False
    file_name = "chair-rates"

    def read(self, *, facility, query, resource_ids):
        return metrics.chair_rates(facility=facility, first=query["from"], last=query["to"])


@metric_schema(
    ChairWeeksAnswer,
    filters.WholeCentreQuery,
    summary="Chair trends per week",
    description="Per ISO week (its Monday): the totals and rates of `chairs/rates/`.",
)
class ChairWeeksApi(MetricViewSet):
    query_serializer = filters.WholeCentreQuery
    answer_serializer = ChairWeeksAnswer
    row_serializer = ChairWeekRow
    file_name = "chair-weeks"

    def read(self, *, facility, query, resource_ids):
        return metrics.weekly_trends(facility=facility, first=query["from"], last=query["to"])


# --- theatres ----------------------------------------------------------------------------------


@metric_schema(
    TheatreSummaryAnswer,
    filters.TheatreQuery,
    summary="Operating rooms: the period's totals",
    description="All suites together: cases per suite-day, prime-time utilization, first-case on-time share, "
    "late starts, turnover, suite-days running past prime time.",
)
class TheatreSummaryApi(MetricViewSet):
    query_serializer = filters.TheatreQuery
    answer_serializer = TheatreSummaryAnswer
    row_serializer = TheatreTotalsRow
    many = False
    file_name = "theatre-summary"

    def read(self, *, facility, query, resource_ids):
        return metrics.or_suites(
            facility=facility, first=query["from"], last=query["to"], resource_ids=resource_ids, by_suite=False
        )[0]


@metric_schema(
    SuitesAnswer,
    filters.TheatreQuery,
    summary="Operating rooms per suite",
    description="The totals of `theatres/summary/`, per suite.",
)
class SuitesApi(MetricViewSet):
    query_serializer = filters.TheatreQuery
    answer_serializer = SuitesAnswer
    row_serializer = SuiteRow
    file_name = "theatre-suites"

    def read(self, *, facility, query, resource_ids):
        return metrics.or_suites(facility=facility, first=query["from"], last=query["to"], resource_ids=resource_ids)


@metric_schema(
    SuiteDaysAnswer,
    filters.TheatreQuery,
    summary="Operating rooms per suite-day",
    description="Each suite-day: cases, minutes booked, in room and in prime time, first case on time, late "
    "starts, turnovers, minutes past prime time.",
)
class SuiteDaysApi(MetricViewSet):
    query_serializer = filters.TheatreQuery
    answer_serializer = SuiteDaysAnswer
    row_serializer = SuiteDayRow
    file_name = "theatre-suite-days"

    def read(self, *, facility, query, resource_ids):
        return metrics.or_suite_days(
            facility=facility, first=query["from"], last=query["to"], resource_ids=resource_ids
        )


@metric_schema(
    BookedVsActualAnswer,
    filters.BookedVsActualQuery,
    summary="Booked against in-room minutes",
    description="Per service, procedure or suite: cases, mean booked and in-room minutes (wheels in to wheels "
    "out), mean difference and mean absolute error; most cases first.",
)
class BookedVsActualApi(MetricViewSet):
    query_serializer = filters.BookedVsActualQuery
    answer_serializer = BookedVsActualAnswer
    row_serializer = BookedVsActualRow
    file_name = "theatre-booked-vs-actual"

    def read(self, *, facility, query, resource_ids):
        return metrics.or_booked_vs_actual(
            facility=facility,
            first=query["from"],
            last=query["to"],
            group_by=query["group_by"],
            resource_ids=resource_ids,
        )


@metric_schema(
    KnockOnAnswer,
    filters.TheatreQuery,
    summary="How a late case delays the next",
    description="For each case after another in the same suite and day: its start delay after a case that "
    "started late and after one that did not, and how often it starts late itself.",
)
class KnockOnApi(MetricViewSet):
    query_serializer = filters.TheatreQuery
    answer_serializer = KnockOnAnswer
    row_serializer = KnockOnRow
    many = False
    file_name = "theatre-knock-on"

    def read(self, *, facility, query, resource_ids):
        return metrics.or_knock_on(facility=facility, first=query["from"], last=query["to"], resource_ids=resource_ids)
