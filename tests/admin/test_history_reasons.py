"""A history page's 'Change reason' column: a version saved without a reason (every save the app
makes) shows a dash, not the word 'None' that reads as if someone had typed it."""

import re

from tests.admin.conftest import page


def test_a_version_without_a_change_reason_shows_a_dash_not_none(admin_client, mine, theirs):
    html = page(admin_client.get(f"/admin/booking/booking/{mine.booking.pk}/history/"))

    table = html.split('id="change-history"')[1].split("</table>")[0]
    cells = [re.sub(r"\s+", " ", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", table, re.S)]
    assert cells, "the history lists the booking's versions"
    assert "None" not in cells
    assert "—" in cells
