"""Rosters' API, under /api/v1/facilities/<facility>/rostering/: the rotas (read here), rosters
(list, draft and solve, detail with progress, result and the checker's report), stop, publish
and archive, their assignments, why one person works (or not) on one day, the CSV and one
person's ICS.

Visibility is the selectors': a role with ``roster.manage`` sees every roster, everyone else the
published and archived ones (a draft answers 404). Errors: 400 ``invalid`` naming the field, 403
``permission_denied``, 404 ``not_found``, 409 ``roster_state`` or ``roster_check_failed``."""

from zoneinfo import ZoneInfo

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import path
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from rostering import calendar, selectors
from rostering.models import Roster, RosterPurpose, RosterStatus, Rota, ShiftKind, SolveStatus
from rostering.services import export, rosters
from scheduling.api_kernel import FacilityObjectField, FacilityViewSet, LocalDateRangeQuery, StrictInputSerializer
from scheduling.errors import NotFound
from scheduling.pagination import StandardPagination
from scheduling.parsing import LocalDateField
from scheduling.permissions import Action
from scheduling.schema import EnumField

CSV = "text/csv"
ICS = "text/calendar"

# --- serializers --------------------------------------------------------------------------------


class RotaSiteOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class RotaShiftOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = EnumField(enum_name="RosterShiftKindEnum", choices=ShiftKind.choices)
    start_time = serializers.TimeField()
    end_time = serializers.TimeField(help_text="Before the start: the shift ends the next morning.")
    hours = serializers.DecimalField(max_digits=4, decimal_places=1)
    site = serializers.CharField(source="site.code", allow_null=True, default=None, help_text="Site code.")


class RotaOutput(serializers.ModelSerializer):
    sites = RotaSiteOutput(many=True, read_only=True)
    shift_types = RotaShiftOutput(many=True, read_only=True)
    weekend_days = serializers.ListField(child=serializers.IntegerField(), help_text="ISO weekdays (6, 7 if empty).")
    skills = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Rota
        fields = [
            "id",
            "name",
            "department",
            "skills",
            "weekend_days",
            "infusion_nurses",
            "solve_seconds",
            "sites",
            "shift_types",
            "created_at",
        ]


class ProgressPointOutput(serializers.Serializer):
    objective = serializers.FloatField(allow_null=True)
    bound = serializers.FloatField(allow_null=True)
    seconds = serializers.FloatField()


class RosterSummaryOutput(serializers.ModelSerializer):
    status = EnumField(enum_name="RosterStatusEnum", choices=RosterStatus.choices)
    purpose = EnumField(enum_name="RosterPurposeEnum", choices=RosterPurpose.choices)
    solve_status = EnumField(enum_name="RosterSolveStatusEnum", choices=SolveStatus.choices)
    last_day = serializers.DateField(read_only=True)

    class Meta:
        model = Roster
        fields = [
            "id",
            "rota",
            "name",
            "first_day",
            "last_day",
            "num_days",
            "status",
            "purpose",
            "parent",
            "note",
            "solve_status",
            "objective",
            "bound",
            "gap",
            "solve_seconds",
            "created_at",
            "published_at",
        ]


class RosterOutput(RosterSummaryOutput):
    progress = ProgressPointOutput(many=True, help_text="Each better roster as it came: objective, bound, seconds.")
    result = serializers.JSONField(
        allow_null=True,
        help_text="Null until solved. `status`, `cost_by_rule`, and `soft_violations`: every soft violation with "
        "`rule`, `cost`, `units`, `text`, `person` (a staff id), `day` (index from `first_day`), `shift`.",
    )
    check_report = serializers.JSONField(
        allow_null=True,
        help_text="The independent checker's report: `ok`, `soft_cost`, `soft_cost_by_rule`, `soft_satisfaction` "
        "(0–1), `hard_violations` and `soft_violations` (each `rule`, `person`, `days`, `units`, `cost`, `message`).",
    )
    explanation = serializers.JSONField(
        allow_null=True,
        help_text="When infeasible: `text`, and `conflicts` (each `rule`, `text`, `relax`: what would relax it).",
    )
    created_by = serializers.CharField(source="created_by.get_username", read_only=True)
    published_by = serializers.CharField(
        source="published_by.get_username", read_only=True, allow_null=True, default=None
    )

    class Meta(RosterSummaryOutput.Meta):
        fields = [
            *RosterSummaryOutput.Meta.fields,
            "time_limit_seconds",
            "stop_requested",
            "first_feasible_seconds",
            "progress",
            "result",
            "check_report",
            "explanation",
            "error",
            "created_by",
            "started_at",
            "finished_at",
            "published_by",
        ]


