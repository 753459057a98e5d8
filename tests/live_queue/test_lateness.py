"""Lateness on the day of care, and the undo of the desk's reversible moves.

A patient who checks in more than the grace after their appointment's start is flagged "Late N
min" on the queue page and the waiting-room board (in words, never colour alone); the check-in
list sorts today's booked patients who have not come into late, due, later today and missing.
Times are frozen: the selectors take ``now``, check-in takes ``now``, and the home page's clock is
pinned with monkeypatch. A mistaken check-in is undone from the notice right after it by the roles
allowed (a clinician is not); a bump or VIP raise offers its undo too."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from booking.models import Booking, Status
from live_queue import selectors, services
from live_queue.models import QueueEntry
from scheduling.models import Role
from tests.booking.conftest import build_clinic
from tests.booking.test_pages import book
from tests.factories import PatientFactory


@pytest.fixture
def clinic(facility, user):
    return build_clinic(facility, user)


@pytest.fixture
def scheduler(facility, make_member):
    return make_member(facility, Role.SCHEDULER, username="desk-lateness")


def client_for(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def queue_url(clinic, tail: str = "") -> str:
    return f"/f/{clinic.facility.slug}/queue/{tail}"


def arrive(clinic, booking, hhmm: str, actor=None) -> QueueEntry:
    return services.check_in(
        facility=clinic.facility,
        actor=actor or clinic.admin,
        actor_role=Role.ADMIN,
        booking_id=booking.pk,
        now=clinic.at(hhmm),
    )


def new_patient(clinic):
    return PatientFactory(facility=clinic.facility)


def freeze(monkeypatch, instant: dt.datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: instant.astimezone(dt.UTC))


# --- the "Late" flag -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arrived", "late"),
    [("09:55", None), ("10:00", None), ("10:10", None), ("10:11", 11), ("10:25", 25)],
)
def test_late_means_more_than_the_grace_after_the_appointment(clinic, arrived, late):
    assert selectors.LATE_GRACE_MINUTES == 10
    entry = arrive(clinic, book(clinic, "10:00"), arrived)
    assert selectors.entry_late_minutes(entry) == late


def test_a_walk_in_is_never_late(clinic):
    entry = services.check_in(
        facility=clinic.facility,
        actor=clinic.admin,
        actor_role=Role.ADMIN,
        patient_id=clinic.patients[0].pk,
        resource_id=clinic.chair.pk,
        now=clinic.at("10:40"),
    )
    assert selectors.entry_late_minutes(entry) is None


def test_the_queue_page_and_the_board_flag_a_late_arrival_in_words(clinic, user, scheduler):
    late = arrive(clinic, book(clinic, "10:00"), "10:25")
    on_time = arrive(clinic, book(clinic, "10:30", patient=clinic.patients[1]), "10:28")
    desk = client_for(scheduler)

    page = desk.get(queue_url(clinic, f"{late.queue_id}/")).content.decode()
    assert page.count("<h1") == 1
    row = page.split(f'id="entry-{late.pk}"')[1].split("</tr>")[0]
    assert ">Late 25 min</span>" in row
    other = page.split(f'id="entry-{on_time.pk}"')[1].split("</tr>")[0]
    assert "Late" not in other

    board = desk.get(queue_url(clinic, f"{late.queue_id}/board/")).content.decode()
    assert board.count("<h1") == 1
    assert f'<li>{late.token_number} <span class="board-late">Late 25 min</span></li>' in board
    assert f"<li>{on_time.token_number}</li>" in board
    assert clinic.patients[0].name not in board  # the board names nobody, late or not


# --- the check-in list -------------------------------------------------------------------------


@pytest.fixture
def day_of_bookings(clinic, user):
    """Bookings of one day around 10:00: missing, late, due, later, and some that are not waited for."""
    bookings = {
        "missing": book(clinic, "08:30", patient=new_patient(clinic)),
        "an_hour_late": book(clinic, "09:00", patient=new_patient(clinic)),
        "late": book(clinic, "09:30", patient=new_patient(clinic)),
        "due": book(clinic, "10:20", patient=new_patient(clinic)),
        "due_in_an_hour": book(clinic, "11:00", patient=new_patient(clinic)),
        "later": book(clinic, "12:00", patient=new_patient(clinic)),
        "arrived": book(clinic, "09:40", resource=clinic.theatre, patient=new_patient(clinic)),
        "cancelled": book(clinic, "10:30", resource=clinic.theatre, patient=new_patient(clinic)),
    }
    arrive(clinic, bookings["arrived"], "09:41")
    Booking.objects.filter(pk=bookings["cancelled"].pk).update(status=Status.CANCELLED, holds_time=False)
    return bookings


def test_the_check_in_list_sorts_who_has_not_come_by_their_start(clinic, day_of_bookings):
    groups = selectors.arrival_list(facility=clinic.facility, now=clinic.at("10:00"))
    ids = {key: [(a.booking.pk, a.minutes) for a in rows] for key, rows in groups.items()}
    b = day_of_bookings
    assert ids == {
        "missing": [(b["missing"].pk, 90)],
        "late": [(b["an_hour_late"].pk, 60), (b["late"].pk, 30)],
        "due": [(b["due"].pk, 20), (b["due_in_an_hour"].pk, 60)],
        "later": [(b["later"].pk, 120)],
    }


def test_another_days_bookings_are_not_on_the_list(clinic, day_of_bookings):
    groups = selectors.arrival_list(facility=clinic.facility, now=clinic.at("10:00", days_ahead=3))
    assert groups == {"late": [], "due": [], "later": [], "missing": []}


def test_the_home_page_shows_late_due_and_missing_with_the_booking_to_mark_a_no_show(
    clinic, day_of_bookings, scheduler, monkeypatch
):
    desk = client_for(scheduler)
    freeze(monkeypatch, clinic.at("10:00"))
    html = desk.get(queue_url(clinic)).content.decode()
    assert html.count("<h1") == 1
    sections = {
        key: html.split(f'id="arrivals-{key}"')[1].split("</section>")[0] for key in ("late", "due", "later", "missing")
    }
    b = day_of_bookings
    assert b["late"].patient.name in sections["late"] and "Late 30 min" in sections["late"]
    assert b["due"].patient.name in sections["due"] and "in 20 min" in sections["due"]
    assert b["later"].patient.name in sections["later"]
    missing = sections["missing"]
    assert b["missing"].patient.name in missing and "90 min ago" in missing
    slug = clinic.facility.slug
    assert f'href="/f/{slug}/bookings/{b["missing"].pk}/"' in missing
    assert f'href="/f/{slug}/bookings/{b["missing"].pk}/no-show/"' in missing
    assert b["arrived"].patient.name not in html.split('id="arrivals"')[1].split("</article>")[0]
    assert b["cancelled"].patient.name not in html
    # The order on the page: late first, then due, later, missing.
    assert html.index('id="arrivals-late"') < html.index('id="arrivals-due"') < html.index('id="arrivals-missing"')


# --- undo ----------------------------------------------------------------------------------------


def test_the_check_in_notice_offers_its_undo_and_it_books_the_patient_again(clinic, scheduler, monkeypatch):
    booking = book(clinic, "10:00")
    freeze(monkeypatch, clinic.at("09:55"))
    desk = client_for(scheduler)
    done = desk.post(queue_url(clinic, "check-in/booking/"), {"booking": booking.pk}, follow=True)
    entry = QueueEntry.objects.get()
    html = done.content.decode()
    undo_url = queue_url(clinic, f"{entry.queue_id}/entries/{entry.pk}/undo-check-in/")
    offer = html.split('id="undo-offer"')[1].split("</div>")[0]
    assert f'action="{undo_url}"' in offer and 'name="return_to" value="home"' in offer
    assert "Undo check-in of token 1" in offer
    # Shown once: the next page no longer offers it.
    assert 'id="undo-offer"' not in desk.get(queue_url(clinic)).content.decode()

    undone = desk.post(undo_url, {"return_to": "home"}, follow=True)
    assert undone.redirect_chain == [(queue_url(clinic), 302)]
    assert f"Check-in of token 1 undone: {booking.patient.name} is booked again." in undone.content.decode()
    booking.refresh_from_db()
    assert (booking.status, booking.checked_in_at) == (Status.SCHEDULED, None)
    assert not QueueEntry.objects.exists()


def test_the_undo_is_offered_only_right_after_the_check_in(clinic, scheduler, monkeypatch):
    booking = book(clinic, "10:00")
    freeze(monkeypatch, clinic.at("09:55"))
    desk = client_for(scheduler)
    desk.post(queue_url(clinic, "check-in/booking/"), {"booking": booking.pk})
    freeze(monkeypatch, clinic.at("10:01"))  # six minutes later: a break, not a slip
    assert 'id="undo-offer"' not in desk.get(queue_url(clinic)).content.decode()
    assert Booking.objects.get(pk=booking.pk).status == Status.CHECKED_IN


def test_the_undo_check_in_confirmation_page(clinic, scheduler):
    entry = arrive(clinic, book(clinic, "10:00"), "10:00")
    desk = client_for(scheduler)
    url = queue_url(clinic, f"{entry.queue_id}/entries/{entry.pk}/undo-check-in/")
    page = desk.get(url + "?return_to=home")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<h1") == 1 and "Undo the check-in of token 1?" in html
    assert clinic.patients[0].name in html and "the booking is booked again" in html
    assert "Yes, undo check-in" in html and "Keep the check-in" in html
    assert 'name="return_to" value="home"' in html
    assert QueueEntry.objects.filter(pk=entry.pk).exists()  # asking changes nothing


def test_a_clinician_may_not_undo_a_check_in_nor_is_offered_it(clinic, facility, make_member, monkeypatch):
    clinician = make_member(facility, Role.CLINICIAN)
    doctor = client_for(clinician)
    booking = book(clinic, "10:00")
    freeze(monkeypatch, clinic.at("09:55"))
    done = doctor.post(queue_url(clinic, "check-in/booking/"), {"booking": booking.pk}, follow=True)
    assert done.status_code == 200 and "checked in." in done.content.decode()
    assert 'id="undo-offer"' not in done.content.decode()
    entry = QueueEntry.objects.get()
    url = queue_url(clinic, f"{entry.queue_id}/entries/{entry.pk}/undo-check-in/")
    assert doctor.get(url).status_code == 403
    assert doctor.post(url).status_code == 403
    assert QueueEntry.objects.filter(pk=entry.pk).exists()
    assert Booking.objects.get(pk=booking.pk).status == Status.CHECKED_IN
    queue_page = doctor.get(queue_url(clinic, f"{entry.queue_id}/")).content.decode()
    assert "undo-check-in" not in queue_page


def test_a_bump_offers_its_undo_which_offers_none(clinic, scheduler):
    entry = arrive(clinic, book(clinic, "10:00"), "10:00")
    desk = client_for(scheduler)
    base = queue_url(clinic, f"{entry.queue_id}/entries/{entry.pk}/")
    bumped = desk.post(base + "bump/", follow=True).content.decode()
    assert QueueEntry.objects.get(pk=entry.pk).manual_minutes == -15
    offer = bumped.split('id="undo-offer"')[1].split("</div>")[0]
    assert f'action="{base}send-back/"' in offer and 'name="undo" value="1"' in offer
    assert "Undo: send back token 1" in offer

    undone = desk.post(base + "send-back/", {"undo": "1"}, follow=True).content.decode()
    assert QueueEntry.objects.get(pk=entry.pk).manual_minutes == 0
    assert 'id="undo-offer"' not in undone


def test_a_vip_raise_offers_its_undo(clinic, scheduler):
    entry = arrive(clinic, book(clinic, "10:00"), "10:00")
    desk = client_for(scheduler)
    base = queue_url(clinic, f"{entry.queue_id}/entries/{entry.pk}/")
    raised = desk.post(base + "vip/", {"reason": "Frail, fasting"}, follow=True).content.decode()
    assert QueueEntry.objects.get(pk=entry.pk).is_vip
    assert f'action="{base}vip/clear/"' in raised and "Undo VIP of token 1" in raised

    cleared = desk.post(base + "vip/clear/", follow=True)
    assert cleared.status_code == 200
    row = QueueEntry.objects.get(pk=entry.pk)
    assert (row.is_vip, row.vip_reason) == (False, "")
    assert "Token 1 is no longer VIP" in cleared.content.decode()


def test_left_asks_first_and_says_it_cannot_be_undone(clinic, scheduler):
    entry = arrive(clinic, book(clinic, "10:00"), "10:00")
    html = client_for(scheduler).get(queue_url(clinic, f"{entry.queue_id}/")).content.decode()
    row = html.split(f'id="entry-{entry.pk}"')[1].split("</tr>")[0]
    assert "<summary>Left…</summary>" in row
    assert "the booking is cancelled. This cannot be undone." in row
