"""Demo data, tenant-scoped Django admin, and the README's copy of the permission matrix."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.forms.models import model_to_dict

from scheduling.management.commands.permission_matrix import END, START
from scheduling.models import AppointmentType, Department, Facility, Membership, Patient, Role, SchedulableResource
from scheduling.permissions import matrix_markdown
from tests.factories import PatientFactory, UserFactory

DEMO_MODELS = [Facility, Membership, Department, AppointmentType, SchedulableResource, Patient]


def _rows():
    return {
        model.__name__: sorted(
            (tuple(sorted(model_to_dict(obj).items(), key=str)) for obj in model.objects.all()), key=str
        )
        for model in DEMO_MODELS
    }


def test_seed_demo_twice_gives_the_same_rows(db, capsys):
    from availability.models import Schedule
    from booking.models import Booking
    from rostering.models import StaffMember

    call_command("seed_demo")
    first = _rows()
    history_after_first = Patient.history.count()
    schedules, bookings = Schedule.objects.count(), sorted(Booking.objects.values_list("start", "patient_id"))
    call_command("seed_demo")
    assert _rows() == first
    assert Patient.history.count() == history_after_first
    # Every demo resource can be booked, and the front desk finds bookings from today on.
    assert schedules == SchedulableResource.objects.count()
    # (About 25 resources each, besides the people on the demo rotas: rostering/demo.py.)
    rostered = StaffMember.objects.values("resource_id")
    assert sorted(Booking.objects.values_list("start", "patient_id")) == bookings
    assert len(bookings) > 20
    assert {f.slug for f in Facility.objects.all()} == {"riverside", "hillcrest"}
    for facility in Facility.objects.all():
        assert facility.patients.count() == 200
        assert 20 <= facility.resources.exclude(pk__in=rostered).count() <= 30
        assert facility.resources.filter(kind="chair").count() == 12
        assert facility.resources.filter(kind="theatre").count() == 8  # the OR file's eight suites
    assert {m.role for m in Membership.objects.filter(facility__slug="riverside")} == set(Role)
    assert "careslot-demo" in capsys.readouterr().out


def test_readme_shows_the_current_permission_matrix():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    assert f"{START}\n{matrix_markdown()}\n{END}" in readme, (
        "README's permission table is stale: run `python manage.py permission_matrix --write-readme`."
    )


def test_facility_admin_sees_only_their_facility_in_django_admin(client, facility, other_facility, make_member):
    admin_user = make_member(facility, Role.ADMIN)
    admin_user.is_staff = True
    admin_user.save()
    mine = PatientFactory(facility=facility, name="Mine Patient")
    theirs = PatientFactory(facility=other_facility, name="Theirs Patient")
    client.force_login(admin_user)

    listing = client.get("/admin/scheduling/patient/")
    assert listing.status_code == 200
    assert "Mine Patient" in listing.content.decode()
    assert "Theirs Patient" not in listing.content.decode()
    assert client.get(f"/admin/scheduling/patient/{mine.pk}/change/").status_code == 200
    assert client.get(f"/admin/scheduling/patient/{theirs.pk}/change/").status_code in (302, 404)
    assert client.get(f"/admin/scheduling/patient/{mine.pk}/history/").status_code == 200
    assert client.get(f"/admin/scheduling/patient/{theirs.pk}/history/").status_code in (302, 403, 404)
    # Changing a patient through admin records the admin in history.
    response = client.post(
        f"/admin/scheduling/patient/{mine.pk}/change/",
        {"facility": facility.pk, "mrn": mine.mrn, "name": "Mine Renamed", "date_of_birth": "1980-05-17", "phone": ""},
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.name == "Mine Renamed"
    assert mine.history.first().history_user == admin_user
    # …and cannot move a row into a facility they do not administer.
    client.post(
        f"/admin/scheduling/patient/{mine.pk}/change/",
        {"facility": other_facility.pk, "mrn": mine.mrn, "name": "Moved", "date_of_birth": "1980-05-17"},
    )
    mine.refresh_from_db()
    assert mine.facility == facility


def test_staff_without_admin_role_is_kept_out_of_django_admin(client, facility, make_member):
    scheduler = make_member(facility, Role.SCHEDULER)
    scheduler.is_staff = True
    scheduler.save()
    client.force_login(scheduler)
    assert client.get("/admin/scheduling/patient/").status_code == 403
    nobody = UserFactory()
    client.force_login(nobody)
    assert client.get("/admin/scheduling/patient/").status_code == 302  # not staff: to the login page


def test_patient_search_page_filters_and_renders_partial_for_htmx(client, facility, make_member):
    client.force_login(make_member(facility, Role.SCHEDULER))
    PatientFactory(facility=facility, name="Orla Stillwater", mrn="S-1")
    PatientFactory(facility=facility, name="Bram Yarrow", mrn="S-2")
    full = client.get(f"/f/{facility.slug}/patients/", {"q": "stillw"})
    assert full.status_code == 200
    html = full.content.decode()
    assert "Orla Stillwater" in html and "Bram Yarrow" not in html
    assert "<html" in html
    partial = client.get(f"/f/{facility.slug}/patients/", {"q": "S-2"}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()
    assert "Bram Yarrow" in partial.content.decode()
