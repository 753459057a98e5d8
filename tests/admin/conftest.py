"""Two facilities full of every kind of row Django admin shows, and a client logged in to
/admin/ as the administrator of the first one only. Everything of the second facility carries
the word ``Zebrawood`` in its name, so a page that leaks it is caught by a plain text search."""

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from analytics import services as analytics_services
from analytics.models import AnalyticsSettings, AppointmentTypeMapping, PatientType
from availability import services as availability_services
from booking import services as booking_services
from imports import services as import_services
from infusion.models import Placement, SimulationRun
from infusion.services import configuration
from live_queue import services as queue_services
from scheduling import services as kernel_services
from scheduling.models import ResourceKind, Role
from tests.availability.factories import make_schedule, window
from tests.factories import (
    AppointmentTypeFactory,
    DepartmentFactory,
    FacilityFactory,
    MembershipFactory,
    PatientFactory,
    ResourceFactory,
    UserFactory,
)

LEAK = "Zebrawood"
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)


@dataclass
class Tenant:
    """One facility and one row of each kind that Django admin lists."""

    facility: object
    admin: object
    nurse: object
    department: object
    visit: object
    chair: object
    doctor: object
    patient: object
    schedule: object
    booking: object
    entry: object
    exception: object
    delegation: object
    comment: object
    rows: dict = field(default_factory=dict)


def build_tenant(name: str, slug: str, time_zone: str) -> Tenant:
    facility = FacilityFactory(name=f"{name} Hospital", slug=slug, time_zone=time_zone)
    admin = UserFactory(username=f"{slug}-admin")
    MembershipFactory(facility=facility, user=admin, role=Role.ADMIN)
    nurse = UserFactory(username=f"{slug}-nurse")
    MembershipFactory(facility=facility, user=nurse, role=Role.CLINICIAN)
    department = DepartmentFactory(facility=facility, name=f"{name} Cardiology", code=f"{slug}-card")
    visit = AppointmentTypeFactory(facility=facility, name=f"{name} Check-up", code="checkup", default_minutes=20)
    chair = ResourceFactory(facility=facility, kind=ResourceKind.CHAIR, name=f"{name} Chair", department=department)
    doctor = ResourceFactory(
        facility=facility, kind=ResourceKind.PRACTITIONER, name=f"Dr {name} Okafor", department=department, user=nurse
    )
    patient = PatientFactory(facility=facility, name=f"{name} Patient", mrn=f"{slug}-1")
    second_patient = PatientFactory(facility=facility, name=f"{name} Walker", mrn=f"{slug}-2")
    schedule = make_schedule(facility, chair, admin, window(EVERY_DAY, "08:00", "20:00", type="open", types=[visit]))
    make_schedule(facility, doctor, admin, window(EVERY_DAY, "08:00", "20:00", type="tokens", slot=20, tokens=2))
    day = timezone.localdate() + dt.timedelta(days=2)
    start = dt.datetime.combine(day, dt.time(10), tzinfo=ZoneInfo(time_zone))
    booking = booking_services.booking_create(
        facility=facility,
        actor=admin,
        actor_role=Role.ADMIN,
        request=booking_services.BookingRequest(
            patient_id=patient.pk,
            appointment_type_id=visit.pk,
            start=start,
            end=start + dt.timedelta(minutes=20),
            resources=(booking_services.ResourceRequest(chair.pk),),
            note=f"{name} note",
        ),
        now=start - dt.timedelta(days=1),
    )
    entry = queue_services.check_in(
        facility=facility, actor=admin, actor_role=Role.ADMIN, patient_id=second_patient.pk, department_id=department.pk
    )
    exception = availability_services.exception_create(
        facility=facility,
        actor=admin,
        resource_id=chair.pk,
        start=start + dt.timedelta(days=7),
        end=start + dt.timedelta(days=7, hours=1),
        reason=f"{name} staff meeting",
    )
    availability_services.booking_policy_set(
        facility=facility, actor=admin, resource_id=chair.pk, booking_horizon_days=60, booking_notice_minutes=0
    )
    availability_services.slot_duration_set(facility=facility, actor=admin, minutes=15, department_id=department.pk)
    delegate = UserFactory(username=f"{slug}-deputy")
    MembershipFactory(facility=facility, user=delegate, role=Role.MANAGER)
    delegation = availability_services.delegation_grant(
        facility=facility, actor=admin, resource_id=doctor.pk, delegate_username=delegate.username
    )
    comment = kernel_services.comment_add(facility=facility, actor=admin, target=patient, text=f"{name} remark")
    _imports(facility, admin, chair, name, slug, day)
    _analytics(facility, admin, visit, day)
    _infusion(facility, admin, patient, visit, chair, booking, day)
    _rostering(facility, admin, name, day)
    return Tenant(
        facility=facility,
        admin=admin,
        nurse=nurse,
        department=department,
        visit=visit,
        chair=chair,
        doctor=doctor,
        patient=patient,
        schedule=schedule,
        booking=booking,
        entry=entry,
        exception=exception,
        delegation=delegation,
        comment=comment,
    )


