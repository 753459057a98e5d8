"""Schedules, weekly availabilities and exceptions. Only this app's services and selectors may import
this module (an import-linter contract holds it): CEP-7 makes availability a service."""
