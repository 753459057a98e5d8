"""The placement pages and the patient page's one-click placements: a button per route a recent
chair booking offers, posting straight to a placement whose page shows the chosen chair, the
booking and every day tried."""

import datetime as dt

import pytest
from django.utils import timezone

from booking import services as booking_services
from booking.models import Booking, BookingResource
from infusion.models import Placement
from scheduling.models import Role

pytestmark = pytest.mark.django_db


def chair_booking(center, *, days_ago: int, status: str, hhmm: str = "09:00", patient=None, code="CMO-SHORT"):
    """A chair booking of the patient ``days_ago`` days back (0: today), then set to ``status``."""
    day = timezone.localdate(timezone=center.zone) - dt.timedelta(days=days_ago)
    start = center.at(day, hhmm)
    booking = booking_services.booking_create(
        facility=center.facility,
        actor=center.admin,
        actor_role=Role.ADMIN,
        request=booking_services.BookingRequest(
            patient_id=(patient or center.patients[0]).pk,
            appointment_type_id=center.types[code].pk,
            start=start,
            end=start + dt.timedelta(hours=1),
            resources=(booking_services.ResourceRequest(center.chairs[0].pk),),
        ),
        now=start - dt.timedelta(days=1),
    )
    holds = status not in ("cancelled", "no_show")
    Booking.objects.filter(pk=booking.pk).update(status=status, holds_time=holds)
    BookingResource.objects.filter(booking=booking).update(holds_time=holds)
    return booking


def patient_page(client, center, patient=None):
    patient = patient or center.patients[0]
    return client.get(f"/f/{center.facility.slug}/patients/{patient.pk}/")


def test_the_patient_page_offers_a_placement_per_recent_chair_booking(client, center):
    completed = chair_booking(center, days_ago=20, status="completed")
    missed = chair_booking(center, days_ago=10, status="no_show")
    cancelled = chair_booking(center, days_ago=5, status="cancelled")
    today = chair_booking(center, days_ago=0, status="checked_in", hhmm="07:00")
    chair_booking(center, days_ago=90, status="completed")  # too long ago
    client.force_login(center.admin)
    html = patient_page(client, center).content.decode()
    assert html.count('name="route" value="next_cycle"') == 1
    for route, booking, label in [
        ("next_cycle", completed, "Place the next cycle"),
        ("no_show", missed, "Rebook after no-show"),
        ("cancellation", cancelled, "Rebook after cancellation"),
        ("bad_blood", today, "Bad blood: return within 2 days"),
    ]:
        assert label in html
        assert f'name="route" value="{route}"' in html
        assert f'name="previous_booking" value="{booking.pk}"' in html


def test_a_patient_without_chair_bookings_has_no_placement_buttons(client, center):
    client.force_login(center.admin)
    html = patient_page(client, center).content.decode()
    assert "Place the next cycle" not in html and 'id="infusion"' not in html


def test_one_click_places_the_next_cycle_and_shows_why(client, center, scheduler):
    completed = chair_booking(center, days_ago=2, status="completed")
    client.force_login(scheduler)
    response = client.post(
        f"/f/{center.facility.slug}/infusion/placements/new/",
        {"patient": center.patients[0].pk, "route": "next_cycle", "previous_booking": completed.pk, "place": "1"},
    )
    placement = Placement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/f/{center.facility.slug}/infusion/placements/{placement.pk}/"
    assert placement.status == "placed" and placement.booking is not None
    assert placement.created_by == scheduler and placement.previous_booking == completed
    page = client.get(response["Location"]).content.decode()
    assert f"/f/{center.facility.slug}/bookings/{placement.booking_id}/" in page
    assert placement.chair.name in page
    assert "Target " in page and '<th scope="col">Verdict</th>' in page
    assert "Chosen" in page
    listed = client.get(f"/f/{center.facility.slug}/infusion/placements/").content.decode()
    assert center.patients[0].name in listed


