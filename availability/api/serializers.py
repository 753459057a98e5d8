"""Input and output serializers of the availability API: they check shape; services decide rules."""

import datetime as dt

from rest_framework import serializers

from availability import services
from availability.models import (
    Availability,
    AvailabilityException,
    Schedule,
    ScheduleDelegation,
    SlotDuration,
    WindowType,
)
from scheduling import ranges
from scheduling import selectors as kernel
from scheduling.api_kernel import FacilityObjectField, LocalDateRangeQuery, StrictInputSerializer
from scheduling.choices import ResourceKind
from scheduling.parsing import IdField, InstantField, LocalDateField

MAX_RANGE_DAYS = 62


def _resource_kinds():
    return ResourceKind.choices


class AvailabilityOutputSerializer(serializers.ModelSerializer):
    appointment_types = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Availability
        fields = [
            "id",
            "name",
            "weekdays",
            "start_time",
            "end_time",
            "type",
            "slot_size_minutes",
            "tokens_per_slot",
            "appointment_types",
            "daily_patient_limit",
        ]


class ScheduleOutputSerializer(serializers.ModelSerializer):
    start = serializers.DateTimeField(source="valid_from", help_text="In force from this instant.")
    end = serializers.DateTimeField(
        source="valid_till", allow_null=True, help_text="In force until this instant (excluded); null: open-ended."
    )
    availabilities = AvailabilityOutputSerializer(many=True, read_only=True)
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = Schedule
        fields = [
            "id",
            "resource",
            "name",
            "start",
            "end",
            "in_force",
            "booking_horizon_days",
            "booking_notice_minutes",
            "previous",
            "availabilities",
        ]

    def get_in_force(self, schedule) -> bool:
        now = self.context.get("now") or dt.datetime.now(dt.UTC)
        return schedule.valid_from <= now and (schedule.valid_till is None or now < schedule.valid_till)


class WindowInputSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        min_length=1,
        max_length=7,
        help_text="0 = Monday … 6 = Sunday.",
    )
    start_time = serializers.TimeField(help_text="Wall-clock time in the facility's zone.")
    end_time = serializers.TimeField(help_text="Wall-clock; 00:00 means midnight at the end of the day.")
    type = serializers.ChoiceField(choices=WindowType.choices)
    slot_size_minutes = serializers.IntegerField(min_value=1, max_value=24 * 60, required=False, allow_null=True)
    tokens_per_slot = serializers.IntegerField(min_value=1, max_value=1000, required=False, allow_null=True)
    appointment_types = FacilityObjectField(
        lister=kernel.appointment_type_list, many=True, required=False, help_text="Empty: every type."
    )
    # The column's own limit, stated here so the schema shows it.
    daily_patient_limit = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False, allow_null=True)

    def to_window(self, fields: dict) -> services.WindowInput:
        return window_input(fields)


def window_input(fields: dict) -> services.WindowInput:
    return services.WindowInput(
        weekdays=list(fields["weekdays"]),
        start_time=fields["start_time"],
        end_time=fields["end_time"],
        type=fields["type"],
        slot_size_minutes=fields.get("slot_size_minutes"),
        tokens_per_slot=fields.get("tokens_per_slot"),
        appointment_type_ids=[t.pk for t in fields.get("appointment_types", [])],
        daily_patient_limit=fields.get("daily_patient_limit"),
        name=fields.get("name", ""),
    )


class WindowChangeSerializer(WindowInputSerializer):
    effective_from = InstantField(
        required=False, help_text="When the change takes effect (default now); a schedule in force is versioned."
    )


class ScheduleCreateSerializer(StrictInputSerializer):
    resource = FacilityObjectField(lister=kernel.resource_list)
    name = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    start = InstantField(help_text="In force from this instant.")
    end = InstantField(
        required=False, allow_null=True, default=None, help_text="In force until (excluded); null: open-ended."
    )
    booking_horizon_days = serializers.IntegerField(min_value=0, max_value=730, required=False, allow_null=True)
    booking_notice_minutes = serializers.IntegerField(
        min_value=0, max_value=60 * 24 * 60, required=False, allow_null=True
    )
    availabilities = WindowInputSerializer(many=True, required=False, default=list)


class ScheduleReplaceSerializer(StrictInputSerializer):
    """PUT gives the whole configuration (``availabilities`` required); PATCH only what changes."""

    effective_from = InstantField(required=False, help_text="Default now.")
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    end = InstantField(required=False, allow_null=True, help_text="In force until; null: open-ended.")
    booking_horizon_days = serializers.IntegerField(min_value=0, max_value=730, required=False, allow_null=True)
    booking_notice_minutes = serializers.IntegerField(
        min_value=0, max_value=60 * 24 * 60, required=False, allow_null=True
    )
    availabilities = WindowInputSerializer(many=True)


class ScheduleCloseSerializer(StrictInputSerializer):
    end = InstantField(required=False, help_text="When the schedule ends; default (or no body): now.")


class WindowResultSerializer(serializers.Serializer):
    schedule = ScheduleOutputSerializer(help_text="The schedule version in force from the change.")
    availability = AvailabilityOutputSerializer()


class ExceptionOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = AvailabilityException
        fields = [
            "id",
            "resource",
            "is_available",
            "start",
            "end",
            "reason",
            "type",
            "slot_size_minutes",
            "tokens_per_slot",
            "created_at",
        ]


