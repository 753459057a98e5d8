"""The infusion center's configuration and capacity in the API, under
``/api/v1/facilities/<facility_slug>/infusion/``: settings, patient types, the weekday mix,
routes, nurse shifts, and a day's capacity (types, hours in use against supported, nurses on
duty). ``infusion.view`` reads, ``infusion.manage`` writes; bad input is 400 naming the field,
another facility's object 404."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.settings import api_settings

from infusion.defaults import WEEKDAY_NAMES
from infusion.models import NurseSource, Policy, RegimenCategory, RouteCode
from infusion.selectors import capacity as selectors
from infusion.services import configuration as services
from scheduling.api_kernel import FacilityViewSet, LocalDateRangeQuery, StrictInputSerializer
from scheduling.errors import ApplicationError
from scheduling.pagination import StandardPagination
from scheduling.parsing import LocalDateField
from scheduling.permissions import Action
from scheduling.schema import WALL_CLOCK_PATTERN, EnumField

WEEKDAY_FIELDS = [name.lower() for name in WEEKDAY_NAMES]


class WallClockField(serializers.TimeField):
    """A local wall-clock time written ``HH:MM`` or ``HH:MM:SS`` (no offset)."""

    def to_internal_value(self, value):
        if not isinstance(value, str) or not re.fullmatch(WALL_CLOCK_PATTERN, value):
            raise serializers.ValidationError("Give a wall-clock time as HH:MM or HH:MM:SS.", code="invalid")
        return super().to_internal_value(value)


class InfusionViewSet(FacilityViewSet):
    """``infusion.view`` to read, ``infusion.manage`` to write; unknown query parameters refused.
    Configuration keeps its history in the pages and admin: no history or comments routes here."""

    view_action = Action.INFUSION_VIEW
    manage_action = Action.INFUSION_MANAGE
    filter_backends = []
    pagination_class = None
    history = None
    comments = None
    query_serializer: type[serializers.Serializer] | None = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # the role first: 404 and 403 before 400
        names = {api_settings.URL_FORMAT_OVERRIDE}
        if self.query_serializer is not None and self.action in self.read_actions:
            names |= set(self.query_serializer().get_fields())
        if self.paginator is not None and self.action == "list":
            names |= {self.paginator.page_query_param, self.paginator.page_size_query_param}
        unknown = sorted(set(request.query_params) - names)
        if unknown:
            raise ApplicationError(
                "invalid",
                f"Unknown query parameters: {', '.join(unknown)}.",
                fields={name: ["Unknown field."] for name in unknown},
            )


# --- settings -----------------------------------------------------------------------------------


class InfusionSettingsOutput(serializers.Serializer):
    chairs_per_nurse = serializers.DecimalField(max_digits=4, decimal_places=2)
    weekly_capacity = serializers.IntegerField()
    open_weekdays = serializers.ListField(
        child=serializers.IntegerField(), source="weekdays", help_text="0 = Monday … 6 = Sunday."
    )
    default_nurses = serializers.IntegerField(allow_null=True)
    policy = EnumField(enum_name="InfusionPolicyEnum", choices=Policy.choices)
    search_days = serializers.IntegerField()
    is_default = serializers.SerializerMethodField(help_text="True while the facility has changed nothing.")

    def get_is_default(self, values) -> bool:
        return values.pk is None


class InfusionSettingsInput(StrictInputSerializer):
    chairs_per_nurse = serializers.DecimalField(
        max_digits=4, decimal_places=2, help_text="Chairs one nurse on duty runs at once, 0.25 to 20."
    )
    weekly_capacity = serializers.IntegerField(help_text="Patients the center schedules a week, 1 to 5000.")
    open_weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        allow_empty=False,
        help_text="The days the center treats patients, 0 = Monday … 6 = Sunday.",
    )
    default_nurses = serializers.IntegerField(
        allow_null=True,
        help_text="Nurses on duty on an open day without a roster, entry or imported capacity; null: no cap.",
    )
    policy = EnumField(enum_name="InfusionPolicyEnum", choices=Policy.choices)
    search_days = serializers.IntegerField(help_text="Days past a route's own the levelled policy may look, 0–60.")


class SettingsApi(InfusionViewSet):
    read_actions = frozenset({"retrieve"})

    @extend_schema(
        responses=InfusionSettingsOutput, description="The facility's infusion settings (the defaults until changed)."
    )
    def retrieve(self, request, facility_slug: str):
        return Response(InfusionSettingsOutput(selectors.settings_for(facility=request.facility)).data)

    @extend_schema(
        request=InfusionSettingsInput,
        responses=InfusionSettingsOutput,
        examples=[
            OpenApiExample(
                "Two and a half chairs a nurse",
                value={
                    "chairs_per_nurse": "2.50",
                    "weekly_capacity": 60,
                    "open_weekdays": [0, 1, 2, 3, 4],
                    "default_nurses": 4,
                    "policy": "levelled",
                    "search_days": 10,
                },
                request_only=True,
            )
        ],
        description="Replaces the settings (every field). 400 naming the field out of its range.",
    )
    def update(self, request, facility_slug: str):
        fields = self.validated(InfusionSettingsInput)
        return Response(
            InfusionSettingsOutput(
                services.settings_update(facility=request.facility, actor=request.user, **fields)
            ).data
        )


# --- patient types ------------------------------------------------------------------------------


class InfusionPatientTypeOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    regimen_category = EnumField(enum_name="InfusionRegimenCategoryEnum", choices=RegimenCategory.choices)
    chair_minutes = serializers.IntegerField()
    share_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    treatments = serializers.DictField(child=serializers.FloatField(), help_text="Treatments per request: probability.")
    active = serializers.BooleanField()
    position = serializers.IntegerField()


class InfusionPatientTypeUpdateInput(StrictInputSerializer):
    name = serializers.CharField(max_length=200)
    regimen_category = EnumField(enum_name="InfusionRegimenCategoryEnum", choices=RegimenCategory.choices)
    chair_minutes = serializers.IntegerField(help_text="Chair minutes booked without a better estimate, 5–720.")
    share_percent = serializers.DecimalField(max_digits=5, decimal_places=2, help_text="Share of requests, 0–100.")
    treatments = serializers.DictField(
        child=serializers.FloatField(),
        required=False,
        help_text='Treatments per request with their probabilities adding up to 1, e.g. {"1": 0.5, "4": 0.5}.',
    )
    active = serializers.BooleanField(required=False)
    position = serializers.IntegerField(required=False)


class InfusionPatientTypeCreateInput(InfusionPatientTypeUpdateInput):
    code = serializers.CharField(max_length=20, help_text="Letters, digits, - or _ (upper-cased), e.g. RAD.")


class PatientTypeApi(InfusionViewSet):
    """The facility's patient types, by code."""

    @extend_schema(responses=InfusionPatientTypeOutput(many=True), description="The patient types by position.")
    def list(self, request, facility_slug: str):
        return Response(
            InfusionPatientTypeOutput(selectors.patient_type_list(facility=request.facility), many=True).data
        )

    @extend_schema(responses=InfusionPatientTypeOutput)
    def retrieve(self, request, facility_slug: str, code: str):
        return Response(
            InfusionPatientTypeOutput(selectors.patient_type_get(facility=request.facility, code=code)).data
        )

    @extend_schema(
        request=InfusionPatientTypeCreateInput,
        responses={201: InfusionPatientTypeOutput},
        description="Adds a patient type; analytics accepts its code from then on. 400 naming `code` if taken.",
    )
    def create(self, request, facility_slug: str):
        fields = dict(self.validated(InfusionPatientTypeCreateInput))
        added = services.patient_type_create(facility=request.facility, actor=request.user, **fields)
        return Response(InfusionPatientTypeOutput(added).data, status=201)

    @extend_schema(
        request=InfusionPatientTypeUpdateInput, responses=InfusionPatientTypeOutput, description="The code stays."
    )
    def update(self, request, facility_slug: str, code: str):
        selectors.patient_type_get(facility=request.facility, code=code)  # 404 before 400
        fields = dict(self.validated(InfusionPatientTypeUpdateInput, partial=request.method == "PATCH"))
        changed = services.patient_type_update(facility=request.facility, actor=request.user, code=code, **fields)
        return Response(InfusionPatientTypeOutput(changed).data)

    @extend_schema(
        request=InfusionPatientTypeUpdateInput,
        responses=InfusionPatientTypeOutput,
        description="Changes the fields given.",
    )
    def partial_update(self, request, facility_slug: str, code: str):
        return self.update(request, facility_slug, code)


