"""Simulation API, under /api/v1/facilities/<facility>/infusion/simulation-runs/: start a what-if
run (a Celery task), follow its progress, read its results, stop it."""

from django.urls import path
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from infusion.models import RunStatus, SimulationRun
from infusion.selectors import simulation as selectors
from infusion.services import simulation as services
from scheduling.api_kernel import FacilityViewSet, StrictInputSerializer
from scheduling.pagination import StandardPagination
from scheduling.permissions import Action
from scheduling.schema import EnumField

BOUNDS = services.BOUNDS


def _bounded(name: str, *, integer: bool = True, help_text: str):
    low, high, _ = BOUNDS[name]
    field = serializers.IntegerField if integer else serializers.FloatField
    return field(required=False, min_value=low, max_value=high, help_text=f"{help_text} ({low}–{high}).")


class SimulationInput(StrictInputSerializer):
    chairs = _bounded("chairs", help_text="Chairs; default: the facility's active chairs")
    nurses = _bounded("nurses", help_text="Nurses on duty each open day; default: the center's settings")
    weekly_capacity = _bounded("weekly_capacity", help_text="Patients scheduled a week; default: the center's")
    arrival_minutes = _bounded(
        "arrival_minutes",
        integer=False,
        help_text="Mean minutes between physicians' requests, exponential, in working hours; default 105",
    )
    policy = EnumField(
        enum_name="SimulationPolicyEnum",
        choices=[("levelled", "Levelled"), ("study", "The study's"), ("both", "Both, side by side")],
        required=False,
        help_text="Default `both`: the two policies on the same random streams.",
    )
    horizon_days = _bounded("horizon_days", help_text="Days measured, after a 90-day warm-up; default 365")
    replications = _bounded("replications", help_text="Replications per policy; default 10")
    seed = _bounded("seed", help_text="Seed of the random streams; default 1")


class SimulationRunOutput(serializers.ModelSerializer):
    status = EnumField(enum_name="SimulationRunStatusEnum", choices=RunStatus.choices)
    created_by = serializers.CharField(source="created_by.get_username", read_only=True)
    parameters = serializers.JSONField(
        help_text="As run: the asked values with the defaults, and the facility's configuration (types' "
        "shares, weekday mix, routes, chairs per nurse, chair minutes)."
    )
    results = serializers.JSONField(
        allow_null=True,
        help_text="Null until finished (or stopped with a replication done). `policies.<policy>.measures.<name>`: "
        "`mean`, `low`, `high` (95 % t interval over replications), `n`, `values`; `profile`: mean chairs in use "
        "per 15 minutes from opening; `daily_peaks` and `nurse_cap`. `differences.<name>`: the paired difference "
        "levelled − study (same random streams) with its interval and `relative` to the study's mean.",
    )

    class Meta:
        model = SimulationRun
        fields = [
            "id",
            "status",
            "progress",
            "parameters",
            "results",
            "error",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]


class SimulationRunSummaryOutput(serializers.ModelSerializer):
    status = EnumField(enum_name="SimulationRunStatusEnum", choices=RunStatus.choices)
    created_by = serializers.CharField(source="created_by.get_username", read_only=True)
    parameters = serializers.JSONField()

    class Meta:
        model = SimulationRun
        fields = ["id", "status", "progress", "parameters", "created_by", "created_at", "finished_at"]


EXAMPLE = OpenApiExample(
    "Both policies, a year, ten replications",
    value={"chairs": 8, "nurses": 2, "policy": "both", "horizon_days": 365, "replications": 10, "seed": 1},
    request_only=True,
)


@extend_schema_view(
    list=extend_schema(
        responses=SimulationRunSummaryOutput(many=True),
        description="The facility's what-if runs, newest first, without their results.",
    ),
    retrieve=extend_schema(
        responses=SimulationRunOutput, description="One run: its status, progress (0–100) and results once done."
    ),
    create=extend_schema(
        request=SimulationInput,
        responses={202: SimulationRunOutput},
        examples=[EXAMPLE],
        description="Starts a run (queued for a worker; follow it in the detail). Each field is optional, the "
        "facility's settings or the study's values otherwise. 400 `invalid` naming the field out of bounds; 403 "
        "without `infusion.simulate`.",
    ),
)
class SimulationRunViewSet(FacilityViewSet):
    queryset = SimulationRun.objects.none()
    view_action = Action.INFUSION_SIMULATE
    manage_action = Action.INFUSION_SIMULATE
    pagination_class = StandardPagination
    filter_backends = []
    history = None
    comments = None

    def get_object(self):
        return selectors.simulation_run_get(facility=self.request.facility, run_id=self.kwargs["pk"])

    def list(self, request, facility_slug: str):
        return self.paginated(selectors.simulation_run_list(facility=request.facility), SimulationRunSummaryOutput)

    def retrieve(self, request, facility_slug: str, pk: str):
        return Response(SimulationRunOutput(self.get_object()).data)

    def create(self, request, facility_slug: str):
        fields = self.validated(SimulationInput)
        run = services.simulation_start(facility=request.facility, actor=request.user, parameters=fields)
        fresh = selectors.simulation_run_get(facility=request.facility, run_id=run.pk)
        return Response(SimulationRunOutput(fresh).data, status=202)

    @extend_schema(
        request=None,
        responses=SimulationRunOutput,
        description="Stops a queued or running run: the worker keeps the replications it finished. Whoever "
        "started it or a role with `infusion.manage`; 409 when it has already finished.",
    )
    @action(detail=True, methods=["post"])
    def stop(self, request, facility_slug: str, pk: str):
        run = services.simulation_stop(
            facility=request.facility, actor=request.user, actor_role=request.membership.role, run_id=pk
        )
        return Response(SimulationRunOutput(run).data)


view = SimulationRunViewSet

urlpatterns = [
    path("simulation-runs/", view.as_view({"get": "list", "post": "create"}), name="infusion-simulation-run-list"),
    path("simulation-runs/<int:pk>/", view.as_view({"get": "retrieve"}), name="infusion-simulation-run-detail"),
    path("simulation-runs/<int:pk>/stop/", view.as_view({"post": "stop"}), name="infusion-simulation-run-stop"),
]
