"""history/ and comments/ exist only where there is an object that has them, and their lists
are paginated like every other list."""

import yaml
from django.core.management import call_command

from booking.models import Booking
from scheduling.models import Comment
from tests.api_consistency.conftest import book


def test_check_ins_walk_ins_and_notifications_advertise_no_history_or_comments(tmp_path, db):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target))
    paths = yaml.safe_load(target.read_text())["paths"]
    prefix = "/api/v1/facilities/{facility_slug}/"
    for collection in ("check-ins", "walk-ins", "notifications"):
        for tail in ("history", "comments"):
            assert f"{prefix}{collection}/{{id}}/{tail}/" not in paths
    # Where there is an object, they stay.
    assert f"{prefix}bookings/{{id}}/history/" in paths and f"{prefix}bookings/{{id}}/comments/" in paths


def test_history_and_comments_of_a_check_in_url_are_not_routes(clinic, api_client):
    for tail in ("history/", "comments/"):
        assert api_client.options(clinic.url(f"check-ins/1/{tail}")).status_code == 404
        assert api_client.options(clinic.url(f"walk-ins/1/{tail}")).status_code == 404


def test_comments_and_history_are_paginated(clinic, api_client):
    booking = book(api_client, clinic, "10:00", "10:30")
    row = Booking.objects.get(pk=booking["id"])
    Comment.objects.bulk_create(
        Comment(facility=clinic.facility, target=row, author=clinic.admin, text=f"Note {n}") for n in range(7)
    )
    url = clinic.url(f"bookings/{booking['id']}/comments/")
    first = api_client.get(url, {"page_size": 5}).json()
    assert first["count"] == 7 and len(first["results"]) == 5 and first["next"]
    second = api_client.get(url, {"page_size": 5, "page": 2}).json()
    assert [c["text"] for c in first["results"] + second["results"]] == [f"Note {n}" for n in range(7)]

    for name in ("Ada First", "Ada Second", "Ada Third"):
        renamed = api_client.patch(clinic.url(f"patients/{clinic.patients[0].pk}/"), {"name": name}, format="json")
        assert renamed.status_code == 200, renamed.content
    history_url = clinic.url(f"patients/{clinic.patients[0].pk}/history/")
    whole = api_client.get(history_url).json()
    assert whole["count"] == 4 and [e["history_type"] for e in whole["results"]][-1] == "created"
    page = api_client.get(history_url, {"page_size": 2}).json()
    assert page["count"] == 4 and len(page["results"]) == 2
    # The last entry of a page still shows what it changed from the one before it.
    assert page["results"][1]["changes"] == [{"field": "name", "old": "Ada First", "new": "Ada Second"}]
    assert api_client.get(clinic.url("history/"), {"page_size": 1}).json()["count"] >= 1