def test_explain_first_shows_the_decision_and_books_nothing(client, center):
    client.force_login(center.admin)
    response = client.post(
        f"/f/{center.facility.slug}/infusion/placements/new/",
        {"patient": center.patients[0].pk, "route": "new", "patient_type": "INF", "explain": "1"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "would go" in html and "Would be placed" in html and "Target " in html
    assert not Placement.objects.exists() and not Booking.objects.exists()


def test_the_form_names_what_is_wrong(client, center):
    client.force_login(center.admin)
    form = client.get(f"/f/{center.facility.slug}/infusion/placements/new/?patient={center.patients[0].pk}")
    assert form.status_code == 200 and center.patients[0].name in form.content.decode()
    response = client.post(f"/f/{center.facility.slug}/infusion/placements/new/", {"route": "new", "place": "1"})
    assert response.status_code == 400 and "Choose the patient." in response.content.decode()
    response = client.post(
        f"/f/{center.facility.slug}/infusion/placements/new/",
        {"patient": center.patients[0].pk, "route": "no_show", "patient_type": "INF", "place": "1"},
    )
    assert response.status_code == 400 and "Give the missed booking" in response.content.decode()


def test_only_managers_see_the_policy_choice(client, center, scheduler, manager):
    client.force_login(scheduler)
    assert 'name="policy"' not in client.get(f"/f/{center.facility.slug}/infusion/placements/new/").content.decode()
    client.force_login(manager)
    assert 'name="policy"' in client.get(f"/f/{center.facility.slug}/infusion/placements/new/").content.decode()


def test_roles_and_facilities(client, center, make_member, other_facility):
    analyst = make_member(center.facility, Role.ANALYST, username="ana")
    client.force_login(analyst)
    assert client.get(f"/f/{center.facility.slug}/infusion/placements/new/").status_code == 403
    assert client.get(f"/f/{center.facility.slug}/infusion/placements/").status_code == 403
    client.force_login(center.admin)
    placement = client.post(
        f"/f/{center.facility.slug}/infusion/placements/new/",
        {"patient": center.patients[0].pk, "route": "new", "patient_type": "INF", "place": "1"},
    )
    pk = Placement.objects.get().pk
    assert placement.status_code == 302
    outsider = make_member(other_facility, Role.ADMIN, username="elsewhere")
    client.force_login(outsider)
    assert client.get(f"/f/{other_facility.slug}/infusion/placements/{pk}/").status_code == 404
    assert client.get(f"/f/{center.facility.slug}/infusion/placements/{pk}/").status_code == 404


def test_todays_completed_treatment_offers_the_next_cycle_and_bad_blood(client, center):
    today = chair_booking(center, days_ago=0, status="completed", hhmm="07:00")
    client.force_login(center.admin)
    html = patient_page(client, center).content.decode()
    assert html.count(f'name="previous_booking" value="{today.pk}"') == 2
    assert "Place the next cycle" in html and "Bad blood: return within 2 days" in html


def test_the_form_carries_the_previous_booking_and_refuses_a_malformed_one(client, center):
    completed = chair_booking(center, days_ago=2, status="completed")
    client.force_login(center.admin)
    base = f"/f/{center.facility.slug}/infusion/placements/new/"
    html = client.get(f"{base}?patient={center.patients[0].pk}&route=next_cycle&previous_booking={completed.pk}")
    assert f'name="previous_booking" value="{completed.pk}"' in html.content.decode()
    assert client.get(f"{base}?previous_booking=abc&patient=xyz").status_code == 200
    response = client.post(base, {"patient": center.patients[0].pk, "route": "new", "previous_booking": "abc"})
    assert response.status_code == 400 and not Placement.objects.exists()


def test_the_patient_page_stops_offering_a_placement_once_made(client, center, scheduler):
    completed = chair_booking(center, days_ago=2, status="completed")
    client.force_login(scheduler)
    form = {"patient": center.patients[0].pk, "route": "next_cycle", "previous_booking": completed.pk, "place": "1"}
    assert client.post(f"/f/{center.facility.slug}/infusion/placements/new/", form).status_code == 302
    html = patient_page(client, center).content.decode()
    assert f'name="previous_booking" value="{completed.pk}"' not in html
    again = client.post(f"/f/{center.facility.slug}/infusion/placements/new/", form)
    assert again.status_code == 400
    assert Placement.objects.count() == 1
