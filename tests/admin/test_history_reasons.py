"""A history page as its change page reads: a version saved without a reason (every save the app
makes) shows a dash, not the word 'None' that reads as if someone had typed it, and the page names
its object as the change page does, by its start in the facility's zone (not in UTC)."""

import datetime as dt
import re

from scheduling.admin_scoping import in_zone
from tests.admin.conftest import page


def test_a_version_without_a_change_reason_shows_a_dash_not_none(admin_client, mine, theirs):
    html = page(admin_client.get(f"/admin/booking/booking/{mine.booking.pk}/history/"))

    table = html.split('id="change-history"')[1].split("</table>")[0]
    cells = [re.sub(r"\s+", " ", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", table, re.S)]
    assert cells, "the history lists the booking's versions"
    assert "None" not in cells
    assert "—" in cells


def test_a_history_page_names_the_booking_by_its_local_start_like_its_change_page(admin_client, mine, theirs):
    local_start = in_zone(mine.booking.start, mine.facility.time_zone)
    utc_start = f"{mine.booking.start.astimezone(dt.UTC):%Y-%m-%d %H:%M}"
    assert local_start[:16] != utc_start  # Asia/Kolkata: the two differ by 5 h 30

    change = page(admin_client.get(f"/admin/booking/booking/{mine.booking.pk}/change/"))
    history = page(admin_client.get(f"/admin/booking/booking/{mine.booking.pk}/history/"))

    heading = f"Booking #{mine.booking.pk} ({mine.booking.status}) {local_start} · times in Asia/Kolkata"
    assert heading in change
    assert heading in history
