"""Schedules: PATCH changes only what it names, close/ without a body closes now, a schedule
that never took a booking can be deleted, and one wholly in the past is refused."""

import datetime as dt

from django.utils import timezone

from availability.models import Availability, Schedule
from scheduling.models import ResourceKind
from tests.api_consistency.conftest import book
from tests.availability.factories import make_schedule, window
from tests.factories import ResourceFactory


def test_patch_changes_only_the_fields_it_names(clinic, api_client):
    url = clinic.url(f"schedules/{clinic.chair_schedule.pk}/")
    windows_before = api_client.get(url).json()["availabilities"]
    patched = api_client.patch(url, {"booking_notice_minutes": 90}, format="json")
    assert patched.status_code == 200, patched.content
    body = patched.json()
    assert body["booking_notice_minutes"] == 90
    # The windows are kept as they were (in the version now in force).
    strip = [{k: v for k, v in w.items() if k != "id"} for w in windows_before]
    assert [{k: v for k, v in w.items() if k != "id"} for w in body["availabilities"]] == strip
    # PUT still replaces the whole configuration, windows included.
    assert api_client.put(url, {"booking_notice_minutes": 30}, format="json").status_code == 400


def test_patch_with_windows_takes_each_window_whole(clinic, api_client):
    """PATCH may leave out schedule fields, not a window's own: a window without weekdays is a 400
    naming it (found by the fuzzer: it answered 500), and nothing changes."""
    url = clinic.url(f"schedules/{clinic.chair_schedule.pk}/")
    before = api_client.get(url).json()["availabilities"]
    window = {"start_time": "09:30", "end_time": "10:30", "type": "open"}
    refused = api_client.patch(url, {"availabilities": [window]}, format="json")
    assert refused.status_code == 400, refused.content
    assert "weekdays" in refused.json()["fields"]["availabilities"]["0"]
    assert api_client.get(url).json()["availabilities"] == before
    changed = api_client.patch(url, {"availabilities": [{**window, "weekdays": [0, 1, 2, 3, 4, 5, 6]}]}, format="json")
    assert changed.status_code == 200, changed.content
    assert [(w["start_time"], w["end_time"]) for w in changed.json()["availabilities"]] == [("09:30:00", "10:30:00")]


def test_close_without_a_body_closes_now(clinic, api_client):
    before = timezone.now()
    closed = api_client.post(clinic.url(f"schedules/{clinic.chair_schedule.pk}/close/"))
    assert closed.status_code == 200, closed.content
    end = dt.datetime.fromisoformat(closed.json()["end"])
    assert before - dt.timedelta(seconds=1) <= end <= timezone.now()
    assert Schedule.objects.get(pk=clinic.chair_schedule.pk).valid_till == end


def test_a_schedule_that_never_took_a_booking_can_be_deleted(clinic, api_client):
    room = ResourceFactory(facility=clinic.facility, kind=ResourceKind.ROOM, name="Room 7")
    schedule = make_schedule(clinic.facility, room, clinic.admin, window(type="open"))
    deleted = api_client.delete(clinic.url(f"schedules/{schedule.pk}/"))
    assert deleted.status_code == 204, deleted.content
    assert not Schedule.objects.filter(pk=schedule.pk).exists()
    assert not Availability.objects.filter(schedule_id=schedule.pk).exists()
    assert Schedule.history.filter(id=schedule.pk, history_type="-").exists()  # the audit trail keeps it
    assert api_client.get(clinic.url(f"schedules/{schedule.pk}/")).status_code == 404


def test_a_schedule_that_took_a_booking_is_not_deleted(clinic, api_client):
    booking = book(api_client, clinic, "10:00", "10:30")
    cancelled = api_client.post(clinic.url(f"bookings/{booking['id']}/cancel/"), {"reason": "Unwell"}, format="json")
    assert cancelled.status_code == 200  # even a cancelled booking was taken under this schedule
    refused = api_client.delete(clinic.url(f"schedules/{clinic.chair_schedule.pk}/"))
    assert refused.status_code == 409, refused.content
    assert refused.json()["code"] == "schedule_has_bookings"
    assert Schedule.objects.filter(pk=clinic.chair_schedule.pk).exists()


def test_a_schedule_wholly_in_the_past_is_refused(clinic, api_client):
    room = ResourceFactory(facility=clinic.facility, kind=ResourceKind.ROOM, name="Room 8")
    refused = api_client.post(
        clinic.url("schedules/"),
        {"resource": room.pk, "start": "2021-01-01T00:00:00Z", "end": "2021-02-01T00:00:00Z"},
        format="json",
    )
    assert refused.status_code == 400, refused.content
    assert list(refused.json()["fields"]) == ["end"]
    assert not Schedule.objects.filter(resource=room).exists()
