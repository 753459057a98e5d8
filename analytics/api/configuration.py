"""The facility's analytics settings and its appointment-type mapping, with their history."""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response

from analytics import selectors, services
from analytics.api.common import AnalyticsViewSet, WallClockField, regimen_field
from analytics.models import (
    AnalyticsSettings,
    AppointmentTypeMapping,
    RegimenCategory,
)
from scheduling import selectors as kernel
from scheduling.api_kernel import FacilityObjectField, FacilityViewSet, HistoryEntrySerializer, StrictInputSerializer
from scheduling.pagination import StandardPagination
from scheduling.schema import EnumField

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
    regimen_category = EnumField(
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
        return selectors.mapping_get(facility=self.request.facility, mapping_id=self.kwargs["pk"])

    def _out(self, mapping, status: int = 200) -> Response:
        fresh = selectors.mapping_get(facility=self.request.facility, mapping_id=mapping.pk)
        return Response(MappingOutput(fresh).data, status=status)

    def list(self, request, facility_slug: str):
        return self.paginated(selectors.mapping_list(facility=request.facility), MappingOutput)

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
