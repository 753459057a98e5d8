"""REST API of bookings, token bookings, walk-ins and notifications. Each action validates the
shape of its input and calls one service; the services decide the rules."""

import datetime as dt

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from booking import selectors, services
from booking.lifecycle import desk_moves
from booking.models import Booking, Kind, Notification, Priority, Status, TokenBooking
from scheduling import selectors as kernel
from scheduling.api_kernel import FacilityObjectField, FacilityViewSet, StrictInputSerializer
from scheduling.errors import NotFound
from scheduling.parsing import IdField, IdFilter, InstantField, InstantFilter, id_or_none
from scheduling.permissions import Action

MAX_LIST_DAYS = 92


class ResourceItemSerializer(StrictInputSerializer):
    # An id; the booking service reports one that is not a resource of this facility (400, naming it).
    resource = IdField()
    start = InstantField(required=False)
    end = InstantField(required=False)


class BookingCreateSerializer(StrictInputSerializer):
    # An id, checked by the service as it locks the patient (400 naming it if not of this facility).
    patient = IdField()
    appointment_type = FacilityObjectField(lister=kernel.appointment_type_list)
    start = InstantField()
    end = InstantField(required=False, help_text="Defaults to start + the appointment type's length.")
    resources = ResourceItemSerializer(many=True, allow_empty=False, max_length=10)
    kind = serializers.ChoiceField(choices=[Kind.SCHEDULED, Kind.EMERGENCY], default=Kind.SCHEDULED)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.ROUTINE)
    is_vip = serializers.BooleanField(default=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    requested = serializers.BooleanField(default=False, help_text="A self-service request: staff approve or deny.")


class RescheduleSerializer(StrictInputSerializer):
    start = InstantField()
    end = InstantField(required=False, help_text="Defaults to keeping the booking's length.")
    resources = ResourceItemSerializer(many=True, allow_empty=False, max_length=10, required=False)


class WalkInSerializer(StrictInputSerializer):
    patient = FacilityObjectField(lister=kernel.patient_list)
    appointment_type = FacilityObjectField(lister=kernel.appointment_type_list)
    resource = FacilityObjectField(lister=kernel.resource_list)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.ROUTINE)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class BookingResourceOutput(serializers.Serializer):
    resource = serializers.IntegerField(source="resource_id")
    name = serializers.CharField(source="resource.name")
    kind = serializers.CharField(source="resource.kind")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    holds_time = serializers.BooleanField()
    token_slot = serializers.IntegerField(
        source="token_slot_id",
        allow_null=True,
        help_text="The token slot this row holds a place in (shared with its other tokens); null when exclusive.",
    )


class TokenOutput(serializers.Serializer):
    slot = serializers.IntegerField(source="slot_id")
    resource = serializers.IntegerField(source="slot.resource_id")
    slot_start = serializers.DateTimeField(source="slot.start")
    slot_end = serializers.DateTimeField(source="slot.end")
    capacity = serializers.IntegerField(source="slot.capacity")
    allocated = serializers.IntegerField(source="slot.allocated")
    holds_time = serializers.BooleanField()


class PatientBrief(serializers.Serializer):
    id = serializers.IntegerField()
    mrn = serializers.CharField()
    name = serializers.CharField()


