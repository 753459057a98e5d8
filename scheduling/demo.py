"""Fictitious demo data: two facilities, their departments, appointment types, resources,
patients and one login per role. Every name is invented; the generator is seeded, so the
same rows come out every time, and running it again adds nothing."""

import datetime
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from simple_history.utils import bulk_create_with_history

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

DEMO_PASSWORD = "careslot-demo"

FACILITIES = [
    ("riverside", "Riverside General Hospital (demo)", "Europe/London", "RGH"),
    ("hillcrest", "Hillcrest Cancer Centre (demo)", "Asia/Kolkata", "HCC"),
]

DEPARTMENTS = [("gen", "General Medicine"), ("onc", "Oncology"), ("inf", "Infusion Suite"), ("surg", "Surgery")]

CLINICIAN = [{"role": "Clinician", "kinds": ["practitioner", "nurse"]}]
CHAIR = [{"role": "Chair", "kinds": ["chair"]}]
# A theatre case books its team with the theatre: the booking form finds times all are free.
THEATRE_TEAM = [
    {"role": "Theatre", "kinds": ["theatre"]},
    {"role": "Surgeon", "kinds": ["practitioner"]},
    {"role": "Anaesthetist", "kinds": ["practitioner"]},
    {"role": "Scrub nurse", "kinds": ["nurse"]},
]

# (code, name, minutes, the resources a booking of it holds)
APPOINTMENT_TYPES = [
    ("new", "New patient", 20, CLINICIAN),
    ("follow-up", "Follow-up", 10, CLINICIAN),
    ("infusion-short", "Infusion, short", 60, CHAIR),
    ("infusion-long", "Infusion, long", 180, CHAIR),
    ("chemo-short", "Chemotherapy, short", 120, CHAIR),
    ("chemo-long", "Chemotherapy, long", 300, CHAIR),
    ("procedure", "Procedure", 90, [{"role": "Room", "kinds": ["room", "theatre"]}]),
    ("theatre-case", "Theatre case", 120, THEATRE_TEAM),
]

# (login, role, is_staff, facilities). The admin administers both facilities, so the facility
# switcher and tenant-scoped Django admin can be seen; hillcrest-desk shows a second tenant's desk.
LOGINS = [
    ("admin", Role.ADMIN, True, ["riverside", "hillcrest"]),
    ("manager", Role.MANAGER, False, ["riverside"]),
    ("scheduler", Role.SCHEDULER, False, ["riverside"]),
    ("clinician", Role.CLINICIAN, False, ["riverside"]),
    ("analyst", Role.ANALYST, False, ["riverside"]),
    ("hillcrest-desk", Role.SCHEDULER, False, ["hillcrest"]),
    # A medical registrar on Hillcrest's demo rota (rostering/demo.py): their shifts and requests.
    ("registrar", Role.CLINICIAN, False, ["hillcrest"]),
]

# Invented name parts, combined at random; any resemblance to a real person is coincidence.
GIVEN = [
    "Arlo",
    "Brisa",
    "Cato",
    "Dalia",
    "Eamon",
    "Fenna",
    "Galen",
    "Hester",
    "Ilse",
    "Jory",
    "Kestrel",
    "Linnea",
    "Maren",
    "Nilo",
    "Orla",
    "Perrin",
    "Quilla",
    "Rowan",
    "Saoirse",
    "Tamsin",
    "Ulric",
    "Vesna",
    "Wren",
    "Xanthe",
    "Yara",
    "Zuri",
    "Anouk",
    "Bram",
    "Corin",
    "Delphine",
]
FAMILY = [
    "Ashgrove",
    "Brackwater",
    "Coldmere",
    "Dunmore",
    "Elderby",
    "Fernhollow",
    "Greyling",
    "Hollins",
    "Ivybridge",
    "Juniper",
    "Kettlewell",
    "Larkspur",
    "Mossfield",
    "Nettlebury",
    "Oakhart",
    "Pennywhistle",
    "Quarry",
    "Rushmere",
    "Stillwater",
    "Thornbury",
    "Underhill",
    "Vale",
    "Whitlock",
    "Yarrow",
]


