"""Placement over the database: each route's days with real chairs and availability, both
policies against the type's capacity and the nurses' cap, the explanation, a booking that loses
its race, and a dry run. All names are invented."""

import contextlib
import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from booking import services as booking_services
from booking.models import Booking, BookingResource
from infusion.models import Placement
from infusion.selectors import capacity
from infusion.services import configuration
from infusion.services import placement as placement_service
from scheduling.errors import ApplicationError
from scheduling.models import Role
from tests.factories import PatientFactory
from tests.infusion.factories import next_monday

pytestmark = pytest.mark.django_db

MONDAY = next_monday(2)
TUESDAY = MONDAY + dt.timedelta(days=1)


def days(n: int) -> dt.date:
    """A day counted from the Tuesday the tests place on."""
    return TUESDAY + dt.timedelta(days=n)


@pytest.fixture
def now(center):
    return center.at(TUESDAY, "06:00")


def place(center, now, *, route, patient=None, role=Role.ADMIN, actor=None, **extra):
    return placement_service.placement_create(
        facility=center.facility,
        actor=actor or center.admin,
        actor_role=role,
        patient_id=(patient or center.patients[0]).pk,
        route=route,
        now=now,
        **extra,
    )


def previous(center, day: dt.date, status: str, *, patient=None, code="INF"):
    """A chair booking of the patient on ``day`` at 09:00, then set to ``status``."""
    patient = patient or center.patients[0]
    booking = booking_services.booking_create(
        facility=center.facility,
        actor=center.admin,
        actor_role=Role.ADMIN,
        request=booking_services.BookingRequest(
            patient_id=patient.pk,
            appointment_type_id=center.types[code].pk,
            start=center.at(day, "09:00"),
            end=center.at(day, "10:00"),
            resources=(booking_services.ResourceRequest(center.chairs[-1].pk),),
        ),
    )
    holds = status not in ("cancelled", "no_show")
    Booking.objects.filter(pk=booking.pk).update(status=status, holds_time=holds)
    BookingResource.objects.filter(booking=booking).update(holds_time=holds)
    booking.refresh_from_db()
    return booking


def fill(center, day: dt.date, code: str = "INF") -> int:
    """Books the day's capacity for the type (one-hour visits from 08:00)."""
    wanted = capacity.day_load(facility=center.facility, day=day, patient_type=code).type_capacity
    for n in range(wanted):
        center.book(day, f"{8 + n:02d}:00", f"{9 + n:02d}:00", code=code)
    return wanted


def local(center, instant) -> dt.date:
    return instant.astimezone(center.zone).date()


def chair_peak(center, day: dt.date) -> int:
    """The most chair bookings running at once on ``day``."""
    rows = BookingResource.objects.filter(
        facility=center.facility,
        holds_time=True,
        resource__kind="chair",
        start__lt=center.at(day + dt.timedelta(days=1), "00:00"),
        end__gt=center.at(day, "00:00"),
    ).values_list("start", "end")
    events = sorted([(s, 1) for s, _ in rows] + [(e, -1) for _, e in rows], key=lambda event: (event[0], event[1]))
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    return peak


# --- each route's days --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "previous_status", "target"),
    [
        ("new", None, days(14)),  # two weeks from today
        ("cancellation", "cancelled", days(2)),  # 2 days from today, when it was cancelled
        ("no_show", "no_show", days(2)),  # 3 days from the missed Monday
        ("bad_blood", "checked_in", days(1)),  # back the day after today's visit
        ("next_cycle", "completed", days(29)),  # 30 days from Monday's treatment
    ],
)
def test_each_route_books_a_chair_on_its_target_day(center, now, route, previous_status, target):
    visit_day = TUESDAY if route == "bad_blood" else MONDAY
    before = previous(center, visit_day, previous_status) if previous_status else None
    placement = place(center, now, route=route, previous_booking_id=before.pk if before else None, patient_type="INF")
    assert placement.status == "placed"
    assert placement.target_date == target
    assert placement.from_date == (MONDAY if route in ("no_show", "next_cycle") else TUESDAY)
    if route == "bad_blood":
        assert placement.target_date == placement.from_date + dt.timedelta(days=1)
    assert local(center, placement.chosen_start) == target
    booking = placement.booking
    assert booking.patient_id == center.patients[0].pk
    assert booking.start == placement.chosen_start
    assert [row.resource_id for row in booking.resources.all()] == [placement.chair_id]
    assert placement.chair_id in {chair.pk for chair in center.chairs}
    assert placement.previous_booking_id == (before.pk if before else None)
    assert Placement.objects.get(pk=placement.pk).history.first().history_user == center.admin


