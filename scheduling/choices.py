"""The kernel's vocabularies, for other apps (which may not import scheduling.models)."""

from scheduling.models import ResourceKind, Role

__all__ = ["ResourceKind", "Role"]
