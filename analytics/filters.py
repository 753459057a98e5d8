"""What narrows the analytics API's answers: the query of the metrics (``from``, ``to``,
``department``, ``resource``, ``group_by``) and the django-filter FilterSets of the fact lists and
nightly runs. Shape and ranges only; what a filter means is the metrics' business.

The periods follow the pages' rules (``analytics.forms``): local dates, both included, at most
366 days; by default the 28 days up to yesterday (the at-risk days: today and the 13 after);
given only ``from``, the period runs 28 days from it, but not past yesterday; given only ``to``,
the 28 days up to it. Ids name the facility's own departments and chairs or theatres: another
facility's id is simply not one (400 naming the field)."""

import datetime as dt
from zoneinfo import ZoneInfo

import django_filters
from django import forms
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from analytics import metrics
from analytics.models import (
    AppointmentStatus,
    ChairAppointment,
    NightlyRun,
    RegimenCategory,
    RunStatus,
    SurgicalCase,
)
from scheduling import ranges
from scheduling import selectors as kernel
from scheduling.api_kernel import FacilityObjectField, LocalDateRangeQuery, StrictInputSerializer
from scheduling.choices import ResourceKind
from scheduling.parsing import MAX_ID, InvalidInput, LocalDateField, parse_id

MAX_RANGE_DAYS = 366
PAST_DAYS = 28
AHEAD_DAYS = 14
WHOLE_CENTRE = (
    "This metric is of the whole infusion centre (nurses are on duty for the centre, not for a chair "
    "or a department): it takes no department or resource."
)
TRIGGERS = ["nightly", "backfill", "rerun"]


def local_today(facility) -> dt.date:
    return timezone.localdate(timezone=ZoneInfo(facility.time_zone))


def chair_list(*, facility):
    return kernel.resource_list(facility=facility).filter(kind=ResourceKind.CHAIR)


def theatre_list(*, facility):
    return kernel.resource_list(facility=facility).filter(kind=ResourceKind.THEATRE)


RESOURCE_LISTERS = {ResourceKind.CHAIR: chair_list, ResourceKind.THEATRE: theatre_list}


# --- the metrics' query ----------------------------------------------------------------------------


class MetricQuery(StrictInputSerializer, LocalDateRangeQuery):
    """``from``/``to`` and, for the metrics of single chairs, suites or facts (``resource_kind``
    set), ``department`` and ``resource``. The metrics of the whole infusion centre refuse those
    two with the reason. ``format`` is content negotiation's (json or csv), not this query's."""

    max_days = MAX_RANGE_DAYS
    resource_kind: str | None = None  # None: a metric of the whole centre
    ahead = False  # by default today and the 13 days after, instead of the 28 days up to yesterday

    def get_fields(self):
        fields = super().get_fields()
        span = AHEAD_DAYS if self.ahead else PAST_DAYS
        default = "today and the 13 days after" if self.ahead else "the 28 days up to yesterday"
        fields["from"].help_text = (
            f"First local date (included). Without `from` and `to`: {default}; without `from`: "
            f"the {span} days up to `to`."
        )
        fields["to"].help_text = (
            f"Last local date (included); at most {self.max_days} days from `from`. Without `to`: "
            f"{span} days from `from`" + ("." if self.ahead else ", not past yesterday.")
        )
        if self.resource_kind is not None:
            noun = "chair" if self.resource_kind == ResourceKind.CHAIR else "theatre"
            fields["department"] = FacilityObjectField(
                lister=kernel.department_list,
                required=False,
                help_text=f"A department of the facility: only its {noun}s.",
                error_messages={"does_not_exist": "Not a department of this facility."},
            )
            fields["resource"] = FacilityObjectField(
                lister=RESOURCE_LISTERS[self.resource_kind],
                required=False,
                help_text=f"One {noun} of the facility (in `department`, if given).",
                error_messages={"does_not_exist": f"Not a {noun} of this facility."},
            )
        return fields

    def to_internal_value(self, data):
        data = {name: data[name] for name in data if name != api_settings.URL_FORMAT_OVERRIDE}
        if self.resource_kind is None:
            refused = {name: [WHOLE_CENTRE] for name in ("department", "resource") if name in data}
            if refused:
                raise serializers.ValidationError(refused)
        return super().to_internal_value(data)

    def validate(self, attrs):
        attrs = super().validate(attrs)  # each date given lies in the span; both given: in order, ≤ 366 days
        today = local_today(self.context["facility"])
        span = dt.timedelta(days=(AHEAD_DAYS if self.ahead else PAST_DAYS) - 1)
        first, last = attrs.get("from"), attrs.get("to")
        if first is None and last is None:
            first = today if self.ahead else today - dt.timedelta(days=PAST_DAYS)
            last = first + span
        elif first is None:
            first = max(last - span, ranges.EARLIEST_DATE)
        elif last is None:
            last = first + span if self.ahead else max(first, min(first + span, today - dt.timedelta(days=1)))
            last = min(last, ranges.latest_date())
        ranges.date_span_check(first, last, max_days=self.max_days, start_field="from", end_field="to")
        attrs["from"], attrs["to"] = first, last
        resource, department = attrs.get("resource"), attrs.get("department")
        if resource is not None and department is not None and resource.department_id != department.pk:
            raise serializers.ValidationError({"resource": ["Not in the department given."]})
        return attrs