def test_the_patient_type_and_appointment_type_come_from_the_previous_booking(center, now):
    before = previous(center, MONDAY, "completed", code="CMO-SHORT")
    placement = place(center, now, route="next_cycle", previous_booking_id=before.pk)
    assert placement.patient_type == "CMO-SHORT"
    assert placement.appointment_type == center.types["CMO-SHORT"]
    assert placement.predicted_minutes == 120  # no history yet: the type's booked minutes
    assert placement.prediction_basis == "booked time: no history yet"
    assert placement.booking.end - placement.booking.start == dt.timedelta(minutes=120)


# --- the policies -------------------------------------------------------------------------------


def test_the_studys_policy_places_on_the_day_after_whatever_the_count(center, now):
    for n in (1, 2, 3):
        fill(center, days(n))
    placement = place(center, now, route="cancellation", patient_type="INF", policy="study")
    assert placement.status == "placed"
    assert local(center, placement.chosen_start) == days(3)  # Friday, the day after Thursday's target
    assert placement.over_type_capacity is True
    assert "whatever the count" in placement.attempts[-1]["reason"]


def test_levelled_looks_past_a_full_route_to_the_next_open_day(center, now):
    for n in (1, 2, 3):
        fill(center, days(n))
    placement = place(center, now, route="cancellation", patient_type="INF")
    assert local(center, placement.chosen_start) == days(6)  # Monday: the weekend is closed
    assert placement.over_type_capacity is False
    verdicts = {(a["day"], a["verdict"]) for a in placement.attempts}
    assert (days(4).isoformat(), "rejected") in verdicts
    assert {a["day"]: a["reason"] for a in placement.attempts}[days(4).isoformat()] == "the center is closed"
    assert placement.explanation.splitlines()[0].startswith("Target Thu")
    assert "full for INF" in placement.explanation


def test_levelled_takes_the_least_loaded_day_of_the_route(center, now):
    center.book(days(2), "08:00", "12:00", code="CMO-LONG")  # Thursday, the target, is busier
    placement = place(center, now, route="cancellation", patient_type="INF")
    assert local(center, placement.chosen_start) == days(1)
    reasons = {a["day"]: a["reason"] for a in placement.attempts}
    assert reasons[days(2).isoformat()].startswith("more loaded")


def test_levelled_never_books_beyond_the_nurses_cap(center, now):
    configuration.settings_update(facility=center.facility, actor=center.admin, chairs_per_nurse=Decimal("1"))
    for n in (1, 2, 3):
        center.shift(days(n), "07:00", "20:00", nurses=1)
    # Wednesday and Thursday have their one chair the nurse can run taken all day.
    for n in (1, 2):
        center.book(days(n), "07:00", "20:00", code="CMO-LONG")
    placement = place(center, now, route="cancellation", patient_type="INF")
    assert placement.status == "placed"
    assert local(center, placement.chosen_start) == days(3)
    for n in (1, 2, 3):
        assert chair_peak(center, days(n)) <= 1
    reasons = {a["day"]: a["reason"] for a in placement.attempts}
    assert "the nurses on duty support no more chairs" in reasons[days(2).isoformat()]
    assert "1 nurse on duty" in reasons[days(2).isoformat()]


def test_without_room_within_the_nurses_anywhere_nothing_is_booked(center, now):
    configuration.settings_update(facility=center.facility, actor=center.admin, chairs_per_nurse=Decimal("1"))
    for n in (1, 2):
        center.shift(days(n), "07:00", "20:00", nurses=1)
        center.book(days(n), "07:00", "20:00", code="CMO-LONG")
    placement = place(center, now, route="bad_blood", patient_type="INF")  # Wednesday or Thursday, never later
    assert placement.status == "failed"
    assert placement.booking is None and placement.chosen_start is None
    assert "Not placed" in placement.explanation
    assert Placement.objects.filter(pk=placement.pk, status="failed").exists()
    assert chair_peak(center, days(1)) == 1 and chair_peak(center, days(2)) == 1


