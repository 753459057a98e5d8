"""The booking form's patient picker and the queue's walk-in search say when there are more
matches than they show."""

import pytest

from scheduling.models import Role
from tests.factories import PatientFactory

MORE = "Showing 8 of more matches — type more of the name or the MRN."
PICKERS = ["bookings/patients/", "queue/patients/"]


@pytest.mark.parametrize("tail", PICKERS)
def test_more_matches_than_shown_are_announced(tail, facility, signed_in):
    for number in range(9):
        PatientFactory(facility=facility, name=f"Quillfeather {number}")
    html = signed_in(Role.SCHEDULER).get(f"/f/{facility.slug}/{tail}", {"q": "quill"}).content.decode()
    assert html.count("Quillfeather ") == 8
    assert MORE in html


@pytest.mark.parametrize("tail", PICKERS)
def test_all_matches_shown_say_nothing_more(tail, facility, signed_in):
    for number in range(8):
        PatientFactory(facility=facility, name=f"Quillfeather {number}")
    html = signed_in(Role.SCHEDULER).get(f"/f/{facility.slug}/{tail}", {"q": "quill"}).content.decode()
    assert html.count("Quillfeather ") == 8
    assert "more matches" not in html
