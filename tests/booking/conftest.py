"""A small clinic to book into: a chair and a theatre with open windows every day, 08:00–20:00,
and a doctor who sees patients by token (15-minute slots, 2 tokens each), in Europe/London."""

import datetime as dt
from dataclasses import dataclass
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest

from scheduling.models import ResourceKind, Role
from tests.availability.factories import make_schedule, window
from tests.factories import (
    AppointmentTypeFactory,
    FacilityFactory,
    MembershipFactory,
    PatientFactory,
    ResourceFactory,
    UserFactory,
)

EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)

# A theatre case's needs: the theatre with its surgeon, anaesthetist and scrub nurse.
TEAM = [
    {"role": "Theatre", "kinds": ["theatre"]},
    {"role": "Surgeon", "kinds": ["practitioner"]},
    {"role": "Anaesthetist", "kinds": ["practitioner"]},
    {"role": "Scrub nurse", "kinds": ["nurse"]},
]


def theatre_team(clinic, *, surgeon_from: str = "08:00") -> dict:
    """A surgeon (from ``surgeon_from``), an anaesthetist and a scrub nurse free until 20:00 every
    day beside the clinic's theatre, and a two-hour theatre case that needs the four of them."""
    people = {
        "surgeon": ResourceFactory(facility=clinic.facility, kind=ResourceKind.PRACTITIONER, name="Dr Orla Vale"),
        "anaesthetist": ResourceFactory(
            facility=clinic.facility, kind=ResourceKind.PRACTITIONER, name="Dr Bram Yarrow"
        ),
        "nurse": ResourceFactory(facility=clinic.facility, kind=ResourceKind.NURSE, name="Nurse Ilse Quarry"),
    }
    for name, person in people.items():
        start = surgeon_from if name == "surgeon" else "08:00"
        make_schedule(clinic.facility, person, clinic.admin, window(EVERY_DAY, start, "20:00", type="open"))
    case = AppointmentTypeFactory(
        facility=clinic.facility, code="theatre-case", name="Theatre case", default_minutes=120, resource_needs=TEAM
    )
    return {"case": case, **people}


@dataclass
class Clinic:
    facility: object
    admin: object
    chair: object
    theatre: object
    doctor: object
    visit: object  # appointment type, 30 minutes
    patients: list
    chair_schedule: object = None
    theatre_schedule: object = None
    doctor_schedule: object = None

    def at(self, hhmm: str, days_ahead: int = 2) -> dt.datetime:
        """An aware instant at a wall-clock time of the clinic, some days from today."""
        day = dt.date.today() + dt.timedelta(days=days_ahead)
        return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=ZoneInfo(self.facility.time_zone))

    def slot(self, start: str, end: str, days_ahead: int = 2) -> str:
        """A slot as the booking pages carry it: its UTC start and end, ISO 8601 with offset."""
        return "/".join(self.at(hhmm, days_ahead).astimezone(dt.UTC).isoformat() for hhmm in (start, end))

    def link_slot(self, start: str, end: str, days_ahead: int = 2) -> str:
        """The same in a link's query string (its '+' escaped)."""
        return quote(self.slot(start, end, days_ahead), safe="/:")

    def body(self, start: str, end: str | None = None, resources=None, patient=None, days_ahead: int = 2, **extra):
        body = {
            "patient": (patient or self.patients[0]).pk,
            "appointment_type": self.visit.pk,
            "start": self.at(start, days_ahead).isoformat(),
            "resources": [{"resource": r.pk} for r in (resources or [self.chair])],
            **extra,
        }
        if end:
            body["end"] = self.at(end, days_ahead).isoformat()
        return body

    def url(self, tail: str = "bookings/") -> str:
        return f"/api/v1/facilities/{self.facility.slug}/{tail}"


def build_clinic(facility, admin) -> Clinic:
    chair = ResourceFactory(facility=facility, kind=ResourceKind.CHAIR, name="Chair 01")
    theatre = ResourceFactory(facility=facility, kind=ResourceKind.THEATRE, name="Theatre 1")
    doctor = ResourceFactory(facility=facility, kind=ResourceKind.PRACTITIONER, name="Dr Wren Hollins")
    chair_schedule, theatre_schedule = (
        make_schedule(facility, resource, admin, window(EVERY_DAY, "08:00", "20:00", type="open"))
        for resource in (chair, theatre)
    )
    doctor_schedule = make_schedule(
        facility, doctor, admin, window(EVERY_DAY, "09:00", "12:00", type="tokens", slot=15, tokens=2)
    )
    return Clinic(
        facility=facility,
        admin=admin,
        chair=chair,
        theatre=theatre,
        doctor=doctor,
        visit=AppointmentTypeFactory(facility=facility, code="visit", default_minutes=30),
        patients=[PatientFactory(facility=facility) for _ in range(3)],
        chair_schedule=chair_schedule,
        theatre_schedule=theatre_schedule,
        doctor_schedule=doctor_schedule,
    )


@pytest.fixture
def clinic(facility, user):
    return build_clinic(facility, user)


@pytest.fixture
def scheduler(facility, make_member):
    return make_member(facility, Role.SCHEDULER, username="desk")


@pytest.fixture
def busy_clinic(db):
    """A clinic of its own with fifty patients, for races between real threads."""
    facility = FacilityFactory(slug="busy")
    admin = UserFactory(username="busy-admin")
    MembershipFactory(facility=facility, user=admin, role=Role.ADMIN)
    clinic = build_clinic(facility, admin)
    clinic.patients = [PatientFactory(facility=facility) for _ in range(50)]
    return clinic
