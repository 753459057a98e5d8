"""The facts as paginated lists, filtered: surgical cases, chair appointments with their actual
times, nurse capacity (what OptiOR's ``GET /surgery-cases/`` offered, tenant-scoped)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.settings import api_settings

from analytics import filters, selectors
from analytics.api.common import AnalyticsViewSet, regimen_field
from analytics.models import (
    AppointmentStatus,
    ChairAppointment,
    NurseCapacity,
    SurgicalCase,
)
from scheduling.pagination import StandardPagination
from scheduling.schema import EnumField

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
    status = EnumField(enum_name="ChairAppointmentStatusEnum", choices=AppointmentStatus.choices)
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
        return selectors.surgical_case_list(facility=facility, first=first, last=last)


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
        return selectors.chair_appointment_list(facility=facility, first=first, last=last)


@fact_schema(NurseCapacityOutput, "The facility's nurse capacity per day.")
class NurseCapacityViewSet(FactListViewSet):
    queryset = NurseCapacity.objects.none()
    output_serializer = NurseCapacityOutput

    def facts(self, *, facility, first, last):
        return selectors.nurse_capacity_list(facility=facility, first=first, last=last)
