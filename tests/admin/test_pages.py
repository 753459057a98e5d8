"""What a one-facility administrator reads in Django admin: availability and the day of care
read-only (they change only through the services), times in the facility's zone with the zone
named, a booking with its resources, and comments that answer rather than fail."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import formats, timezone

from availability.models import Availability, AvailabilityException, Schedule
from scheduling.models import Comment, Role
from tests.admin.conftest import LEAK, member, page


def test_schedules_windows_and_exceptions_are_read_only_with_a_link_to_the_availability_page(
    admin_client, mine, theirs
):
    window = Availability.objects.get(schedule=mine.schedule)
    availability_page = reverse(
        "availability:resource", kwargs={"facility_slug": mine.facility.slug, "resource_id": mine.chair.pk}
    )
    for url in (
        f"/admin/availability/schedule/{mine.schedule.pk}/change/",
        f"/admin/availability/availability/{window.pk}/change/",
        f"/admin/availability/availabilityexception/{mine.exception.pk}/change/",
    ):
        html = page(admin_client.get(url))
        assert 'name="_save"' not in html, url
        assert availability_page in html, url
    for url in (
        "/admin/availability/schedule/add/",
        "/admin/availability/availability/add/",
        "/admin/availability/availabilityexception/add/",
    ):
        assert admin_client.get(url).status_code == 403, url


def test_a_schedule_posted_to_admin_is_refused_and_left_as_it_was(admin_client, mine, theirs):
    before = Schedule.objects.get(pk=mine.schedule.pk)
    response = admin_client.post(
        f"/admin/availability/schedule/{mine.schedule.pk}/change/",
        {
            "facility": mine.facility.pk,
            "resource": mine.chair.pk,
            "valid_from_0": "2020-01-01",
            "valid_from_1": "00:00:00",
            "valid_till_0": "2020-01-02",
            "valid_till_1": "00:00:00",
            "availabilities-TOTAL_FORMS": "0",
            "availabilities-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 403
    after = Schedule.objects.get(pk=mine.schedule.pk)
    assert (after.valid_from, after.valid_till) == (before.valid_from, before.valid_till)
    exception_end = mine.exception.end
    admin_client.post(
        f"/admin/availability/availabilityexception/{mine.exception.pk}/change/",
        {"facility": mine.facility.pk, "resource": mine.chair.pk, "reason": "moved", "type": "open"},
    )
    assert AvailabilityException.objects.get(pk=mine.exception.pk).end == exception_end


def test_a_booking_page_shows_its_resources_and_local_times_with_the_zone_named(admin_client, mine, theirs):
    html = page(admin_client.get(f"/admin/booking/booking/{mine.booking.pk}/change/"))
    kolkata = ZoneInfo("Asia/Kolkata")
    local_start = mine.booking.start.astimezone(kolkata)
    assert local_start.hour == 10
    assert f"Booking #{mine.booking.pk} (scheduled) {local_start:%Y-%m-%d} 10:00 IST · times in Asia/Kolkata" in html
    with timezone.override(kolkata):
        shown_start = formats.localize(timezone.localtime(mine.booking.start))
    assert f'<div class="readonly">{shown_start}</div>' in html
    resources = html.split("Booked resources")[1]  # the inline, not the title
    assert "Alder Chair" in resources
    assert f"<p>{shown_start}</p>" in resources


def test_the_booking_list_shows_local_times_with_the_zone(admin_client, mine, theirs):
    html = page(admin_client.get("/admin/booking/booking/"))
    assert "10:00 IST" in html
    assert '<td class="field-resources_held">Alder Chair</td>' in html
    assert LEAK not in html


def test_queues_encounters_and_entries_are_listed_read_only_for_the_admins_facility(admin_client, mine, theirs):
    for url in ("/admin/live_queue/queue/", "/admin/live_queue/encounter/", "/admin/live_queue/queueentry/"):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert "Alder" in page(response), url
        assert LEAK not in page(response), url
        assert admin_client.get(url + "add/").status_code == 403, url
    entry_page = page(admin_client.get(f"/admin/live_queue/queueentry/{mine.entry.pk}/change/"))
    assert "Alder Walker" in entry_page
    assert "Asia/Kolkata" in entry_page
    assert 'name="_save"' not in entry_page
    assert admin_client.get(f"/admin/live_queue/queueentry/{theirs.entry.pk}/change/").status_code == 302


def test_a_comment_added_in_admin_is_written_by_the_signed_in_admin_on_a_target_of_the_facility(
    admin_client, mine, theirs
):
    patient_type = ContentType.objects.get_for_model(mine.patient)
    response = admin_client.post(
        "/admin/scheduling/comment/add/",
        {"facility": mine.facility.pk, "content_type": patient_type.pk, "object_id": mine.patient.pk, "text": "Hi"},
    )
    assert response.status_code == 302, page(response)[:3000]
    comment = Comment.objects.get(text="Hi")
    assert (comment.facility, comment.target, comment.author) == (mine.facility, mine.patient, mine.admin)
    assert "Alder Patient" in page(admin_client.get(f"/admin/scheduling/comment/{comment.pk}/change/"))


def test_a_comment_on_another_facilitys_object_is_refused(admin_client, mine, theirs):
    patient_type = ContentType.objects.get_for_model(theirs.patient)
    response = admin_client.post(
        "/admin/scheduling/comment/add/",
        {"facility": mine.facility.pk, "content_type": patient_type.pk, "object_id": theirs.patient.pk, "text": "Hi"},
    )
    assert response.status_code == 200
    assert "object_id" in response.context["adminform"].form.errors
    assert not Comment.objects.filter(text="Hi").exists()


def test_staff_without_an_admin_membership_sees_nothing_in_admin(client, mine, theirs):
    desk = member(mine.facility, Role.SCHEDULER, "alder-desk")
    desk.is_staff = True
    desk.save(update_fields=["is_staff"])
    client.force_login(desk)
    index = client.get("/admin/")
    assert index.status_code == 200
    assert index.context["app_list"] == []
    for url in ("/admin/scheduling/patient/", "/admin/live_queue/queueentry/", "/admin/booking/booking/"):
        assert client.get(url).status_code == 403, url


def test_a_bookings_name_says_its_time_is_utc(mine):
    # Admin lists and history name a booking without its facility's zone at hand: the instant
    # must not pass for local time.
    start = mine.booking.start.astimezone(dt.UTC)
    assert str(mine.booking) == f"Booking #{mine.booking.pk} (scheduled) {start:%Y-%m-%d %H:%M} UTC"
