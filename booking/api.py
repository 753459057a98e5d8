"""REST API of bookings (a token taken from a shared slot is a booking too, with its ``token``),
walk-ins and notifications. Each action validates the shape of its input and calls one service;
the services decide the rules."""

import datetime as dt

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from booking import selectors, services
from booking.lifecycle import desk_moves
from booking.models import Booking, Kind, Notification, Priority, Status
from scheduling import selectors as kernel
from scheduling.api_kernel import FacilityObjectField, FacilityViewSet, LocalDateRangeQuery, StrictInputSerializer
from scheduling.errors import NotFound
from scheduling.parsing import IdField, IdFilter, InstantField, id_or_none
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


class CancelSerializer(StrictInputSerializer):
    reason = serializers.CharField(max_length=500, help_text="Why the booking is cancelled; kept on the booking.")


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
    role = serializers.CharField(help_text="The need of the appointment type it fills (e.g. Surgeon); empty if none.")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    holds_time = serializers.BooleanField()
    token_slot = serializers.IntegerField(
        source="token_slot_id",
        allow_null=True,
        help_text="The token slot this row holds a place in (shared with its other tokens); null when exclusive.",
    )


class TokenOutput(serializers.Serializer):
    slot = serializers.IntegerField(source="slot_id", help_text="The token slot (filter bookings by `token_slot`).")
    resource = serializers.IntegerField(source="slot.resource_id")
    start = serializers.DateTimeField(source="slot.start", help_text="The slot's start.")
    end = serializers.DateTimeField(source="slot.end", help_text="The slot's end.")
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
    rescheduled_from = serializers.IntegerField(
        source="replaces_id", allow_null=True, help_text="The booking this one replaced when it was rescheduled."
    )
    rescheduled_to = serializers.SerializerMethodField(help_text="The booking that replaced this one.")
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
            "cancel_reason",
            "rescheduled_from",
            "rescheduled_to",
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

    def get_rescheduled_to(self, booking) -> int | None:
        return getattr(booking, "rescheduled_to_id", None)

    def get_allowed_transitions(self, booking) -> list[str]:
        return sorted(s.value for s in desk_moves(booking.status))


class NotificationOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "event", "message", "booking", "created_at", "read_at"]


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class BookingPeriodQuery(LocalDateRangeQuery):
    max_days = MAX_LIST_DAYS


class BookingFilter(django_filters.FilterSet):
    """The days a list covers are ``from``/``to`` (``BookingPeriodQuery``, read by the view)."""

    resource = IdFilter(method="by_resource")
    patient = IdFilter(field_name="patient_id")
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    kind = django_filters.ChoiceFilter(choices=Kind.choices)
    token = django_filters.BooleanFilter(
        field_name="token", lookup_expr="isnull", exclude=True, label="Holds a token from a shared slot"
    )
    token_slot = IdFilter(field_name="token__slot_id", label="Holds a token of this token slot")

    class Meta:
        model = Booking
        fields = ["resource", "patient", "status", "kind", "token", "token_slot"]

    def by_resource(self, queryset, name, value):
        return queryset & selectors.booking_list(facility=self.request.facility, resource_id=value)


def _requests(items) -> tuple[services.ResourceRequest, ...]:
    return tuple(services.ResourceRequest(i["resource"], i.get("start"), i.get("end")) for i in items)


TRANSITION_ACTIONS = {
    "cancel": Status.CANCELLED,
    "approve": Status.APPROVED,
    "deny": Status.DENIED,
    "no_show": Status.NO_SHOW,
}


@extend_schema_view(
    list=extend_schema(
        parameters=[BookingPeriodQuery],
        responses=BookingOutputSerializer(many=True),
        description="Bookings overlapping the local days `from`..`to`; a token booking has its `token` "
        "(filter with `token` or `token_slot`).",
    ),
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
        start, end = BookingPeriodQuery.instants(self.query(BookingPeriodQuery), facility=request.facility)
        bookings = selectors.booking_list(facility=request.facility, start=start, end=end)
        return self.paginated(bookings, BookingOutputSerializer)

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

    def _transition(self, request, pk: str, reason: str = "") -> Response:
        booking = services.booking_transition(
            facility=request.facility,
            actor=request.user,
            booking_id=pk,
            to_status=TRANSITION_ACTIONS[self.action],
            reason=reason,
        )
        return self._out(booking)

    @extend_schema(request=CancelSerializer, responses=BookingOutputSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, facility_slug: str, pk: str):
        self.get_object()  # 404 before 400
        return self._transition(request, pk, reason=self.validated(CancelSerializer)["reason"])

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


class WalkInViewSet(FacilityViewSet):
    """A patient who has just arrived, booked into the current or next slot with room today. The
    walk-in is a booking: its history and comments are the booking's (bookings/{id}/)."""

    queryset = Booking.objects.none()
    view_action = Action.BOOKING_VIEW
    manage_action = Action.BOOKING_MANAGE
    filter_backends = []
    history = None
    comments = None

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
    history = None  # derived state (booking/models.py): no history, and a notice takes no comments
    comments = None

    history = None  # derived state with no audit history (see the model); its booking has one

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
