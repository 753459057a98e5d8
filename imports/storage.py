"""Where raw files are kept: the ``imports`` storage of settings.STORAGES (config/settings/imports.py)."""

import os
import re

from django.core.files.storage import storages


def raw_files():
    return storages["imports"]


def clean_file_name(name: str) -> str:
    """The uploader's file name without any directory part or control characters."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip()
    if base in (".", ".."):
        base = ""
    return (base or "upload.csv")[-255:]
