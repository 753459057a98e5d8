"""Prints the permission matrix, or writes it into README.md between its markers."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from scheduling.permissions import matrix_markdown

START = "<!-- permission-matrix:start -->"
END = "<!-- permission-matrix:end -->"


def readme_with_matrix(text: str) -> str:
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{matrix_markdown()}\n{END}{tail}"


class Command(BaseCommand):
    help = "Print the role → action matrix; with --write-readme, refresh the table in README.md."

    def add_arguments(self, parser):
        parser.add_argument("--write-readme", action="store_true")

    def handle(self, *args, write_readme: bool = False, **options):
        if not write_readme:
            self.stdout.write(matrix_markdown())
            return
        readme = Path(settings.BASE_DIR) / "README.md"
        readme.write_text(readme_with_matrix(readme.read_text()))
        self.stdout.write(f"Updated the permission matrix in {readme}.")