class WholeCentreQuery(MetricQuery):
    pass


class AheadQuery(WholeCentreQuery):
    ahead = True


class ChairQuery(MetricQuery):
    resource_kind = ResourceKind.CHAIR


class ChairVarianceQuery(ChairQuery):
    group_by = serializers.ChoiceField(
        choices=list(metrics.VARIANCE_GROUPS),
        default="category_and_type",
        help_text="Rows per regimen category, per patient type, or per both (the default).",
    )


class TheatreQuery(MetricQuery):
    resource_kind = ResourceKind.THEATRE


class BookedVsActualQuery(TheatreQuery):
    group_by = serializers.ChoiceField(
        choices=list(metrics.CASE_GROUPS),
        default="service",
        help_text="Rows per surgical service (the default), per procedure (CPT code) or per suite.",
    )


class ReportDayQuery(StrictInputSerializer):
    date = LocalDateField(required=False, help_text="The local day of the report; yesterday by default.")

    def to_internal_value(self, data):
        data = {name: data[name] for name in data if name != api_settings.URL_FORMAT_OVERRIDE}
        return super().to_internal_value(data)

    def validate(self, attrs):
        day = attrs.get("date") or local_today(self.context["facility"]) - dt.timedelta(days=1)
        attrs["date"] = ranges.date_check(day, field="date")
        return attrs


class FactPeriodQuery(LocalDateRangeQuery):
    """The local days a list of facts or runs covers: from/to, each optional, at most 366 days."""

    max_days = MAX_RANGE_DAYS


# --- the FilterSets of the lists ---------------------------------------------------------------


class FacilityIdFormField(forms.ModelChoiceField):
    """An id read strictly (``scheduling.parsing``), then looked up among the facility's own."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            number = parse_id(value)
        except InvalidInput as error:
            raise forms.ValidationError(error.message, code=error.code) from None
        return super().to_python(number)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class FacilityObjectFilter(django_filters.ModelChoiceFilter):
    """The id of one of the facility's objects (``queryset`` takes the request)."""

    field_class = FacilityIdFormField


def _resource_filter(kind: str, field_name: str) -> FacilityObjectFilter:
    noun = "chair" if kind == ResourceKind.CHAIR else "theatre"
    return FacilityObjectFilter(
        field_name=field_name,
        queryset=lambda request: RESOURCE_LISTERS[kind](facility=request.facility),
        label=f"One {noun} of the facility (its id).",
        error_messages={"invalid_choice": f"Not a {noun} of this facility."},
    )


def _department_filter() -> FacilityObjectFilter:
    return FacilityObjectFilter(
        method="by_department",
        queryset=lambda request: kernel.department_list(facility=request.facility),
        label="A department of the facility (its id): only its resources' facts.",
        error_messages={"invalid_choice": "Not a department of this facility."},
    )


class SurgicalCaseFilter(django_filters.FilterSet):
    """The days are ``from``/``to`` (``FactPeriodQuery``, read by the view)."""

    suite = _resource_filter(ResourceKind.THEATRE, "suite")
    department = _department_filter()
    service = django_filters.CharFilter(lookup_expr="iexact", label="Surgical service (any case).")
    procedure = django_filters.CharFilter(field_name="cpt_code", label="Procedure (CPT) code.")

    class Meta:
        model = SurgicalCase
        fields = ["suite", "department", "service", "procedure"]

    def by_department(self, queryset, name, value):
        return queryset.filter(suite__department=value)


class ChairAppointmentFilter(django_filters.FilterSet):
    chair = _resource_filter(ResourceKind.CHAIR, "chair")
    department = _department_filter()
    regimen_category = django_filters.ChoiceFilter(choices=RegimenCategory.choices)
    patient_type = django_filters.CharFilter(lookup_expr="iexact", label="Patient type code (any case).")
    status = django_filters.MultipleChoiceFilter(choices=AppointmentStatus.choices, label="One or more statuses.")

    class Meta:
        model = ChairAppointment
        fields = ["chair", "department", "regimen_category", "patient_type", "status"]

    def by_department(self, queryset, name, value):
        return queryset.filter(chair__department=value)


class NightlyRunFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=RunStatus.choices, label="One or more statuses.")
    trigger = django_filters.ChoiceFilter(choices=[(name, name) for name in TRIGGERS])

    class Meta:
        model = NightlyRun
        fields = ["status", "trigger"]
