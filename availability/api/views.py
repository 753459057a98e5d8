"""REST API of availability: schedules with their weekly windows, exceptions, booking policies,
slot durations, delegations, and the slot, statistics and search reads. Each action reads
through one selector or writes through one service.

Permissions: reads need ``availability.view``. Writes pass a role gate
(``availability.manage_delegated``) and the service then decides for the resource at hand: a
manager or admin manages any, a clinician their own or one delegated to them.
"""

from zoneinfo import ZoneInfo

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from availability import selectors, services
from availability.api.serializers import (
    MAX_RANGE_DAYS,
    AvailabilityOutputSerializer,
    BookingPolicySerializer,
    DayStatsSerializer,
    DelegationInputSerializer,
    DelegationOutputSerializer,
    ExceptionCreatedSerializer,
    ExceptionInputSerializer,
    ExceptionNotAddedSerializer,
    ExceptionOutputSerializer,
    ExceptionQuerySerializer,
    ScheduleCloseSerializer,
    ScheduleCreateSerializer,
    ScheduleOutputSerializer,
    ScheduleQuerySerializer,
    ScheduleReplaceSerializer,
    SlotDurationInputSerializer,
    SlotDurationOutputSerializer,
    SlotOutputSerializer,
    SlotQuerySerializer,
    SlotSearchQuerySerializer,
    StatsQuerySerializer,
    WindowChangeSerializer,
    WindowResultSerializer,
    window_input,
)
from availability.models import (
    Availability,
    AvailabilityException,
    BookingPolicy,
    Schedule,
    ScheduleDelegation,
    SlotDuration,
)
from scheduling import selectors as kernel
from scheduling.api_kernel import FacilityViewSet
from scheduling.errors import ApplicationError
from scheduling.parsing import IdField, InstantField
from scheduling.permissions import Action


class AvailabilityViewSet(FacilityViewSet):
    view_action = Action.AVAILABILITY_VIEW
    # The role gate; the service then checks the resource (own, delegated, or any).
    manage_action = Action.AVAILABILITY_MANAGE_DELEGATED

    def schedule_response(self, schedule, status: int = 200) -> Response:
        return Response(ScheduleOutputSerializer(schedule).data, status=status)


