"""CSV imports: where raw files are kept, how large they may be, how they are read."""

from config.env import env_int, env_str
from config.settings.base import MEDIA_ROOT, STORAGES

# Raw files are kept in their own storage, never served as media: downloads go through a view
# that checks the facility and the role. The local filesystem by default; S3 or any
# S3-compatible store (MinIO, Ceph) through django-storages when IMPORTS_S3_BUCKET is set.
IMPORTS_S3_BUCKET = env_str("IMPORTS_S3_BUCKET", "")
if IMPORTS_S3_BUCKET:
    _imports_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": IMPORTS_S3_BUCKET,
            "endpoint_url": env_str("IMPORTS_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("IMPORTS_S3_REGION", "") or None,
            "access_key": env_str("IMPORTS_S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("IMPORTS_S3_SECRET_ACCESS_KEY", "") or None,
            "location": env_str("IMPORTS_S3_PREFIX", "imports"),
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
else:
    _imports_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT / "imports"), "base_url": None},
    }
STORAGES = {**STORAGES, "imports": _imports_storage}

# Larger files are refused at upload (413), before anything is stored.
IMPORTS_MAX_BYTES = env_int("IMPORTS_MAX_BYTES", 100 * 1024 * 1024)
# Records validated and staged at a time: memory stays flat whatever the file's size.
IMPORTS_CHUNK_ROWS = env_int("IMPORTS_CHUNK_ROWS", 50_000)
# Problems kept per import (every one is counted; the report lists the first ones).
IMPORTS_MAX_PROBLEMS = env_int("IMPORTS_MAX_PROBLEMS", 10_000)
# How far total chair minutes may differ from actual end − start.
IMPORTS_MINUTES_TOLERANCE = env_int("IMPORTS_MINUTES_TOLERANCE", 5)
# An import whose worker has not reported for this long is handed to another (beat, each minute).
IMPORTS_STALLED_AFTER_SECONDS = env_int("IMPORTS_STALLED_AFTER_SECONDS", 120)
