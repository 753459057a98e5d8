"""Rescheduling from the booking's page offers only what the reschedule service will take: for a
team booking (a theatre case: theatre, surgeon, anaesthetist and nurse) the times when every one
of them is free; the booking's own time counts as free (the service releases it before booking
the new time), its very start is not offered again; and the move keeps the whole team."""

import re

import pytest
from django.test import Client

from booking import services
from booking.models import Booking, Status
from scheduling.models import Role
from tests.booking.conftest import build_clinic, theatre_team
from tests.factories import (
    FacilityFactory,
    MembershipFactory,
    UserFactory,
)

HIDDEN = re.compile(r'<input type="hidden"[^>]*>')


@pytest.fixture
def team(clinic):
    return theatre_team(clinic)


@pytest.fixture
def clinician(clinic, make_member):
    client = Client()
    client.force_login(make_member(clinic.facility, Role.CLINICIAN, username="dr-quill"))
    return client


def _members(clinic, team) -> list:
    return [clinic.theatre, team["surgeon"], team["anaesthetist"], team["nurse"]]


def _book(clinic, type_, resources, start, end, patient=None):
    return services.booking_create(
        facility=clinic.facility,
        actor=clinic.admin,
        actor_role=Role.ADMIN,
        request=services.BookingRequest(
            patient_id=(patient or clinic.patients[0]).pk,
            appointment_type_id=type_.pk,
            start=clinic.at(start),
            end=clinic.at(end),
            resources=tuple(services.ResourceRequest(r.pk) for r in resources),
        ),
    )


