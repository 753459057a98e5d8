from importlib import import_module

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from scheduling.demo import DEMO_PASSWORD, FACILITIES, LOGINS, seed_demo
from scheduling.models import Facility


class Command(BaseCommand):
    help = "Load the fictitious demo data (idempotent: running it again adds nothing)."

    def handle(self, *args, **options):
        created = seed_demo()
        # Then each app's own demo (``<app>/demo.py`` with ``seed(facility=, actor=)``), in
        # INSTALLED_APPS order, through that app's services: availability before booking.
        admin = get_user_model().objects.get(username="admin")
        facilities = list(Facility.objects.filter(slug__in=[slug for slug, *_ in FACILITIES]).order_by("slug"))
        for config in apps.get_app_configs():
            if config.name == "scheduling":
                continue
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError as error:
                if error.name == f"{config.name}.demo":
                    continue
                raise
            created[config.label] = sum(module.seed(facility=facility, actor=admin) for facility in facilities)
        summary = ", ".join(f"{count} {what}" for what, count in created.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data ready (created now: {summary})."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, _is_staff, facilities_of_login in LOGINS:
            self.stdout.write(f"  {username:<15} {role.label:<30} {', '.join(facilities_of_login)}")
