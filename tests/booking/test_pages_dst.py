"""The booking pages on the autumn daylight-saving night, when London's clocks go from 02:00
BST back to 01:00 GMT (2026-10-25): the wall clock reads 01:00–02:00 twice, so the picker's two
01:00–01:30 slots must be told apart on the page and each must book its own instant."""

import datetime as dt
import re
from urllib.parse import quote

import pytest
from django.utils import timezone

from booking import services
from booking.models import Booking, Status
from scheduling.models import ResourceKind, Role
from tests.availability.factories import make_schedule, window
from tests.booking.conftest import EVERY_DAY
from tests.booking.test_pages import client_for
from tests.factories import AppointmentTypeFactory, PatientFactory, ResourceFactory

FALL_BACK = dt.date(2026, 10, 25)
UTC = dt.UTC
NOW = dt.datetime(2026, 10, 20, 12, 0, tzinfo=UTC)  # the night is five days ahead
RADIO = re.compile(r'<input type="radio" name="slot" value="([^"]*)"( checked)?> ([^<]*?)\s*(?:<small|</label>)')


def utc(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 10, day, hour, minute, tzinfo=UTC)


def instants(start: dt.datetime, end: dt.datetime) -> str:
    """A slot as the pages carry it: its UTC start and end, ISO 8601 with offset."""
    return f"{start.isoformat()}/{end.isoformat()}"


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch):
    """2026-10-25 has passed on the machine's clock: pin django.utils.timezone.now, which the
    services and selectors read, a few days before it."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def night(facility, user):
    """A chair (open window) and a doctor (30-minute token slots, one token each), both working
    00:00–03:00 every night in Europe/London: four real hours on the fall-back night."""
    chair = ResourceFactory(facility=facility, kind=ResourceKind.CHAIR, name="Night Chair")
    doctor = ResourceFactory(facility=facility, kind=ResourceKind.PRACTITIONER, name="Dr Oriel Saltmarsh")
    make_schedule(facility, chair, user, window(EVERY_DAY, "00:00", "03:00", type="open"))
    make_schedule(facility, doctor, user, window(EVERY_DAY, "00:00", "03:00", type="tokens", slot=30, tokens=1))
    return {
        "facility": facility,
        "admin": user,
        "chair": chair,
        "doctor": doctor,
        "visit": AppointmentTypeFactory(facility=facility, code="night-visit", default_minutes=30),
        "patients": [PatientFactory(facility=facility) for _ in range(2)],
    }


@pytest.fixture
def desk(facility, scheduler):
    return client_for(scheduler)


def url(night, tail: str = "") -> str:
    return f"/f/{night['facility'].slug}/bookings/{tail}"


def picker(desk, night, resource, day: dt.date = FALL_BACK, **extra) -> list[tuple[str, str, bool]]:
    """The slot picker's radio buttons as the browser gets them: (value, label, checked)."""
    response = desk.get(
        url(night, "slots/"),
        {"resource": resource.pk, "date": day.isoformat(), "appointment_type": night["visit"].pk, **extra},
    )
    assert response.status_code == 200
    return [(value, label, bool(checked)) for value, checked, label in RADIO.findall(response.content.decode())]


def value_labelled(desk, night, resource, label: str, **extra) -> str:
    matching = [value for value, shown, _ in picker(desk, night, resource, **extra) if shown == label]
    assert len(matching) == 1, f"{label!r} is not one slot of the picker"
    return matching[0]


def book_form(night, resource, slot: str, day: dt.date = FALL_BACK) -> dict:
    return {
        "patient": night["patients"][0].pk,
        "appointment_type": night["visit"].pk,
        "resource": resource.pk,
        "date": day.isoformat(),
        "slot": slot,
        "note": "",
    }


# --- the picker -------------------------------------------------------------------------------


def test_the_picker_labels_the_two_one_oclock_slots_apart_and_carries_their_instants(desk, night):
    slots = picker(desk, night, night["chair"])
    assert [(value, label) for value, label, _ in slots] == [
        (instants(utc(24, 23, 0), utc(24, 23, 30)), "00:00–00:30 (+01:00)"),
        (instants(utc(24, 23, 30), utc(25, 0, 0)), "00:30–01:00 (+01:00)"),
        (instants(utc(25, 0, 0), utc(25, 0, 30)), "01:00–01:30 (+01:00)"),
        (instants(utc(25, 0, 30), utc(25, 1, 0)), "01:30 (+01:00)–01:00 (+00:00)"),
        (instants(utc(25, 1, 0), utc(25, 1, 30)), "01:00–01:30 (+00:00)"),
        (instants(utc(25, 1, 30), utc(25, 2, 0)), "01:30–02:00 (+00:00)"),
        (instants(utc(25, 2, 0), utc(25, 2, 30)), "02:00–02:30 (+00:00)"),
        (instants(utc(25, 2, 30), utc(25, 3, 0)), "02:30–03:00 (+00:00)"),
    ]
    # An ordinary night keeps the plain wall-clock labels.
    ordinary = picker(desk, night, night["chair"], day=FALL_BACK - dt.timedelta(days=1))
    assert ordinary[0] == (instants(utc(23, 23, 0), utc(23, 23, 30)), "00:00–00:30", False)


