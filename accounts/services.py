"""Making and revoking API tokens."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts import selectors
from accounts.models import ApiToken
from scheduling.history import audited_delete, audited_save

KEY_PREFIX = "cs_"


def key_digest(key: str) -> str:
    # The key carries 256 random bits, so a plain (fast) hash is as good as a slow one here.
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, user, name: str = "") -> tuple[ApiToken, str]:
    """A new token for ``user`` valid for ``API_TOKEN_TTL_HOURS``; returns it and its key, which
    is not kept anywhere and cannot be shown again. The user's dead tokens are cleared away."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    stamp = selectors.password_stamp(user=user)
    # Expired or voided: cleared one by one, so each leaves its history row like a revocation.
    for dead in ApiToken.objects.filter(user=user).exclude(pk__in=selectors.api_token_list(user=user).values("pk")):
        audited_delete(dead, actor=user)
    token = ApiToken(
        user=user,
        name=name,
        digest=key_digest(key),
        prefix=key[:10],
        password_stamp=stamp,
        expires_at=timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
    )
    audited_save(token, actor=user)
    return token, key


def api_token_revoke(*, token: ApiToken, actor) -> None:
    """Deletes the token; its history row records who revoked it."""
    audited_delete(token, actor=actor)
