"""Reading API tokens. A token counts only while it is unexpired and its owner's password is the
one it was made under."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.models import ApiToken
from scheduling.errors import NotFound


def password_stamp(*, user: AbstractBaseUser) -> str:
    """Changes whenever the user's password does (like Django's session hash)."""
    return salted_hmac("careslot.accounts.api-token", user.password, algorithm="sha256").hexdigest()


def api_token_list(*, user) -> QuerySet[ApiToken]:
    """The user's tokens that still authenticate, newest first."""
    return ApiToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), password_stamp=password_stamp(user=user)
    ).select_related("user")


def api_token_get(*, user, token_id: int) -> ApiToken:
    """One of the user's live tokens; anyone else's, or a dead one, is "not found"."""
    token = api_token_list(user=user).filter(pk=token_id).first()
    if token is None:
        raise NotFound("API token")
    return token


def api_token_for_key(*, digest: str) -> ApiToken | None:
    """The live token with this digest, with its user, or None."""
    token = ApiToken.objects.select_related("user").filter(digest=digest, expires_at__gt=timezone.now()).first()
    if token is None or token.password_stamp != password_stamp(user=token.user):
        return None
    return token
