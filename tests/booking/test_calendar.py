"""The week and the month beside the day board: who may open them, the chips and counts they show
(a team booking on each of its resources), the filters they keep across the tabs, a filter of
another facility refused, the fall-back night's two 01:00 slots told apart, and SQL queries that
do not grow with the days shown (one ``slot_list`` and one ``booking_list`` over the range)."""

import datetime as dt
import re
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking import selectors, services
from scheduling import ranges
from scheduling.models import ResourceKind, Role
from tests.availability.factories import make_schedule, window
from tests.booking.conftest import EVERY_DAY
from tests.booking.test_pages import book, client_for, page_url
from tests.factories import PatientFactory, ResourceFactory

UTC = dt.UTC


@pytest.fixture
def desk(clinic, scheduler):
    return client_for(scheduler)


def week_url(clinic) -> str:
    return page_url(clinic, "week/")


def month_url(clinic) -> str:
    return page_url(clinic, "month/")


def team_booking(clinic, hhmm: str = "14:00", days_ahead: int = 2, patient=None):
    """A case booked on the theatre and the chair together (a team booking)."""
    start = clinic.at(hhmm, days_ahead)
    return services.booking_create(
        facility=clinic.facility,
        actor=clinic.admin,
        actor_role=Role.ADMIN,
        request=services.BookingRequest(
            patient_id=(patient or clinic.patients[2]).pk,
            appointment_type_id=clinic.visit.pk,
            start=start,
            end=start + dt.timedelta(minutes=60),
            resources=(services.ResourceRequest(clinic.theatre.pk), services.ResourceRequest(clinic.chair.pk)),
        ),
    )


def row_of(html: str, name: str) -> str:
    """The table row (``<tr>…</tr>``) whose heading names the resource."""
    rows = re.findall(r"<tr>\s*<th scope=\"row\" class=\"res\">.*?</tr>", html, flags=re.S)
    matching = [row for row in rows if f">{name}</a>" in row]
    assert len(matching) == 1, f"no single row for {name}"
    return matching[0]


def week_cells(row: str) -> list[str]:
    """The seven day cells of a week row, Monday first."""
    cells = re.findall(r"<td class=\"[^\"]*\">(.*?)</td>", row, flags=re.S)
    assert len(cells) == 7
    return cells


# --- who may open them ----------------------------------------------------------------------------


@pytest.mark.parametrize("tail", ["", "week/", "month/"])
def test_each_calendar_renders_for_the_desk_with_one_h1(clinic, desk, tail):
    response = desk.get(page_url(clinic, tail))
    assert response.status_code == 200
    assert response.content.decode().count("<h1") == 1


@pytest.mark.parametrize("tail", ["week/", "month/"])
def test_an_analyst_is_refused_and_another_facilitys_member_gets_404(
    clinic, facility, other_facility, make_member, tail
):
    analyst = client_for(make_member(facility, Role.ANALYST, username="ana"))
    assert analyst.get(page_url(clinic, tail)).status_code == 403
    stranger = client_for(make_member(other_facility, Role.ADMIN, username="stranger"))
    assert stranger.get(page_url(clinic, tail)).status_code == 404


# --- the week -------------------------------------------------------------------------------------


def test_the_week_shows_a_booking_on_its_day_and_links_free_slots_to_the_form(clinic, desk):
    booking = book(clinic, "10:00")
    day = clinic.at("10:00").date()
    response = desk.get(week_url(clinic), {"date": day.isoformat()})
    assert response.status_code == 200
    html = response.content.decode()
    monday = day - dt.timedelta(days=day.weekday())
    assert f"Week of {monday.day} {monday:%b}" in html
    cells = week_cells(row_of(html, "Chair 01"))
    on_the_day = cells[day.weekday()]
    assert f"/bookings/{booking.pk}/" in on_the_day
    assert "chip-booked status-scheduled" in on_the_day
    short_name = booking.patient.name.split()[0][0] + ". " + booking.patient.name.split(" ", 1)[1]
    assert f"10:00 {short_name}" in on_the_day
    assert all(f"/bookings/{booking.pk}/" not in cell for index, cell in enumerate(cells) if index != day.weekday())
    # Its free 10:30 links to the form, prefilled with the resource, the day and the slot's instants.
    link = f"new/?resource={clinic.chair.pk}&amp;date={day.isoformat()}&amp;slot={clinic.link_slot('10:30', '11:00')}"
    assert link in on_the_day
    assert clinic.link_slot("10:00", "10:30") not in on_the_day
    # Many chips: the counts first, the chips in a box of their own that scrolls.
    assert "1 booked · 23 free" in on_the_day and 'class="week-chips week-cell-scroll" tabindex="0"' in on_the_day
    # A scheduler may not book theatres: free, but not linked.
    assert f"new/?resource={clinic.theatre.pk}" not in html
    # Each day's heading opens the day board of that day.
    assert f'/bookings/?date={day.isoformat()}" aria-label="Day board of {day:%A} {day.day} {day:%B %Y}"' in html


