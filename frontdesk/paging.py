"""Several paginated lists on one page, each turned by its own query parameter, so turning one
keeps the others where they were."""

from django.core.paginator import Page, Paginator


def page_of(request, rows, *, size: int, parameter: str, anchor: str = "") -> Page:
    """The requested page of ``rows``, carrying ``previous_url`` and ``next_url`` (or None)."""
    page = Paginator(rows, size).get_page(request.GET.get(parameter))
    page.previous_url = _url(request, parameter, page.previous_page_number(), anchor) if page.has_previous() else None
    page.next_url = _url(request, parameter, page.next_page_number(), anchor) if page.has_next() else None
    return page


def _url(request, parameter: str, number: int, anchor: str) -> str:
    query = request.GET.copy()
    query[parameter] = str(number)
    return f"?{query.urlencode()}{'#' + anchor if anchor else ''}"
