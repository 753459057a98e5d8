"""A clinic with something behind every route, so the fuzzer reaches past "not found": resources
with weekly schedules, patients, bookings of each kind (exclusive, token, requested, today's and
checked in), an exception, a slot duration, a delegation, a comment, a notification, and CSV
imports (one loaded with problems, one with errors, one waiting for a chair's name). Made through
the services, as the front desk and administrators would.

Also the ledger of the run: how many operations and requests, and every distinct failure, printed
at the end of the session (``make fuzz`` quotes it)."""

import datetime as dt
import sys
import tempfile
import traceback
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import got_request_exception
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accounts.services import api_token_create
from analytics import services as analytics_services
from availability import services as availability_services
from booking import selectors as booking_selectors
from booking import services as booking_services
from imports import services as import_services
from live_queue import services as queue_services
from scheduling import services as kernel_services
from scheduling.models import Membership, Role
from tests.booking.conftest import build_clinic
from tests.factories import FacilityFactory, MembershipFactory, UserFactory

ROLES = {"admin": Role.ADMIN, "front-desk": Role.SCHEDULER}


@dataclass
class FuzzClinic:
    slug: str
    tokens: dict[str, str]  # role name -> API token
    ids: dict[str, int]  # what a path's ``{id}`` names, by the collection before it

    def path_values(self, path: str) -> dict[str, object]:
        """Real values for the path parameters of ``path`` (an OpenAPI path template)."""
        values: dict[str, object] = {"facility_slug": self.slug}
        parts = path.strip("/").split("/")
        for index, part in enumerate(parts):
            if part == "{schedule_pk}":
                values["schedule_pk"] = self.ids["schedules"]
            elif part == "{resource_id}":
                values["resource_id"] = self.ids["resources"]
            elif part in ("{rota_id}", "{staff_id}", "{code}"):
                name = part.strip("{}")
                values[name] = self.ids[f"rostering:{name}"]
            elif part == "{id}":
                collection = parts[index - 1]
                action = parts[index + 1] if index + 1 < len(parts) else ""
                values["id"] = self.ids.get(f"{collection}/{action}", self.ids.get(collection, 1))
        return values

    def with_real_ids(self, body):
        """``body`` with every id it names replaced by the seeded object's: random ids only ever
        reach "does not exist", real ones reach the services' rules."""
        if isinstance(body, list):
            return [self.with_real_ids(item) for item in body]
        if not isinstance(body, dict):
            return body
        real = {}
        for key, value in body.items():
            collection = ID_FIELDS.get(key)
            if collection and type(value) is int:
                real[key] = self.ids[collection]
            elif collection and isinstance(value, list) and all(type(item) is int for item in value):
                real[key] = [self.ids[collection] for _ in value]
            else:
                real[key] = self.with_real_ids(value)
        return real


# Body fields that name an object of the facility, and the collection whose seeded id they get.
ID_FIELDS = {
    "resource": "resources",
    "patient": "patients",
    "appointment_type": "appointment-types",
    "appointment_types": "appointment-types",
    "department": "departments",
    "booking": "bookings",
    "rota": "rostering:rota_id",
    "staff": "staff",
    "requester_staff_id": "staff",
    "partner_staff_id": "staff",
    "shift_type": "shift-types",
}


@dataclass
class Ledger:
    operations: set = field(default_factory=set)
    tests: int = 0
    failed_tests: int = 0
    requests: int = 0
    failures: dict = field(default_factory=dict)  # (check, operation, status, title) -> first example
    statuses: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))  # operation -> status -> n

    def record(self, operation: str, status: int) -> None:
        self.operations.add(operation)
        self.requests += 1
        self.statuses[operation][status] += 1

    def by_check(self) -> dict[str, int]:
        counts = defaultdict(int)
        for check, *_ in self.failures:
            counts[check] += 1
        return dict(sorted(counts.items()))


LEDGER = Ledger()


class ServerErrorCause:
    """What raised in the app during the last request, told in one line: the exception and the
    deepest frame of the project's own code."""

    last: str | None = None

    @classmethod
    def remember(cls, sender, **kwargs) -> None:
        error = sys.exc_info()[1]
        if error is None:
            return
        root = str(Path(__file__).resolve().parents[2])
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith(root)]
        where = (
            f" at {Path(frames[-1].filename).relative_to(root)}:{frames[-1].lineno} in {frames[-1].name}"
            if frames
            else ""
        )
        cls.last = f"{type(error).__name__}: {str(error)[:200]}{where}"


