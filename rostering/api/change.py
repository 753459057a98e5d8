"""Changes to published rosters, under /api/v1/facilities/<facility>/rostering/: a re-plan for
sick leave or an emergency cover, a what-if, the differences between a roster and its parent (or
another), and shift swaps (asked by a rostered person, decided by a manager).

Re-plans and what-ifs answer 201 with the new draft, its solve queued (follow it at
``rosters/<id>/``). Errors: 400 ``invalid`` naming the field; 403 ``permission_denied``; 404 for
another facility's roster, person or swap (and, for a non-manager, a draft); 409 ``roster_state``
(the roster is not published, or not solved), ``swap_state`` (the swap is no longer pending, or
the roster changed under it) and ``swap_breaks_rules`` with ``findings``: each hard rule the swap
would break, in words."""

from django.urls import path
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from rostering import selectors
from rostering.api.rosters import RosterSummaryOutput
from rostering.models import Roster, SwapRequest, SwapStatus
from rostering.services import change
from scheduling.api_kernel import FacilityViewSet, StrictInputSerializer
from scheduling.errors import ApplicationError
from scheduling.pagination import StandardPagination
from scheduling.parsing import IdField, LocalDateField
from scheduling.permissions import Action
from scheduling.schema import EnumField, ErrorSerializer

# --- serializers --------------------------------------------------------------------------------


class SickLeaveInput(StrictInputSerializer):
    staff = IdField(help_text="The rostered person who is sick (a staff id of the roster's rota).")
    first_day = LocalDateField(help_text="First day of the sick leave.")
    last_day = LocalDateField(help_text="Last day of the sick leave (inclusive).")
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class CoverageChangeInput(StrictInputSerializer):
    date = LocalDateField(help_text="A day of the roster.")
    shift_code = serializers.CharField(max_length=20, help_text="A shift type's code, e.g. `N`.")
    skill = serializers.CharField(max_length=20, help_text="One of the rota's skills.")
    minimum = serializers.IntegerField(min_value=0, max_value=1000, help_text="People needed.")


class EmergencyCoverInput(CoverageChangeInput):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class WhatIfInput(StrictInputSerializer):
    coverage = CoverageChangeInput(many=True, help_text=f"1–{change.MAX_WHAT_IF_ROWS} coverage changes.")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class DiffQuery(serializers.Serializer):
    against = IdField(required=False, help_text="Another roster to compare with; default: the roster's parent.")


class DiffChangeOutput(serializers.Serializer):
    staff_id = serializers.IntegerField()
    name = serializers.CharField()
    date = serializers.DateField()
    before = serializers.CharField(allow_null=True, help_text="Shift code in the base roster; null: off.")
    after = serializers.CharField(allow_null=True, help_text="Shift code in this roster; null: off.")


class DiffSummaryOutput(serializers.Serializer):
    changed = serializers.IntegerField(help_text="Cells (person, day) that differ.")
    people = serializers.IntegerField()
    days = serializers.IntegerField()
    added = serializers.IntegerField(help_text="Off before, working now.")
    removed = serializers.IntegerField(help_text="Working before, off now.")
    moved = serializers.IntegerField(help_text="One shift for another.")


class DiffOutput(serializers.Serializer):
    base = serializers.IntegerField(help_text="The roster compared against.")
    roster = serializers.IntegerField()
    summary = DiffSummaryOutput()
    changes = DiffChangeOutput(many=True)


class SwapInput(StrictInputSerializer):
    roster = IdField(help_text="A published roster.")
    requester = IdField(
        required=False, help_text="Staff id giving the shift; default: the signed-in person (managers: anyone)."
    )
    requester_date = LocalDateField(help_text="The day of the requester's shift.")
    partner = IdField(help_text="Staff id of the colleague.")
    partner_date = LocalDateField(
        required=False, allow_null=True, help_text="The partner's shift to take in exchange; empty: a give-away."
    )
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class SwapDecideInput(StrictInputSerializer):
    approve = serializers.BooleanField(help_text="True approves (checked again), false declines.")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class SwapQuery(serializers.Serializer):
    roster = IdField(required=False)
    status = EnumField(enum_name="SwapStatusEnum", choices=SwapStatus.choices, required=False)


class SwapPersonOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="resource.name")


class SwapOutput(serializers.ModelSerializer):
    requester = SwapPersonOutput()
    partner = SwapPersonOutput()
    status = EnumField(enum_name="SwapStatusEnum", choices=SwapStatus.choices)
    findings = serializers.JSONField(help_text="The hard rules the swap would break when asked (empty: none).")

    class Meta:
        model = SwapRequest
        fields = [
            "id",
            "roster",
            "requester",
            "requester_date",
            "partner",
            "partner_date",
            "reason",
            "status",
            "findings",
            "created_at",
            "decided_at",
            "decision_note",
        ]


