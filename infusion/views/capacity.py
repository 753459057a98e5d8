"""capacity pages (issue 13)."""

urlpatterns: list = []
