from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "booking"

    def ready(self) -> None:
        # Availability learns what is booked through this source, never by importing booking.
        from availability import services as availability
        from booking.selectors import ActiveBookings

        availability.register_booking_source(ActiveBookings())
