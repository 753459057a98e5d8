"""Write requests per user (``API_WRITE_RATE``), counted in the Redis cache."""

import logging

from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle

logger = logging.getLogger(__name__)


class WriteRateThrottle(UserRateThrottle):
    """Limits POST, PUT, PATCH and DELETE per signed-in user (per address for anonymous ones);
    reads pass. Past the rate: 429 ``throttled`` with a ``Retry-After`` header. With Redis
    unreachable the write passes unthrottled (and a warning is logged): the front desk keeps
    booking, as the README promises."""

    scope = "write"

    def get_rate(self) -> str | None:
        # Read on each request (not at import), so a changed setting takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request, view)
        except (ConnectionInterrupted, RedisError) as exc:
            logger.warning("Write throttle skipped, the cache is unreachable: %s", exc)
            return True
