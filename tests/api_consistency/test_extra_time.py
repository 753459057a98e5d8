"""Extra time over hours the weekly pattern already makes available changes nothing: it is
accepted with a warning instead of refused."""

from availability.models import AvailabilityException


def test_extra_time_over_available_hours_is_a_no_op_with_a_warning(clinic, api_client):
    response = api_client.post(
        clinic.url("exceptions/"),
        {
            "resource": clinic.chair.pk,
            "is_available": True,
            "start": clinic.at("10:00", days_ahead=3).isoformat(),
            "end": clinic.at("12:00", days_ahead=3).isoformat(),
            "reason": "Extra clinic",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["exception"] is None
    assert len(body["warnings"]) == 1 and "already available" in body["warnings"][0]
    assert not AvailabilityException.objects.exists()


def test_extra_time_outside_the_weekly_pattern_is_created_without_warnings(clinic, api_client):
    response = api_client.post(
        clinic.url("exceptions/"),
        {
            "resource": clinic.chair.pk,
            "is_available": True,
            "start": clinic.at("20:00", days_ahead=3).isoformat(),
            "end": clinic.at("22:00", days_ahead=3).isoformat(),
            "reason": "Evening list",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["warnings"] == []
    assert AvailabilityException.objects.filter(pk=response.json()["id"]).exists()