class ExceptionCreatedSerializer(ExceptionOutputSerializer):
    warnings = serializers.SerializerMethodField()

    class Meta(ExceptionOutputSerializer.Meta):
        fields = [*ExceptionOutputSerializer.Meta.fields, "warnings"]

    def get_warnings(self, exception) -> list[str]:
        return list(getattr(exception, "warnings", []))


class ExceptionNotAddedSerializer(serializers.Serializer):
    exception = ExceptionOutputSerializer(allow_null=True, help_text="Always null: nothing was added.")
    warnings = serializers.ListField(child=serializers.CharField(), help_text="Why nothing was added.")


class ExceptionInputSerializer(StrictInputSerializer):
    resource = FacilityObjectField(lister=kernel.resource_list)
    is_available = serializers.BooleanField(
        required=False, default=False, help_text="True adds time outside the weekly pattern; false removes time."
    )
    start = InstantField()
    end = InstantField()
    reason = serializers.CharField(max_length=300)
    type = serializers.ChoiceField(choices=WindowType.choices, required=False, default=WindowType.OPEN)
    slot_size_minutes = serializers.IntegerField(min_value=1, max_value=24 * 60, required=False, allow_null=True)
    tokens_per_slot = serializers.IntegerField(min_value=1, max_value=1000, required=False, allow_null=True)


class ExceptionQuerySerializer(LocalDateRangeQuery):
    """Exceptions overlapping the local days ``from``..``to``."""

    max_days = 366
    resource = IdField(required=False)
    is_available = serializers.BooleanField(required=False, allow_null=True, default=None)


class ScheduleQuerySerializer(serializers.Serializer):
    resource = IdField(required=False)
    in_force_at = InstantField(required=False)


class SlotOutputSerializer(serializers.Serializer):
    resource = serializers.IntegerField(source="resource_id")
    resource_name = serializers.SerializerMethodField()
    start = serializers.DateTimeField(help_text="UTC.")
    end = serializers.DateTimeField(help_text="UTC.")
    local_start = serializers.SerializerMethodField(help_text="Wall clock of the facility, with its offset.")
    local_end = serializers.SerializerMethodField()
    type = serializers.ChoiceField(choices=WindowType.choices)
    capacity = serializers.IntegerField()
    booked = serializers.IntegerField()
    remaining = serializers.IntegerField()
    bookable = serializers.BooleanField()
    availability = serializers.IntegerField(source="availability_id", allow_null=True)
    exception = serializers.IntegerField(source="exception_id", allow_null=True)

    def get_resource_name(self, slot) -> str:
        return self.context["resource_names"].get(slot.resource_id, "")

    def get_local_start(self, slot) -> str:
        return slot.start.astimezone(self.context["zone"]).isoformat()

    def get_local_end(self, slot) -> str:
        return slot.end.astimezone(self.context["zone"]).isoformat()


class SlotQuerySerializer(serializers.Serializer):
    from_ = LocalDateField(help_text="First local date.")
    to = LocalDateField(help_text=f"Last local date (inclusive); at most {MAX_RANGE_DAYS} days in all.")
    appointment_type = FacilityObjectField(lister=kernel.appointment_type_list, required=False, allow_null=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields

    def validate(self, attrs):
        ranges.date_span_check(attrs["from"], attrs["to"], max_days=MAX_RANGE_DAYS, start_field="from", end_field="to")
        return attrs


class StatsQuerySerializer(SlotQuerySerializer):
    def get_fields(self):
        fields = super().get_fields()
        fields.pop("appointment_type")
        return fields


class SlotSearchQuerySerializer(serializers.Serializer):
    date = LocalDateField(help_text="Local date.")
    kind = serializers.ChoiceField(choices=[], required=False)
    department = FacilityObjectField(lister=kernel.department_list, required=False, allow_null=True)
    appointment_type = FacilityObjectField(lister=kernel.appointment_type_list, required=False, allow_null=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _resource_kinds()


class DayStatsSerializer(serializers.Serializer):
    date = serializers.DateField()
    slots = serializers.IntegerField()
    capacity = serializers.IntegerField()
    booked = serializers.IntegerField(help_text="Units of active bookings starting that day.")
    bookable_slots = serializers.IntegerField()


class BookingPolicySerializer(StrictInputSerializer):
    booking_horizon_days = serializers.IntegerField(min_value=0, max_value=730, help_text="Days ahead bookable.")
    booking_notice_minutes = serializers.IntegerField(
        min_value=0, max_value=60 * 24 * 60, help_text="How late before a slot it can be booked."
    )
    default_slot_minutes = serializers.IntegerField(
        min_value=5, max_value=24 * 60, required=False, allow_null=True, default=None
    )


class SlotDurationOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = SlotDuration
        fields = ["id", "appointment_type", "department", "minutes"]


class SlotDurationInputSerializer(StrictInputSerializer):
    appointment_type = FacilityObjectField(lister=kernel.appointment_type_list, required=False, allow_null=True)
    department = FacilityObjectField(lister=kernel.department_list, required=False, allow_null=True)
    minutes = serializers.IntegerField(min_value=5, max_value=24 * 60)


class DelegationOutputSerializer(serializers.ModelSerializer):
    delegate = serializers.CharField(source="delegate.username")
    granted_by = serializers.CharField(source="granted_by.username")

    class Meta:
        model = ScheduleDelegation
        fields = ["id", "resource", "delegate", "granted_by", "created_at", "revoked_at"]


class DelegationInputSerializer(StrictInputSerializer):
    resource = FacilityObjectField(lister=kernel.resource_list)
    delegate = serializers.CharField(max_length=150, help_text="Username of a member of the facility.")