got_request_exception.connect(ServerErrorCause.remember)


def _seed(facility, admin, desk, clinician):
    clinic = build_clinic(facility, admin)

    def book(resource, hhmm, patient, **extra):
        start = clinic.at(hhmm)
        return booking_services.booking_create(
            facility=facility,
            actor=admin,
            actor_role=Role.ADMIN,
            request=booking_services.BookingRequest(
                patient_id=patient.pk,
                appointment_type_id=clinic.visit.pk,
                start=start,
                end=start + dt.timedelta(minutes=15 if resource == clinic.doctor else 30),
                resources=(booking_services.ResourceRequest(resource.pk),),
                **extra,
            ),
        )

    booked = book(clinic.chair, "10:00", clinic.patients[0])
    book(clinic.doctor, "09:00", clinic.patients[1])
    requested = book(clinic.theatre, "11:00", clinic.patients[2], requested=True)

    # Today's emergency (it skips availability, so any time of today will do), checked in.
    start = (timezone.now() + dt.timedelta(minutes=5)).replace(second=0, microsecond=0)
    today = booking_services.booking_create(
        facility=facility,
        actor=admin,
        actor_role=Role.ADMIN,
        request=booking_services.BookingRequest(
            patient_id=clinic.patients[0].pk,
            appointment_type_id=clinic.visit.pk,
            start=start,
            end=start + dt.timedelta(minutes=20),
            resources=(booking_services.ResourceRequest(clinic.theatre.pk),),
            kind="emergency",
        ),
        now=start - dt.timedelta(hours=1),
    )
    entry = queue_services.check_in(facility=facility, actor=admin, actor_role=Role.ADMIN, booking_id=today.pk)

    exception = availability_services.exception_create(
        facility=facility,
        actor=admin,
        resource_id=clinic.chair.pk,
        start=clinic.at("08:00", days_ahead=9),
        end=clinic.at("09:00", days_ahead=9),
        reason="Chair serviced",
    )
    duration = availability_services.slot_duration_set(
        facility=facility, actor=admin, minutes=30, appointment_type_id=clinic.visit.pk
    )
    delegation = availability_services.delegation_grant(
        facility=facility, actor=admin, resource_id=clinic.doctor.pk, delegate_username=clinician.username
    )
    kernel_services.comment_add(facility=facility, actor=admin, target=booked, text="Bring the last letter.")
    booking_services.notify_booking_event(
        facility_id=facility.pk,
        booking_id=booked.pk,
        event="created",
        event_id=str(uuid.uuid4()),
        recipient_ids=[desk.pk],  # the desk is not otherwise concerned by the admin's booking
    )
    notification = booking_selectors.notification_list(facility=facility, recipient=desk).first()
    imports = _seed_imports(facility, desk)
    mapping = analytics_services.mapping_create(
        facility=facility,
        actor=admin,
        appointment_type_id=clinic.visit.pk,
        regimen_category="short",
        patient_type="INF",
    )
    return {
        "patients": clinic.patients[0].pk,
        "departments": clinic.chair.department_id,
        "appointment-types": clinic.visit.pk,
        "resources": clinic.chair.pk,
        "memberships": Membership.objects.get(facility=facility, user=desk).pk,
        "schedules": clinic.chair_schedule.pk,
        "availabilities": clinic.chair_schedule.availabilities.first().pk,
        "exceptions": exception.pk,
        "slot-durations": duration.pk,
        "delegations": delegation.pk,
        "bookings": booked.pk,
        "bookings/approve": requested.pk,
        "bookings/deny": requested.pk,
        "walk-ins": today.pk,
        "notifications": notification.pk,
        "queues": entry.queue_id,
        "queue-entries": entry.pk,
        "check-ins": entry.pk,
        **imports,
        "appointment-type-mappings": mapping.pk,
        **_seed_rostering(facility, admin),
    }


