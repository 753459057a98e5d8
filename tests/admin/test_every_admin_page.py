"""Every page of every registered ModelAdmin, opened by a one-facility administrator and by a
superuser: no server error, and nothing of the other facility on the administrator's pages.
(One test per user walks all of them: the two facilities are built once, not per model.)"""

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


def _versions(model, obj) -> list[str]:
    """The page of the object's latest audited version (simple_history's revert form)."""
    if not hasattr(model, "history"):
        return []
    version = obj.history.first()
    return [_url(model, "simple_history", obj.pk, version.history_id)] if version else []


def _has_facility(model) -> bool:
    return any(f.name == "facility" for f in model._meta.get_fields())


def test_a_one_facility_admin_opens_every_admin_page_without_error_or_leak(admin_client, mine, theirs):
    problems, opened = [], 0
    for model, model_admin in ADMINS:
        urls = [_url(model, "changelist"), _url(model, "add")]
        own = _first_visible(model_admin, mine.admin)
        if own is not None:
            urls += [_url(model, "change", own.pk), _url(model, "history", own.pk), *_versions(model, own)]
        for url in urls:
            response = admin_client.get(url)
            opened += response.status_code == 200
            if response.status_code not in (200, 403):
                problems.append((url, response.status_code))
            elif LEAK.lower() in page(response).lower():
                problems.append((url, "shows the other facility"))
    assert problems == []
    assert opened > 60  # the facility's own pages did open


def test_another_facilitys_rows_are_not_found_by_a_one_facility_admin(admin_client, mine, theirs):
    problems, tried = [], 0
    for model, _ in ADMINS:
        if not _has_facility(model):
            continue
        for obj in model._default_manager.filter(facility=theirs.facility).order_by("pk")[:2]:
            for url in [_url(model, view, obj.pk) for view in ("change", "history", "delete")] + _versions(model, obj):
                response = admin_client.get(url)
                tried += 1
                if response.status_code not in (302, 403, 404) or LEAK.lower() in page(response).lower():
                    problems.append((url, response.status_code))
    assert problems == []
    assert tried > 40


def test_a_superuser_opens_every_admin_page_without_error_and_sees_every_facility(
    client, django_user_model, mine, theirs
):
    root = django_user_model.objects.create_superuser("root", "root@careslot.invalid", "pw-for-tests-only")
    client.force_login(root)
    problems = []
    for model, _ in ADMINS:
        urls = [_url(model, "changelist"), _url(model, "add")]
        row = model._default_manager.order_by("pk").first()
        if row is not None:
            urls += [_url(model, "change", row.pk), _url(model, "history", row.pk)]
        for url in urls:
            response = client.get(url)
            if response.status_code not in (200, 403):
                problems.append((url, response.status_code))
        theirs_listed = _has_facility(model) and model._default_manager.filter(facility=theirs.facility).exists()
        if theirs_listed and LEAK not in page(client.get(_url(model, "changelist"))):
            problems.append((model._meta.label, "superuser does not see the other facility"))
    assert problems == []
