"""REST API of analytics, under ``/api/v1/facilities/<facility>/analytics/``: one GET per metric
(chairs and theatres), the facts themselves as paginated lists, the settings and the
appointment-type mapping, the nightly runs (and a manager's re-run), the daily report and its
email subscription.

Every view reads through ``analytics.metrics`` / ``analytics.selectors`` or calls one service;
``analytics.view`` reads, ``analytics.manage`` writes (clinicians: 403; non-members: 404). A query
parameter the operation does not take is refused (400 naming it).

**CSV.** Each metric answers JSON, or the same rows as a CSV file when asked with `?format=csv`
or `Accept: text/csv` (DRF's content negotiation; `?format=` wins). The file is written by
``scheduling.csv_export``, as the imports' report is: formula-like cells start with an
apostrophe. An error answers JSON whatever was asked, as the imports' downloads do."""

import re

from django.http import Http404, StreamingHttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings

from analytics import filters, metrics, selectors, services
from analytics.models import (
    AnalyticsSettings,
    AppointmentStatus,
    AppointmentTypeMapping,
    ChairAppointment,
    NightlyRun,
    NurseCapacity,
    RegimenCategory,
    RunStatus,
    SurgicalCase,
)
from scheduling import selectors as kernel
from scheduling.api_kernel import FacilityObjectField, FacilityViewSet, HistoryEntrySerializer, StrictInputSerializer
from scheduling.csv_export import csv_lines
from scheduling.errors import ApplicationError
from scheduling.pagination import StandardPagination
from scheduling.parsing import LocalDateField
from scheduling.permissions import Action
from scheduling.schema import WALL_CLOCK_PATTERN

CSV = "text/csv"
CSV_RESPONSE = OpenApiResponse(
    OpenApiTypes.STR,
    description="The rows as a CSV file (UTF-8, comma-separated, a header line), as an attachment; a cell a "
    "spreadsheet would read as a formula (`=`, `+`, `-`, `@`…) starts with an apostrophe.",
)


# --- fields documented once ----------------------------------------------------------------------