class RosterCreateInput(StrictInputSerializer):
    rota = FacilityObjectField(lister=selectors.rota_list, help_text="The rota to roster.")
    first_day = LocalDateField(help_text="First day of the roster (YYYY-MM-DD).")
    num_days = serializers.IntegerField(min_value=1, max_value=rosters.MAX_DAYS, help_text="Days, 1–91.")
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="Default: rota and days.")
    time_limit_seconds = serializers.IntegerField(
        min_value=1, max_value=600, required=False, help_text="The solver's time limit; default: the rota's."
    )


class RosterListQuery(serializers.Serializer):
    rota = FacilityObjectField(lister=selectors.rota_list, required=False, help_text="Only this rota's rosters.")
    status = EnumField(enum_name="RosterStatusEnum", choices=RosterStatus.choices, required=False)


class AssignmentQuery(LocalDateRangeQuery):
    staff = FacilityObjectField(lister=selectors.staff_list, required=False, help_text="Only this person's.")


class AssignmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    staff = serializers.IntegerField(source="staff_id")
    staff_name = serializers.CharField(source="staff.resource.name")
    date = serializers.DateField()
    shift = serializers.CharField(source="shift_type.code")
    shift_name = serializers.CharField(source="shift_type.name")
    kind = EnumField(enum_name="RosterShiftKindEnum", choices=ShiftKind.choices, source="shift_type.kind")
    site = serializers.CharField(source="shift_type.site.code", allow_null=True, default=None)
    skill = serializers.CharField(help_text="The skill the person covers on it (empty: none).")
    start = serializers.DateTimeField(help_text="In the facility's zone, with its offset.")
    end = serializers.DateTimeField()


class WhyQuery(serializers.Serializer):
    staff = FacilityObjectField(lister=selectors.staff_list, help_text="The person (staff id).")
    date = LocalDateField(help_text="A day of the roster.")


class ConflictOutput(serializers.Serializer):
    rule = serializers.CharField()
    text = serializers.CharField()
    relax = serializers.CharField(help_text="What would relax it.")


class WhyOutput(serializers.Serializer):
    staff = serializers.IntegerField()
    date = serializers.DateField()
    shift = serializers.CharField(allow_null=True, help_text="The shift code, null for a day off.")
    reasons = serializers.ListField(child=serializers.CharField())
    text = serializers.CharField()
    cost_without = serializers.DictField(
        child=serializers.IntegerField(), help_text="How much more, by rule, the best roster found without it costs."
    )
    conflicts = ConflictOutput(many=True, help_text="Hard rules that could not all hold without it.")


# --- views --------------------------------------------------------------------------------------


