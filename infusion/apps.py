from django.apps import AppConfig


class InfusionConfig(AppConfig):
    """The infusion center's own logic (issue 13): patient types and weekday mix, nurse-aware
    chair capacity, placement routes and policies, and the simulation that compares them."""

    name = "infusion"

    def ready(self) -> None:
        # Availability caps how many chairs run at once through this source, never by importing
        # infusion (the nurses on duty × the facility's ratio, hour by hour).
        from availability import services as availability
        from infusion.selectors.capacity import NurseSupportedChairs

        availability.register_capacity_source(NurseSupportedChairs())
