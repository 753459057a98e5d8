"""Every relation a one-facility administrator can set in Django admin stays inside the
facilities they administer: widgets offer nothing else, and a posted id of another facility is
refused with a form error and nothing written."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from availability import selectors as availability_selectors
from availability.models import Availability
from scheduling.models import Membership, Role, SchedulableResource
from tests.admin.conftest import LEAK, member, options_of, page


def _window(tenant):
    return Availability.objects.get(schedule=tenant.schedule)


def test_a_windows_appointment_types_widget_offers_only_the_admins_types(admin_client, mine, theirs):
    window = _window(mine)
    request = RequestFactory().get("/admin/")
    request.user = mine.admin
    window_admin = admin.site._registry[type(window)]
    field = window_admin.formfield_for_manytomany(type(window)._meta.get_field("appointment_types"), request)
    assert set(field.queryset) == {mine.visit}


def test_a_window_cannot_be_given_another_facilitys_appointment_type(admin_client, mine, theirs):
    window = _window(mine)
    response = admin_client.post(
        f"/admin/availability/availability/{window.pk}/change/",
        {
            "facility": mine.facility.pk,
            "schedule": mine.schedule.pk,
            "weekdays": "0,1,2,3,4,5,6",
            "start_time": "08:00",
            "end_time": "20:00",
            "type": "open",
            "appointment_types": [theirs.visit.pk],
        },
    )
    assert response.status_code == 403
    assert list(_window(mine).appointment_types.all()) == [mine.visit]


def test_the_resource_user_select_offers_only_members_of_the_admins_facilities(admin_client, mine, theirs):
    users = options_of(page(admin_client.get("/admin/scheduling/schedulableresource/add/")), "user")
    assert "alder-nurse" in users
    assert LEAK.lower() not in users.lower()


def _resource_form(tenant, **changes):
    return {
        "facility": tenant.facility.pk,
        "kind": "chair",
        "name": "Alder Recliner",
        "department": tenant.department.pk,
        "user": "",
        "active": "on",
        **changes,
    }


@pytest.mark.parametrize("field", ["user", "department"])
def test_a_resource_cannot_link_to_another_facilitys_user_or_department(admin_client, mine, theirs, field):
    foreign = {"user": theirs.nurse, "department": theirs.department}[field]
    added = admin_client.post("/admin/scheduling/schedulableresource/add/", _resource_form(mine, **{field: foreign.pk}))
    assert added.status_code == 200
    assert field in added.context["adminform"].form.errors
    assert not SchedulableResource.objects.filter(name="Alder Recliner").exists()

    changed = admin_client.post(
        f"/admin/scheduling/schedulableresource/{mine.chair.pk}/change/",
        _resource_form(mine, name=mine.chair.name, **{field: foreign.pk}),
    )
    assert changed.status_code == 200
    assert field in changed.context["adminform"].form.errors
    mine.chair.refresh_from_db()
    assert (mine.chair.user_id, mine.chair.department_id) == (None, mine.department.pk)


def test_a_resource_owner_must_be_a_member_of_the_resources_facility(client, mine, theirs):
    """An administrator of both facilities still cannot link one facility's resource to a
    member of the other only (the rule resource_create enforces)."""
    Membership.objects.create(facility=theirs.facility, user=mine.admin, role=Role.ADMIN)
    mine.admin.is_staff = True
    mine.admin.save(update_fields=["is_staff"])
    client.force_login(mine.admin)
    response = client.post(
        f"/admin/scheduling/schedulableresource/{mine.chair.pk}/change/",
        _resource_form(mine, name=mine.chair.name, user=theirs.nurse.pk),
    )
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    mine.chair.refresh_from_db()
    assert mine.chair.user_id is None


def test_the_membership_user_select_offers_only_members_of_the_admins_facilities(admin_client, mine, theirs):
    users = options_of(page(admin_client.get("/admin/scheduling/membership/add/")), "user")
    assert "alder-nurse" in users
    assert LEAK.lower() not in users.lower()


def test_the_last_administrator_cannot_be_demoted_in_admin(admin_client, mine, theirs):
    membership = Membership.objects.get(facility=mine.facility, user=mine.admin)
    response = admin_client.post(
        f"/admin/scheduling/membership/{membership.pk}/change/",
        {"facility": mine.facility.pk, "user": mine.admin.pk, "role": Role.MANAGER},
    )
    assert response.status_code == 200
    assert "role" in response.context["adminform"].form.errors
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_a_membership_made_in_admin_is_recorded_and_grants_admin_site_to_administrators(admin_client, mine, theirs):
    newcomer = member(mine.facility, Role.SCHEDULER, "alder-newcomer")
    membership = Membership.objects.get(user=newcomer)
    response = admin_client.post(
        f"/admin/scheduling/membership/{membership.pk}/change/",
        {"facility": mine.facility.pk, "user": newcomer.pk, "role": Role.ADMIN, "notify_by": "both"},
    )
    assert response.status_code == 302, page(response)[:3000]
    membership.refresh_from_db()
    newcomer.refresh_from_db()
    assert (membership.role, newcomer.is_staff) == (Role.ADMIN, True)
    assert membership.history.first().history_user == mine.admin


def test_the_delegation_form_has_no_granted_by_and_offers_only_members(admin_client, mine, theirs):
    html = page(admin_client.get("/admin/availability/scheduledelegation/add/"))
    assert 'name="granted_by"' not in html
    delegates = options_of(html, "delegate")
    assert "alder-nurse" in delegates
    assert LEAK.lower() not in delegates.lower()


def _delegations(tenant):
    return availability_selectors.delegation_list(facility=tenant.facility, resource_id=tenant.chair.pk)


def test_a_delegation_to_another_facilitys_user_is_refused(admin_client, mine, theirs):
    response = admin_client.post(
        "/admin/availability/scheduledelegation/add/",
        {
            "facility": mine.facility.pk,
            "resource": mine.chair.pk,
            "delegate": theirs.nurse.pk,
            "granted_by": theirs.admin.pk,
        },
    )
    assert response.status_code == 200
    assert "delegate" in response.context["adminform"].form.errors
    assert not _delegations(mine).exists()


def test_a_delegation_to_a_member_whose_role_cannot_manage_availability_is_refused(admin_client, mine, theirs):
    analyst = member(mine.facility, Role.ANALYST, "alder-analyst")
    response = admin_client.post(
        "/admin/availability/scheduledelegation/add/",
        {"facility": mine.facility.pk, "resource": mine.chair.pk, "delegate": analyst.pk},
    )
    assert response.status_code == 200
    assert "delegate" in response.context["adminform"].form.errors
    assert not _delegations(mine).exists()


def test_a_delegation_made_in_admin_is_granted_by_the_signed_in_admin(admin_client, mine, theirs):
    response = admin_client.post(
        "/admin/availability/scheduledelegation/add/",
        {
            "facility": mine.facility.pk,
            "resource": mine.chair.pk,
            "delegate": mine.nurse.pk,
            "granted_by": theirs.admin.pk,  # a forged field is ignored
        },
    )
    assert response.status_code == 302, page(response)[:3000]
    delegation = _delegations(mine).get()
    assert (delegation.delegate, delegation.granted_by) == (mine.nurse, mine.admin)
    # …and granting it again is refused like the service refuses it.
    again = admin_client.post(
        "/admin/availability/scheduledelegation/add/",
        {"facility": mine.facility.pk, "resource": mine.chair.pk, "delegate": mine.nurse.pk},
    )
    assert again.status_code == 200
    assert _delegations(mine).count() == 1


def test_the_list_filters_name_only_the_admins_facility_and_departments(admin_client, mine, theirs):
    html = page(admin_client.get("/admin/scheduling/schedulableresource/"))
    assert "Alder Hospital" in html and "Alder Cardiology" in html
    assert LEAK not in html


def test_a_refusal_by_the_service_after_the_form_check_is_shown_not_a_server_error(
    admin_client, mine, theirs, monkeypatch
):
    """As when another administrator is demoted between the form's check and the save: the
    service's lock sees it, the save is rolled back and the page says why."""
    from scheduling.admin import MembershipForm

    monkeypatch.setattr(MembershipForm, "clean_role", lambda form: form.cleaned_data["role"])
    membership = Membership.objects.get(facility=mine.facility, user=mine.admin)
    url = f"/admin/scheduling/membership/{membership.pk}/change/"
    response = admin_client.post(url, {"role": Role.MANAGER, "notify_by": "both"}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert "The facility must keep at least one administrator." in page(response)
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN
