"""factory_boy factories for the shared kernel. All names are invented."""

import datetime

import factory
from django.contrib.auth import get_user_model

from scheduling.models import (
    AppointmentType,
    Department,
    Facility,
    Membership,
    Patient,
    ResourceKind,
    Role,
    SchedulableResource,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@careslot.invalid")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility

    name = factory.Sequence(lambda n: f"Test Clinic {n}")
    slug = factory.Sequence(lambda n: f"clinic-{n}")
    time_zone = "Europe/London"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    facility = factory.SubFactory(FacilityFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.SCHEDULER


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    facility = factory.SubFactory(FacilityFactory)
    code = factory.Sequence(lambda n: f"dept{n}")
    name = factory.Sequence(lambda n: f"Department {n}")


class AppointmentTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AppointmentType

    facility = factory.SubFactory(FacilityFactory)
    code = factory.Sequence(lambda n: f"type{n}")
    name = factory.Sequence(lambda n: f"Visit type {n}")
    default_minutes = 20


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    facility = factory.SubFactory(FacilityFactory)
    mrn = factory.Sequence(lambda n: f"MRN-{n:06d}")
    name = factory.Sequence(lambda n: f"Testperson Number{n}")
    date_of_birth = datetime.date(1980, 5, 17)
    phone = "+00 5550 123456"


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchedulableResource

    facility = factory.SubFactory(FacilityFactory)
    kind = ResourceKind.CHAIR
    name = factory.Sequence(lambda n: f"Chair {n:03d}")
    department = factory.SubFactory(DepartmentFactory, facility=factory.SelfAttribute("..facility"))
