"""Bookings, their resources, token slots and token bookings. Other apps reach them through
booking.services and booking.selectors only."""
