"""Prints the columns of each kind of import file, or writes them into README.md between its
markers (tests/imports/test_formats_doc.py fails when the README is stale)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from imports.formats import FILE_KINDS, columns_markdown

START = "<!-- import-formats:start -->"
END = "<!-- import-formats:end -->"


def formats_markdown() -> str:
    parts = []
    for kind, spec in FILE_KINDS.items():
        parts.append(
            f"**{spec.kind.label}** (`{kind}`): {spec.description} Natural key: `{spec.key}`.\n\n"
            + columns_markdown(kind)
        )
    return "\n\n".join(parts)


def readme_with_formats(text: str) -> str:
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{formats_markdown()}\n{END}{tail}"


class Command(BaseCommand):
    help = "Print the columns of each import kind; with --write-readme, refresh them in README.md."

    def add_arguments(self, parser):
        parser.add_argument("--write-readme", action="store_true")

    def handle(self, *args, write_readme: bool = False, **options):
        if not write_readme:
            self.stdout.write(formats_markdown())
            return
        readme = Path(settings.BASE_DIR) / "README.md"
        readme.write_text(readme_with_formats(readme.read_text()))
        self.stdout.write(f"Updated the import formats in {readme}.")
