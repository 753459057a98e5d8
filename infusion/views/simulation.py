"""simulation pages (issue 13)."""

urlpatterns: list = []
