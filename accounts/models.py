"""API tokens: many per user, each with an expiry, stored only as a hash."""

from django.conf import settings
from django.db import models

from scheduling.history import audit_history


class ApiToken(models.Model):
    """A key for the API (``Authorization: Token <key>``). The key itself is shown once, when it
    is made; only its SHA-256 is kept. ``password_stamp`` ties the token to the password its owner
    had then: a new password voids every token made before it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12, help_text="The key's first characters, to tell tokens apart.")
    password_stamp = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    history = audit_history(excluded_fields=["digest", "password_stamp"])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… of {self.user} (until {self.expires_at:%Y-%m-%d %H:%M})"
