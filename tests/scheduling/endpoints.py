"""Every facility-scoped collection of the kernel's API, with how to make one of its objects and
a valid body to write. The isolation and role matrices iterate over this list."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scheduling.models import Role
from scheduling.permissions import Action
from tests.factories import (
    AppointmentTypeFactory,
    DepartmentFactory,
    MembershipFactory,
    PatientFactory,
    ResourceFactory,
)


@dataclass
class Endpoint:
    path: str
    make: Callable[[Any], Any]  # facility -> object
    create_body: Callable[[Any], dict]  # facility -> valid body
    update_body: dict
    view: Action
    manage: Action


ENDPOINTS = [
    Endpoint(
        "patients",
        lambda f: PatientFactory(facility=f),
        lambda f: {"mrn": "NEW-1", "name": "Newly Registered", "date_of_birth": "1990-01-02"},
        {"phone": "+00 5550 999999"},
        Action.PATIENT_VIEW,
        Action.PATIENT_MANAGE,
    ),
    Endpoint(
        "departments",
        lambda f: DepartmentFactory(facility=f),
        lambda f: {"code": "cardio", "name": "Cardiology"},
        {"name": "Renamed department"},
        Action.DEPARTMENT_VIEW,
        Action.DEPARTMENT_MANAGE,
    ),
    Endpoint(
        "appointment-types",
        lambda f: AppointmentTypeFactory(facility=f),
        lambda f: {"code": "tele", "name": "Telephone", "default_minutes": 15},
        {"default_minutes": 25},
        Action.APPOINTMENT_TYPE_VIEW,
        Action.APPOINTMENT_TYPE_MANAGE,
    ),
    Endpoint(
        "resources",
        lambda f: ResourceFactory(facility=f),
        lambda f: {"kind": "room", "name": "Room 9"},
        {"active": False},
        Action.RESOURCE_VIEW,
        Action.RESOURCE_MANAGE,
    ),
    Endpoint(
        "memberships",
        lambda f: MembershipFactory(facility=f, role=Role.ANALYST),
        lambda f: {"username": MembershipFactory(role=Role.ANALYST).user.username, "role": "analyst"},
        {"role": "manager"},
        Action.MEMBERSHIP_VIEW,
        Action.MEMBERSHIP_MANAGE,
    ),
]

IDS = [e.path for e in ENDPOINTS]


def base(facility) -> str:
    return f"/api/v1/facilities/{facility.slug}"