def test_the_week_runs_monday_to_sunday_and_steps_by_weeks_keeping_the_filters(clinic, desk):
    day = clinic.at("10:00").date()
    monday = day - dt.timedelta(days=day.weekday())
    response = desk.get(week_url(clinic), {"date": day.isoformat(), "resource": clinic.doctor.pk})
    html = response.content.decode()
    headings = re.findall(r'aria-label="Day board of ([^"]+)"', html)
    assert headings == [f"{d:%A} {d.day} {d:%B %Y}" for d in (monday + dt.timedelta(days=n) for n in range(7))]
    assert "Dr Wren Hollins" in html and "Chair 01</a>" not in html
    query = f"resource={clinic.doctor.pk}"
    assert f'href="?date={(day + dt.timedelta(days=7)).isoformat()}&amp;{query}"' in html
    assert f'href="?date={(day - dt.timedelta(days=7)).isoformat()}&amp;{query}"' in html
    # The tabs keep the date and the filters.
    for name in ("", "week/", "month/"):
        assert f'href="{page_url(clinic, name)}?date={day.isoformat()}&amp;{query}"' in html


def test_a_token_slot_shows_the_tokens_left(clinic, desk):
    day = clinic.at("09:00").date()
    book(clinic, "09:00", minutes=15, resource=clinic.doctor)
    html = desk.get(week_url(clinic), {"date": day.isoformat(), "resource": clinic.doctor.pk}).content.decode()
    cell = week_cells(row_of(html, "Dr Wren Hollins"))[day.weekday()]
    # 09:00 holds one of its two tokens: still free, with one left.
    assert re.search(r'aria-label="Book Dr Wren Hollins, [^"]* 09:00–09:15">09:00<b>1</b></a>', cell)
    assert re.search(r'aria-label="Book Dr Wren Hollins, [^"]* 09:15–09:30">09:15<b>2</b></a>', cell)


def test_a_team_booking_is_on_each_of_its_resources_in_the_day_the_week_and_the_month(clinic, user):
    admin = client_for(user)
    booking = team_booking(clinic)
    day = clinic.at("14:00").date()
    link = f"/bookings/{booking.pk}/"
    for tail, cell_of in (
        ("", lambda html, name: row_of(html, name)),
        ("week/", lambda html, name: week_cells(row_of(html, name))[day.weekday()]),
    ):
        html = admin.get(page_url(clinic, tail), {"date": day.isoformat()}).content.decode()
        assert link in cell_of(html, "Theatre 1") and link in cell_of(html, "Chair 01"), tail
        assert link not in row_of(html, "Dr Wren Hollins"), tail
    # The month counts it once on its day.
    month = admin.get(month_url(clinic), {"date": day.isoformat()}).content.decode()
    assert f'aria-label="{day:%A} {day.day} {day:%B %Y}: 1 booked, ' in month