# --- the weekday mix ------------------------------------------------------------------------------


def _percent_columns():
    return serializers.DictField(
        child=serializers.DictField(child=serializers.DecimalField(max_digits=5, decimal_places=2)),
        help_text="{patient type code: {weekday (monday … sunday): percent}}.",
    )


class InfusionWeekdayMixOutput(serializers.Serializer):
    open_weekdays = serializers.ListField(child=serializers.IntegerField())
    grid = _percent_columns()


class InfusionWeekdayMixInput(StrictInputSerializer):
    grid = _percent_columns()

    def validate_grid(self, grid):
        for code, column in grid.items():
            unknown = sorted(set(column) - set(WEEKDAY_FIELDS))
            if unknown:
                raise serializers.ValidationError(f"{code}: {', '.join(unknown)} is not a weekday (monday … sunday).")
        return {
            code: {WEEKDAY_FIELDS.index(day): value for day, value in column.items()} for code, column in grid.items()
        }


def _mix_body(facility, mix) -> dict:
    grid: dict[str, dict[str, object]] = {}
    for weekday, column in sorted(mix.items()):
        for code, percent in column.items():
            grid.setdefault(code, {})[WEEKDAY_FIELDS[weekday]] = percent
    return {"open_weekdays": selectors.settings_for(facility=facility).weekdays, "grid": grid}


