from django.apps import AppConfig


class RosteringConfig(AppConfig):
    """Staff rosters (issue 14): rotas, their rules as data, CP-SAT solves as Celery tasks, an
    independent checker before publishing, re-planning, swaps, what-ifs and an assistant."""

    name = "rostering"
