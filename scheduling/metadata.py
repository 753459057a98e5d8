"""What the API answers to ``OPTIONS`` (DRF's ``DEFAULT_METADATA_CLASS``)."""

from rest_framework.metadata import SimpleMetadata


class RouteMetadata(SimpleMetadata):
    """The route's name, description and media types. The inputs of each action are described by
    the OpenAPI schema (``/api/schema/``): they differ by action, so no one serializer per view
    could describe them here."""

    def determine_actions(self, request, view) -> dict:
        return {}
