"""Every link the overview offers a role opens for that role: a link to a page the role is
refused (an analyst sent to the nightly runs, which only managers may open) is a bare 403 the
issue asks us never to show."""

import re

import pytest
from django.urls import reverse

from scheduling.models import Role
from tests.frontdesk.conftest import book, on_today

ROLES = [Role.ADMIN, Role.MANAGER, Role.SCHEDULER, Role.CLINICIAN, Role.ANALYST]


@pytest.mark.parametrize("role", ROLES)
def test_every_link_on_the_overview_opens_for_the_role(role, clinic, signed_in):
    book(clinic, clinic.patients[0], minutes_from_now=on_today(clinic, 30))
    client = signed_in(role)
    html = client.get(reverse("frontdesk:overview", kwargs={"facility_slug": clinic.facility.slug})).content.decode()

    links = set(re.findall(rf'href="(/f/{clinic.facility.slug}/[^"#]*)"', html))
    assert links
    refused = {}
    for link in sorted(links):
        status = client.get(link.replace("&amp;", "&")).status_code
        if status not in (200, 302):
            refused[link] = status
    assert refused == {}
