"""REST API of the day of care: queues, their entries in order with the score's parts,
check-in and its undo, and the queue's actions. Each action calls one service.

A queue is derived state (made at the first check-in, its token counter bumped by each): it has
no ``history/``; its entries do."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from booking import selectors as bookings
from live_queue import selectors, services
from live_queue.models import EntryStatus, Priority, Queue, QueueEntry
from scheduling import selectors as kernel
from scheduling.api_kernel import FacilityObjectField, FacilityViewSet, StrictInputSerializer
from scheduling.parsing import InvalidInput, parse_date
from scheduling.permissions import Action


class QueueOutputSerializer(serializers.ModelSerializer):
    waiting = serializers.IntegerField(source="waiting_count", read_only=True)

    class Meta:
        model = Queue
        fields = ["id", "day", "name", "resource", "department", "last_token", "waiting"]


class ScorePartsSerializer(serializers.Serializer):
    score = serializers.FloatField()
    reference = serializers.DateTimeField()
    on_time_appointment = serializers.BooleanField()
    class_offset = serializers.IntegerField()
    boost_minutes = serializers.IntegerField()
    manual_minutes = serializers.IntegerField()
    waited_minutes = serializers.FloatField()


class QueuePatientSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    mrn = serializers.CharField()
    name = serializers.CharField()


class EntryOutputSerializer(serializers.ModelSerializer):
    patient = serializers.SerializerMethodField()
    booking = serializers.IntegerField(source="encounter.booking_id", allow_null=True)
    appointment_type = serializers.CharField(source="encounter.appointment_type.name", allow_null=True, default=None)
    queue_name = serializers.CharField(source="queue.name")

    class Meta:
        model = QueueEntry
        fields = [
            "id",
            "queue",
            "queue_name",
            "token_number",
            "status",
            "priority",
            "is_vip",
            "vip_reason",
            "patient",
            "booking",
            "appointment_type",
            "appointment_at",
            "arrived_at",
            "checked_in_at",
            "called_at",
            "started_at",
            "ended_at",
            "counter",
            "manual_minutes",
            "transferred_from",
        ]

    @extend_schema_field(QueuePatientSerializer)
    def get_patient(self, entry) -> dict:
        return QueuePatientSerializer(entry.encounter.patient).data


class UndoneCheckInSerializer(serializers.Serializer):
    entry = serializers.IntegerField(source="entry_id", help_text="The entry, now deleted.")
    token_number = serializers.IntegerField(help_text="Not handed out again.")
    queue = serializers.IntegerField(source="queue_id")
    patient = QueuePatientSerializer()
    booking = serializers.IntegerField(source="booking_id", allow_null=True)
    booking_status = serializers.CharField(allow_null=True, help_text="``scheduled`` again; null for a walk-in.")


class OrderedEntrySerializer(serializers.Serializer):
    position = serializers.IntegerField()
    entry = EntryOutputSerializer()
    score = ScorePartsSerializer()


class QueueEntriesSerializer(serializers.Serializer):
    waiting = OrderedEntrySerializer(many=True)
    called = EntryOutputSerializer(many=True)
    in_progress = EntryOutputSerializer(many=True)


class BoardSerializer(serializers.Serializer):
    class Called(serializers.Serializer):
        token_number = serializers.IntegerField()
        counter = serializers.CharField()
        called_at = serializers.DateTimeField()

    called = Called(many=True)
    waiting = serializers.ListField(child=serializers.IntegerField())


class CheckInSerializer(StrictInputSerializer):
    booking = FacilityObjectField(lister=bookings.booking_list, required=False)
    patient = FacilityObjectField(lister=kernel.patient_list, required=False)
    resource = FacilityObjectField(lister=kernel.resource_list, required=False)
    department = FacilityObjectField(lister=kernel.department_list, required=False)
    appointment_type = FacilityObjectField(lister=kernel.appointment_type_list, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)

    def validate(self, attrs):
        if "booking" not in attrs and "patient" not in attrs:
            raise serializers.ValidationError({"booking": ["Give a booking, or a patient for a walk-in."]})
        if "resource" in attrs and "department" in attrs:
            raise serializers.ValidationError({"department": ["Give a resource or a department, not both."]})
        return attrs


class CallNextSerializer(StrictInputSerializer):
    counter = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class TransferSerializer(StrictInputSerializer):
    resource = FacilityObjectField(lister=kernel.resource_list, required=False)
    department = FacilityObjectField(lister=kernel.department_list, required=False)

    def validate(self, attrs):
        if ("resource" in attrs) == ("department" in attrs):
            raise serializers.ValidationError({"resource": ["Give one resource or one department."]})
        return attrs


class MoveSerializer(StrictInputSerializer):
    minutes = serializers.IntegerField(min_value=1, max_value=24 * 60, default=15)


class VipSerializer(StrictInputSerializer):
    reason = serializers.CharField(max_length=300)


def _local_today(facility) -> dt.date:
    return timezone.now().astimezone(ZoneInfo(facility.time_zone)).date()


class QueueViewSet(FacilityViewSet):
    """Queues of a day (one per resource or department, made at the first check-in)."""

    queryset = Queue.objects.none()
    view_action = Action.QUEUE_VIEW
    manage_action = Action.QUEUE_OPERATE
    read_actions = frozenset({"list", "retrieve", "entries", "board"})
    filter_backends = []

    history = None  # derived state: no history, see the module docstring

    def get_object(self):
        return selectors.queue_get(facility=self.request.facility, queue_id=self.kwargs["pk"])

    @extend_schema(
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE, description="The facility-local day; default today.")],
        responses=QueueOutputSerializer(many=True),
    )
    def list(self, request, facility_slug: str):
        day_text = request.query_params.get("date")
        try:
            day = parse_date(day_text) if day_text else _local_today(request.facility)
        except InvalidInput as error:
            raise serializers.ValidationError({"date": [error.message]}) from None
        return self.paginated(selectors.queue_list(facility=request.facility, day=day), QueueOutputSerializer)

    @extend_schema(responses=QueueOutputSerializer)
    def retrieve(self, request, facility_slug: str, pk: str):
        return Response(QueueOutputSerializer(self.get_object()).data)

    @extend_schema(responses=QueueEntriesSerializer)
    @action(detail=True, methods=["get"])
    def entries(self, request, facility_slug: str, pk: str):
        queue = self.get_object()
        now = timezone.now()
        ordered = selectors.queue_in_order(facility=request.facility, queue_id=queue.pk, now=now)
        others = selectors.entry_list(
            facility=request.facility, queue_id=queue.pk, statuses=[EntryStatus.CALLED, EntryStatus.IN_PROGRESS]
        ).order_by("called_at")
        body = {
            "waiting": [
                {"position": index + 1, "entry": entry, "score": parts} for index, (entry, parts) in enumerate(ordered)
            ],
            "called": [e for e in others if e.status == EntryStatus.CALLED],
            "in_progress": [e for e in others if e.status == EntryStatus.IN_PROGRESS],
        }
        return Response(QueueEntriesSerializer(body).data)

    @extend_schema(responses=BoardSerializer)
    @action(detail=True, methods=["get"])
    def board(self, request, facility_slug: str, pk: str):
        queue = self.get_object()
        return Response(
            BoardSerializer(
                selectors.queue_board(facility=request.facility, queue_id=queue.pk, now=timezone.now())
            ).data
        )

    @extend_schema(request=CallNextSerializer, responses=EntryOutputSerializer)
    @action(detail=True, methods=["post"], url_path="call-next")
    def call_next(self, request, facility_slug: str, pk: str):
        queue = self.get_object()
        fields = self.validated(CallNextSerializer)
        entry = services.call_next(
            facility=request.facility, actor=request.user, queue_id=queue.pk, counter=fields["counter"]
        )
        return Response(EntryOutputSerializer(entry).data)


class CheckInViewSet(FacilityViewSet):
    """Checks a patient in: creates the encounter and a queue entry with a token number. A
    check-in is not an object of its own: its entry (queue-entries/) has the history and comments."""

    queryset = QueueEntry.objects.none()
    view_action = Action.QUEUE_VIEW
    manage_action = Action.QUEUE_OPERATE
    filter_backends = []
    history = None
    comments = None

    @extend_schema(
        request=CheckInSerializer,
        responses={201: EntryOutputSerializer},
        description=(
            "403 `permission_denied` for an emergency entry the role may not make (unless a clinician's "
            "emergency booking); 409 `not_today`, `invalid_transition` (the booking's move) or "
            "`already_queued` (the patient already has an open entry today; nothing is written)."
        ),
    )
    def create(self, request, facility_slug: str):
        fields = self.validated(CheckInSerializer)
        entry = services.check_in(
            facility=request.facility,
            actor=request.user,
            actor_role=request.membership.role,
            booking_id=fields["booking"].pk if "booking" in fields else None,
            patient_id=fields["patient"].pk if "patient" in fields else None,
            resource_id=fields["resource"].pk if "resource" in fields else None,
            department_id=fields["department"].pk if "department" in fields else None,
            appointment_type_id=fields["appointment_type"].pk if "appointment_type" in fields else None,
            priority=fields.get("priority"),
        )
        entry = selectors.entry_get(facility=request.facility, entry_id=entry.pk)
        return Response(EntryOutputSerializer(entry).data, status=201)


SIMPLE_ACTIONS = {
    "start": services.entry_start,
    "complete": services.entry_complete,
    "skip": services.entry_skip,
    "recall": services.entry_recall,
    "left": services.entry_left,
}


class EntryViewSet(FacilityViewSet):
    """One patient's place in a queue, and what staff do with it."""

    queryset = QueueEntry.objects.none()
    view_action = Action.QUEUE_VIEW
    manage_action = Action.QUEUE_OPERATE
    filter_backends = []

    def get_object(self):
        return selectors.entry_get(facility=self.request.facility, entry_id=self.kwargs["pk"])

    def required_action(self):
        if self.action == "undo_check_in":
            return (Action.QUEUE_UNDO_CHECK_IN,)
        return super().required_action()

    def _out(self, entry) -> Response:
        return Response(
            EntryOutputSerializer(selectors.entry_get(facility=self.request.facility, entry_id=entry.pk)).data
        )

    @extend_schema(responses=EntryOutputSerializer)
    def retrieve(self, request, facility_slug: str, pk: str):
        return Response(EntryOutputSerializer(self.get_object()).data)

    def _simple(self, request, pk):
        self.get_object()
        return self._out(SIMPLE_ACTIONS[self.action](facility=request.facility, actor=request.user, entry_id=pk))

    @extend_schema(request=None, responses=EntryOutputSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, facility_slug: str, pk: str):
        return self._simple(request, pk)

    @extend_schema(request=None, responses=EntryOutputSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, facility_slug: str, pk: str):
        return self._simple(request, pk)

    @extend_schema(request=None, responses=EntryOutputSerializer)
    @action(detail=True, methods=["post"])
    def skip(self, request, facility_slug: str, pk: str):
        return self._simple(request, pk)

    @extend_schema(request=None, responses=EntryOutputSerializer)
    @action(detail=True, methods=["post"])
    def recall(self, request, facility_slug: str, pk: str):
        return self._simple(request, pk)

    @extend_schema(request=None, responses=EntryOutputSerializer)
    @action(detail=True, methods=["post"])
    def left(self, request, facility_slug: str, pk: str):
        return self._simple(request, pk)

    @extend_schema(request=TransferSerializer, responses={201: EntryOutputSerializer})
    @action(detail=True, methods=["post"])
    def transfer(self, request, facility_slug: str, pk: str):
        self.get_object()
        fields = self.validated(TransferSerializer)
        entry = services.entry_transfer(
            facility=request.facility,
            actor=request.user,
            entry_id=pk,
            resource_id=fields["resource"].pk if "resource" in fields else None,
            department_id=fields["department"].pk if "department" in fields else None,
        )
        response = self._out(entry)
        response.status_code = 201
        return response

    @extend_schema(request=MoveSerializer, responses=EntryOutputSerializer)
    @action(detail=True, methods=["post"])
    def bump(self, request, facility_slug: str, pk: str):
        self.get_object()
        minutes = self.validated(MoveSerializer)["minutes"]
        return self._out(
            services.entry_move(facility=request.facility, actor=request.user, entry_id=pk, minutes=-minutes)
        )

    @extend_schema(request=MoveSerializer, responses=EntryOutputSerializer)
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, facility_slug: str, pk: str):
        self.get_object()
        minutes = self.validated(MoveSerializer)["minutes"]
        return self._out(
            services.entry_move(facility=request.facility, actor=request.user, entry_id=pk, minutes=minutes)
        )

    @extend_schema(request=VipSerializer, responses=EntryOutputSerializer)
    @action(detail=True, methods=["post"])
    def vip(self, request, facility_slug: str, pk: str):
        self.get_object()
        reason = self.validated(VipSerializer)["reason"]
        return self._out(
            services.entry_set_vip(facility=request.facility, actor=request.user, entry_id=pk, reason=reason)
        )

    @extend_schema(
        request=None,
        responses=UndoneCheckInSerializer,
        description=(
            "Takes back a mistaken check-in while the patient waits, is called or skipped: deletes the entry "
            "and its encounter (kept in their history, with who deleted them) and moves the booking, if any, "
            "back to scheduled. 409 `invalid_transition` once care has started or for an entry a transfer "
            "made. Needs `queue.undo_check_in`."
        ),
    )
    @action(detail=True, methods=["post"], url_path="undo-check-in")
    def undo_check_in(self, request, facility_slug: str, pk: str):
        self.get_object()
        undone = services.check_in_undo(facility=request.facility, actor=request.user, entry_id=pk)
        return Response(UndoneCheckInSerializer(undone).data)