def _attachment(response: HttpResponse, file_name: str) -> HttpResponse:
    response["Content-Disposition"] = content_disposition_header(True, file_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class RotaViewSet(FacilityViewSet):
    queryset = Rota.objects.none()
    view_action = Action.ROSTER_VIEW
    manage_action = Action.ROSTER_MANAGE
    pagination_class = StandardPagination
    filter_backends = []

    @extend_schema(responses=RotaOutput(many=True), description="The facility's rotas with sites and shift types.")
    def list(self, request, facility_slug: str):
        rotas = selectors.rota_list(facility=request.facility).prefetch_related("sites", "shift_types__site")
        return self.paginated(rotas, RotaOutput)


class RosterViewSet(FacilityViewSet):
    queryset = Roster.objects.none()
    view_action = Action.ROSTER_VIEW
    manage_action = Action.ROSTER_MANAGE
    read_actions = frozenset({"list", "retrieve", "history", "assignments", "why", "export_csv", "calendar"})
    file_actions = frozenset({"export_csv", "calendar"})
    pagination_class = StandardPagination
    filter_backends = []

    def perform_content_negotiation(self, request, force=False):
        # A file answers whatever the client accepts; an error still answers JSON.
        return super().perform_content_negotiation(request, force=force or self.action in self.file_actions)

    def get_object(self):
        return selectors.roster_get(
            facility=self.request.facility, actor=self.request.user, roster_id=self.kwargs["pk"]
        )

    def _detail(self, roster) -> Response:
        fresh = selectors.roster_get(facility=self.request.facility, actor=self.request.user, roster_id=roster.pk)
        return Response(RosterOutput(fresh).data)

    @extend_schema(
        parameters=[RosterListQuery],
        responses=RosterSummaryOutput(many=True),
        description="Rosters newest first: all for `roster.manage`, published and archived ones otherwise.",
    )
    def list(self, request, facility_slug: str):
        query = self.query(RosterListQuery)
        queryset = selectors.roster_list(facility=request.facility, actor=request.user, rota=query.get("rota"))
        if query.get("status"):
            queryset = queryset.filter(status=query["status"])
        return self.paginated(queryset, RosterSummaryOutput)

    @extend_schema(
        request=RosterCreateInput,
        responses={201: RosterOutput},
        examples=[
            OpenApiExample(
                "Four weeks",
                value={"rota": 1, "first_day": "2026-03-02", "num_days": 28, "time_limit_seconds": 30},
                request_only=True,
            )
        ],
        description="Drafts a roster of the rota from its tables now and queues the solve (follow it in the detail: "
        "`solve_status`, `progress`). Needs `roster.manage`. 400 `invalid` naming the field (a rota with nobody or "
        "no shift types names `rota`).",
    )
    def create(self, request, facility_slug: str):
        fields = self.validated(RosterCreateInput)
        roster = rosters.roster_create(
            facility=request.facility,
            actor=request.user,
            rota_id=fields["rota"].pk,
            first_day=fields["first_day"],
            num_days=fields["num_days"],
            name=fields.get("name", ""),
            time_limit_seconds=fields.get("time_limit_seconds"),
        )
        fresh = selectors.roster_get(facility=request.facility, actor=request.user, roster_id=roster.pk)
        return Response(RosterOutput(fresh).data, status=201)

    @extend_schema(
        responses=RosterOutput,
        description="One roster: status, solve status and progress, objective, bound, gap, seconds, the result "
        "with every soft violation, the checker's report, or why it is infeasible.",
    )
    def retrieve(self, request, facility_slug: str, pk: str):
        return Response(RosterOutput(self.get_object()).data)

    @extend_schema(
        request=None,
        responses=RosterOutput,
        description="Asks the solver to stop; it keeps the best roster found so far. 409 `roster_state` once the "
        "solve has ended.",
    )
    def stop(self, request, facility_slug: str, pk: str):
        return self._detail(rosters.roster_stop(facility=request.facility, actor=request.user, roster_id=pk))

    @extend_schema(
        request=None,
        responses=RosterOutput,
        description="Publishes a solved draft after the independent checker: 409 `roster_check_failed` with "
        "`hard_violations`, or 409 `roster_state` (not a draft, a what-if, not solved). A published roster of the "
        "rota over these days is archived; the people's availability follows.",
    )
    def publish(self, request, facility_slug: str, pk: str):
        return self._detail(rosters.roster_publish(facility=request.facility, actor=request.user, roster_id=pk))

    @extend_schema(
        request=None,
        responses=RosterOutput,
        description="Archives a roster (a published one's shifts leave availability). 409 `roster_state` when "
        "already archived.",
    )
    def archive(self, request, facility_slug: str, pk: str):
        return self._detail(rosters.roster_archive(facility=request.facility, actor=request.user, roster_id=pk))

    @extend_schema(
        parameters=[AssignmentQuery],
        responses=AssignmentOutput(many=True),
        description="The roster's shifts by day, optionally one person's and within `from`–`to`.",
    )
    def assignments(self, request, facility_slug: str, pk: str):
        roster = self.get_object()
        query = self.query(AssignmentQuery)
        rows = selectors.assignment_list(
            roster=roster, staff=query.get("staff"), first_day=query.get("from"), last_day=query.get("to")
        )
        page = self.paginate_queryset(rows)
        zone = ZoneInfo(request.facility.time_zone)
        for row in page:
            row.start, row.end = export.shift_instants(assignment=row, zone=zone)
        return self.get_paginated_response(AssignmentOutput(page, many=True).data)

    @extend_schema(
        parameters=[WhyQuery],
        responses=WhyOutput,
        description="Why the person works what they do (or is off) on the day: a pin, a wish, training, the "
        "coverage they give, and what breaks or costs more without it (a short re-solve, up to ~10 s). 400 for a "
        "day outside the roster; 404 for a person not on it; 409 `roster_state` for a roster not solved.",
    )
    def why(self, request, facility_slug: str, pk: str):
        query = self.query(WhyQuery)
        _, staff, explanation = calendar.roster_why(
            facility=request.facility, actor=request.user, roster_id=pk, staff_id=query["staff"].pk, day=query["date"]
        )
        body = {
            "staff": staff.pk,
            "date": query["date"],
            "shift": explanation.shift,
            "reasons": explanation.reasons,
            "text": explanation.text,
            "cost_without": explanation.cost_without,
            "conflicts": [{"rule": c.rule, "text": c.text, "relax": c.relax} for c in explanation.conflicts],
        }
        return Response(WhyOutput(body).data)

    @extend_schema(
        responses={(200, CSV): OpenApiResponse(OpenApiTypes.STR, description="The roster as CSV (UTF-8).")},
        description="Every shift of the roster as CSV: `" + ", ".join(export.CSV_HEADER) + "`; times in the "
        "facility's zone with their offset. A cell a spreadsheet would read as a formula starts with an apostrophe.",
    )
    def export_csv(self, request, facility_slug: str, pk: str):
        roster = self.get_object()
        lines = export.roster_csv_lines(facility=request.facility, roster=roster)
        response = StreamingHttpResponse(lines, content_type=f"{CSV}; charset=utf-8")
        return _attachment(response, f"roster-{roster.pk}.csv")

    @extend_schema(
        responses={(200, ICS): OpenApiResponse(OpenApiTypes.STR, description="An iCalendar file (RFC 5545).")},
        description="One person's shifts in the roster as iCalendar: one VEVENT per shift, times in UTC, a UID "
        "stable per assignment. The person themselves, or `roster.manage` for anyone (403 otherwise).",
    )
    def calendar(self, request, facility_slug: str, pk: str, staff_id: str):
        roster = self.get_object()
        staff = selectors.staff_get(facility=request.facility, staff_id=staff_id)
        if staff.rota_id != roster.rota_id:
            raise NotFound("This person on this roster")
        export.export_staff_check(facility=request.facility, actor=request.user, staff=staff)
        body = export.staff_ics(facility=request.facility, roster=roster, staff=staff)
        response = HttpResponse(body.encode("utf-8"), content_type=f"{ICS}; charset=utf-8")
        return _attachment(response, f"roster-{roster.pk}-staff-{staff.pk}.ics")


rosters_view = RosterViewSet

urlpatterns = [
    path("rotas/", RotaViewSet.as_view({"get": "list"}), name="rostering-rota-list"),
    path("rosters/", rosters_view.as_view({"get": "list", "post": "create"}), name="rostering-roster-list"),
    path("rosters/<int:pk>/", rosters_view.as_view({"get": "retrieve"}), name="rostering-roster-detail"),
    path("rosters/<int:pk>/history/", rosters_view.as_view({"get": "history"}), name="rostering-roster-history"),
    path("rosters/<int:pk>/stop/", rosters_view.as_view({"post": "stop"}), name="rostering-roster-stop"),
    path("rosters/<int:pk>/publish/", rosters_view.as_view({"post": "publish"}), name="rostering-roster-publish"),
    path("rosters/<int:pk>/archive/", rosters_view.as_view({"post": "archive"}), name="rostering-roster-archive"),
    path(
        "rosters/<int:pk>/assignments/",
        rosters_view.as_view({"get": "assignments"}),
        name="rostering-roster-assignments",
    ),
    path("rosters/<int:pk>/why/", rosters_view.as_view({"get": "why"}), name="rostering-roster-why"),
    path("rosters/<int:pk>/export.csv", rosters_view.as_view({"get": "export_csv"}), name="rostering-roster-csv"),
    path(
        "rosters/<int:pk>/staff/<int:staff_id>/calendar.ics",
        rosters_view.as_view({"get": "calendar"}),
        name="rostering-roster-staff-ics",
    ),
]