def _page(client, clinic, booking) -> str:
    response = client.get(f"/f/{clinic.facility.slug}/bookings/{booking.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _picker_query(html: str) -> dict:
    """What the reschedule picker sends besides the date: the hidden inputs it includes (the
    booking's team in the needs' order, its type, the booking being moved), as the page wrote them."""
    section = html[html.index('id="reschedule"') :]
    include = re.search(r'hx-include="([^"]+)"', section)
    assert include and ".reschedule-query" in include.group(1)
    query = {}
    for tag in HIDDEN.findall(section):
        if 'class="reschedule-query"' in tag:
            query[re.search(r'name="([^"]+)"', tag).group(1)] = re.search(r'value="([^"]*)"', tag).group(1)
    return query


def _offered(client, clinic, query: dict, day: str) -> list[str]:
    response = client.get(f"/f/{clinic.facility.slug}/bookings/slots/", {**query, "date": day})
    assert response.status_code == 200
    return re.findall(r'type="radio" name="slot" value="([^"]+)"', response.content.decode())


def test_the_picker_of_a_team_booking_omits_a_time_when_the_surgeon_is_busy_elsewhere(clinic, team, clinician):
    case = _book(clinic, team["case"], _members(clinic, team), "10:00", "12:00")
    # The surgeon sees another patient 14:00–15:00 (only the surgeon: the theatre is free then).
    _book(clinic, clinic.visit, [team["surgeon"]], "14:00", "15:00", patient=clinic.patients[1])

    query = _picker_query(_page(clinician, clinic, case))
    names = ["resource", "resource_1", "resource_2", "resource_3"]
    assert [query[name] for name in names] == [str(r.pk) for r in _members(clinic, team)]
    assert (query["appointment_type"], query["rescheduling"]) == (str(team["case"].pk), str(case.pk))
    offered = _offered(clinician, clinic, query, clinic.at("10:00").date().isoformat())
    assert offered == [
        clinic.slot("08:00", "10:00"),
        # not 10:00: the booking's own time; not 14:00: the surgeon is busy
        clinic.slot("12:00", "14:00"),
        clinic.slot("16:00", "18:00"),
        clinic.slot("18:00", "20:00"),
    ]


def test_a_time_overlapping_the_bookings_own_is_offered_and_taken(clinic, team, clinician):
    # Booked off the two-hour grid (through the API, say): both grid times around it overlap it.
    case = _book(clinic, team["case"], _members(clinic, team), "09:00", "11:00")
    query = _picker_query(_page(clinician, clinic, case))
    offered = _offered(clinician, clinic, query, clinic.at("10:00").date().isoformat())
    assert clinic.slot("08:00", "10:00") in offered and clinic.slot("10:00", "12:00") in offered

    response = clinician.post(
        f"/f/{clinic.facility.slug}/bookings/{case.pk}/reschedule/",
        {"date": clinic.at("10:00").date().isoformat(), "slot": clinic.slot("10:00", "12:00")},
    )
    assert response.status_code == 302, response.content.decode()
    moved = Booking.objects.get(replaces=case)
    assert (moved.start, moved.end) == (clinic.at("10:00"), clinic.at("12:00"))


def test_rescheduling_a_team_booking_through_the_page_keeps_all_four(clinic, team, clinician):
    case = _book(clinic, team["case"], _members(clinic, team), "10:00", "12:00")
    query = _picker_query(_page(clinician, clinic, case))
    day = clinic.at("16:00").date().isoformat()
    assert clinic.slot("16:00", "18:00") in _offered(clinician, clinic, query, day)

    body = {"date": day, "slot": clinic.slot("16:00", "18:00")}
    response = clinician.post(f"/f/{clinic.facility.slug}/bookings/{case.pk}/reschedule/", body)
    assert response.status_code == 302, response.content.decode()
    moved = Booking.objects.get(replaces=case)
    assert (moved.start, moved.end, moved.status) == (clinic.at("16:00"), clinic.at("18:00"), Status.SCHEDULED)
    assert {row.resource_id for row in moved.resources.all()} == {r.pk for r in _members(clinic, team)}
    assert all((row.start, row.end) == (moved.start, moved.end) for row in moved.resources.all())
    case.refresh_from_db()
    assert case.status == Status.RESCHEDULED
    # The new booking's page names the whole team.
    html = _page(clinician, clinic, moved)
    for member in _members(clinic, team):
        assert member.name in html


def test_the_picker_of_a_team_booking_when_everyone_is_free_offers_every_other_time(clinic, team, clinician):
    case = _book(clinic, team["case"], _members(clinic, team), "10:00", "12:00")
    query = _picker_query(_page(clinician, clinic, case))
    next_day = clinic.at("10:00", days_ahead=3).date().isoformat()
    assert _offered(clinician, clinic, query, next_day) == [
        clinic.slot(start, end, days_ahead=3)
        for start, end in (("08:00", "10:00"), ("10:00", "12:00"), ("12:00", "14:00"), ("14:00", "16:00"))
        + (("16:00", "18:00"), ("18:00", "20:00"))
    ]


def test_a_single_resource_booking_may_move_into_its_own_time(clinic, clinician):
    # An hour on the chair, whose open slots are the visit's 30 minutes: 10:30 overlaps it.
    booking = _book(clinic, clinic.visit, [clinic.chair], "10:00", "11:00")
    _book(clinic, clinic.visit, [clinic.chair], "12:00", "12:30", patient=clinic.patients[1])
    query = _picker_query(_page(clinician, clinic, booking))
    offered = _offered(clinician, clinic, query, clinic.at("10:00").date().isoformat())
    assert clinic.slot("10:00", "10:30") not in offered  # its own start: not a move
    assert clinic.slot("10:30", "11:00") in offered
    assert clinic.slot("12:00", "12:30") not in offered  # someone else's

    response = clinician.post(
        f"/f/{clinic.facility.slug}/bookings/{booking.pk}/reschedule/",
        {"date": clinic.at("10:00").date().isoformat(), "slot": clinic.slot("10:30", "11:00")},
    )
    assert response.status_code == 302, response.content.decode()
    moved = Booking.objects.get(replaces=booking)
    assert (moved.start, moved.end) == (clinic.at("10:30"), clinic.at("11:30"))  # keeps its hour


def test_another_facilitys_booking_cannot_be_named_to_the_picker(clinic, clinician):
    other_facility = FacilityFactory(slug="elsewhere")
    their_admin = UserFactory()
    MembershipFactory(facility=other_facility, user=their_admin, role=Role.ADMIN)
    other = build_clinic(other_facility, their_admin)
    theirs = _book(other, other.visit, [other.chair], "10:00", "10:30")
    response = clinician.get(
        f"/f/{clinic.facility.slug}/bookings/slots/",
        {"resource": clinic.chair.pk, "date": clinic.at("10:00").date().isoformat(), "rescheduling": theirs.pk},
    )
    assert response.status_code == 404


def test_the_desk_is_told_it_may_not_move_a_theatre_case(clinic, team, scheduler):
    case = _book(clinic, team["case"], _members(clinic, team), "10:00", "12:00")
    desk = Client()
    desk.force_login(scheduler)
    html = _page(desk, clinic, case)
    section = html[html.index('id="reschedule"') :]
    assert "may not book theatres or rooms" in section
    assert 'id="slot-picker"' not in section  # no picker that could only say "choose the theatre"
