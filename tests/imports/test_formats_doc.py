"""The README documents every kind's columns as imports.formats defines them, and each template
file is read back as its own kind without a problem."""

from pathlib import Path

import pytest
from django.conf import settings

from imports.formats import FILE_KINDS, detect_kind, template_csv
from imports.management.commands.import_formats import END, START, formats_markdown
from imports.reading import check_header


def test_the_readme_shows_the_current_columns_of_every_kind():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    shown = readme.split(START, 1)[1].split(END, 1)[0].strip()
    assert shown == formats_markdown().strip(), "run: manage.py import_formats --write-readme"
    for spec in FILE_KINDS.values():
        for column in spec.columns:
            assert f"`{column.header}`" in shown


@pytest.mark.parametrize("kind", list(FILE_KINDS))
def test_each_template_is_recognised_as_its_kind(kind):
    content = template_csv(kind).encode()
    assert detect_kind(content.decode().splitlines()[0].split(",")) == kind
    assert check_header(content, total_size=len(content)).kind == kind
