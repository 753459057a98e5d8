"""Every page of every registered ModelAdmin, opened by a one-facility administrator and by a
superuser: no server error, and nothing of the other facility on the administrator's pages."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from tests.admin.conftest import LEAK, page

ADMINS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _first_visible(model_admin, user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return model_admin.get_queryset(request).order_by("pk").first()


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=[model._meta.label for model, _ in ADMINS])
def test_a_one_facility_admin_opens_every_admin_page_without_error_or_leak(admin_client, mine, theirs, model, model_admin):
    urls = [_url(model, "changelist"), _url(model, "add")]
    own = _first_visible(model_admin, mine.admin)
    if own is not None:
        urls += [_url(model, "change", own.pk), _url(model, "history", own.pk)]
    for url in urls:
        response = admin_client.get(url)
        assert response.status_code in (200, 403), (url, response.status_code)
        assert LEAK.lower() not in page(response).lower(), url


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=[model._meta.label for model, _ in ADMINS])
def test_another_facilitys_rows_are_not_found_by_a_one_facility_admin(admin_client, theirs, model, model_admin):
    everything = model._default_manager.order_by("pk")
    foreign = [obj for obj in everything if LEAK.lower() in str(getattr(obj, "facility", "")).lower()]
    for obj in foreign[:3]:
        for view in ("change", "history", "delete"):
            response = admin_client.get(_url(model, view, obj.pk))
            assert response.status_code in (302, 403, 404), (view, obj, response.status_code)
            assert LEAK.lower() not in page(response).lower()


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=[model._meta.label for model, _ in ADMINS])
def test_a_superuser_opens_every_admin_page_without_error(
    client, django_user_model, mine, theirs, model, model_admin
):
    root = django_user_model.objects.create_superuser("root", "root@careslot.invalid", "pw-for-tests-only")
    client.force_login(root)
    urls = [_url(model, "changelist"), _url(model, "add")]
    row = model._default_manager.order_by("pk").first()
    if row is not None:
        urls += [_url(model, "change", row.pk), _url(model, "history", row.pk)]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 403), (url, response.status_code)
    # A superuser still sees every facility.
    if hasattr(model, "facility"):
        assert LEAK in page(client.get(_url(model, "changelist")))
