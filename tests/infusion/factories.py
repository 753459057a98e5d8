"""An infusion center to test against: chairs open every day 07:00–20:00, an appointment type per
patient type of the study mapped through analytics' AppointmentTypeMapping, patients, and helpers
to book a chair and to say how many nurses are on duty. All names are invented."""

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from analytics.models import AppointmentTypeMapping, NurseCapacity
from booking import services as booking
from infusion.models import NurseShift
from scheduling.errors import ApplicationError
from scheduling.models import ResourceKind, Role
from tests.availability.factories import make_schedule, window
from tests.factories import AppointmentTypeFactory, PatientFactory, ResourceFactory

EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)
CHAIR_NEED = [{"role": "Chair", "kinds": ["chair"]}]
# Patient type code: (appointment type code, regimen category, minutes).
TYPES = {
    "INF": ("inf", "short", 60),
    "CMO-SHORT": ("cmo-short", "medium", 120),
    "CMO-LONG": ("cmo-long", "long", 300),
    "FUP": ("fup", "short", 30),
    "MISC": ("misc", "short", 60),
}


@dataclass
class InfusionCenter:
    facility: object
    admin: object
    chairs: list
    types: dict  # patient type code → AppointmentType mapped to it
    patients: list
    unmapped: object = None  # an appointment type without a mapping (counts as MISC)
    _next_patient: int = field(default=0, repr=False)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.facility.time_zone)

    def at(self, day: dt.date, hhmm: str) -> dt.datetime:
        return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=self.zone)

    def book(self, day: dt.date, start: str, end: str, *, code: str | None = "INF", chair=None, appointment_type=None):
        """Books a chair (the first free one unless given) for the next patient."""
        kind = appointment_type or self.types[code]
        patient = self.patients[self._next_patient % len(self.patients)]
        self._next_patient += 1
        chairs = [chair] if chair is not None else self.chairs
        last_error = None
        for one in chairs:
            try:
                return booking.booking_create(
                    facility=self.facility,
                    actor=self.admin,
                    actor_role=Role.ADMIN,
                    request=booking.BookingRequest(
                        patient_id=patient.pk,
                        appointment_type_id=kind.pk,
                        start=self.at(day, start),
                        end=self.at(day, end),
                        resources=(booking.ResourceRequest(one.pk),),
                    ),
                )
            except ApplicationError as error:  # busy chair: try the next one
                last_error = error
        raise last_error

    def shift(self, day: dt.date, start: str, end: str, nurses: int, source: str = "manual") -> NurseShift:
        return NurseShift.objects.create(
            facility=self.facility,
            date=day,
            start_time=dt.time.fromisoformat(start),
            end_time=dt.time.fromisoformat(end),
            nurses=nurses,
            source=source,
        )

    def nurse_capacity(self, day: dt.date, nurses: int, max_chairs: int) -> NurseCapacity:
        return NurseCapacity.objects.create(
            facility=self.facility, date=day, nurses_available=nurses, max_chairs_supported=max_chairs
        )


def build_center(facility, admin, *, chairs: int = 6, patients: int = 12) -> InfusionCenter:
    made = []
    for n in range(1, chairs + 1):
        chair = ResourceFactory(facility=facility, kind=ResourceKind.CHAIR, name=f"Chair {n:02d}")
        make_schedule(facility, chair, admin, window(EVERY_DAY, "07:00", "20:00", type="open"))
        made.append(chair)
    types = {}
    for code, (type_code, category, minutes) in TYPES.items():
        appointment_type = AppointmentTypeFactory(
            facility=facility,
            code=type_code,
            name=f"Infusion visit {code}",
            default_minutes=minutes,
            resource_needs=CHAIR_NEED,
        )
        AppointmentTypeMapping.objects.create(
            facility=facility, appointment_type=appointment_type, regimen_category=category, patient_type=code
        )
        types[code] = appointment_type
    unmapped = AppointmentTypeFactory(
        facility=facility, code="chair-other", name="Chair, other", default_minutes=60, resource_needs=CHAIR_NEED
    )
    return InfusionCenter(
        facility=facility,
        admin=admin,
        chairs=made,
        types=types,
        patients=[PatientFactory(facility=facility) for _ in range(patients)],
        unmapped=unmapped,
    )


def next_monday(weeks_ahead: int = 1) -> dt.date:
    """A Monday at least ``weeks_ahead`` weeks from today (bookings must be in the future)."""
    today = dt.date.today()
    return today + dt.timedelta(days=(0 - today.weekday()) % 7 + 7 * weeks_ahead)
