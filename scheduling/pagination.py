"""Kept apart from api_kernel: DRF imports the default paginator while api_kernel is loading."""

from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_schema_operation_parameters(self, view):
        """The query parameters with the limits applied to them: a page past the last (or below 1)
        answers 404; a page size above the maximum gets the maximum."""
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
                parameter["description"] = (
                    f"Rows per page: {self.page_size} unless given, at most {self.max_page_size} "
                    f"(a larger number gets {self.max_page_size})."
                )
        return parameters