def _seed_rostering(facility, admin) -> dict:
    """A small rota of nurses with a published roster (solved here, as the worker would: the
    seed's transaction never commits), a draft, leave, a wish and a pending swap."""
    from rostering import problem as rp
    from rostering.services import change, requests, rosters
    from rostering.services.loading import rota_from_problem

    first = timezone.localdate() + dt.timedelta(days=7)
    shifts = (
        rp.ShiftType("E", "Early", dt.time(7), dt.time(15), 8.0),
        rp.ShiftType("L", "Late", dt.time(13), dt.time(21), 8.0),
    )
    staff = tuple(rp.Staff(f"n{i}", f"Fuzz Nurse {i}", skills=("ward",)) for i in range(4))
    cover = tuple(rp.Coverage(day, code, "ward", 1, 1) for day in range(3) for code in ("E", "L"))
    # Nurse 3 asks for the first day off: someone is free to take a shift in the seeded swap.
    wish = (rp.Preference("n3", 0, None, False, 5),)
    problem = rp.Problem(first, 3, shifts, staff, skills=("ward",), coverage=cover, preferences=wish)
    rota, members = rota_from_problem(
        facility=facility, actor=admin, problem=problem, name="Fuzz nurses", resource_kind="nurse"
    )
    published = rosters.roster_create(
        facility=facility, actor=admin, rota_id=rota.pk, first_day=first, num_days=3, time_limit_seconds=2
    )
    rosters.roster_solve_execute(roster_id=published.pk)
    rosters.roster_publish(facility=facility, actor=admin, roster_id=published.pk)
    draft = rosters.roster_create(
        facility=facility, actor=admin, rota_id=rota.pk, first_day=first, num_days=3, time_limit_seconds=2
    )
    rosters.roster_solve_execute(roster_id=draft.pk)
    worked = published.assignments.filter(date=first).order_by("staff_id").first()
    idle = members["n3"]
    swap = change.swap_request_create(
        facility=facility,
        actor=admin,
        roster_id=published.pk,
        requester_staff_id=worked.staff_id,
        requester_date=worked.date,
        partner_staff_id=idle.pk,
    )
    leave = requests.leave_create(
        facility=facility,
        actor=admin,
        first_day=first + dt.timedelta(days=10),
        last_day=first + dt.timedelta(days=11),
        staff=idle.pk,
    )
    wish = requests.preference_create(facility=facility, actor=admin, date=first + dt.timedelta(days=12), staff=idle.pk)
    return {
        "rostering:rota_id": rota.pk,
        "rostering:staff_id": worked.staff_id,
        "rostering:code": "fair_nights",
        "rosters": published.pk,
        "rosters/publish": draft.pk,
        "rosters/stop": draft.pk,
        "swaps": swap.pk,
        "leave": leave.pk,
        "preferences": wish.pk,
        "contracts": rota.contracts.first().pk,
        "shift-types": rota.shift_types.first().pk,
        "sites": 0,
        "staff": worked.staff_id,
        "coverage": rota.coverage.first().pk,
        "partnerships": 0,
        "training": 0,
    }


NURSES = "date,nurses_available,max_chairs_supported\r\n"
APPOINTMENTS = "appointment_id,encounter_id,date,chair,regimen_category,patient_type,scheduled_chair_minutes,status\r\n"


def _seed_imports(facility, desk) -> dict[str, int]:
    """Three uploads, each validated as the worker would (the task's body, run here: the seed's
    transaction never commits, so nothing is queued)."""

    def upload(name: str, content: str):
        record, _ = import_services.import_upload(
            facility=facility,
            actor=desk,
            uploaded_file=SimpleUploadedFile(name, content.encode(), content_type="text/csv"),
        )
        import_services.import_process(import_id=record.pk)
        return record

    # Loaded, with a warning-free report of nothing; the file and history are there to read.
    loaded = upload("nurses.csv", NURSES + "2025-03-03,6,14\r\n2025-03-04,5,12\r\n")
    # Errors on two lines (one a formula-like cell) and one valid row: "invalid", with a report.
    invalid = upload("nurses-bad.csv", NURSES + '2025-03-05,-1,9\r\n2025-03-06,"=SUM(A1)",9\r\n2025-03-07,4,9\r\n')
    # Names chairs the clinic does not have (those of the resolve example in the API docs): it
    # waits for them to be created or mapped to one it has.
    waiting = upload(
        "chairs.csv",
        APPOINTMENTS
        + "A-1,E-1,2025-03-03,Chair 12,short,INF,45,scheduled\r\n"
        + "A-2,E-2,2025-03-03,Chair 3,medium,FUP,90,scheduled\r\n",
    )
    return {
        "imports": invalid.pk,
        "imports/file": loaded.pk,
        "imports/history": loaded.pk,
        "imports/load-valid-rows": invalid.pk,
        "imports/resolve": waiting.pk,
    }