# The handler's error shape; `swap_breaks_rules` adds `findings` as other errors add keys of their own.
CONFLICT = OpenApiResponse(
    ErrorSerializer,
    description="`roster_state`, `swap_state`, or `swap_breaks_rules` with `findings`: each new hard violation, "
    "`rule` and `message` (nothing saved).",
)


# --- views --------------------------------------------------------------------------------------


class RosterChangeViewSet(FacilityViewSet):
    queryset = Roster.objects.none()
    view_action = Action.ROSTER_VIEW
    manage_action = Action.ROSTER_MANAGE
    read_actions = frozenset({"diff"})
    filter_backends = []

    def _created(self, roster) -> Response:
        fresh = selectors.roster_get(facility=self.request.facility, actor=self.request.user, roster_id=roster.pk)
        return Response(RosterSummaryOutput(fresh).data, status=201)

    @extend_schema(
        request=SickLeaveInput,
        responses={201: RosterSummaryOutput},
        examples=[
            OpenApiExample(
                "Three days off sick",
                value={"staff": 12, "first_day": "2026-03-04", "last_day": "2026-03-06", "reason": "Flu"},
                request_only=True,
            )
        ],
        description="Records the person's sick leave (approved) and drafts a re-plan of the published roster: days "
        "before today and before the leave stay as published, the person is off, and as few shifts as possible "
        "move. Publishing the re-plan archives this roster. Needs `roster.manage`.",
    )
    def replan(self, request, facility_slug: str, pk: str):
        fields = self.validated(SickLeaveInput)
        roster = change.replan_for_sick_leave(
            facility=request.facility,
            actor=request.user,
            roster_id=pk,
            staff_id=fields["staff"],
            first_day=fields["first_day"],
            last_day=fields["last_day"],
            reason=fields["reason"],
        )
        return self._created(roster)

    @extend_schema(
        request=EmergencyCoverInput,
        responses={201: RosterSummaryOutput},
        description="Drafts a re-plan of the published roster with the coverage of one shift and skill on one day "
        "raised to `minimum`; the past and today's started shifts stay. Needs `roster.manage`.",
    )
    def emergency_cover(self, request, facility_slug: str, pk: str):
        fields = self.validated(EmergencyCoverInput)
        roster = change.emergency_cover(
            facility=request.facility,
            actor=request.user,
            roster_id=pk,
            date=fields["date"],
            shift_code=fields["shift_code"],
            skill=fields["skill"],
            minimum=fields["minimum"],
            note=fields["note"],
        )
        return self._created(roster)

    @extend_schema(
        request=WhatIfInput,
        responses={201: RosterSummaryOutput},
        description="A what-if of a solved roster (published or draft): its coverage changed, solved as close to it "
        "as it can be; never publishable. Compare with `diff/`. Needs `roster.manage`.",
    )
    def what_if(self, request, facility_slug: str, pk: str):
        fields = self.validated(WhatIfInput)
        roster = change.what_if_create(
            facility=request.facility,
            actor=request.user,
            roster_id=pk,
            coverage=[dict(row) for row in fields["coverage"]],
            note=fields["note"],
        )
        return self._created(roster)

    @extend_schema(
        parameters=[DiffQuery],
        responses=DiffOutput,
        description="Every (person, day) whose shift differs between the roster and its parent (or `against`), on "
        "the days both cover, with counts. 400 naming `against` when the roster has no parent.",
    )
    def diff(self, request, facility_slug: str, pk: str):
        query = self.query(DiffQuery)
        roster = selectors.roster_get(facility=request.facility, actor=request.user, roster_id=pk)
        base = change.diff_base(
            facility=request.facility, actor=request.user, roster=roster, against=query.get("against")
        )
        changes = change.roster_diff(base=base, other=roster)
        body = {
            "base": base.pk,
            "roster": roster.pk,
            "summary": change.roster_diff_summary(changes),
            "changes": changes,
        }
        return Response(DiffOutput(body).data)


