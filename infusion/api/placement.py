"""Placement API, under /api/v1/facilities/<facility>/infusion/placements/: place a patient on a
route (or only explain where it would go), and list and read the placements made."""

from django.urls import path
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response

from infusion.models import Placement, PlacementStatus, Policy, RouteCode
from infusion.selectors import placement as selectors
from infusion.services import placement as services
from scheduling.api_kernel import FacilityViewSet, StrictInputSerializer
from scheduling.pagination import StandardPagination
from scheduling.permissions import Action
from scheduling.schema import EnumField


def route_field(**kwargs) -> EnumField:
    return EnumField(enum_name="PlacementRouteEnum", choices=RouteCode.choices, **kwargs)


def policy_field(**kwargs) -> EnumField:
    return EnumField(enum_name="PlacementPolicyEnum", choices=Policy.choices, **kwargs)


class PlacementInput(StrictInputSerializer):
    patient = serializers.IntegerField(help_text="A patient of the facility.")
    route = route_field(help_text="How the patient comes back: the route's target day and fallbacks.")
    previous_booking = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The patient's booking this follows: the missed one (required for `no_show`), the cancelled "
        "one, the last treatment (`next_cycle` counts 30 days from its day) or today's visit (`bad_blood`).",
    )
    patient_type = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        help_text="INF, CMO-SHORT, CMO-LONG, FUP, MISC or one of the center's own; default: the appointment "
        "type's mapping.",
    )
    appointment_type = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="An appointment type booked on a chair; default: the previous booking's, else the first mapped "
        "to the patient type.",
    )
    policy = policy_field(
        required=False, help_text="Default: the center's. Another than the center's needs `infusion.manage`."
    )
    dry_run = serializers.BooleanField(
        required=False, default=False, help_text="Explain where the patient would go; book and save nothing."
    )


class AttemptOutput(serializers.Serializer):
    day = serializers.DateField(help_text="Local day tried.")
    start = serializers.CharField(allow_null=True, help_text="Local start tried, HH:MM (null: the whole day).")
    verdict = serializers.ChoiceField(choices=["chosen", "rejected"])
    reason = serializers.CharField()


class PlacementPatient(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    mrn = serializers.CharField()


class PlacementNamed(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PlacementOutput(serializers.ModelSerializer):
    id = serializers.IntegerField(allow_null=True, help_text="Null for a dry run (nothing saved).")
    patient = PlacementPatient()
    appointment_type = PlacementNamed()
    route = route_field()
    policy = policy_field()
    status = EnumField(enum_name="PlacementStatusEnum", choices=PlacementStatus.choices)
    chair = PlacementNamed(allow_null=True)
    chosen_start = serializers.DateTimeField(allow_null=True, help_text="The booked (or proposed) start, with offset.")
    booking = serializers.IntegerField(source="booking_id", allow_null=True, help_text="The booking made.")
    previous_booking = serializers.IntegerField(source="previous_booking_id", allow_null=True)
    attempts = AttemptOutput(many=True, help_text="Each day and time looked at, in order, with why.")
    dry_run = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="Null for a dry run.")

    class Meta:
        model = Placement
        fields = [
            "id",
            "patient",
            "route",
            "policy",
            "patient_type",
            "appointment_type",
            "from_date",
            "target_date",
            "predicted_minutes",
            "prediction_basis",
            "status",
            "chosen_start",
            "chair",
            "over_type_capacity",
            "booking",
            "previous_booking",
            "attempts",
            "explanation",
            "dry_run",
            "created_at",
        ]

    def get_dry_run(self, placement) -> bool:
        return placement.pk is None


class PlacementQuery(serializers.Serializer):
    patient = serializers.IntegerField(required=False, help_text="Only this patient's placements.")


EXAMPLE = OpenApiExample(
    "Next cycle after a treatment",
    value={"patient": 12, "route": "next_cycle", "previous_booking": 340},
    request_only=True,
)


@extend_schema_view(
    list=extend_schema(
        parameters=[PlacementQuery],
        responses=PlacementOutput(many=True),
        description="The facility's placements, newest first.",
    ),
    retrieve=extend_schema(responses=PlacementOutput, description="One placement with its attempts."),
    create=extend_schema(
        request=PlacementInput,
        responses={
            201: PlacementOutput,
            200: PlacementOutput,
        },
        examples=[EXAMPLE],
        description="Places the patient on the route with the center's policy (or the one asked) and books the "
        "chosen chair through booking (its rules apply). 201 with the placement, `status` placed or failed (the "
        "attempts say why). A dry run answers 200 with the same body, `id` null, nothing booked or saved. 400 "
        "`invalid` naming the field; 403 without `infusion.place` and `booking.manage`, or for another policy "
        "without `infusion.manage`; booking's own 409s other than a lost race.",
    ),
)
class PlacementViewSet(FacilityViewSet):
    queryset = Placement.objects.none()
    view_action = Action.INFUSION_PLACE
    manage_action = Action.INFUSION_PLACE
    pagination_class = StandardPagination
    filter_backends = []
    comments = None

    def get_object(self):
        return selectors.placement_get(facility=self.request.facility, placement_id=self.kwargs["pk"])

    def list(self, request, facility_slug: str):
        query = self.query(PlacementQuery)
        placements = selectors.placement_list(facility=request.facility, patient_id=query.get("patient"))
        return self.paginated(placements, PlacementOutput)

    def retrieve(self, request, facility_slug: str, pk: str):
        return Response(PlacementOutput(self.get_object()).data)

    def create(self, request, facility_slug: str):
        fields = self.validated(PlacementInput)
        placement = services.placement_create(
            facility=request.facility,
            actor=request.user,
            actor_role=request.membership.role,
            patient_id=fields["patient"],
            route=fields["route"],
            patient_type=fields.get("patient_type") or None,
            appointment_type_id=fields.get("appointment_type"),
            previous_booking_id=fields.get("previous_booking"),
            policy=fields.get("policy"),
            dry_run=fields["dry_run"],
        )
        if placement.pk is None:
            return Response(PlacementOutput(placement).data, status=200)
        fresh = selectors.placement_get(facility=request.facility, placement_id=placement.pk)
        return Response(PlacementOutput(fresh).data, status=201)


view = PlacementViewSet

urlpatterns = [
    path("placements/", view.as_view({"get": "list", "post": "create"}), name="infusion-placement-list"),
    path("placements/<int:pk>/", view.as_view({"get": "retrieve"}), name="infusion-placement-detail"),
    path("placements/<int:pk>/history/", view.as_view({"get": "history"}), name="infusion-placement-history"),
]
