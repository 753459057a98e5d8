"""Shared fixtures of the rostering tests: a small generated department loaded into the test
facility as a rota (its first registrar signs in as ``registrar``), and members by role."""

import datetime as dt

import pytest
from django.utils import timezone

from rostering import generate
from rostering.services.loading import rota_from_problem
from scheduling.models import Role


def next_monday(weeks_ahead: int = 1) -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=7 * weeks_ahead - today.weekday())


@pytest.fixture
def manager(facility, make_member):
    return make_member(facility, Role.MANAGER, username="nina-manager")


@pytest.fixture
def registrar(facility, make_member):
    return make_member(facility, Role.CLINICIAN, username="dr-reg")


@pytest.fixture
def other_registrar(facility, make_member):
    return make_member(facility, Role.CLINICIAN, username="dr-other")


@pytest.fixture
def small_problem():
    """Twenty-five registrars (fewer cannot meet the senior cover) over 14 days from a Monday one to two weeks ahead."""
    return generate.department(registrars=25, days=14, seed=3, first_day=next_monday())


@pytest.fixture
def rota_and_staff(facility, user, registrar, other_registrar, small_problem):
    """The small department as a rota with weekly coverage; its first two people are the
    ``registrar`` and ``other_registrar`` users. Returns (rota, staff by problem id)."""
    ids = [person.id for person in small_problem.staff]
    return rota_from_problem(
        facility=facility,
        actor=user,
        problem=small_problem,
        name="Medical registrars",
        users={ids[0]: registrar, ids[1]: other_registrar},
        solve_seconds=5,
        weekly=True,
    )


@pytest.fixture
def rota(rota_and_staff):
    return rota_and_staff[0]


@pytest.fixture
def published_roster(facility, user, rota):
    """A week of the rota solved (≤ 5 s) and published by the admin ``user`` (needs a
    ``transaction=True`` database: the solve runs after the commit)."""
    from rostering.services import rosters

    roster = rosters.roster_create(
        facility=facility, actor=user, rota_id=rota.pk, first_day=next_monday(), num_days=7, time_limit_seconds=5
    )
    rosters.roster_publish(facility=facility, actor=user, roster_id=roster.pk)
    roster.refresh_from_db()
    return roster
