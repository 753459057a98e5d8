"""REST API of the shared kernel: facilities, memberships, patients, departments, appointment
types and resources. Each action reads through a selector or writes through one service."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduling import selectors, services
from scheduling.api_kernel import (
    FacilityObjectField,
    FacilityViewSet,
    HistoryEntrySerializer,
    StrictInputSerializer,
)
from scheduling.errors import ApplicationError
from scheduling.filters import AppointmentTypeFilter, DepartmentFilter, MembershipFilter, PatientFilter, ResourceFilter
from scheduling.history import history_entries, history_records
from scheduling.models import (
    MAX_RESOURCE_NEEDS,
    PHONE_ERROR,
    PHONE_FORMAT,
    PHONE_PATTERN,
    AppointmentType,
    Department,
    Facility,
    Membership,
    NotifyBy,
    Patient,
    ResourceKind,
    Role,
    SchedulableResource,
    validate_resource_needs,
    validate_time_zone,
)
from scheduling.pagination import StandardPagination
from scheduling.parsing import LocalDateField
from scheduling.permissions import Action, role_allows


def crud_schema(*, input_serializer, output_serializer, filtered: bool = True):
    """OpenAPI description of a CrudViewSet: input and output serializers differ."""
    return extend_schema_view(
        list=extend_schema(responses=output_serializer(many=True), filters=filtered),
        retrieve=extend_schema(responses=output_serializer),
        create=extend_schema(request=input_serializer, responses={201: output_serializer}),
        update=extend_schema(request=input_serializer, responses=output_serializer),
        partial_update=extend_schema(request=input_serializer, responses=output_serializer),
    )


class CrudViewSet(FacilityViewSet):
    """list / create / retrieve / update (PUT, PATCH) over a selector and two services. No
    delete: records are deactivated, never erased, so the audit trail stays whole."""

    input_serializer: type[serializers.Serializer]
    output_serializer: type[serializers.Serializer]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def list_queryset(self):
        raise NotImplementedError

    def create_object(self, fields: dict):
        raise NotImplementedError

    def update_object(self, changes: dict):
        raise NotImplementedError

    def list(self, request, facility_slug: str):
        return self.paginated(self.list_queryset(), self.output_serializer)

    def retrieve(self, request, facility_slug: str, pk: str):
        return Response(self.output_serializer(self.get_object(), context=self.get_serializer_context()).data)

    def create(self, request, facility_slug: str):
        created = self.create_object(self.validated(self.input_serializer))
        return Response(self.output_serializer(created, context=self.get_serializer_context()).data, status=201)

    def update(self, request, facility_slug: str, pk: str):
        self.get_object()  # 404 before 400: a foreign id is never validated against.
        partial = request.method == "PATCH"
        updated = self.update_object(self.validated(self.input_serializer, partial=partial))
        return Response(self.output_serializer(updated, context=self.get_serializer_context()).data)

    def partial_update(self, request, facility_slug: str, pk: str):
        return self.update(request, facility_slug, pk)


# --- patients -----------------------------------------------------------------------------


class PatientOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Patient
        fields = ["id", "mrn", "name", "date_of_birth", "phone", "created_at"]


class PatientInputSerializer(StrictInputSerializer):
    mrn = serializers.RegexField(r"^[A-Za-z0-9-]{1,30}$", max_length=30)
    name = serializers.CharField(max_length=200)
    date_of_birth = LocalDateField()
    phone = serializers.RegexField(
        PHONE_PATTERN,
        max_length=30,
        required=False,
        allow_blank=True,
        help_text=PHONE_FORMAT,
        error_messages={"invalid": PHONE_ERROR, "max_length": PHONE_ERROR},
    )


@crud_schema(input_serializer=PatientInputSerializer, output_serializer=PatientOutputSerializer)
class PatientViewSet(CrudViewSet):
    queryset = Patient.objects.none()  # for the schema; rows come from the selector
    filterset_class = PatientFilter
    view_action = Action.PATIENT_VIEW
    manage_action = Action.PATIENT_MANAGE
    input_serializer = PatientInputSerializer
    output_serializer = PatientOutputSerializer

    def get_object(self):
        return selectors.patient_get(facility=self.request.facility, patient_id=self.kwargs["pk"])

    def list_queryset(self):
        return selectors.patient_list(facility=self.request.facility)

    def create_object(self, fields):
        return services.patient_create(facility=self.request.facility, actor=self.request.user, **fields)

    def update_object(self, changes):
        return services.patient_update(
            facility=self.request.facility, actor=self.request.user, patient_id=self.kwargs["pk"], changes=changes
        )


# --- departments --------------------------------------------------------------------------


class DepartmentOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name"]


class DepartmentInputSerializer(StrictInputSerializer):
    code = serializers.SlugField(max_length=20)
    name = serializers.CharField(max_length=200)


@crud_schema(input_serializer=DepartmentInputSerializer, output_serializer=DepartmentOutputSerializer)
class DepartmentViewSet(CrudViewSet):
    queryset = Department.objects.none()
    filterset_class = DepartmentFilter
    view_action = Action.DEPARTMENT_VIEW
    manage_action = Action.DEPARTMENT_MANAGE
    input_serializer = DepartmentInputSerializer
    output_serializer = DepartmentOutputSerializer

    def get_object(self):
        return selectors.department_get(facility=self.request.facility, department_id=self.kwargs["pk"])

    def list_queryset(self):
        return selectors.department_list(facility=self.request.facility)

    def create_object(self, fields):
        return services.department_create(facility=self.request.facility, actor=self.request.user, **fields)

    def update_object(self, changes):
        return services.department_update(
            facility=self.request.facility, actor=self.request.user, department_id=self.kwargs["pk"], changes=changes
        )


# --- appointment types --------------------------------------------------------------------


class ResourceNeedSerializer(StrictInputSerializer):
    """One resource a booking of the type holds: its role in the booking and the kinds that fill it."""

    role = serializers.CharField(max_length=40, help_text="What the resource is in the booking, e.g. 'Surgeon'.")
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=ResourceKind.choices),
        allow_empty=False,
        max_length=len(ResourceKind.choices),
        help_text="The resource kinds that may fill this role.",
    )


class AppointmentTypeOutputSerializer(serializers.ModelSerializer):
    resource_needs = ResourceNeedSerializer(many=True, read_only=True)

    class Meta:
        model = AppointmentType
        fields = ["id", "code", "name", "default_minutes", "active", "resource_needs"]


class AppointmentTypeInputSerializer(StrictInputSerializer):
    code = serializers.SlugField(max_length=30)
    name = serializers.CharField(max_length=200)
    default_minutes = serializers.IntegerField(min_value=1, max_value=24 * 60)
    active = serializers.BooleanField(required=False, default=True)
    resource_needs = ResourceNeedSerializer(
        many=True,
        required=False,
        max_length=MAX_RESOURCE_NEEDS,
        help_text="What a booking of this type holds, one resource per need in this order (the first is the one "
        "the booking is made on). Empty: one resource of any kind.",
    )

    def validate_resource_needs(self, needs):
        needs = [{"role": need["role"], "kinds": list(need["kinds"])} for need in needs]
        try:
            validate_resource_needs(needs)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return needs


@crud_schema(input_serializer=AppointmentTypeInputSerializer, output_serializer=AppointmentTypeOutputSerializer)
class AppointmentTypeViewSet(CrudViewSet):
    queryset = AppointmentType.objects.none()
    filterset_class = AppointmentTypeFilter
    view_action = Action.APPOINTMENT_TYPE_VIEW
    manage_action = Action.APPOINTMENT_TYPE_MANAGE
    input_serializer = AppointmentTypeInputSerializer
    output_serializer = AppointmentTypeOutputSerializer

    def get_object(self):
        return selectors.appointment_type_get(facility=self.request.facility, appointment_type_id=self.kwargs["pk"])

    def list_queryset(self):
        return selectors.appointment_type_list(facility=self.request.facility)

    def create_object(self, fields):
        return services.appointment_type_create(facility=self.request.facility, actor=self.request.user, **fields)

    def update_object(self, changes):
        return services.appointment_type_update(
            facility=self.request.facility,
            actor=self.request.user,
            appointment_type_id=self.kwargs["pk"],
            changes=changes,
        )


# --- resources ----------------------------------------------------------------------------


class ResourceOutputSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", allow_null=True, default=None)
    username = serializers.CharField(source="user.username", allow_null=True, default=None)

    class Meta:
        model = SchedulableResource
        fields = ["id", "kind", "name", "department", "department_name", "user", "username", "active"]


class ResourceInputSerializer(StrictInputSerializer):
    kind = serializers.ChoiceField(choices=ResourceKind.choices)
    name = serializers.CharField(max_length=200)
    department = FacilityObjectField(lister=selectors.department_list, required=False, allow_null=True)
    user = FacilityObjectField(lister=selectors.member_user_list, required=False, allow_null=True)
    active = serializers.BooleanField(required=False, default=True)


@crud_schema(input_serializer=ResourceInputSerializer, output_serializer=ResourceOutputSerializer)
class ResourceViewSet(CrudViewSet):
    queryset = SchedulableResource.objects.none()
    filterset_class = ResourceFilter
    view_action = Action.RESOURCE_VIEW
    manage_action = Action.RESOURCE_MANAGE
    input_serializer = ResourceInputSerializer
    output_serializer = ResourceOutputSerializer

    def get_object(self):
        return selectors.resource_get(facility=self.request.facility, resource_id=self.kwargs["pk"])

    def list_queryset(self):
        return selectors.resource_list(facility=self.request.facility)

    def create_object(self, fields):
        return services.resource_create(facility=self.request.facility, actor=self.request.user, **fields)

    def update_object(self, changes):
        return services.resource_update(
            facility=self.request.facility, actor=self.request.user, resource_id=self.kwargs["pk"], changes=changes
        )


# --- memberships --------------------------------------------------------------------------


class MembershipOutputSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")

    class Meta:
        model = Membership
        fields = ["id", "username", "role", "department", "notify_by", "created_at"]


class MembershipSettingsFields(StrictInputSerializer):
    """How the member hears of booking changes, and the department whose front desk they are
    (told of its bookings when the facility's ``notify_department_desk`` is on)."""

    department = FacilityObjectField(
        lister=selectors.department_list,
        required=False,
        allow_null=True,
        help_text="A department of this facility, or null.",
    )
    notify_by = serializers.ChoiceField(choices=NotifyBy.choices, required=False)


class MembershipCreateSerializer(MembershipSettingsFields):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)


