"""Shared fixtures of the infusion tests: an infusion center in the test facility (chairs with
open windows every day, an appointment type per patient type mapped through analytics) and its
members by role."""

import pytest

from scheduling.models import Role
from tests.infusion.factories import build_center


@pytest.fixture
def center(facility, user):
    return build_center(facility, user)


@pytest.fixture
def manager(facility, make_member):
    return make_member(facility, Role.MANAGER, username="nina-manager")


@pytest.fixture
def scheduler(facility, make_member):
    return make_member(facility, Role.SCHEDULER, username="desk")


@pytest.fixture
def clinician(facility, make_member):
    return make_member(facility, Role.CLINICIAN, username="dr-lane")
