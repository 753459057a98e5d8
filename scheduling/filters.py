"""django-filter FilterSets for the kernel's list endpoints and list pages."""

import django_filters
from django.db.models import Q

from scheduling.models import AppointmentType, Department, Membership, Patient, ResourceKind, Role, SchedulableResource
from scheduling.parsing import IdFilter, LocalDateFilter


class PatientFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Name, MRN or phone contains")
    mrn = django_filters.CharFilter()
    date_of_birth = LocalDateFilter()

    class Meta:
        model = Patient
        fields = ["q", "mrn", "date_of_birth"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(mrn__icontains=value) | Q(phone__icontains=value))


class ResourceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Name or department contains")
    kind = django_filters.ChoiceFilter(choices=ResourceKind.choices)
    department = IdFilter(field_name="department_id")
    active = django_filters.BooleanFilter()

    class Meta:
        model = SchedulableResource
        fields = ["q", "kind", "department", "active"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(department__name__icontains=value))


class DepartmentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = Department
        fields = ["q", "code"]


class AppointmentTypeFilter(django_filters.FilterSet):
    class Meta:
        model = AppointmentType
        fields = ["code", "active"]


class MembershipFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["role"]
