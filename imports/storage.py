"""Where raw files are kept: the ``imports`` storage of settings.STORAGES (config/settings/imports.py)."""

from django.core.files.storage import storages


def raw_files():
    return storages["imports"]