@extend_schema_view(
    list=extend_schema(parameters=[ScheduleQuerySerializer], responses=ScheduleOutputSerializer(many=True)),
    retrieve=extend_schema(responses=ScheduleOutputSerializer),
    create=extend_schema(request=ScheduleCreateSerializer, responses={201: ScheduleOutputSerializer}),
    update=extend_schema(
        request=ScheduleReplaceSerializer,
        responses=ScheduleOutputSerializer,
        description="A new version: the schedule is closed at effective_from and the returned one starts there "
        "(a schedule not yet in force is edited in place). 409 would_strand_bookings if future bookings would "
        "fall outside availability.",
    ),
    partial_update=extend_schema(
        request=ScheduleReplaceSerializer,
        responses=ScheduleOutputSerializer,
        description="As PUT, changing only the fields given (the windows are kept unless `availabilities` is given).",
    ),
    destroy=extend_schema(
        responses={204: None},
        description="Deletes a schedule that never took a booking, with its windows (history keeps them). "
        "409 schedule_has_bookings if any booking of the resource, in any status, falls in its validity: "
        "close it instead.",
    ),
)
class ScheduleViewSet(AvailabilityViewSet):
    queryset = Schedule.objects.none()
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    filter_backends = []
    # The services name a schedule's period as the model does; the API calls it start and end.
    service_field_names = {"valid_from": "start", "valid_till": "end"}

    def handle_exception(self, exc):
        if isinstance(exc, ApplicationError) and exc.fields:
            exc.fields = {self.service_field_names.get(name, name): errors for name, errors in exc.fields.items()}
        return super().handle_exception(exc)

    def get_object(self):
        return selectors.schedule_get(facility=self.request.facility, schedule_id=self.kwargs["pk"])

    def list(self, request, facility_slug: str):
        params = self.query(ScheduleQuerySerializer)
        schedules = selectors.schedule_list(
            facility=request.facility, resource_id=params.get("resource"), in_force_at=params.get("in_force_at")
        )
        return self.paginated(schedules, ScheduleOutputSerializer)

    def retrieve(self, request, facility_slug: str, pk: str):
        return self.schedule_response(self.get_object())

    def create(self, request, facility_slug: str):
        fields = self.validated(ScheduleCreateSerializer)
        schedule = services.schedule_create(
            facility=request.facility,
            actor=request.user,
            resource_id=fields["resource"].pk,
            valid_from=fields["start"],
            valid_till=fields["end"],
            name=fields["name"],
            booking_horizon_days=fields.get("booking_horizon_days"),
            booking_notice_minutes=fields.get("booking_notice_minutes"),
            availabilities=[window_input(window) for window in fields["availabilities"]],
        )
        return self.schedule_response(schedule, status=201)

    def update(self, request, facility_slug: str, pk: str):
        self.get_object()
        partial = request.method == "PATCH"
        fields = self.validated(ScheduleReplaceSerializer, partial=partial)
        if partial and isinstance(request.data, dict) and "availabilities" in request.data:
            # PATCH may leave out the schedule's fields but not a window's own: DRF hands
            # ``partial`` down to nested serializers, so the windows are read again, whole.
            whole = ScheduleReplaceSerializer(
                data={"availabilities": request.data["availabilities"]}, context=self.get_serializer_context()
            )
            whole.is_valid(raise_exception=True)
            fields["availabilities"] = whole.validated_data["availabilities"]
        keep = services.KEEP
        windows = fields.get("availabilities")
        schedule = services.schedule_replace(
            facility=request.facility,
            actor=request.user,
            schedule_id=pk,
            availabilities=keep if windows is None else [window_input(window) for window in windows],
            effective_from=fields.get("effective_from"),
            name=fields.get("name"),
            valid_till=fields.get("end", keep),
            booking_horizon_days=fields.get("booking_horizon_days", keep),
            booking_notice_minutes=fields.get("booking_notice_minutes", keep),
        )
        return self.schedule_response(schedule)

    def partial_update(self, request, facility_slug: str, pk: str):
        return self.update(request, facility_slug, pk)

    def destroy(self, request, facility_slug: str, pk: str):
        self.get_object()
        services.schedule_delete(facility=request.facility, actor=request.user, schedule_id=pk)
        return Response(status=204)

    @extend_schema(request=ScheduleCloseSerializer, responses=ScheduleOutputSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def close(self, request, facility_slug: str, pk: str):
        self.get_object()
        fields = self.validated(ScheduleCloseSerializer)
        schedule = services.schedule_close(
            facility=request.facility, actor=request.user, schedule_id=pk, valid_till=fields.get("end")
        )
        return self.schedule_response(schedule)


class DelegationQuerySerializer(serializers.Serializer):
    resource = IdField(required=False)


class EffectiveFromQuerySerializer(serializers.Serializer):
    effective_from = InstantField(required=False, help_text="When the removal takes effect (default now).")


@extend_schema_view(
    list=extend_schema(responses=AvailabilityOutputSerializer(many=True)),
    retrieve=extend_schema(responses=AvailabilityOutputSerializer),
    create=extend_schema(request=WindowChangeSerializer, responses={201: WindowResultSerializer}),
    update=extend_schema(request=WindowChangeSerializer, responses=WindowResultSerializer),
    # 200, not DELETE's usual 204: the answer is the schedule version in force from the removal.
    destroy=extend_schema(parameters=[EffectiveFromQuerySerializer], responses={200: ScheduleOutputSerializer}),
)
class ScheduleAvailabilityViewSet(AvailabilityViewSet):
    """The weekly windows of one schedule. Changing one versions a schedule in force; every
    write answers with the schedule version in force from the change."""

    queryset = Availability.objects.none()
    pagination_class = None
    filter_backends = []

    def get_object(self):
        return selectors.availability_get(
            facility=self.request.facility, schedule_id=self.schedule().pk, availability_id=self.kwargs["pk"]
        )

    def schedule(self):
        return selectors.schedule_get(facility=self.request.facility, schedule_id=self.kwargs["schedule_pk"])

    def list(self, request, facility_slug: str, schedule_pk: str):
        return Response(AvailabilityOutputSerializer(self.schedule().availabilities.all(), many=True).data)

    def retrieve(self, request, facility_slug: str, schedule_pk: str, pk: str):
        return Response(AvailabilityOutputSerializer(self.get_object()).data)

    def create(self, request, facility_slug: str, schedule_pk: str):
        self.schedule()
        fields = self.validated(WindowChangeSerializer)
        schedule, window = services.availability_add(
            facility=request.facility,
            actor=request.user,
            schedule_id=schedule_pk,
            window=window_input(fields),
            effective_from=fields.get("effective_from"),
        )
        return self.window_response(schedule, window, 201)

    def update(self, request, facility_slug: str, schedule_pk: str, pk: str):
        self.get_object()
        fields = self.validated(WindowChangeSerializer)
        schedule, window = services.availability_update(
            facility=request.facility,
            actor=request.user,
            schedule_id=schedule_pk,
            availability_id=pk,
            window=window_input(fields),
            effective_from=fields.get("effective_from"),
        )
        return self.window_response(schedule, window, 200)

    def destroy(self, request, facility_slug: str, schedule_pk: str, pk: str):
        self.get_object()
        params = self.query(EffectiveFromQuerySerializer)
        schedule = services.availability_remove(
            facility=request.facility,
            actor=request.user,
            schedule_id=schedule_pk,
            availability_id=pk,
            effective_from=params.get("effective_from"),
        )
        return self.schedule_response(schedule)

    def window_response(self, schedule, window, status: int) -> Response:
        window = next(w for w in schedule.availabilities.all() if w.pk == window.pk)
        return Response(
            {
                "schedule": ScheduleOutputSerializer(schedule).data,
                "availability": AvailabilityOutputSerializer(window).data,
            },
            status=status,
        )


@extend_schema_view(
    list=extend_schema(parameters=[ExceptionQuerySerializer], responses=ExceptionOutputSerializer(many=True)),
    retrieve=extend_schema(responses=ExceptionOutputSerializer),
    create=extend_schema(
        request=ExceptionInputSerializer,
        responses={201: ExceptionCreatedSerializer, 200: ExceptionNotAddedSerializer},
        description="409 would_strand_bookings if a removing exception covers future active bookings. Extra time "
        "(`is_available`) wholly inside hours the weekly pattern already makes available adds nothing: 200 with "
        "`warnings` saying so.",
    ),
    destroy=extend_schema(responses={204: None}),
)
class ExceptionViewSet(AvailabilityViewSet):
    queryset = AvailabilityException.objects.none()
    http_method_names = ["get", "post", "delete", "head", "options"]
    filter_backends = []

    def get_object(self):
        return selectors.exception_get(facility=self.request.facility, exception_id=self.kwargs["pk"])

    def list(self, request, facility_slug: str):
        params = self.query(ExceptionQuerySerializer)
        start, end = ExceptionQuerySerializer.instants(params, facility=request.facility)
        exceptions = selectors.exception_list(
            facility=request.facility,
            resource_id=params.get("resource"),
            start=start,
            end=end,
            is_available=params.get("is_available"),
        )
        return self.paginated(exceptions, ExceptionOutputSerializer)

    def retrieve(self, request, facility_slug: str, pk: str):
        return Response(ExceptionOutputSerializer(self.get_object()).data)

    def create(self, request, facility_slug: str):
        fields = self.validated(ExceptionInputSerializer)
        fields["resource_id"] = fields.pop("resource").pk
        exception = services.exception_create(facility=request.facility, actor=request.user, **fields)
        if exception.pk is None:
            return Response({"exception": None, "warnings": exception.warnings}, status=200)
        return Response(ExceptionCreatedSerializer(exception).data, status=201)

    def destroy(self, request, facility_slug: str, pk: str):
        self.get_object()
        services.exception_remove(facility=request.facility, actor=request.user, exception_id=pk)
        return Response(status=204)


class SlotViewSet(AvailabilityViewSet):
    """What can be booked: one resource's slots and day statistics, and a search across resources."""

    queryset = Schedule.objects.none()
    pagination_class = None
    filter_backends = []

    def required_action(self) -> Action:
        return Action.AVAILABILITY_VIEW

    def resource(self):
        return kernel.resource_get(facility=self.request.facility, resource_id=self.kwargs["resource_id"])

    def slot_response(self, slots, resources) -> Response:
        context = {
            "zone": ZoneInfo(self.request.facility.time_zone),
            "resource_names": {resource.pk: resource.name for resource in resources},
        }
        return Response(SlotOutputSerializer(slots, many=True, context=context).data)

    @extend_schema(
        parameters=[SlotQuerySerializer],
        responses=SlotOutputSerializer(many=True),
        description="The slots of one resource over local dates from..to (inclusive, at most "
        f"{MAX_RANGE_DAYS} days): capacity, booked and remaining, and whether each can be booked now. "
        "Slots past the booking horizon are not listed.",
    )
    def resource_slots(self, request, facility_slug: str, resource_id: str):
        resource = self.resource()
        params = self.query(SlotQuerySerializer)
        appointment_type = params.get("appointment_type")
        slots = selectors.slot_list(
            facility=request.facility,
            resource_ids=[resource.pk],
            start_date=params["from"],
            end_date=params["to"],
            appointment_type_id=appointment_type.pk if appointment_type else None,
        )
        return self.slot_response(slots, [resource])

    @extend_schema(parameters=[StatsQuerySerializer], responses=DayStatsSerializer(many=True))
    def resource_stats(self, request, facility_slug: str, resource_id: str):
        resource = self.resource()
        params = self.query(StatsQuerySerializer)
        days = selectors.availability_stats(
            facility=request.facility, resource_id=resource.pk, start_date=params["from"], end_date=params["to"]
        )
        return Response(DayStatsSerializer(days, many=True).data)

    @extend_schema(
        parameters=[SlotSearchQuerySerializer],
        responses=SlotOutputSerializer(many=True),
        description="The free, bookable slots of every active resource of the kind (and department) on one "
        "local date, earliest first — the first free chair is the first row.",
    )
    def search(self, request, facility_slug: str):
        params = self.query(SlotSearchQuerySerializer)
        department, appointment_type = params.get("department"), params.get("appointment_type")
        slots = selectors.slot_search(
            facility=request.facility,
            date=params["date"],
            kind=params.get("kind"),
            department_id=department.pk if department else None,
            appointment_type_id=appointment_type.pk if appointment_type else None,
        )
        names = kernel.resource_list(facility=request.facility).filter(pk__in={slot.resource_id for slot in slots})
        return self.slot_response(slots, list(names))


class BookingPolicyViewSet(AvailabilityViewSet):
    queryset = BookingPolicy.objects.none()
    pagination_class = None
    filter_backends = []

    def required_action(self) -> Action:
        return self.view_action if self.request.method == "GET" else self.manage_action

    @extend_schema(responses=BookingPolicySerializer)
    def retrieve(self, request, facility_slug: str, resource_id: str):
        resource = kernel.resource_get(facility=request.facility, resource_id=resource_id)
        policy = selectors.booking_policy_get(facility=request.facility, resource_id=resource.pk)
        defaults = selectors.DEFAULT_POLICY
        body = {
            "booking_horizon_days": policy.booking_horizon_days if policy else defaults.horizon_days,
            "booking_notice_minutes": policy.booking_notice_minutes if policy else defaults.notice_minutes,
            "default_slot_minutes": policy.default_slot_minutes if policy else None,
        }
        return Response(body)

    @extend_schema(request=BookingPolicySerializer, responses=BookingPolicySerializer)
    def update(self, request, facility_slug: str, resource_id: str):
        resource = kernel.resource_get(facility=request.facility, resource_id=resource_id)
        fields = self.validated(BookingPolicySerializer)
        policy = services.booking_policy_set(
            facility=request.facility, actor=request.user, resource_id=resource.pk, **fields
        )
        return Response(BookingPolicySerializer(policy).data)


@extend_schema_view(
    list=extend_schema(responses=SlotDurationOutputSerializer(many=True)),
    create=extend_schema(request=SlotDurationInputSerializer, responses={201: SlotDurationOutputSerializer}),
    destroy=extend_schema(responses={204: None}),
)
class SlotDurationViewSet(AvailabilityViewSet):
    """Open-slot lengths per appointment type or department, over each resource's default."""

    queryset = SlotDuration.objects.none()
    manage_action = Action.AVAILABILITY_MANAGE_ANY
    http_method_names = ["get", "post", "delete", "head", "options"]
    pagination_class = None
    filter_backends = []

    def get_object(self):
        return selectors.slot_duration_get(facility=self.request.facility, slot_duration_id=self.kwargs["pk"])

    def list(self, request, facility_slug: str):
        return Response(
            SlotDurationOutputSerializer(selectors.slot_duration_list(facility=request.facility), many=True).data
        )

    def create(self, request, facility_slug: str):
        fields = self.validated(SlotDurationInputSerializer)
        appointment_type, department = fields.get("appointment_type"), fields.get("department")
        duration = services.slot_duration_set(
            facility=request.facility,
            actor=request.user,
            minutes=fields["minutes"],
            appointment_type_id=appointment_type.pk if appointment_type else None,
            department_id=department.pk if department else None,
        )
        return Response(SlotDurationOutputSerializer(duration).data, status=201)

    def destroy(self, request, facility_slug: str, pk: str):
        self.get_object()
        services.slot_duration_remove(facility=request.facility, actor=request.user, slot_duration_id=pk)
        return Response(status=204)


@extend_schema_view(
    list=extend_schema(parameters=[DelegationQuerySerializer], responses=DelegationOutputSerializer(many=True)),
    create=extend_schema(request=DelegationInputSerializer, responses={201: DelegationOutputSerializer}),
)
class DelegationViewSet(AvailabilityViewSet):
    """A clinician lets a named member manage their availability, and revokes it."""

    queryset = ScheduleDelegation.objects.none()
    http_method_names = ["get", "post", "head", "options"]
    filter_backends = []

    def get_object(self):
        return selectors.delegation_get(facility=self.request.facility, delegation_id=self.kwargs["pk"])

    def list(self, request, facility_slug: str):
        params = self.query(DelegationQuerySerializer)
        delegations = selectors.delegation_list(facility=request.facility, resource_id=params.get("resource"))
        return self.paginated(delegations, DelegationOutputSerializer)

    def create(self, request, facility_slug: str):
        fields = self.validated(DelegationInputSerializer)
        delegation = services.delegation_grant(
            facility=request.facility,
            actor=request.user,
            resource_id=fields["resource"].pk,
            delegate_username=fields["delegate"],
        )
        return Response(DelegationOutputSerializer(delegation).data, status=201)

    @extend_schema(request=None, responses=DelegationOutputSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def revoke(self, request, facility_slug: str, pk: str):
        self.get_object()
        delegation = services.delegation_revoke(facility=request.facility, actor=request.user, delegation_id=pk)
        return Response(DelegationOutputSerializer(delegation).data)