class MembershipUpdateSerializer(MembershipSettingsFields):
    role = serializers.ChoiceField(choices=Role.choices)


@crud_schema(input_serializer=MembershipCreateSerializer, output_serializer=MembershipOutputSerializer)
@extend_schema_view(
    update=extend_schema(request=MembershipUpdateSerializer, responses=MembershipOutputSerializer),
    partial_update=extend_schema(request=MembershipUpdateSerializer, responses=MembershipOutputSerializer),
)
class MembershipViewSet(CrudViewSet):
    queryset = Membership.objects.none()
    filterset_class = MembershipFilter
    view_action = Action.MEMBERSHIP_VIEW
    manage_action = Action.MEMBERSHIP_MANAGE
    input_serializer = MembershipCreateSerializer
    output_serializer = MembershipOutputSerializer

    def get_object(self):
        return selectors.membership_get(facility=self.request.facility, membership_id=self.kwargs["pk"])

    def list_queryset(self):
        return selectors.membership_list(facility=self.request.facility)

    def create_object(self, fields):
        return services.membership_create(facility=self.request.facility, actor=self.request.user, **fields)

    def update(self, request, facility_slug: str, pk: str):
        membership = self.get_object()  # 404 before 400
        fields = dict(self.validated(MembershipUpdateSerializer, partial=request.method == "PATCH"))
        role = fields.pop("role", None)
        if role is not None:
            membership = services.membership_update(
                facility=request.facility, actor=request.user, membership_id=pk, role=role
            )
        if fields:
            membership = services.membership_settings_update(
                facility=request.facility, actor=request.user, membership_id=pk, changes=fields
            )
        return Response(MembershipOutputSerializer(membership).data)


