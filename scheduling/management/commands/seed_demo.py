from django.core.management.base import BaseCommand

from scheduling.demo import DEMO_PASSWORD, LOGINS, seed_demo


class Command(BaseCommand):
    help = "Load the fictitious demo data (idempotent: running it again adds nothing)."

    def handle(self, *args, **options):
        created = seed_demo()
        summary = ", ".join(f"{count} {what}" for what, count in created.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data ready (created now: {summary})."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, _is_staff, facilities in LOGINS:
            self.stdout.write(f"  {username:<15} {role.label:<28} {', '.join(facilities)}")