class WeekdayMixApi(InfusionViewSet):
    read_actions = frozenset({"retrieve"})

    @extend_schema(
        responses=InfusionWeekdayMixOutput, description="Each weekday's capacity by patient type, in percent."
    )
    def retrieve(self, request, facility_slug: str):
        mix = selectors.weekday_mix(facility=request.facility)
        return Response(InfusionWeekdayMixOutput(_mix_body(request.facility, mix)).data)

    @extend_schema(
        request=InfusionWeekdayMixInput,
        responses=InfusionWeekdayMixOutput,
        examples=[
            OpenApiExample(
                "Monday only",
                value={
                    "grid": {
                        "INF": {"monday": 30},
                        "CMO-SHORT": {"monday": 25},
                        "CMO-LONG": {"monday": 10},
                        "FUP": {"monday": 20},
                        "MISC": {"monday": 15},
                    }
                },
                request_only=True,
            )
        ],
        description="Replaces the weekdays the grid has columns for: each must add up to 100 (± 0.5), else 400 "
        "naming the weekday (`monday` …); a type the grid leaves out loses its share of those weekdays.",
    )
    def update(self, request, facility_slug: str):
        grid = self.validated(InfusionWeekdayMixInput)["grid"]
        mix = services.weekday_mix_replace(facility=request.facility, actor=request.user, grid=grid)
        return Response(InfusionWeekdayMixOutput(_mix_body(request.facility, mix)).data)


# --- routes -------------------------------------------------------------------------------------------


class InfusionRouteOutput(serializers.Serializer):
    code = EnumField(enum_name="InfusionRouteEnum", choices=RouteCode.choices)
    label = serializers.CharField(source="get_code_display")
    target_days = serializers.IntegerField()
    offsets = serializers.ListField(child=serializers.IntegerField())
    search_further = serializers.BooleanField()
    description = serializers.CharField()


class InfusionRouteInput(StrictInputSerializer):
    target_days = serializers.IntegerField(help_text="Days after the day the request counts from, 0–365.")
    offsets = serializers.ListField(
        child=serializers.IntegerField(),
        allow_empty=False,
        help_text="Days from the target, tried in order, each −30 to 30 and once, e.g. [0, -1, 1].",
    )
    search_further = serializers.BooleanField(required=False)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)


