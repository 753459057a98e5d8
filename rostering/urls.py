"""Rostering's pages, under /f/<facility>/rostering/: rosters and their calendars, the rota's
set-up with leave and preferences, changes (sick leave, swaps, what-ifs), and the assistant
(each area's views declare their own patterns)."""

from rostering.views import assistant, change, rosters, setup

app_name = "rostering"

urlpatterns = [*rosters.urlpatterns, *setup.urlpatterns, *change.urlpatterns, *assistant.urlpatterns]
