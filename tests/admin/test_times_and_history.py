"""Times in Django admin as the facility reads them: list columns that name the zone (or, on a
page of several facilities, values that each name theirs), history pages whose changed instants
read "Tue 8 Dec 2026 10:00 (Asia/Kolkata)" rather than a UTC ISO string, and the settings of
notifications (a member's desk department and how they are told, the facility's desk switch)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from booking import services as booking_services
from scheduling import services
from scheduling.admin_scoping import readable_in_zone
from scheduling.errors import ApplicationError
from scheduling.models import Membership, NotifyBy, Role
from tests.admin.conftest import LEAK, page

KOLKATA = ZoneInfo("Asia/Kolkata")


def test_a_one_facility_admin_reads_list_columns_that_name_the_zone(admin_client, mine, theirs):
    html = page(admin_client.get("/admin/booking/booking/"))

    assert "Start (Asia/Kolkata)" in html
    assert "End (Asia/Kolkata)" in html
    local = mine.booking.start.astimezone(KOLKATA)
    assert f"{local:%Y-%m-%d} 10:00 IST<" in html  # the column names the zone: the value needs not
    assert LEAK not in html


def test_a_superusers_list_of_every_facility_names_each_rows_zone_and_a_filtered_one_names_the_column(
    client, django_user_model, mine, theirs
):
    root = django_user_model.objects.create_superuser("root", "root@careslot.invalid", "pw-for-tests-only")
    client.force_login(root)

    every = page(client.get("/admin/booking/booking/"))
    assert "10:00 IST (Asia/Kolkata)" in every
    assert re.search(r"10:00 E[SD]T \(America/New_York\)", every)
    assert "Start (" not in every

    filtered = page(client.get(f"/admin/booking/booking/?facility__id__exact={theirs.facility.pk}"))
    assert "Start (America/New_York)" in filtered
    assert "Asia/Kolkata" not in filtered


def test_a_history_page_shows_changed_times_in_the_facilitys_zone_readably(admin_client, mine, theirs):
    cancelled_at = mine.booking.start - dt.timedelta(hours=3)
    booking_services.booking_transition(
        facility=mine.facility,
        actor=mine.admin,
        booking_id=mine.booking.pk,
        to_status="cancelled",
        reason="Patient phoned",
        now=cancelled_at,
    )

    html = page(admin_client.get(f"/admin/booking/booking/{mine.booking.pk}/history/"))

    local = cancelled_at.astimezone(KOLKATA)
    assert local.hour == 7
    shown = f"{local:%a} {local.day} {local:%b %Y} 07:00 (Asia/Kolkata)"
    assert readable_in_zone(cancelled_at, "Asia/Kolkata") == shown
    assert shown in html
    assert "+00:00" not in html  # no UTC ISO string in the changes
    assert "Date/time (Asia/Kolkata)" in html
    assert 'style="' not in html.split('id="change-history"')[1]  # the CSP allows no inline style


def test_an_admin_sets_a_members_desk_department_and_how_they_are_told(admin_client, mine, theirs):
    membership = Membership.objects.get(facility=mine.facility, user=mine.nurse)
    url = f"/admin/scheduling/membership/{membership.pk}/change/"
    form = page(admin_client.get(url))
    assert 'name="department"' in form and 'name="notify_by"' in form

    refused = admin_client.post(
        url, {"role": Role.CLINICIAN, "department": theirs.department.pk, "notify_by": NotifyBy.EMAIL}
    )
    assert refused.status_code == 200
    assert "department" in refused.context["adminform"].form.errors

    response = admin_client.post(
        url, {"role": Role.CLINICIAN, "department": mine.department.pk, "notify_by": NotifyBy.EMAIL}
    )
    assert response.status_code == 302, page(response)[:2000]
    membership.refresh_from_db()
    assert (membership.department, membership.notify_by, membership.role) == (
        mine.department,
        NotifyBy.EMAIL,
        Role.CLINICIAN,
    )
    assert membership.history.count() == 2  # created, then this one change (the role did not move)
    listed = page(admin_client.get("/admin/scheduling/membership/"))
    assert "By email only" in listed


def test_the_service_refuses_another_facilitys_department_naming_the_field(mine, theirs):
    membership = Membership.objects.get(facility=mine.facility, user=mine.nurse)
    with pytest.raises(ApplicationError) as refused:
        services.membership_settings_update(
            facility=mine.facility,
            actor=mine.admin,
            membership_id=membership.pk,
            changes={"department": theirs.department},
        )
    assert (refused.value.code, list(refused.value.fields)) == ("invalid", ["department"])
    membership.refresh_from_db()
    assert membership.department is None


def test_the_facility_admin_shows_whether_the_department_desk_is_told(admin_client, mine, theirs):
    html = page(admin_client.get("/admin/scheduling/facility/"))
    assert "Notify department desk" in html
    change = page(admin_client.get(f"/admin/scheduling/facility/{mine.facility.pk}/change/"))
    assert 'name="notify_department_desk"' in change