class NamedChoiceField(serializers.ChoiceField):
    """A choice field documented as one named enum component wherever it is used."""

    def __init__(self, *, enum_name: str, **kwargs) -> None:
        self.enum_name = enum_name
        super().__init__(**kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = NamedChoiceField

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        values = list(field.choices)
        schema = {
            "type": "string",
            "enum": values,
            "description": "\n".join(f"* `{value}` - {label}" for value, label in field.choices.items()),
        }
        component = ResolvedComponent(
            name=field.enum_name, type=ResolvedComponent.SCHEMA, object=field.enum_name, schema=schema
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


def regimen_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(enum_name="RegimenCategoryEnum", choices=RegimenCategory.choices, **kwargs)


class WallClockField(serializers.TimeField):
    """A local wall-clock time written ``HH:MM`` or ``HH:MM:SS`` (nothing else: no offset)."""

    def to_internal_value(self, value):
        if not isinstance(value, str) or not re.fullmatch(WALL_CLOCK_PATTERN, value):
            raise serializers.ValidationError("Give a wall-clock time as HH:MM or HH:MM:SS.", code="invalid")
        return super().to_internal_value(value)


def _period_fields(serializer_fields: dict) -> dict:
    """``from`` (a Python keyword) first, under its own name."""
    return {"from": serializer_fields.pop("from_"), **serializer_fields}


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
    open_minutes = serializers.IntegerField(help_text="Open minutes of the days the centre had appointments.")
    utilization = ratio("used_minutes ÷ open_minutes")


class ChairHourRow(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 = Monday … 6 = Sunday.")
    hour = serializers.IntegerField(min_value=0, max_value=23, help_text="Hour of the local clock.")
    used_minutes = serializers.IntegerField(help_text="Actual chair minutes that fell in this hour.")
    supported_minutes = serializers.IntegerField(help_text="chairs supported × 60, over the days of this weekday.")
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
        child=NamedChoiceField(enum_name="AtRiskReasonEnum", choices=list(metrics.RISK_REASONS.items())),
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
    group_by = NamedChoiceField(enum_name="ChairVarianceGroupEnum", choices=list(metrics.VARIANCE_GROUPS))
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
    group_by = NamedChoiceField(enum_name="CaseGroupEnum", choices=list(metrics.CASE_GROUPS))
    results = BookedVsActualRow(many=True)


class KnockOnAnswer(FilteredAnswer, KnockOnRow):
    pass


# --- the views: what every analytics view shares -------------------------------------------------


class AnalyticsViewSet(FacilityViewSet):
    """``analytics.view`` to read, ``analytics.manage`` to write; unknown query parameters refused.
    Objects without history or comments say so (``history``/``comments`` set to None)."""

    view_action = Action.ANALYTICS_VIEW
    manage_action = Action.ANALYTICS_MANAGE
    filter_backends = []
    pagination_class = None
    paged_actions = frozenset({"list", "history"})
    history = None
    comments = None
    query_serializer: type[serializers.Serializer] | None = None  # what the view reads from the query

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # the role first: 404 and 403 before 400
        self.refuse_unknown_query(request)

    def refuse_unknown_query(self, request) -> None:
        unknown = sorted(set(request.query_params) - self.query_names())
        if unknown:
            raise ApplicationError(
                "invalid",
                f"Unknown query parameters: {', '.join(unknown)}.",
                fields={name: ["Unknown field."] for name in unknown},
            )

    def query_serializer_for(self, action_name: str | None) -> type[serializers.Serializer] | None:
        return self.query_serializer

    def query_names(self) -> set[str]:
        names = {api_settings.URL_FORMAT_OVERRIDE}
        query = self.query_serializer_for(self.action)
        if query is not None:
            names |= set(query().get_fields())
        filterset = getattr(self, "filterset_class", None)
        if filterset is not None and self.filter_backends:
            names |= set(filterset.base_filters)
        if self.paginator is not None and self.action in self.paged_actions:
            names |= {self.paginator.page_query_param, self.paginator.page_size_query_param}
        return names


class CsvRenderer(BaseRenderer):
    """Lets content negotiation choose CSV. The metric views write their CSV themselves
    (``MetricViewSet.csv``); anything else they answer (an error, OPTIONS) is JSON."""

    media_type = CSV
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        rows = data if isinstance(data, list) else [data]
        header = list(rows[0]) if rows and isinstance(rows[0], dict) else []
        return "".join(csv_lines(header, ([row.get(name) for name in header] for row in rows))).encode()


def _cell(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return value


class MetricViewSet(AnalyticsViewSet):
    """One metric: ``read`` the rows for the query, answer them with the period and filters as
    JSON (``answer_serializer``) or as a CSV file of ``row_serializer`` rows."""

    renderer_classes = [JSONRenderer, CsvRenderer]
    read_actions = frozenset({"retrieve"})
    query_serializer: type[filters.MetricQuery]
    answer_serializer: type[serializers.Serializer]
    row_serializer: type[serializers.Serializer]
    many = True  # rows; else one row of totals
    file_name: str

    def read(self, *, facility, query: dict, resource_ids: list[int] | None):
        raise NotImplementedError

    def refuse_unknown_query(self, request) -> None:
        """The metric's query is strict itself, and says why a metric of the whole centre takes
        no department or resource."""

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force=force)
        except Http404:
            message = "Give json or csv."
            raise ApplicationError("invalid", f"Unknown format: {message}", fields={"format": [message]}) from None

    def finalize_response(self, request, response, *args, **kwargs):
        renderer = getattr(request, "accepted_renderer", None)
        if isinstance(response, Response) and renderer is not None and renderer.format == "csv":
            # An error or OPTIONS: JSON all the same.
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    def resource_ids(self, query: dict) -> list[int] | None:
        """The chairs or theatres a per-resource metric is limited to (one, or a department's);
        None for all of them."""
        if query.get("resource") is not None:
            return [query["resource"].pk]
        if query.get("department") is None:
            return None
        resources = kernel.resource_list(facility=self.request.facility).filter(
            department=query["department"], kind=self.query_serializer.resource_kind
        )
        return list(resources.values_list("pk", flat=True))

    def retrieve(self, request, facility_slug: str):
        query = self.query(self.query_serializer)
        per_resource = self.query_serializer.resource_kind is not None
        rows = self.read(
            facility=request.facility, query=query, resource_ids=self.resource_ids(query) if per_resource else None
        )
        if request.accepted_renderer.format == "csv":
            return self.csv(rows, query)
        body = {"from": query["from"], "to": query["to"], "group_by": query.get("group_by")}
        if per_resource:
            body["department"] = query["department"].pk if query.get("department") else None
            body["resource"] = query["resource"].pk if query.get("resource") else None
        body.update({"results": rows} if self.many else rows)
        return Response(self.answer_serializer(body).data)

    def csv(self, rows, query: dict) -> StreamingHttpResponse:
        data = self.row_serializer(rows if self.many else [rows], many=True).data
        header = list(self.row_serializer().fields)
        lines = csv_lines(header, ([_cell(row[name]) for name in header] for row in data))
        response = StreamingHttpResponse(lines, content_type=f"{CSV}; charset=utf-8")
        name = f"{self.request.facility.slug}-{self.file_name}-{query['from']:%Y-%m-%d}-{query['to']:%Y-%m-%d}.csv"
        response["Content-Disposition"] = content_disposition_header(True, name)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


def metric_schema(answer: type[serializers.Serializer], query: type[serializers.Serializer], **kwargs):
    return extend_schema_view(
        retrieve=extend_schema(
            parameters=[query],
            responses={(200, "application/json"): answer, (200, CSV): CSV_RESPONSE},
            **kwargs,
        )
    )


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
    "of the days the centre had appointments).",
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
    "nurses supported in it (chairs supported × 60 on each such day).",
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
    description="The period's totals over the days with appointments: cancellation rate (cancelled ÷ "
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


# --- the facts ---------------------------------------------------------------------------------


class SurgicalCaseOutput(serializers.ModelSerializer):
    suite = serializers.IntegerField(source="suite_id", help_text="The theatre's id.")
    in_room_minutes = serializers.SerializerMethodField(help_text="Wheels in to wheels out.")

    class Meta:
        model = SurgicalCase
        fields = [
            "id",
            "case_id",
            "source_index",
            "date",
            "suite",
            "suite_name",
            "service",
            "cpt_code",
            "cpt_description",
            "booked_minutes",
            "scheduled_start",
            "wheels_in",
            "incision_start",
            "incision_end",
            "wheels_out",
            "in_room_minutes",
            "source",
        ]

    def get_in_room_minutes(self, case) -> float:
        return round((case.wheels_out - case.wheels_in).total_seconds() / 60, 1)


class ChairAppointmentOutput(serializers.ModelSerializer):
    chair = serializers.IntegerField(source="chair_id", allow_null=True, help_text="The chair's id, if known.")
    regimen_category = regimen_field()
    status = NamedChoiceField(enum_name="ChairAppointmentStatusEnum", choices=AppointmentStatus.choices)
    actual_start = serializers.DateTimeField(allow_null=True, help_text="From the encounter's actual chair time.")
    actual_end = serializers.DateTimeField(allow_null=True)
    actual_minutes = serializers.IntegerField(allow_null=True, help_text="Actual chair minutes of the encounter.")

    class Meta:
        model = ChairAppointment
        fields = [
            "id",
            "appointment_id",
            "encounter_id",
            "date",
            "chair",
            "chair_name",
            "regimen_category",
            "patient_type",
            "scheduled_minutes",
            "status",
            "actual_start",
            "actual_end",
            "actual_minutes",
            "source",
        ]


class NurseCapacityOutput(serializers.ModelSerializer):
    class Meta:
        model = NurseCapacity
        fields = ["id", "date", "nurses_available", "max_chairs_supported", "source"]


class FactListViewSet(AnalyticsViewSet):
    """A paginated list of one kind of fact, over ``from``/``to`` and its FilterSet."""

    read_actions = frozenset({"list"})
    query_serializer = filters.FactPeriodQuery
    pagination_class = StandardPagination
    output_serializer: type[serializers.Serializer]

    def facts(self, *, facility, first, last):
        raise NotImplementedError

    def list(self, request, facility_slug: str):
        period = self.query(filters.FactPeriodQuery)
        facts = self.facts(facility=request.facility, first=period.get("from"), last=period.get("to"))
        return self.paginated(facts, self.output_serializer)


def fact_schema(output: type[serializers.Serializer], description: str):
    return extend_schema_view(
        list=extend_schema(parameters=[filters.FactPeriodQuery], responses=output(many=True), description=description)
    )


@fact_schema(
    SurgicalCaseOutput,
    "The facility's operating-room cases (imported or from the day of care), by date and scheduled start.",
)
class SurgicalCaseViewSet(FactListViewSet):
    queryset = SurgicalCase.objects.none()
    filter_backends = api_settings.DEFAULT_FILTER_BACKENDS
    filterset_class = filters.SurgicalCaseFilter
    output_serializer = SurgicalCaseOutput

    def facts(self, *, facility, first, last):
        return metrics.surgical_case_list(facility=facility, first=first, last=last)


@fact_schema(
    ChairAppointmentOutput,
    "The facility's chair appointments, by date, each with the actual chair time of its encounter (null "
    "while none is known).",
)
class ChairAppointmentViewSet(FactListViewSet):
    queryset = ChairAppointment.objects.none()
    filter_backends = api_settings.DEFAULT_FILTER_BACKENDS
    filterset_class = filters.ChairAppointmentFilter
    output_serializer = ChairAppointmentOutput

    def facts(self, *, facility, first, last):
        return metrics.chair_appointment_list(facility=facility, first=first, last=last)


@fact_schema(NurseCapacityOutput, "The facility's nurse capacity per day.")
class NurseCapacityViewSet(FactListViewSet):
    queryset = NurseCapacity.objects.none()
    output_serializer = NurseCapacityOutput

    def facts(self, *, facility, first, last):
        return metrics.nurse_capacity_list(facility=facility, first=first, last=last)


# --- settings ------------------------------------------------------------------------------------


LIMITS = services.SETTINGS_LIMITS


class SettingsOutput(serializers.ModelSerializer):
    is_default = serializers.SerializerMethodField(help_text="True while the facility has changed nothing.")

    class Meta:
        model = AnalyticsSettings
        fields = [*services.SETTINGS_FIELDS, "is_default"]

    def get_is_default(self, values) -> bool:
        return values.pk is None


class SettingsInput(StrictInputSerializer):
    chair_day_start = WallClockField(help_text="Local time the infusion chairs open.")
    chair_day_end = WallClockField(help_text="Local time they close; after the start.")
    prime_start = WallClockField(help_text="Start of theatre prime time (local).")
    prime_end = WallClockField(help_text="End of theatre prime time (local); after the start.")
    first_case_grace_minutes = serializers.IntegerField(
        min_value=LIMITS["first_case_grace_minutes"][0],
        max_value=LIMITS["first_case_grace_minutes"][1],
        help_text="A first case wheeled in at most this late after its scheduled start is on time.",
    )
    late_start_minutes = serializers.IntegerField(
        min_value=LIMITS["late_start_minutes"][0],
        max_value=LIMITS["late_start_minutes"][1],
        help_text="A case wheeled in more than this after its scheduled start started late.",
    )
    variance_threshold_minutes = serializers.IntegerField(
        min_value=LIMITS["variance_threshold_minutes"][0],
        max_value=LIMITS["variance_threshold_minutes"][1],
        help_text="Actual chair minutes further than this from the scheduled ones are 'off'.",
    )
    risk_utilization_percent = serializers.IntegerField(
        min_value=LIMITS["risk_utilization_percent"][0],
        max_value=LIMITS["risk_utilization_percent"][1],
        help_text="A day whose expected demand reaches this share of its supported minutes is at risk.",
    )


SETTINGS_EXAMPLE = OpenApiExample(
    "Chairs 07:30–19:00",
    value={
        "chair_day_start": "07:30",
        "chair_day_end": "19:00",
        "prime_start": "07:00",
        "prime_end": "15:30",
        "first_case_grace_minutes": 5,
        "late_start_minutes": 15,
        "variance_threshold_minutes": 15,
        "risk_utilization_percent": 95,
    },
    request_only=True,
)


@extend_schema_view(
    retrieve=extend_schema(
        responses=SettingsOutput,
        description="The facility's analytics settings (the defaults until a manager changes one).",
    ),
    update=extend_schema(
        request=SettingsInput,
        responses=SettingsOutput,
        examples=[SETTINGS_EXAMPLE],
        description="Replaces the settings (every field). Days already aggregated keep the settings of their run; "
        "the next nightly run uses these, and a re-run (`nightly-runs/rerun/`) applies them to a past day.",
    ),
    partial_update=extend_schema(
        request=SettingsInput, responses=SettingsOutput, description="Changes the fields given."
    ),
)
class AnalyticsSettingsViewSet(AnalyticsViewSet):
    queryset = AnalyticsSettings.objects.none()
    pagination_class = StandardPagination  # of its history
    read_actions = frozenset({"retrieve", "history"})

    def _out(self, values) -> Response:
        return Response(SettingsOutput(values).data)

    def retrieve(self, request, facility_slug: str):
        return self._out(selectors.settings_for(facility_id=request.facility.pk))

    def update(self, request, facility_slug: str):
        fields = self.validated(SettingsInput, partial=request.method == "PATCH")
        return self._out(services.settings_update(facility=request.facility, actor=request.user, **fields))

    def partial_update(self, request, facility_slug: str):
        return self.update(request, facility_slug)

    @extend_schema(responses=HistoryEntrySerializer(many=True), description="The settings' changes, newest first.")
    def history(self, request, facility_slug: str):
        values = selectors.settings_for(facility_id=request.facility.pk)
        if values.pk is None:
            return self.get_paginated_response(self.paginate_queryset([]))
        return self.paginated_history(values)


# --- the appointment-type mapping ------------------------------------------------------------------


class MappedAppointmentType(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class MappingOutput(serializers.ModelSerializer):
    appointment_type = MappedAppointmentType()
    regimen_category = NamedChoiceField(
        enum_name="MappingRegimenCategoryEnum",
        choices=[("", "Not set (medium)"), *RegimenCategory.choices],
        help_text="A chair booking's regimen category; empty: medium.",
    )

    class Meta:
        model = AppointmentTypeMapping
        fields = [
            "id",
            "appointment_type",
            "regimen_category",
            "patient_type",
            "service",
            "procedure_code",
            "procedure_description",
        ]


class MappingInput(StrictInputSerializer):
    appointment_type = FacilityObjectField(
        lister=kernel.appointment_type_list,
        help_text="An appointment type of the facility (one mapping each).",
        error_messages={"does_not_exist": "Not an appointment type of this facility."},
    )
    regimen_category = regimen_field(required=False, help_text="A chair booking's regimen category (medium).")
    patient_type = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        help_text="A chair booking's patient type: INF, CMO-SHORT, CMO-LONG, FUP, MISC or one the facility added "
        "(any case); empty: MISC.",
    )
    service = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="A theatre case's surgical service."
    )
    procedure_code = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="A theatre case's CPT or local procedure code."
    )
    procedure_description = serializers.CharField(max_length=500, required=False, allow_blank=True)


def _mapping_fields(fields: dict) -> dict:
    if "appointment_type" in fields:
        fields["appointment_type_id"] = fields.pop("appointment_type").pk
    return fields


@extend_schema_view(
    list=extend_schema(responses=MappingOutput(many=True)),
    retrieve=extend_schema(responses=MappingOutput),
    create=extend_schema(
        request=MappingInput,
        responses={201: MappingOutput},
        description="Maps an appointment type to what its bookings are as facts. 409 `duplicate` when the type "
        "has a mapping. Facts already made keep theirs until their day is synced again (the refresh does "
        "yesterday on; a re-run, a past day).",
    ),
    update=extend_schema(request=MappingInput, responses=MappingOutput),
    partial_update=extend_schema(request=MappingInput, responses=MappingOutput),
    destroy=extend_schema(responses={204: None}),
)
class AppointmentTypeMappingViewSet(AnalyticsViewSet):
    """What the bookings of each appointment type are as facts: a chair appointment's regimen
    category and patient type, a theatre case's service and procedure."""

    queryset = AppointmentTypeMapping.objects.none()
    pagination_class = StandardPagination
    history = FacilityViewSet.history

    def get_object(self):
        return metrics.mapping_get(facility=self.request.facility, mapping_id=self.kwargs["pk"])

    def _out(self, mapping, status: int = 200) -> Response:
        fresh = metrics.mapping_get(facility=self.request.facility, mapping_id=mapping.pk)
        return Response(MappingOutput(fresh).data, status=status)

    def list(self, request, facility_slug: str):
        return self.paginated(metrics.mapping_list(facility=request.facility), MappingOutput)

    def retrieve(self, request, facility_slug: str, pk: str):
        return Response(MappingOutput(self.get_object()).data)

    def create(self, request, facility_slug: str):
        fields = _mapping_fields(self.validated(MappingInput))
        mapping = services.mapping_create(facility=request.facility, actor=request.user, **fields)
        return self._out(mapping, status=201)

    def update(self, request, facility_slug: str, pk: str):
        mapping = self.get_object()  # 404 before 400
        fields = _mapping_fields(self.validated(MappingInput, partial=request.method == "PATCH"))
        mapping = services.mapping_update(
            facility=request.facility, actor=request.user, mapping_id=mapping.pk, **fields
        )
        return self._out(mapping)

    def partial_update(self, request, facility_slug: str, pk: str):
        return self.update(request, facility_slug, pk)

    def destroy(self, request, facility_slug: str, pk: str):
        mapping = self.get_object()
        services.mapping_delete(facility=request.facility, actor=request.user, mapping_id=mapping.pk)
        return Response(status=204)


# --- nightly runs and the daily report -------------------------------------------------------------


class NightlyRunOutput(serializers.ModelSerializer):
    status = NamedChoiceField(enum_name="NightlyRunStatusEnum", choices=RunStatus.choices)
    trigger = NamedChoiceField(enum_name="NightlyRunTriggerEnum", choices=filters.TRIGGERS)

    class Meta:
        model = NightlyRun
        fields = ["id", "date", "status", "trigger", "started_at", "finished_at", "error", "emailed_at"]


class RerunInput(StrictInputSerializer):
    date = LocalDateField(help_text="A local day before today.")


class RerunQueued(serializers.Serializer):
    date = serializers.DateField()
    detail = serializers.CharField()


@extend_schema_view(
    list=extend_schema(
        parameters=[filters.FactPeriodQuery],
        responses=NightlyRunOutput(many=True),
        description="The last run of each local day aggregated (nightly, by a backfill or re-run), newest day "
        "first; a failed run keeps its error. A day before yesterday without a run was missed (the nightly "
        "pass catches up on the last seven).",
    ),
)
class NightlyRunViewSet(AnalyticsViewSet):
    queryset = NightlyRun.objects.none()
    pagination_class = StandardPagination
    filter_backends = api_settings.DEFAULT_FILTER_BACKENDS
    filterset_class = filters.NightlyRunFilter

    def query_serializer_for(self, action_name):
        return filters.FactPeriodQuery if action_name == "list" else None

    def list(self, request, facility_slug: str):
        period = self.query(filters.FactPeriodQuery)
        runs = metrics.nightly_run_list(facility=request.facility, first=period.get("from"), last=period.get("to"))
        return self.paginated(runs, NightlyRunOutput)

    @extend_schema(
        request=RerunInput,
        responses={202: RerunQueued},
        filters=False,
        description="Queues a re-run of one past day: its facts from the day of care synced again and its "
        "aggregates replaced (idempotent). Follow it in `nightly-runs/` (trigger `rerun`).",
    )
    @action(detail=False, methods=["post"], filter_backends=[])
    def rerun(self, request, facility_slug: str):
        day = self.validated(RerunInput)["date"]
        services.nightly_rerun_queue(facility=request.facility, actor=request.user, day=day)
        detail = f"The re-run of {day:%Y-%m-%d} is queued; it appears in nightly-runs/ with trigger 'rerun'."
        return Response(RerunQueued({"date": day, "detail": detail}).data, status=202)


class LargestVarianceRow(serializers.Serializer):
    appointment_id = serializers.CharField()
    chair_name = serializers.CharField()
    regimen_category = regimen_field()
    patient_type = serializers.CharField()
    scheduled_minutes = serializers.IntegerField()
    actual_minutes = serializers.IntegerField()
    difference = serializers.IntegerField(help_text="actual − scheduled minutes.")


class DailyReportOutput(serializers.Serializer):
    facility = serializers.CharField(help_text="The facility's name.")
    date = serializers.DateField()
    chairs = ChairDayRow(allow_null=True, help_text="The chairs' day; null without appointments or capacity.")
    by_chair = ChairUseRow(many=True)
    at_risk = AtRiskRow(many=True, help_text="At-risk days among the 14 that follow.")
    largest_variances = LargestVarianceRow(many=True, help_text="The ten completed appointments furthest off.")
    theatres = TheatreTotalsRow(allow_null=True, help_text="The theatres' day; null without cases.")
    by_suite = SuiteRow(many=True)


class SubscriptionOutput(serializers.Serializer):
    subscribed = serializers.BooleanField()
    email = serializers.CharField(help_text="Where the report goes; empty: nowhere until the member has an address.")


class SubscriptionInput(StrictInputSerializer):
    subscribed = serializers.BooleanField(help_text="True: the daily report by email, after each nightly run.")


class DailyReportViewSet(AnalyticsViewSet):
    """The daily report of a facility's day, and whether the requesting member receives it."""

    read_actions = frozenset({"report", "subscription"})  # subscribing is the member's own business

    def query_serializer_for(self, action_name):
        return filters.ReportDayQuery if action_name == "report" else None

    @extend_schema(
        parameters=[filters.ReportDayQuery],
        responses=DailyReportOutput,
        description="The report of one local day (yesterday by default): the chairs' day and each chair, the "
        "at-risk days of the 14 that follow, the largest variances, the theatres' day and each suite.",
    )
    def report(self, request, facility_slug: str):
        day = self.query(filters.ReportDayQuery)["date"]
        return Response(DailyReportOutput(metrics.daily_report(facility=request.facility, day=day)).data)

    def _subscription(self, request) -> Response:
        subscribed = selectors.is_subscribed(facility_id=request.facility.pk, user_id=request.user.pk)
        return Response(SubscriptionOutput({"subscribed": subscribed, "email": request.user.email}).data)

    @extend_schema(methods=["GET"], responses=SubscriptionOutput, description="Whether you receive the report.")
    @extend_schema(
        methods=["PUT"],
        request=SubscriptionInput,
        responses=SubscriptionOutput,
        description="Starts or stops the daily report by email for you.",
    )
    def subscription(self, request, facility_slug: str):
        if request.method == "PUT":
            subscribe = self.validated(SubscriptionInput)["subscribed"]
            services.report_subscribe(facility=request.facility, user=request.user, subscribe=subscribe)
        return self._subscription(request)
