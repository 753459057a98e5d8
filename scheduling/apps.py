from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Scheduling (facilities, people, resources)"

    def ready(self) -> None:
        from scheduling import history  # noqa: F401  (connects the history signal)
