import pytest

from availability import services
from scheduling.models import ResourceKind, Role
from tests.availability.factories import FakeBookings
from tests.factories import ResourceFactory


@pytest.fixture
def bookings():
    """A fake booking source, registered for the test only."""
    source = FakeBookings()
    services.register_booking_source(source)
    yield source
    services.unregister_booking_source(source)


@pytest.fixture
def clinician(facility, make_member):
    return make_member(facility, Role.CLINICIAN, username="dr-roopak")


@pytest.fixture
def doctor(facility, clinician):
    """The resource that stands for ``clinician``."""
    return ResourceFactory(facility=facility, kind=ResourceKind.PRACTITIONER, name="Dr Roopak", user=clinician)


@pytest.fixture
def chair1(facility):
    return ResourceFactory(facility=facility, kind=ResourceKind.CHAIR, name="Chair 1")