# --- booking decides ----------------------------------------------------------------------------


def test_a_booking_that_loses_its_race_takes_the_next_start_never_a_double_booking(center, now, monkeypatch):
    real = booking_services.booking_create
    intruder = PatientFactory(facility=center.facility)
    taken = []

    def someone_else_first(*, facility, actor, actor_role, request, now=None):
        if not taken:  # another desk books the chosen chair and time a moment before
            taken.append(
                real(
                    facility=facility,
                    actor=actor,
                    actor_role=actor_role,
                    request=booking_services.BookingRequest(
                        patient_id=intruder.pk,
                        appointment_type_id=request.appointment_type_id,
                        start=request.start,
                        end=request.end,
                        resources=request.resources,
                    ),
                    now=now,
                )
            )
        return real(facility=facility, actor=actor, actor_role=actor_role, request=request, now=now)

    monkeypatch.setattr(booking_services, "booking_create", someone_else_first)
    placement = place(center, now, route="cancellation", patient_type="INF")
    assert placement.status == "placed"
    lost = taken[0]
    assert (placement.chair_id, placement.chosen_start) != (lost.resources.get().resource_id, lost.start)
    refused = [a for a in placement.attempts if "booking refused it" in a["reason"]]
    assert len(refused) == 1 and refused[0]["verdict"] == "rejected"
    assert refused[0]["reason"].startswith("Chair 01: booking refused it: this time of the resource")
    assert placement.attempts[-1]["verdict"] == "chosen"
    rows = BookingResource.objects.filter(resource_id=lost.resources.get().resource_id, holds_time=True)
    spans = sorted((row.start, row.end) for row in rows)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))


def test_a_dry_run_explains_and_writes_nothing(center, now):
    bookings, placements = Booking.objects.count(), Placement.objects.count()
    placement = place(center, now, route="cancellation", patient_type="INF", dry_run=True)
    assert placement.pk is None
    assert placement.status == "placed" and placement.booking is None
    assert local(center, placement.chosen_start) == days(2)
    assert "chosen" in placement.explanation
    assert (Booking.objects.count(), Placement.objects.count()) == (bookings, placements)


# --- what is asked ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"route": "soon"}, "route"),
        ({"route": "new", "patient_type": "XYZ"}, "patient_type"),
        ({"route": "new", "policy": "fifo"}, "policy"),
        ({"route": "no_show", "patient_type": "INF"}, "previous_booking"),
        ({"route": "new", "patient_type": "INF", "appointment_type_id": 999999}, "appointment_type"),
        ({"route": "new", "patient_type": "INF", "previous_booking_id": 999999}, "previous_booking"),
    ],
)
def test_bad_input_is_400_naming_the_field(center, now, extra, field):
    with pytest.raises(ApplicationError) as error:
        place(center, now, **extra)
    assert error.value.status_code == 400
    assert field in error.value.fields


def test_a_previous_booking_must_be_the_patients_and_follow_the_route(center, now):
    others = previous(center, MONDAY, "no_show", patient=center.patients[1])
    with pytest.raises(ApplicationError) as error:
        place(center, now, route="no_show", previous_booking_id=others.pk)
    assert error.value.fields == {"previous_booking": ["Not a booking of this patient."]}
    completed = previous(center, MONDAY, "completed")
    with pytest.raises(ApplicationError) as error:
        place(center, now, route="no_show", previous_booking_id=completed.pk)
    assert "previous_booking" in error.value.fields


def test_an_appointment_type_not_booked_on_a_chair_is_refused(center, now):
    from tests.factories import AppointmentTypeFactory

    theatre = AppointmentTypeFactory(
        facility=center.facility, code="case", resource_needs=[{"role": "Theatre", "kinds": ["theatre"]}]
    )
    with pytest.raises(ApplicationError) as error:
        place(center, now, route="new", patient_type="INF", appointment_type_id=theatre.pk)
    assert "appointment_type" in error.value.fields


