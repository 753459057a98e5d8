"""Placeholder until this area lands; its owner replaces it."""

urlpatterns: list = []