class SwapViewSet(FacilityViewSet):
    queryset = SwapRequest.objects.none()
    view_action = Action.ROSTER_VIEW
    manage_action = Action.ROSTER_REQUEST
    pagination_class = StandardPagination
    filter_backends = []

    def get_object(self):
        return change.swap_get(facility=self.request.facility, actor=self.request.user, swap_id=self.kwargs["pk"])

    @extend_schema(
        parameters=[SwapQuery],
        responses=SwapOutput(many=True),
        description="Swap requests newest first: all for `roster.manage`, otherwise those the signed-in person "
        "asked for or is asked to take part in.",
    )
    def list(self, request, facility_slug: str):
        query = self.query(SwapQuery)
        swaps = selectors.swap_list(facility=request.facility, actor=request.user)
        if query.get("roster"):
            swaps = swaps.filter(roster_id=query["roster"])
        if query.get("status"):
            swaps = swaps.filter(status=query["status"])
        return self.paginated(swaps, SwapOutput)

    @extend_schema(responses=SwapOutput, description="One swap request.")
    def retrieve(self, request, facility_slug: str, pk: str):
        return Response(SwapOutput(self.get_object()).data)

    @extend_schema(
        request=SwapInput,
        responses={201: SwapOutput, 409: CONFLICT},
        examples=[
            OpenApiExample(
                "Give Friday's shift away",
                value={"roster": 4, "requester_date": "2026-03-06", "partner": 17, "reason": "Wedding"},
                request_only=True,
            )
        ],
        description="Asks to give a shift away (`partner_date` empty) or exchange it for the partner's on "
        "`partner_date`, on a published roster. A rostered person asks for their own shifts only (403 otherwise). "
        "The swap is checked against the roster's hard rules: 409 `swap_breaks_rules` with `findings` in words, "
        "nothing saved; otherwise 201, pending, and the partner and the managers are notified.",
    )
    def create(self, request, facility_slug: str):
        fields = self.validated(SwapInput)
        requester = fields.get("requester")
        if requester is None:
            roster = selectors.roster_get(facility=request.facility, actor=request.user, roster_id=fields["roster"])
            own = selectors.staff_for_user(facility=request.facility, user=request.user, rota=roster.rota).first()
            if own is None:
                message = "You are not on this roster's rota: name the requester."
                raise ApplicationError("invalid", message, fields={"requester": [message]})
            requester = own.pk
        swap = change.swap_request_create(
            facility=request.facility,
            actor=request.user,
            roster_id=fields["roster"],
            requester_staff_id=requester,
            requester_date=fields["requester_date"],
            partner_staff_id=fields["partner"],
            partner_date=fields.get("partner_date"),
            reason=fields["reason"],
        )
        return Response(SwapOutput(self._fresh(swap)).data, status=201)

    def _fresh(self, swap):
        return change.swap_get(facility=self.request.facility, actor=self.request.user, swap_id=swap.pk)

    @extend_schema(
        request=SwapDecideInput,
        responses={200: SwapOutput, 409: CONFLICT},
        description="A manager approves (checked again against the roster as it is now; the assignments move and "
        "the people's availability follows) or declines a pending swap. Needs `roster.manage`.",
    )
    def decide(self, request, facility_slug: str, pk: str):
        fields = self.validated(SwapDecideInput)
        swap = change.swap_decide(
            facility=request.facility, actor=request.user, swap_id=pk, approve=fields["approve"], note=fields["note"]
        )
        return Response(SwapOutput(self._fresh(swap)).data)

    @extend_schema(
        request=None,
        responses={200: SwapOutput, 409: CONFLICT},
        description="The requester withdraws a pending swap (a manager may too).",
    )
    def withdraw(self, request, facility_slug: str, pk: str):
        swap = change.swap_withdraw(facility=request.facility, actor=request.user, swap_id=pk)
        return Response(SwapOutput(self._fresh(swap)).data)


changes = RosterChangeViewSet
swaps = SwapViewSet

urlpatterns = [
    path("rosters/<int:pk>/replan/", changes.as_view({"post": "replan"}), name="rostering-roster-replan"),
    path(
        "rosters/<int:pk>/emergency-cover/",
        changes.as_view({"post": "emergency_cover"}),
        name="rostering-roster-emergency-cover",
    ),
    path("rosters/<int:pk>/what-if/", changes.as_view({"post": "what_if"}), name="rostering-roster-what-if"),
    path("rosters/<int:pk>/diff/", changes.as_view({"get": "diff"}), name="rostering-roster-diff"),
    path("swaps/", swaps.as_view({"get": "list", "post": "create"}), name="rostering-swap-list"),
    path("swaps/<int:pk>/", swaps.as_view({"get": "retrieve"}), name="rostering-swap-detail"),
    path("swaps/<int:pk>/decide/", swaps.as_view({"post": "decide"}), name="rostering-swap-decide"),
    path("swaps/<int:pk>/withdraw/", swaps.as_view({"post": "withdraw"}), name="rostering-swap-withdraw"),
]
