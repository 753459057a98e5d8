"""Raw files go to MEDIA_ROOT/imports by default and to an S3-compatible bucket when the
environment names one; neither is served as public media."""

import importlib

from django.conf import settings
from storages.backends.s3 import S3Storage

import config.settings.imports as imports_settings


def _load(monkeypatch, **env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        return importlib.reload(imports_settings).STORAGES["imports"]
    finally:
        for name in env:
            monkeypatch.delenv(name)
        importlib.reload(imports_settings)


def test_by_default_raw_files_stay_on_the_filesystem_under_media_root(monkeypatch):
    storage = _load(monkeypatch)
    assert storage["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert storage["OPTIONS"]["location"] == str(settings.MEDIA_ROOT / "imports")
    assert storage["OPTIONS"]["base_url"] is None  # no public URL: downloads go through a view


def test_an_s3_bucket_named_by_the_environment_takes_the_raw_files(monkeypatch):
    storage = _load(
        monkeypatch,
        IMPORTS_S3_BUCKET="careslot-imports",
        IMPORTS_S3_ENDPOINT_URL="http://minio.internal:9000",
        IMPORTS_S3_ACCESS_KEY_ID="key",
        IMPORTS_S3_SECRET_ACCESS_KEY="secret",
    )
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    backend = S3Storage(**storage["OPTIONS"])  # builds its client lazily: no network here
    assert backend.bucket_name == "careslot-imports"
    assert backend.endpoint_url == "http://minio.internal:9000"
    assert backend.default_acl == "private" and backend.file_overwrite is False
    assert backend.location == "imports"