def test_on_the_spring_night_the_slot_over_the_missing_hour_shows_both_offsets(night, scheduler, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2027, 3, 20, 12, 0, tzinfo=UTC))
    desk = client_for(scheduler)  # signed in at that "now", or the session would have expired
    spring = dt.date(2027, 3, 28)  # 01:00 GMT becomes 02:00 BST: the window is two real hours
    slots = picker(desk, night, night["chair"], day=spring)
    assert [label for _, label, _ in slots] == [
        "00:00–00:30 (+00:00)",
        "00:30 (+00:00)–02:00 (+01:00)",
        "02:00–02:30 (+01:00)",
        "02:30–03:00 (+01:00)",
    ]
    assert slots[1][0] == "2027-03-28T00:30:00+00:00/2027-03-28T01:00:00+00:00"


def test_the_picker_checks_the_slot_it_was_given_and_only_that_one(desk, night):
    second = instants(utc(25, 1, 0), utc(25, 1, 30))
    checked = [label for _, label, on in picker(desk, night, night["chair"], slot_initial=second) if on]
    assert checked == ["01:00–01:30 (+00:00)"]
    assert not any(on for _, _, on in picker(desk, night, night["chair"], slot_initial="01:00-01:30"))


# --- booking through the form -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "start"),
    [("01:00–01:30 (+01:00)", utc(25, 0, 0)), ("01:00–01:30 (+00:00)", utc(25, 1, 0))],
)
@pytest.mark.parametrize("kind", ["chair", "doctor"])
def test_each_one_oclock_slot_books_its_own_instant(desk, night, kind, label, start):
    resource = night[kind]
    response = desk.post(url(night, "new/"), book_form(night, resource, value_labelled(desk, night, resource, label)))
    assert response.status_code == 302, response.content.decode()
    booking = Booking.objects.get()
    assert (booking.start, booking.end) == (start, start + dt.timedelta(minutes=30))
    if kind == "doctor":
        assert (booking.token.slot.start, booking.token.slot.allocated) == (start, 1)
    else:
        assert [row.resource_id for row in booking.resources.all()] == [resource.pk]
    detail = desk.get(response["Location"]).content.decode()
    assert label in detail  # the booking's page says which 01:00 it is


def test_both_one_oclock_slots_can_be_booked_one_after_the_other(desk, night):
    for patient, label in zip(night["patients"], ("01:00–01:30 (+01:00)", "01:00–01:30 (+00:00)"), strict=True):
        body = book_form(night, night["chair"], value_labelled(desk, night, night["chair"], label))
        body["patient"] = patient.pk
        assert desk.post(url(night, "new/"), body).status_code == 302
    assert sorted(b.start for b in Booking.objects.all()) == [utc(25, 0, 0), utc(25, 1, 0)]


def test_the_slot_across_the_change_is_half_an_hour_not_a_day(desk, night):
    value = value_labelled(desk, night, night["chair"], "01:30 (+01:00)–01:00 (+00:00)")
    assert desk.post(url(night, "new/"), book_form(night, night["chair"], value)).status_code == 302
    booking = Booking.objects.get()
    assert (booking.start, booking.end) == (utc(25, 0, 30), utc(25, 1, 0))