def _infusion(facility, admin, patient, visit, chair, booking, day: dt.date) -> None:
    """The infusion center's configuration (the study's defaults), a manager's nurse entry, a
    placement and a finished simulation run, so their admin pages open with a row."""
    configuration.infusion_defaults_ensure(facility=facility, actor=admin)
    configuration.nurse_shift_add(
        facility=facility,
        actor=admin,
        date=day + dt.timedelta(days=1),
        start_time=dt.time(8),
        end_time=dt.time(16),
        nurses=2,
    )
    Placement.objects.create(
        facility=facility,
        patient=patient,
        patient_type="INF",
        route="next_cycle",
        policy="levelled",
        appointment_type=visit,
        from_date=day,
        target_date=day + dt.timedelta(days=30),
        predicted_minutes=20,
        booking=booking,
        chair=chair,
        status="placed",
        chosen_start=booking.start,
        attempts=[{"day": f"{day}", "start": "10:00", "verdict": "chosen", "reason": "room"}],
        created_by=admin,
    )
    SimulationRun.objects.create(
        facility=facility, created_by=admin, parameters={"chairs": 8}, status="done", progress=100, results={}
    )


def _rostering(facility, admin, name: str, day: dt.date) -> None:
    from tests.rostering.factories import tiny_rota

    tiny_rota(facility, admin, name, day)


def _imports(facility, admin, chair, name: str, slug: str, day: dt.date) -> None:
    """A loaded file (after mapping an unknown chair name), a file with errors, a patient type."""
    PatientType.objects.create(facility=facility, code=f"{slug[:8].upper()}-T", description=f"{name} type")
    header = "appointment_id,encounter_id,date,chair,regimen_category,patient_type,scheduled_chair_minutes,status\n"
    loaded = header + f"{slug}-a1,{slug}-e1,{day},{chair.name},short,INF,30,scheduled\n"
    loaded += f"{slug}-a2,{slug}-e2,{day},{name} Bay,long,CMO-LONG,240,completed\n"
    record = _upload(facility, admin, loaded, f"{name} appointments.csv")
    import_services.import_resolve_resources(
        facility=facility,
        actor=admin,
        import_id=record.pk,
        resolutions=[{"name": f"{name} Bay", "resource_id": chair.pk}],
    )
    import_services.import_process(import_id=record.pk)
    broken = header + f"{slug}-a3,{slug}-e3,{day},,short,{name},30,scheduled\n"
    _upload(facility, admin, broken, f"{name} broken.csv")


def _analytics(facility, admin, visit, day: dt.date) -> None:
    """Settings, a mapping, a subscription, and a night's run with its aggregates."""
    AnalyticsSettings.objects.create(facility=facility)
    AppointmentTypeMapping.objects.create(
        facility=facility, appointment_type=visit, regimen_category="short", patient_type="INF"
    )
    analytics_services.report_subscribe(facility=facility, user=admin, subscribe=True)
    analytics_services.nightly_run(facility_id=facility.pk, day=day, trigger="nightly")


def _upload(facility, admin, content: str, name: str):
    record, _ = import_services.import_upload(
        facility=facility, actor=admin, uploaded_file=SimpleUploadedFile(name, content.encode())
    )
    import_services.import_process(import_id=record.pk)
    return record


@pytest.fixture(autouse=True)
def _quick_passwords(settings):
    """Nobody here logs in with a password (force_login): hashing a dozen at full strength would
    be most of each test's time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def mine(db) -> Tenant:
    return build_tenant("Alder", "alder", "Asia/Kolkata")


@pytest.fixture
def theirs(db) -> Tenant:
    tenant = build_tenant(LEAK, "zebrawood", "America/New_York")
    # Someone who belongs to no facility at all: no administrator but a superuser may pick them.
    UserFactory(username=f"{LEAK.lower()}-loner")
    return tenant


@pytest.fixture
def admin_client(client, mine, theirs):
    """Logged in to /admin/ as the administrator of ``mine`` only (staff, no Django permissions)."""
    mine.admin.is_staff = True
    mine.admin.save(update_fields=["is_staff"])
    client.force_login(mine.admin)
    return client


def page(response) -> str:
    return response.content.decode()


def member(facility, role: str, username: str):
    user = UserFactory(username=username)
    MembershipFactory(facility=facility, user=user, role=role)
    return user


def options_of(html: str, name: str) -> str:
    """The HTML of the ``<select name=...>`` element, to look at what it offers."""
    start = html.index(f'name="{name}"')
    return html[start : html.index("</select>", start)]
