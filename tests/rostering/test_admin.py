"""Rostering in Django admin: every table registered with history, each page opens for the
facility's administrator, another facility's rows stay out of reach, and a form cannot link a
rota's row to another facility's (tests/admin/ also opens every page with two full tenants)."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from rostering.models import Assignment, Roster, StaffMember
from scheduling.admin_scoping import ReadOnly
from scheduling.models import ResourceKind, Role
from tests.factories import ResourceFactory
from tests.rostering.conftest import next_monday
from tests.rostering.factories import tiny_rota

pytestmark = pytest.mark.django_db

ROSTERING_MODELS = [m for m in apps.get_app_config("rostering").get_models() if not m.__name__.startswith("Historical")]
# The solver, the checker and the services write these; admin only shows them.
READ_ONLY = {"Roster", "Assignment", "SwapRequest"}


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:rostering_{model._meta.model_name}_{view}", args=args)


def _tiny_rota(facility, actor, name: str):
    return tiny_rota(facility, actor, name, next_monday())


@pytest.fixture
def staff_admin(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def test_every_rostering_table_is_in_admin_with_its_history():
    assert len(ROSTERING_MODELS) == 14
    for model in ROSTERING_MODELS:
        model_admin = admin.site._registry.get(model)
        assert isinstance(model_admin, SimpleHistoryAdmin), model
        assert isinstance(model_admin, ReadOnly) == (model.__name__ in READ_ONLY), model


def test_the_facility_admin_opens_every_rostering_page(client, facility, staff_admin):
    _tiny_rota(facility, staff_admin, "Alder")
    client.force_login(staff_admin)
    for model in ROSTERING_MODELS:
        assert client.get(_url(model, "changelist")).status_code == 200, model
        assert client.get(_url(model, "add")).status_code == (403 if model.__name__ in READ_ONLY else 200), model
        row = model._default_manager.order_by("pk").first()
        assert row is not None, model
        for view in ("change", "history"):
            assert client.get(_url(model, view, row.pk)).status_code == 200, (model, view)
    roster = client.get(_url(Roster, "change", Roster.objects.get().pk)).content.decode()
    assert "passed; soft cost 0" in roster


def test_another_facilitys_rota_is_out_of_reach(client, facility, other_facility, staff_admin, make_member):
    theirs = _tiny_rota(other_facility, make_member(other_facility, Role.ADMIN), "Zebrawood")
    client.force_login(staff_admin)
    for model in ROSTERING_MODELS:
        assert "Zebrawood" not in client.get(_url(model, "changelist")).content.decode(), model
    for row in [theirs, theirs.sites.get(), theirs.staff.first(), theirs.rosters.get(), Assignment.objects.first()]:
        response = client.get(_url(type(row), "change", row.pk))
        assert response.status_code in (302, 404), row


def test_a_staff_member_cannot_stand_for_another_facilitys_resource(client, facility, other_facility, staff_admin):
    # An administrator of both facilities is offered both facilities' resources: the form refuses the mix.
    from tests.factories import MembershipFactory

    MembershipFactory(facility=other_facility, user=staff_admin, role=Role.ADMIN)
    rota = _tiny_rota(facility, staff_admin, "Alder")
    elsewhere = ResourceFactory(facility=other_facility, kind=ResourceKind.PRACTITIONER, name="Dr Far Away")
    here = ResourceFactory(facility=facility, kind=ResourceKind.PRACTITIONER, name="Dr Near By")
    client.force_login(staff_admin)
    form = {
        "rota": rota.pk,
        "seniority": 2,
        "skills": "main",
        "sites": "main",
        "contract": rota.contracts.get().pk,
        "active": "on",
    }
    refused = client.post(_url(StaffMember, "add"), {**form, "resource": elsewhere.pk})
    assert refused.status_code == 200
    assert "This belongs to another facility." in refused.content.decode()
    assert not StaffMember.objects.filter(resource=elsewhere).exists()

    accepted = client.post(_url(StaffMember, "add"), {**form, "resource": here.pk})
    assert accepted.status_code == 302
    added = StaffMember.objects.get(resource=here)
    assert added.history.first().history_user == staff_admin