class AppointmentTypeBrief(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class BookingOutputSerializer(serializers.ModelSerializer):
    patient = PatientBrief()
    appointment_type = AppointmentTypeBrief()
    resources = BookingResourceOutput(many=True)
    token = serializers.SerializerMethodField()
    booked_by = serializers.CharField(source="booked_by.username")
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Booking
        fields = [
            "id",
            "patient",
            "appointment_type",
            "kind",
            "priority",
            "is_vip",
            "status",
            "holds_time",
            "start",
            "end",
            "resources",
            "token",
            "booked_by",
            "note",
            "replaces",
            "status_changed_at",
            "checked_in_at",
            "actual_start",
            "actual_end",
            "created_at",
            "allowed_transitions",
        ]

    @extend_schema_field(TokenOutput(allow_null=True))
    def get_token(self, booking):
        token = booking.token_booking
        return TokenOutput(token).data if token else None

    def get_allowed_transitions(self, booking) -> list[str]:
        return sorted(s.value for s in desk_moves(booking.status))


class TokenBookingOutputSerializer(serializers.ModelSerializer):
    slot = TokenOutput(source="*")
    booking = serializers.IntegerField(source="booking_id")
    patient = PatientBrief(source="booking.patient")
    status = serializers.CharField(source="booking.status")

    class Meta:
        model = TokenBooking
        fields = ["id", "booking", "patient", "status", "slot"]


class NotificationOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "event", "message", "booking", "created_at", "read_at"]


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class BookingFilter(django_filters.FilterSet):
    """Dates are instants (ISO 8601 with offset); a list covers at most 92 days."""

    start = InstantFilter(field_name="end", lookup_expr="gt", label="Overlapping from")
    end = InstantFilter(field_name="start", lookup_expr="lt", label="Overlapping until")
    resource = IdFilter(method="by_resource")
    patient = IdFilter(field_name="patient_id")
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    kind = django_filters.ChoiceFilter(choices=Kind.choices)

    class Meta:
        model = Booking
        fields = ["start", "end", "resource", "patient", "status", "kind"]

    def by_resource(self, queryset, name, value):
        return queryset & selectors.booking_list(facility=self.request.facility, resource_id=value)

    def filter_queryset(self, queryset):
        start, end = self.form.cleaned_data.get("start"), self.form.cleaned_data.get("end")
        if start and end and end - start > dt.timedelta(days=MAX_LIST_DAYS):
            raise serializers.ValidationError({"end": [f"A list covers at most {MAX_LIST_DAYS} days."]})
        return super().filter_queryset(queryset)


def _requests(items) -> tuple[services.ResourceRequest, ...]:
    return tuple(services.ResourceRequest(i["resource"], i.get("start"), i.get("end")) for i in items)


TRANSITION_ACTIONS = {
    "cancel": Status.CANCELLED,
    "approve": Status.APPROVED,
    "deny": Status.DENIED,
    "no_show": Status.NO_SHOW,
}


@extend_schema_view(
    list=extend_schema(responses=BookingOutputSerializer(many=True)),
    retrieve=extend_schema(responses=BookingOutputSerializer),
    create=extend_schema(request=BookingCreateSerializer, responses={201: BookingOutputSerializer}),
)
class BookingViewSet(FacilityViewSet):
    queryset = Booking.objects.none()
    filterset_class = BookingFilter
    view_action = Action.BOOKING_VIEW
    manage_action = Action.BOOKING_MANAGE

    def get_object(self):
        return selectors.booking_detail(facility=self.request.facility, booking_id=self.kwargs["pk"])

    def _out(self, booking, status=200) -> Response:
        fresh = selectors.booking_detail(facility=self.request.facility, booking_id=booking.pk)
        return Response(BookingOutputSerializer(fresh).data, status=status)

    def list(self, request, facility_slug: str):
        return self.paginated(selectors.booking_list(facility=request.facility), BookingOutputSerializer)

    def retrieve(self, request, facility_slug: str, pk: str):
        return Response(BookingOutputSerializer(self.get_object()).data)

    def create(self, request, facility_slug: str):
        fields = self.validated(BookingCreateSerializer)
        end = fields.get("end") or fields["start"] + dt.timedelta(minutes=fields["appointment_type"].default_minutes)
        booking = services.booking_create(
            facility=request.facility,
            actor=request.user,
            actor_role=request.membership.role,
            request=services.BookingRequest(
                patient_id=fields["patient"],
                appointment_type_id=fields["appointment_type"].pk,
                start=fields["start"],
                end=end,
                resources=_requests(fields["resources"]),
                kind=fields["kind"],
                priority=fields["priority"],
                is_vip=fields["is_vip"],
                note=fields["note"],
                requested=fields["requested"],
            ),
        )
        return self._out(booking, status=201)

    @extend_schema(request=RescheduleSerializer, responses={201: BookingOutputSerializer})
    @action(detail=True, methods=["post"])
    def reschedule(self, request, facility_slug: str, pk: str):
        old = self.get_object()
        fields = self.validated(RescheduleSerializer)
        end = fields.get("end") or fields["start"] + (old.end - old.start)
        booking = services.booking_reschedule(
            facility=request.facility,
            actor=request.user,
            actor_role=request.membership.role,
            booking_id=old.pk,
            start=fields["start"],
            end=end,
            resources=_requests(fields["resources"]) if "resources" in fields else None,
        )
        return self._out(booking, status=201)

    def _transition(self, request, pk: str) -> Response:
        booking = services.booking_transition(
            facility=request.facility, actor=request.user, booking_id=pk, to_status=TRANSITION_ACTIONS[self.action]
        )
        return self._out(booking)

    @extend_schema(request=None, responses=BookingOutputSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, facility_slug: str, pk: str):
        return self._transition(request, pk)

    @extend_schema(request=None, responses=BookingOutputSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, facility_slug: str, pk: str):
        return self._transition(request, pk)

    @extend_schema(request=None, responses=BookingOutputSerializer)
    @action(detail=True, methods=["post"])
    def deny(self, request, facility_slug: str, pk: str):
        return self._transition(request, pk)

    @extend_schema(request=None, responses=BookingOutputSerializer)
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request, facility_slug: str, pk: str):
        return self._transition(request, pk)


class TokenBookingFilter(django_filters.FilterSet):
    resource = IdFilter(field_name="slot__resource_id")
    start = InstantFilter(field_name="slot__end", lookup_expr="gt")
    end = InstantFilter(field_name="slot__start", lookup_expr="lt")

    class Meta:
        model = TokenBooking
        fields = ["resource", "start", "end"]


@extend_schema_view(
    list=extend_schema(responses=TokenBookingOutputSerializer(many=True)),
    retrieve=extend_schema(responses=TokenBookingOutputSerializer),
)
class TokenBookingViewSet(FacilityViewSet):
    """Tokens taken from shared slots. They are made by booking a resource at a time that its
    availability offers as tokens (POST bookings/); their life cycle is their booking's."""

    queryset = TokenBooking.objects.none()
    filterset_class = TokenBookingFilter
    view_action = Action.BOOKING_VIEW
    manage_action = Action.BOOKING_MANAGE

    def get_object(self):
        token = (
            selectors.token_booking_list(facility=self.request.facility)
            .filter(pk=id_or_none(self.kwargs["pk"]))
            .first()
        )
        if token is None:
            raise NotFound("Token booking")
        return token

    def list(self, request, facility_slug: str):
        return self.paginated(selectors.token_booking_list(facility=request.facility), TokenBookingOutputSerializer)

    def retrieve(self, request, facility_slug: str, pk: str):
        return Response(TokenBookingOutputSerializer(self.get_object()).data)


class WalkInViewSet(FacilityViewSet):
    """A patient who has just arrived, booked into the current or next slot with room today."""

    queryset = Booking.objects.none()
    view_action = Action.BOOKING_VIEW
    manage_action = Action.BOOKING_MANAGE
    filter_backends = []

    @extend_schema(request=WalkInSerializer, responses={201: BookingOutputSerializer})
    def create(self, request, facility_slug: str):
        fields = self.validated(WalkInSerializer)
        booking = services.walk_in_create(
            facility=request.facility,
            actor=request.user,
            actor_role=request.membership.role,
            patient_id=fields["patient"].pk,
            resource_id=fields["resource"].pk,
            appointment_type_id=fields["appointment_type"].pk,
            priority=fields["priority"],
            note=fields["note"],
        )
        fresh = selectors.booking_detail(facility=request.facility, booking_id=booking.pk)
        return Response(BookingOutputSerializer(fresh).data, status=201)


class NotificationViewSet(FacilityViewSet):
    """The signed-in member's notifications in this facility, newest first."""

    queryset = Notification.objects.none()
    view_action = Action.BOOKING_VIEW
    manage_action = Action.BOOKING_VIEW  # marking your own notices read needs no more than reading
    filter_backends = []

    def get_object(self):
        notice = (
            selectors.notification_list(facility=self.request.facility, recipient=self.request.user)
            .filter(pk=id_or_none(self.kwargs["pk"]))
            .first()
        )
        if notice is None:
            raise NotFound("Notification")
        return notice

    @extend_schema(responses=NotificationOutputSerializer(many=True))
    def list(self, request, facility_slug: str):
        notices = selectors.notification_list(facility=request.facility, recipient=request.user)
        return self.paginated(notices, NotificationOutputSerializer)

    @extend_schema(responses=UnreadCountSerializer)
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request, facility_slug: str):
        return Response(
            {"unread": selectors.notification_unread_count(facility=request.facility, recipient=request.user)}
        )

    @extend_schema(request=None, responses=NotificationOutputSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, facility_slug: str, pk: str):
        notice = services.notification_mark_read(
            facility=request.facility, recipient=request.user, notification_id=self.get_object().pk
        )
        return Response(NotificationOutputSerializer(notice).data)

    @extend_schema(request=None, responses=UnreadCountSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request, facility_slug: str):
        services.notification_mark_all_read(facility=request.facility, recipient=request.user)
        return Response({"unread": 0})