def seed_demo() -> dict:
    """Creates whatever of the demo is missing; returns counts of what it created."""
    created = {"facilities": 0, "users": 0, "patients": 0, "resources": 0}
    with transaction.atomic():
        users = {}
        for username, _role, is_staff, _facilities in LOGINS:
            user, made = get_user_model().objects.get_or_create(
                # No address: notifications of the demo bookings stay in the app instead of
                # printing a console email each in `make run`'s output.
                username=username,
                defaults={"is_staff": is_staff},
            )
            if made:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                created["users"] += 1
            users[username] = user
        for index, (slug, name, tz, prefix) in enumerate(FACILITIES):
            facility, made = Facility.objects.get_or_create(slug=slug, defaults={"name": name, "time_zone": tz})
            created["facilities"] += made
            for username, role, _is_staff, facilities in LOGINS:
                if slug in facilities:
                    Membership.objects.get_or_create(facility=facility, user=users[username], defaults={"role": role})
            departments = {
                code: Department.objects.get_or_create(facility=facility, code=code, defaults={"name": label})[0]
                for code, label in DEPARTMENTS
            }
            for code, label, minutes, needs in APPOINTMENT_TYPES:
                appointment_type, _ = AppointmentType.objects.get_or_create(
                    facility=facility,
                    code=code,
                    defaults={"name": label, "default_minutes": minutes, "resource_needs": needs},
                )
                # A demo made before types named their needs gets them once; a type given
                # needs since (by an administrator) keeps its own.
                if not appointment_type.resource_needs:
                    appointment_type.resource_needs = needs
                    appointment_type.save(update_fields=["resource_needs"])
            created["resources"] += _seed_resources(facility, departments, users, rng=random.Random(100 + index))
            created["patients"] += _seed_patients(facility, prefix, rng=random.Random(200 + index))
    return created


def _seed_resources(facility, departments, users, *, rng: random.Random) -> int:
    wanted = []
    doctors = rng.sample([f"Dr {g} {f}" for g in GIVEN for f in FAMILY], 5)
    # Two oncologists, a general physician, and a surgeon and an anaesthetist for the theatres.
    for i, name in enumerate(doctors):
        department = departments["onc" if i < 2 else "gen" if i == 2 else "surg"]
        wanted.append((ResourceKind.PRACTITIONER, name, department, users["clinician"] if i == 0 else None))
    nurses = rng.sample([f"Nurse {g} {f}" for g in GIVEN for f in FAMILY], 3)
    # Two infusion nurses and a scrub nurse.
    wanted += [
        (ResourceKind.NURSE, name, departments["surg" if i == 2 else "inf"], None) for i, name in enumerate(nurses)
    ]
    wanted += [(ResourceKind.CHAIR, f"Chair {n:02d}", departments["inf"], None) for n in range(1, 13)]
    # Eight theatres: the demo's OR cases (imports/demo.py) are the public data set's eight suites.
    wanted += [(ResourceKind.THEATRE, f"Theatre {n}", departments["surg"], None) for n in range(1, 9)]
    wanted += [(ResourceKind.ROOM, f"Consulting room {n}", departments["gen"], None) for n in (1, 2)]
    made_count = 0
    for kind, name, department, user in wanted:
        linked_user = user if facility.slug == "riverside" else None
        _, made = SchedulableResource.objects.get_or_create(
            facility=facility, kind=kind, name=name, defaults={"department": department, "user": linked_user}
        )
        made_count += made
    return made_count


def _seed_patients(facility, prefix: str, *, rng: random.Random, count: int = 200) -> int:
    existing = set(Patient.objects.filter(facility=facility).values_list("mrn", flat=True))
    missing = []
    for n in range(1, count + 1):
        # Draw for every patient, present or not, so each MRN always gets the same person.
        name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
        born = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(0, 365 * 80))
        phone = f"+00 5550 {rng.randrange(100000, 999999)}"
        mrn = f"{prefix}-{n:06d}"
        if mrn not in existing:
            missing.append(Patient(facility=facility, mrn=mrn, name=name, date_of_birth=born, phone=phone))
    bulk_create_with_history(missing, Patient)
    return len(missing)