@pytest.fixture(scope="module")
def fuzz_clinic(django_db_setup, django_db_blocker):
    """The clinic, its administrator and its front desk, each with an API token: made once for the
    module inside a transaction that is rolled back at its end. Each test runs in a savepoint of
    its own (the ``db`` fixture), so what one operation's examples change, the next never sees."""
    # The fuzzer speaks plain HTTP to the app in-process, as the WSGI host "localhost"; members'
    # passwords are never used to sign in, so a fast hash will do.
    # Uploaded files go to a directory of the run's own.
    raw_files = tempfile.TemporaryDirectory(prefix="careslot-fuzz-imports-")
    site = override_settings(
        ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "localhost"],
        SECURE_SSL_REDIRECT=False,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        STORAGES={
            **settings.STORAGES,
            "imports": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": raw_files.name},
            },
        },
    )
    with raw_files, django_db_blocker.unblock(), site:
        outer = transaction.atomic()
        outer._from_testcase = True  # as Django's TestCase marks its own: services may still open durable blocks
        outer.__enter__()
        try:
            yield _make_clinic()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _make_clinic() -> FuzzClinic:
    facility = FacilityFactory(name="Fuzz General (demo)", slug="fuzz-general", time_zone="Europe/London")
    users = {}
    for name, role in ROLES.items():
        users[name] = UserFactory(username=f"fuzz-{name}")
        MembershipFactory(facility=facility, user=users[name], role=role)
    clinician = UserFactory(username="fuzz-clinician")
    MembershipFactory(facility=facility, user=clinician, role=Role.CLINICIAN)
    ids = _seed(facility, users["admin"], users["front-desk"], clinician)
    tokens = {name: api_token_create(user=user)[1] for name, user in users.items()}
    return FuzzClinic(slug=facility.slug, tokens=tokens, ids=ids)


def pytest_terminal_summary(terminalreporter):
    if not LEDGER.operations:
        return
    write = terminalreporter.write_line
    terminalreporter.section("Schemathesis")
    write(f"operations: {len(LEDGER.operations)}  (each as {len(ROLES)} roles: {', '.join(ROLES)})")
    write(f"requests:   {LEDGER.requests}")
    by_class = defaultdict(int)
    for statuses in LEDGER.statuses.values():
        for status, count in statuses.items():
            by_class[f"{status // 100}xx"] += count
    write("responses:  " + ", ".join(f"{name} {count}" for name, count in sorted(by_class.items())))
    never_ok = sorted(op for op, statuses in LEDGER.statuses.items() if not any(200 <= s < 300 for s in statuses))
    write(f"operations never answered 2xx: {len(never_ok)}")
    for operation in never_ok:
        seen = ", ".join(f"{status}×{count}" for status, count in sorted(LEDGER.statuses[operation].items()))
        write(f"  {operation}  ({seen})")
    write(f"tests:      {LEDGER.tests} (operation × role), {LEDGER.failed_tests} with failures")
    write(f"failures:   {len(LEDGER.failures)} distinct (check, operation, status, title)")
    for check, count in LEDGER.by_check().items():
        write(f"  {check}: {count}")
    for (check, operation, status, title), example in sorted(LEDGER.failures.items()):
        write(f"- [{check}] {operation} -> {status}: {title}")
        write(f"    {example}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fails a fuzz test after all its examples ran, listing every distinct failure it met."""
    result = yield
    failures = item.funcargs.get("fuzz_failures")
    if failures is not None:
        LEDGER.tests += 1
        LEDGER.failed_tests += bool(failures)
    if failures:
        lines = [
            f"[{check}] {status}: {title}\n    {example}" for (check, _, status, title), example in failures.items()
        ]
        pytest.fail(f"{len(failures)} distinct failure(s):\n" + "\n".join(lines), pytrace=False)
    return result
