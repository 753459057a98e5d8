"""placement API (issue 13)."""

urlpatterns: list = []