def test_the_htmx_filter_change_gets_the_board_and_the_tabs_out_of_band(clinic, desk):
    day = clinic.at("10:00").date().isoformat()
    response = desk.get(week_url(clinic), {"date": day, "resource": clinic.chair.pk}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and "week-board" in html
    assert 'id="calendar-tabs" class="calendar-tabs" hx-swap-oob="true"' in html
    assert f"/bookings/month/?date={day}&amp;resource={clinic.chair.pk}" in html


# --- the month ------------------------------------------------------------------------------------


def test_the_month_counts_each_day_and_links_to_its_day_and_week(clinic, desk):
    book(clinic, "10:00")
    book(clinic, "11:00", patient=clinic.patients[1])
    day = clinic.at("10:00").date()
    response = desk.get(month_url(clinic), {"date": day.isoformat(), "resource": clinic.chair.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<h1>{day:%B %Y}" in html
    # The chair's open window lays 24 half-hour slots a day; two are booked on the day.
    assert f'aria-label="{day:%A} {day.day} {day:%B %Y}: 2 booked, 22 free"' in html
    later = day + dt.timedelta(days=1)
    if later.month == day.month:
        assert f'aria-label="{later:%A} {later.day} {later:%B %Y}: 0 booked, 24 free"' in html
    assert f'href="/f/{clinic.facility.slug}/bookings/?date={day.isoformat()}&amp;resource={clinic.chair.pk}"' in html
    monday = day - dt.timedelta(days=day.weekday())
    assert f'/bookings/week/?date={monday.isoformat()}&amp;resource={clinic.chair.pk}"' in html
    # Every row of the grid is a whole week, Monday to Sunday.
    first = day.replace(day=1)
    grid_start = first - dt.timedelta(days=first.weekday())
    assert f'aria-label="{grid_start:%A} {grid_start.day} {grid_start:%B %Y}: ' in html
    assert html.count('class="month-day"') % 7 == 0


def test_the_month_of_a_department_sums_its_resources(clinic, desk):
    second = ResourceFactory(
        facility=clinic.facility, kind=ResourceKind.CHAIR, name="Chair 02", department=clinic.chair.department
    )
    make_schedule(clinic.facility, second, clinic.admin, window(EVERY_DAY, "08:00", "10:00", type="open"))
    book(clinic, "08:00", resource=second)
    day = clinic.at("10:00").date()
    html = desk.get(month_url(clinic), {"date": day.isoformat(), "department": clinic.chair.department.pk})
    html = html.content.decode()
    # 24 slots of Chair 01 and 4 of Chair 02, one of which is booked.
    assert f'aria-label="{day:%A} {day.day} {day:%B %Y}: 1 booked, 27 free"' in html
    assert f"the {clinic.chair.department.name} department" in html


# --- filters ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("tail", ["", "week/", "month/"])
def test_another_facilitys_resource_is_refused_and_shows_nothing_of_it(clinic, desk, other_facility, tail):
    theirs = ResourceFactory(facility=other_facility, name="Their Secret Chair")
    day = clinic.at("10:00").date().isoformat()
    response = desk.get(page_url(clinic, tail), {"date": day, "resource": theirs.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Resource: Select a valid choice." in html and "Showing all resources." in html
    assert "Their Secret Chair" not in html
    assert f"resource={theirs.pk}" not in html  # the tabs and steps do not carry it on
    assert "Chair 01</a>" in html or tail == "month/"
    assert f"date={day}" in html  # the valid date is kept


@pytest.mark.parametrize("tail", ["week/", "month/"])
def test_a_bad_date_falls_back_to_today(clinic, desk, tail):
    response = desk.get(page_url(clinic, tail), {"date": "2026-02-31"})
    assert response.status_code == 200
    assert "Showing today." in response.content.decode()


@pytest.mark.parametrize("tail", ["", "week/", "month/"])
def test_the_first_and_last_days_scheduled_show_their_week_and_month(clinic, desk, tail):
    for day in (ranges.EARLIEST_DATE, ranges.latest_date()):
        response = desk.get(page_url(clinic, tail), {"date": day.isoformat()})
        assert response.status_code == 200
        assert "Showing today." not in response.content.decode()


# --- the fall-back night ----------------------------------------------------------------------------

FALL_BACK = dt.date(2026, 10, 25)


@pytest.fixture
def night(facility, user, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 10, 20, 12, 0, tzinfo=UTC))
    chair = ResourceFactory(facility=facility, kind=ResourceKind.CHAIR, name="Night Chair")
    make_schedule(facility, chair, user, window(EVERY_DAY, "00:00", "03:00", type="open"))
    return chair


def test_the_week_of_the_fall_back_night_tells_the_two_one_oclock_slots_apart(facility, scheduler, night):
    desk = client_for(scheduler)
    html = desk.get(
        f"/f/{facility.slug}/bookings/week/", {"date": FALL_BACK.isoformat(), "resource": night.pk}
    ).content.decode()
    sunday = week_cells(row_of(html, "Night Chair"))[6]
    # Eight half hours on the night the clocks go back, each labelled with its offset.
    assert re.findall(r">(\d\d:\d\d \([+-]\d\d:\d\d\))</a>", sunday) == [
        "00:00 (+01:00)",
        "00:30 (+01:00)",
        "01:00 (+01:00)",
        "01:30 (+01:00)",
        "01:00 (+00:00)",
        "01:30 (+00:00)",
        "02:00 (+00:00)",
        "02:30 (+00:00)",
    ]
    second = quote("2026-10-25T01:00:00+00:00/2026-10-25T01:30:00+00:00", safe="/:")
    assert f"date=2026-10-25&amp;slot={second}" in sunday
    # The Saturday before is an ordinary night: plain times.
    assert re.findall(r">(\d\d:\d\d)</a>", week_cells(row_of(html, "Night Chair"))[5])[:2] == ["00:00", "00:30"]
    month = desk.get(f"/f/{facility.slug}/bookings/month/", {"date": FALL_BACK.isoformat(), "resource": night.pk})
    assert 'aria-label="Sunday 25 October 2026: 0 booked, 8 free"' in month.content.decode()


# --- queries ----------------------------------------------------------------------------------------


def test_the_calendar_reads_as_many_queries_for_a_month_as_for_a_day(clinic):
    day = clinic.at("10:00").date()
    book(clinic, "10:00")
    ids = [clinic.chair.pk, clinic.theatre.pk, clinic.doctor.pk]

    def read(days: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            board = selectors.calendar_board(
                facility=clinic.facility,
                resource_ids=ids,
                start_date=day,
                end_date=day + dt.timedelta(days=days - 1),
            )
        assert board.days[-1] == day + dt.timedelta(days=days - 1)
        return len(captured.captured_queries)

    assert read(1) == read(7) == read(42)


def test_week_and_month_pages_cost_the_same_queries_whatever_is_booked(clinic, desk):
    day = clinic.at("10:00").date()
    book(clinic, "10:00")

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert desk.get(url, {"date": day.isoformat()}).status_code == 200
        return len(captured.captured_queries)

    week, month = queries(week_url(clinic)), queries(month_url(clinic))
    assert week == month <= 30
    for days_ahead in range(3, 12):
        team_booking(clinic, "15:00", days_ahead=days_ahead, patient=PatientFactory(facility=clinic.facility))
    assert queries(week_url(clinic)) == week
    assert queries(month_url(clinic)) == month
