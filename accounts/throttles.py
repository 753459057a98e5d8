"""Write requests per user (``API_WRITE_RATE``), counted in the Redis cache."""

from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle


class WriteRateThrottle(UserRateThrottle):
    """Limits POST, PUT, PATCH and DELETE per signed-in user (per address for anonymous ones);
    reads pass. Past the rate: 429 ``throttled`` with a ``Retry-After`` header."""

    scope = "write"

    def get_rate(self) -> str | None:
        # Read on each request (not at import), so a changed setting takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)