def test_the_role_must_place_and_only_managers_choose_another_policy(center, now, clinician, facility):
    with pytest.raises(ApplicationError) as error:
        place(center, now, route="new", patient_type="INF", role=Role.ANALYST)
    assert error.value.status_code == 403
    with pytest.raises(ApplicationError) as error:
        place(center, now, route="new", patient_type="INF", role=Role.CLINICIAN, actor=clinician, policy="study")
    assert error.value.status_code == 403
    placement = place(center, now, route="new", patient_type="INF", role=Role.CLINICIAN, actor=clinician)
    assert placement.policy == "levelled" and placement.created_by == clinician


@pytest.mark.django_db(transaction=True)
def test_two_desks_placing_at_once_never_double_book_a_chair(center, now, monkeypatch):
    """Real threads: both decide over the same empty day, then book at the same moment."""
    real = booking_services.booking_create
    barrier = threading.Barrier(2, timeout=30)
    waited = threading.local()

    def together(**kwargs):
        if not getattr(waited, "done", False):
            waited.done = True
            barrier.wait()
        return real(**kwargs)

    monkeypatch.setattr(booking_services, "booking_create", together)
    results, errors = [], []

    def desk(patient):
        try:
            results.append(place(center, now, route="cancellation", patient=patient, patient_type="INF"))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=desk, args=(patient,)) for patient in center.patients[:2]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert [placement.status for placement in results] == ["placed", "placed"]
    first, second = (placement.booking for placement in results)
    assert (first.resources.get().resource_id, first.start) != (second.resources.get().resource_id, second.start)
    refused = [a for placement in results for a in placement.attempts if "booking refused it" in a["reason"]]
    assert len(refused) >= 1
    for chair in center.chairs:
        spans = sorted(BookingResource.objects.filter(resource=chair, holds_time=True).values_list("start", "end"))
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))


def test_a_booking_already_followed_on_the_route_is_not_placed_twice(center, now):
    """A second click of "Place the next cycle" must not book the patient a second chair: the
    booking already has its next cycle, and the refusal names it. Once that chair booking is
    cancelled, the booking can be followed again."""
    completed = previous(center, MONDAY, "completed")
    first = place(center, now, route="next_cycle", previous_booking_id=completed.pk)
    assert first.status == "placed"
    for dry_run in (False, True):
        with pytest.raises(ApplicationError) as error:
            place(center, now, route="next_cycle", previous_booking_id=completed.pk, dry_run=dry_run)
        assert error.value.status_code == 400
        assert "previous_booking" in error.value.fields
    assert Placement.objects.count() == 1
    assert Booking.objects.filter(patient=center.patients[0]).count() == 2
    bad_blood = place(center, now, route="bad_blood", previous_booking_id=completed.pk)  # another route
    assert bad_blood.status == "placed"
    Booking.objects.filter(pk=first.booking_id).update(status="cancelled", holds_time=False)
    BookingResource.objects.filter(booking_id=first.booking_id).update(holds_time=False)
    again = place(center, now, route="next_cycle", previous_booking_id=completed.pk)
    assert again.status == "placed"


@pytest.mark.django_db(transaction=True)
def test_two_desks_placing_one_booking_at_once_book_one_chair(center, now, monkeypatch):
    """Two desks click "Place the next cycle" on the same completed booking at the same moment:
    one places it, the other is told it is placed already. Each thread waits (briefly) after the
    check for the other to pass it too, which both do unless the placement lock keeps the second
    out until the first has saved its Placement."""
    completed = previous(center, MONDAY, "completed")
    real = placement_service.placement_following
    barrier = threading.Barrier(2, timeout=3)

    def checked_together(**kwargs):
        found = real(**kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):  # the other desk is held at the lock
            barrier.wait()
        return found

    monkeypatch.setattr(placement_service, "placement_following", checked_together)
    placed, refused = [], []

    def desk():
        try:
            placed.append(place(center, now, route="next_cycle", previous_booking_id=completed.pk))
        except ApplicationError as error:
            refused.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=desk) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [placement.status for placement in placed] == ["placed"]
    assert [(error.status_code, list(error.fields)) for error in refused] == [(400, ["previous_booking"])]
    assert Placement.objects.filter(previous_booking=completed).count() == 1
    assert Booking.objects.filter(patient=center.patients[0]).count() == 2  # the completed one and its next cycle
