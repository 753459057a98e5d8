"""The nightly runs (and a manager's re-run of a day), the daily report and its email
subscription."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from analytics import filters, metrics, selectors, services
from analytics.api.common import AnalyticsViewSet, regimen_field
from analytics.api.figures import AtRiskRow, ChairDayRow, ChairUseRow, SuiteRow, TheatreTotalsRow
from analytics.models import (
    NightlyRun,
    RunStatus,
)
from scheduling.api_kernel import StrictInputSerializer
from scheduling.pagination import StandardPagination
from scheduling.parsing import LocalDateField
from scheduling.schema import EnumField

# --- nightly runs and the daily report -------------------------------------------------------------


class NightlyRunOutput(serializers.ModelSerializer):
    status = EnumField(enum_name="NightlyRunStatusEnum", choices=RunStatus.choices)
    trigger = EnumField(enum_name="NightlyRunTriggerEnum", choices=filters.TRIGGERS)

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
        runs = selectors.nightly_run_list(facility=request.facility, first=period.get("from"), last=period.get("to"))
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