@pytest.mark.parametrize(
    ("slot", "message"),
    [
        ("01:00-01:30", "Pick one of the free slots."),  # wall-clock text, as the pages used to send
        ("2026-10-25T01:00:00/2026-10-25T01:30:00", "Pick one of the free slots."),  # no offset
        ("2026-10-25T01:00:00+00:00/2026-10-25T01:30:00", "Pick one of the free slots."),  # naive end
        ("2026-10-25T01:30:00+00:00/2026-10-25T01:00:00+00:00", "Pick one of the free slots."),  # reversed
        ("2026-10-25T01:00:00+00:00/2026-10-25T01:00:00+00:00", "Pick one of the free slots."),  # empty
        ("2026-10-25T01:00:00+00:00/2026-10-26T01:30:00+00:00", "Pick one of the free slots."),  # 24.5 hours
        ("2026-10-25T01:00:00+00:00", "Pick one of the free slots."),  # a start alone
        ("2026-10-25T01:00:00+00:00/2026-10-25T01:30:00+00:00/x", "Pick one of the free slots."),
        ("not a slot/at all", "Pick one of the free slots."),
        ("2026-10-25T01:00:00 00:00/2026-10-25T01:30:00 00:00", "Pick one of the free slots."),  # lost '+'
        ("2026-10-24T01:00:00+00:00/2026-10-24T01:30:00+00:00", "This slot is not on the chosen date."),
        ("x" * 200, "Pick one of the free slots."),
    ],
)
def test_a_tampered_slot_is_a_form_error_on_the_slot_and_books_nothing(desk, night, slot, message):
    response = desk.post(url(night, "new/"), book_form(night, night["chair"], slot))
    assert response.status_code == 400
    assert response.context["form"].errors["slot"] == [message]
    html = response.content.decode()
    assert f'<small class="field-error" role="alert">{message}</small>' in html
    assert not Booking.objects.exists()


# --- the day board's links ----------------------------------------------------------------------


def test_the_day_board_links_each_free_slot_by_its_instants(desk, night):
    html = desk.get(url(night), {"date": FALL_BACK.isoformat(), "resource": night["chair"].pk}).content.decode()
    second = instants(utc(25, 1, 0), utc(25, 1, 30))
    link = f"new/?resource={night['chair'].pk}&amp;date={FALL_BACK.isoformat()}&amp;slot={quote(second, safe='/:')}"
    assert link in html
    assert "Book Night Chair, 01:00–01:30 (+00:00)" in html and "Book Night Chair, 01:00–01:30 (+01:00)" in html
    # Following the link, the form hands the slot to the picker, which checks that one slot.
    form = desk.get(url(night, "new/"), {"resource": night["chair"].pk, "date": FALL_BACK.isoformat(), "slot": second})
    assert f'name="slot_initial" value="{second}"' in form.content.decode()
    checked = [label for _, label, on in picker(desk, night, night["chair"], slot_initial=second) if on]
    assert checked == ["01:00–01:30 (+00:00)"]


# --- rescheduling -------------------------------------------------------------------------------


def _book(night, resource, start: dt.datetime) -> Booking:
    return services.booking_create(
        facility=night["facility"],
        actor=night["admin"],
        actor_role=Role.ADMIN,
        request=services.BookingRequest(
            patient_id=night["patients"][0].pk,
            appointment_type_id=night["visit"].pk,
            start=start,
            end=start + dt.timedelta(minutes=30),
            resources=(services.ResourceRequest(resource.pk),),
        ),
    )


@pytest.mark.parametrize("kind", ["chair", "doctor"])
def test_reschedule_across_the_night_books_the_instant_picked(desk, night, kind):
    resource = night[kind]
    booking = _book(night, resource, utc(24, 23, 0))  # 00:00 BST, before the clocks go back
    detail = desk.get(url(night, f"{booking.pk}/")).content.decode()
    assert f'id="reschedule-resource" name="resource" value="{resource.pk}"' in detail
    value = value_labelled(desk, night, resource, "01:00–01:30 (+00:00)")
    response = desk.post(url(night, f"{booking.pk}/reschedule/"), {"date": FALL_BACK.isoformat(), "slot": value})
    assert response.status_code == 302, response.content.decode()
    new = Booking.objects.get(replaces=booking)
    assert (new.start, new.end, new.status) == (utc(25, 1, 0), utc(25, 1, 30), Status.SCHEDULED)
    booking.refresh_from_db()
    assert booking.status == Status.RESCHEDULED
    assert "Rescheduled to Sun 25 Oct 2026, 01:00–01:30 (+00:00)" in desk.get(response["Location"]).content.decode()


def test_reschedule_with_a_tampered_slot_names_the_slot_and_changes_nothing(desk, night):
    booking = _book(night, night["chair"], utc(24, 23, 0))
    body = {"date": FALL_BACK.isoformat(), "slot": "01:00-01:30"}  # wall-clock text
    response = desk.post(url(night, f"{booking.pk}/reschedule/"), body)
    assert response.status_code == 400
    assert response.context["reschedule_form"].errors["slot"] == ["Pick one of the free slots."]
    assert "Pick one of the free slots." in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == Status.SCHEDULED
    assert Booking.objects.count() == 1
