"""The kernel's vocabularies, for other apps (which may not import scheduling.models)."""

from scheduling.models import NotifyBy, ResourceKind, Role

__all__ = ["NotifyBy", "ResourceKind", "Role"]
