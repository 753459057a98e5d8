"""Rostering's API, under /api/v1/facilities/<facility>/rostering/."""

from rostering.api import assistant, change, rosters, setup

urlpatterns = [*rosters.urlpatterns, *setup.urlpatterns, *change.urlpatterns, *assistant.urlpatterns]
