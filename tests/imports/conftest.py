"""Helpers to upload a file as a member would (the root conftest gives each test a fresh
imports storage)."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imports import services
from scheduling.models import ResourceKind, Role
from tests.factories import ResourceFactory

# The public January 2022 OR file, unchanged (data/README.md: source and licence).
OR_FILE = Path(__file__).resolve().parents[2] / "data" / "or-cases-2022-01.csv"


@pytest.fixture
def uploader(facility, make_member):
    return make_member(facility, Role.SCHEDULER)


@pytest.fixture
def upload(facility, uploader, django_capture_on_commit_callbacks):
    """upload(content, name=..., kind=..., load_valid_rows=...) -> (import, created); the task
    runs eagerly when the transaction commits (at once in tests)."""

    def run(content, *, name="file.csv", kind=None, load_valid_rows=False, to=None, actor=None):
        data = content.encode() if isinstance(content, str) else content
        with django_capture_on_commit_callbacks(execute=True):
            record, created = services.import_upload(
                facility=to or facility,
                actor=actor or uploader,
                uploaded_file=SimpleUploadedFile(name, data, content_type="text/csv"),
                kind=kind,
                load_valid_rows=load_valid_rows,
            )
        record.refresh_from_db()
        return record, created

    return run


@pytest.fixture
def theatres(facility):
    """The January file's eight suites, named as the file names them."""
    return {str(n): ResourceFactory(facility=facility, kind=ResourceKind.THEATRE, name=str(n)) for n in range(1, 9)}
