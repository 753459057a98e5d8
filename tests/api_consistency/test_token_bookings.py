"""A token booking is a booking: one noun (``/bookings/``), one id, cancelled like any other."""

from booking.models import TokenSlot
from tests.api_consistency.conftest import book


def test_token_bookings_are_bookings_listed_filtered_and_cancelled_by_their_booking_id(clinic, api_client):
    token = book(api_client, clinic, "09:15", "09:30", resources=[clinic.doctor])
    book(api_client, clinic, "10:00", "10:30", patient=clinic.patients[1])  # an exclusive booking
    slot = TokenSlot.objects.get()
    assert token["token"] == {
        "slot": slot.pk,
        "resource": clinic.doctor.pk,
        "start": slot.start.isoformat().replace("+00:00", "Z"),
        "end": slot.end.isoformat().replace("+00:00", "Z"),
        "capacity": 2,
        "allocated": 1,
        "holds_time": True,
    }
    tokens = api_client.get(clinic.url(), {"token": "true"}).json()["results"]
    assert [b["id"] for b in tokens] == [token["id"]]
    in_slot = api_client.get(clinic.url(), {"token_slot": slot.pk}).json()["results"]
    assert [b["id"] for b in in_slot] == [token["id"]]
    exclusive = api_client.get(clinic.url(), {"token": "false"}).json()["results"]
    assert token["id"] not in [b["id"] for b in exclusive] and len(exclusive) == 1

    cancelled = api_client.post(clinic.url(f"bookings/{token['id']}/cancel/"), {"reason": "Unwell"}, format="json")
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["token"]["allocated"] == 0


def test_there_is_no_second_noun_for_token_bookings(clinic, api_client):
    assert api_client.get(clinic.url("token-bookings/")).status_code == 404