# --- facilities ---------------------------------------------------------------------------


class FacilityOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Facility
        fields = ["public_id", "slug", "name", "time_zone", "notify_department_desk"]


class MyFacilitySerializer(serializers.Serializer):
    public_id = serializers.UUIDField(source="facility.public_id")
    slug = serializers.SlugField(source="facility.slug")
    name = serializers.CharField(source="facility.name")
    time_zone = serializers.CharField(source="facility.time_zone")
    role = serializers.ChoiceField(choices=Role.choices)


class FacilityInputSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=200)
    time_zone = serializers.CharField(max_length=64, validators=[validate_time_zone])
    notify_department_desk = serializers.BooleanField(
        required=False,
        help_text="Tell the front desk of a booking's department (members whose membership names it) of its changes.",
    )


class FacilityListApi(APIView):
    """The facilities the signed-in user belongs to, with their role in each."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MyFacilitySerializer(many=True))
    def get(self, request):
        return Response(MyFacilitySerializer(selectors.membership_list_for_user(user=request.user), many=True).data)


def _facility_membership(request, facility_slug: str, needed: Action):
    membership = selectors.membership_for(user=request.user, facility_slug=facility_slug)
    if not role_allows(membership.role, needed):
        raise ApplicationError("permission_denied", f"The role '{membership.role}' may not do '{needed}'.")
    return membership


class FacilityDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=FacilityOutputSerializer)
    def get(self, request, facility_slug: str):
        membership = _facility_membership(request, facility_slug, Action.FACILITY_VIEW)
        return Response(FacilityOutputSerializer(membership.facility).data)

    @extend_schema(request=FacilityInputSerializer, responses=FacilityOutputSerializer)
    def patch(self, request, facility_slug: str):
        membership = _facility_membership(request, facility_slug, Action.FACILITY_MANAGE)
        serializer = FacilityInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        facility = services.facility_update(
            facility=membership.facility, actor=request.user, changes=dict(serializer.validated_data)
        )
        return Response(FacilityOutputSerializer(facility).data)


class FacilityHistoryApi(APIView):
    permission_classes = [IsAuthenticated]

    pagination_class = StandardPagination

    @extend_schema(responses=HistoryEntrySerializer(many=True))
    def get(self, request, facility_slug: str):
        membership = _facility_membership(request, facility_slug, Action.FACILITY_MANAGE)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(history_records(instance=membership.facility), request, view=self)
        entries = history_entries(instance=membership.facility, records=page)
        return paginator.get_paginated_response(HistoryEntrySerializer(entries, many=True).data)