class RouteApi(InfusionViewSet):
    @extend_schema(responses=InfusionRouteOutput(many=True), description="The five placement routes.")
    def list(self, request, facility_slug: str):
        return Response(InfusionRouteOutput(selectors.route_list(facility=request.facility), many=True).data)

    @extend_schema(responses=InfusionRouteOutput)
    def retrieve(self, request, facility_slug: str, code: str):
        return Response(InfusionRouteOutput(selectors.route_get(facility=request.facility, code=code)).data)

    @extend_schema(
        request=InfusionRouteInput, responses=InfusionRouteOutput, description="400 naming the field out of range."
    )
    def update(self, request, facility_slug: str, code: str):
        selectors.route_get(facility=request.facility, code=code)  # 404 before 400
        fields = dict(self.validated(InfusionRouteInput, partial=request.method == "PATCH"))
        changed = services.route_update(facility=request.facility, actor=request.user, code=code, **fields)
        return Response(InfusionRouteOutput(changed).data)

    @extend_schema(request=InfusionRouteInput, responses=InfusionRouteOutput, description="Changes the fields given.")
    def partial_update(self, request, facility_slug: str, code: str):
        return self.update(request, facility_slug, code)


# --- nurse shifts --------------------------------------------------------------------------------------


class InfusionNurseShiftOutput(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    start_time = serializers.TimeField(format="%H:%M")
    end_time = serializers.TimeField(format="%H:%M")
    nurses = serializers.IntegerField()
    source = EnumField(enum_name="NurseSourceEnum", choices=NurseSource.choices)
    note = serializers.CharField()


class InfusionNurseShiftInput(StrictInputSerializer):
    date = LocalDateField(help_text="Local date.")
    start_time = WallClockField(help_text="Local time the nurses start.")
    end_time = WallClockField(help_text="Local time they finish, the same day.")
    nurses = serializers.IntegerField(help_text="Nurses on duty, 0–500.")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class InfusionNurseShiftQuery(LocalDateRangeQuery):
    max_days = 92


class NurseShiftApi(InfusionViewSet):
    """Nurses on duty entered by managers (``manual``) or published by a roster (``roster``, read
    only here). A day with rows replaces its imported nurse capacity."""

    pagination_class = StandardPagination
    query_serializer = InfusionNurseShiftQuery
    read_actions = frozenset({"list"})

    @extend_schema(
        parameters=[InfusionNurseShiftQuery],
        responses=InfusionNurseShiftOutput(many=True),
        description="The rows of the local days from `from` to `to`, by day and start.",
    )
    def list(self, request, facility_slug: str):
        query = self.query(InfusionNurseShiftQuery)
        shifts = selectors.nurse_shift_list(facility=request.facility, first=query.get("from"), last=query.get("to"))
        return self.paginated(shifts, InfusionNurseShiftOutput)

    @extend_schema(
        request=InfusionNurseShiftInput, responses={201: InfusionNurseShiftOutput}, description="A manager's entry."
    )
    def create(self, request, facility_slug: str):
        fields = dict(self.validated(InfusionNurseShiftInput))
        shift = services.nurse_shift_add(facility=request.facility, actor=request.user, **fields)
        return Response(InfusionNurseShiftOutput(shift).data, status=201)

    @extend_schema(
        responses={204: None}, description="Removes a manager's entry; a roster's row is 400 naming `source`."
    )
    def destroy(self, request, facility_slug: str, pk: str):
        services.nurse_shift_remove(facility=request.facility, actor=request.user, shift_id=pk)
        return Response(status=204)


# --- a day's capacity -----------------------------------------------------------------------------------


class InfusionCapacityQuery(serializers.Serializer):
    date = LocalDateField(required=False, help_text="The local day (today when left out).")


class InfusionTypeCapacityOutput(serializers.Serializer):
    code = serializers.CharField()
    capacity = serializers.IntegerField(help_text="Patients of the type the day takes.")
    placed = serializers.IntegerField(help_text="Active chair bookings of the type starting that day.")


class InfusionHourOutput(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    in_use = serializers.IntegerField(help_text="The most chairs running at once in the hour.")
    supported = serializers.IntegerField(allow_null=True, help_text="The fewest the nurses support; null: no cap.")
    over = serializers.BooleanField()


class InfusionDutyOutput(serializers.Serializer):
    start_time = serializers.TimeField(format="%H:%M", source="start")
    end_time = serializers.TimeField(format="%H:%M", source="end")
    nurses = serializers.IntegerField()
    source = EnumField(
        enum_name="NurseDutySourceEnum",
        choices=[
            ("roster", "Published roster"),
            ("manual", "Entered by a manager"),
            ("imported", "Imported nurse capacity"),
            ("default", "The usual staffing of the settings"),
        ],
    )
    label = serializers.CharField()
    max_chairs = serializers.IntegerField(allow_null=True)


class InfusionLimitOutput(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    limit = serializers.IntegerField()
    reason = serializers.CharField()


class InfusionCapacityOutput(serializers.Serializer):
    date = serializers.DateField()
    open = serializers.BooleanField()
    chairs = serializers.IntegerField(help_text="Active chairs of the facility.")
    types = InfusionTypeCapacityOutput(many=True)
    booked_minutes = serializers.IntegerField()
    supported_minutes = serializers.IntegerField(
        help_text="Chair minutes the nurses support over the chair day; 0: no cap."
    )
    nurses_on_duty = InfusionDutyOutput(many=True)
    chair_limits = InfusionLimitOutput(many=True)
    hours = InfusionHourOutput(many=True)


class CapacityApi(InfusionViewSet):
    read_actions = frozenset({"retrieve"})
    query_serializer = InfusionCapacityQuery

    @extend_schema(
        parameters=[InfusionCapacityQuery],
        responses=InfusionCapacityOutput,
        description="One local day: each type's capacity and placed patients, the nurses on duty and the chairs "
        "they support, and hour by hour the chairs in use against the chairs supported.",
    )
    def retrieve(self, request, facility_slug: str):
        day = self.query(InfusionCapacityQuery).get("date") or _local_today(request.facility)
        usage = selectors.day_usage(facility=request.facility, day=day)
        body = {
            "date": usage.day,
            "open": usage.open,
            "chairs": usage.chairs,
            "types": [
                {"code": code, "capacity": usage.capacity.get(code, 0), "placed": usage.counts.get(code, 0)}
                for code in dict.fromkeys([*usage.capacity, *usage.counts])
            ],
            "booked_minutes": usage.booked_minutes,
            "supported_minutes": usage.supported_minutes,
            "nurses_on_duty": usage.duties,
            "chair_limits": [
                {"start": x.start, "end": x.end, "limit": x.limit, "reason": x.reason} for x in usage.limits
            ],
            "hours": [
                {"start": s.start, "end": s.end, "in_use": s.in_use, "supported": s.supported, "over": s.over}
                for s in usage.profile
            ],
        }
        return Response(InfusionCapacityOutput(body).data)


def _local_today(facility) -> dt.date:
    return timezone.localdate(timezone=ZoneInfo(facility.time_zone))


urlpatterns = [
    path("settings/", SettingsApi.as_view({"get": "retrieve", "put": "update"}), name="infusion-settings"),
    path("patient-types/", PatientTypeApi.as_view({"get": "list", "post": "create"}), name="infusion-patient-types"),
    path(
        "patient-types/<str:code>/",
        PatientTypeApi.as_view({"get": "retrieve", "put": "update", "patch": "partial_update"}),
        name="infusion-patient-type",
    ),
    path("weekday-mix/", WeekdayMixApi.as_view({"get": "retrieve", "put": "update"}), name="infusion-weekday-mix"),
    path("routes/", RouteApi.as_view({"get": "list"}), name="infusion-routes"),
    path(
        "routes/<str:code>/",
        RouteApi.as_view({"get": "retrieve", "put": "update", "patch": "partial_update"}),
        name="infusion-route",
    ),
    path("nurse-shifts/", NurseShiftApi.as_view({"get": "list", "post": "create"}), name="infusion-nurse-shifts"),
    path("nurse-shifts/<str:pk>/", NurseShiftApi.as_view({"delete": "destroy"}), name="infusion-nurse-shift"),
    path("capacity/", CapacityApi.as_view({"get": "retrieve"}), name="infusion-capacity"),
]
