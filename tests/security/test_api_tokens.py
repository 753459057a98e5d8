"""API tokens: obtained with a password, hashed, expiring after API_TOKEN_TTL_HOURS, listed and
revoked by their owner and by administrators of a facility the owner belongs to, void once the
password changes. Writes are throttled per user."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from conftest import DEAD_REDIS
from scheduling.models import Role
from tests.browser.conftest import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def _obtain(user, name: str = "") -> dict:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": user.username, "password": TEST_PASSWORD, "name": name}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def _with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _works(key: str) -> bool:
    status = _with(key).get("/api/v1/facilities/").status_code
    assert status in (200, 401)
    return status == 200


def test_a_token_is_stored_hashed_and_expires_after_the_configured_hours(user):
    with override_settings(API_TOKEN_TTL_HOURS=2):
        before = timezone.now()
        body = _obtain(user, name="lab integration")

    token = ApiToken.objects.get(pk=body["id"])
    assert body["name"] == "lab integration" and body["prefix"] == body["token"][:10]
    assert body["token"] not in {token.digest, token.prefix}  # the key itself is kept nowhere
    assert timedelta(hours=2) <= token.expires_at - before < timedelta(hours=2, minutes=1)
    assert _works(body["token"])

    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    refused = _with(body["token"]).get("/api/v1/facilities/")
    assert refused.status_code == 401
    assert refused.json()["detail"] == "Invalid or expired token."


def test_the_owner_lists_and_revokes_their_tokens(user, facility, make_member):
    first, second = _obtain(user, "first"), _obtain(user, "second")
    client = _with(first["token"])

    listed = client.get("/api/v1/auth/tokens/")
    assert listed.status_code == 200
    assert [row["name"] for row in listed.json()] == ["second", "first"]
    assert set(listed.json()[0]) == {"id", "prefix", "name", "created_at", "expires_at"}  # never the key

    assert client.delete(f"/api/v1/auth/tokens/{second['id']}/").status_code == 204
    assert not _works(second["token"]) and _works(first["token"])
    assert [row["id"] for row in client.get("/api/v1/auth/tokens/").json()] == [first["id"]]

    # Someone else's token is not found, and stays alive.
    stranger = _obtain(make_member(facility, Role.SCHEDULER))
    missing = client.delete(f"/api/v1/auth/tokens/{stranger['id']}/")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    assert _works(stranger["token"])


def test_a_facility_admin_lists_and_revokes_a_members_tokens(api_client, facility, make_member):
    desk = make_member(facility, Role.SCHEDULER)
    token = _obtain(desk, "desk script")
    membership = desk.memberships.get(facility=facility)
    base = f"/api/v1/facilities/{facility.slug}/memberships/{membership.pk}/tokens/"

    listed = api_client.get(base)
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()] == [token["id"]]

    assert api_client.delete(f"{base}{token['id']}/").status_code == 204
    assert not _works(token["token"])
    deleted = ApiToken.history.get(id=token["id"], history_type="-")
    assert deleted.history_user.username == "alice-admin"  # the audit trail names who revoked it


def test_only_admins_of_a_shared_facility_manage_a_members_tokens(facility, other_facility, make_member):
    desk = make_member(facility, Role.SCHEDULER)
    token = _obtain(desk)
    membership = desk.memberships.get(facility=facility)
    manager = _with(_obtain(make_member(facility, Role.MANAGER))["token"])
    outsider = _with(_obtain(make_member(other_facility, Role.ADMIN))["token"])

    refused = manager.get(f"/api/v1/facilities/{facility.slug}/memberships/{membership.pk}/tokens/")
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    # The other facility's admin asks through their own facility: no such member there.
    foreign = outsider.delete(
        f"/api/v1/facilities/{other_facility.slug}/memberships/{membership.pk}/tokens/{token['id']}/"
    )
    assert foreign.status_code == 404
    assert outsider.get(f"/api/v1/facilities/{facility.slug}/memberships/{membership.pk}/tokens/").status_code == 404
    assert _works(token["token"])


def test_changing_the_password_voids_every_token(client, user):
    first, second = _obtain(user), _obtain(user)
    client.force_login(user)

    changed = client.post(
        "/accounts/password/",
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "a-new-long-passphrase",
            "new_password2": "a-new-long-passphrase",
        },
    )

    assert changed.status_code == 302
    assert not _works(first["token"]) and not _works(second["token"])
    fresh = APIClient().post(
        "/api/v1/auth/token/", {"username": user.username, "password": "a-new-long-passphrase"}, format="json"
    )
    assert [row["id"] for row in _with(fresh.json()["token"]).get("/api/v1/auth/tokens/").json()] == [
        fresh.json()["id"]
    ]


def test_writes_are_throttled_per_user_and_reads_are_not(api_client, user, facility, make_member):
    other = make_member(facility, Role.ADMIN)
    other_client = _with(_obtain(other)["token"])
    for someone in (user, other):
        cache.delete(f"throttle_write_{someone.pk}")  # Redis outlives the test database
    patients = f"/api/v1/facilities/{facility.slug}/patients/"
    body = {"name": "Fictional Patient", "date_of_birth": "1990-01-02"}
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"write": "3/min"}}):
        written = [api_client.post(patients, {**body, "mrn": f"T-{n}"}, format="json") for n in range(4)]
        read = api_client.get(patients)
        others_write = other_client.post(patients, {**body, "mrn": "T-9"}, format="json")

    assert [response.status_code for response in written] == [201, 201, 201, 429]
    assert written[3].json()["code"] == "throttled"
    assert set(written[3].json()) == {"code", "detail", "fields"}
    assert int(written[3]["Retry-After"]) > 0
    assert read.status_code == 200
    assert others_write.status_code == 201


def test_with_redis_down_writes_pass_unthrottled(api_client, facility):
    dead = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": DEAD_REDIS}}
    with override_settings(
        CACHES=dead, REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"write": "1/min"}}
    ):
        written = [
            api_client.post(
                f"/api/v1/facilities/{facility.slug}/patients/",
                {"mrn": f"R-{n}", "name": "Fictional Patient", "date_of_birth": "1990-01-02"},
                format="json",
            )
            for n in range(2)
        ]

    assert [response.status_code for response in written] == [201, 201]


def test_dead_tokens_cleared_at_the_next_sign_in_leave_their_history(user):
    old = _obtain(user, name="laptop")
    ApiToken.objects.filter(pk=old["id"]).update(expires_at=timezone.now() - timedelta(minutes=1))
    _obtain(user, name="phone")
    assert not ApiToken.objects.filter(pk=old["id"]).exists()
    deleted = ApiToken.history.get(id=old["id"], history_type="-")
    assert deleted.history_user == user and deleted.name == "laptop"
