"""The walk-in form offers only the priorities the role may give: the desk was offered
"Emergency" and then refused with a 403 ("may not check patients in as emergencies")."""

import re

import pytest
from django.test import Client

from scheduling.models import Role
from tests.booking.conftest import build_clinic
from tests.live_queue.test_pages import pages


@pytest.fixture
def clinic(facility, user):
    return build_clinic(facility, user)


@pytest.fixture
def browser_of(db):
    def sign_in(member):
        client = Client()
        client.force_login(member)
        return client

    return sign_in


def priority_choices(response) -> list[str]:
    select = re.search(r'<select name="priority"[^>]*>(.*?)</select>', response.content.decode(), re.S).group(1)
    return re.findall(r'<option value="([^"]+)"', select)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "offered"),
    [
        (Role.SCHEDULER, ["routine", "urgent"]),
        (Role.MANAGER, ["routine", "urgent", "emergency"]),
        (Role.CLINICIAN, ["routine", "urgent", "emergency"]),
    ],
)
def test_the_walk_in_form_offers_emergency_only_to_roles_allowed_it(
    role, offered, clinic, browser_of, facility, make_member
):
    client = browser_of(make_member(facility, role))

    response = client.get(pages(clinic))

    assert response.status_code == 200
    assert priority_choices(response) == offered


@pytest.mark.django_db
def test_a_refused_walk_in_comes_back_without_emergency_for_the_desk(clinic, browser_of, facility, make_member):
    client = browser_of(make_member(facility, Role.SCHEDULER))

    response = client.post(
        pages(clinic, "check-in/walk-in/"),
        {"patient": clinic.patients[0].pk, "place": f"resource:{clinic.chair.pk}", "priority": "emergency"},
    )

    assert response.status_code == 403
    assert "emergency" not in priority_choices(response)
