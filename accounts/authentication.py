"""``Authorization: Token <key>`` checked against hashed, expiring API tokens."""

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token header, looked up by the key's hash; an expired token, or one made before its
    owner's last password change, is refused like an unknown one."""

    keyword = "Token"

    def authenticate_credentials(self, key: str):
        # Imported here: DRF loads this class while scheduling.errors (which selectors use) imports DRF.
        from accounts import selectors, services

        token = selectors.api_token_for_key(digest=services.key_digest(key))
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or expired token.")
        return token.user, token
