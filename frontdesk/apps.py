from django.apps import AppConfig


class FrontdeskConfig(AppConfig):
    """Pages that compose several apps (the patient page, each role's overview). No models: it
    reads through the other apps' selectors and writes through their services."""

    name = "frontdesk"
