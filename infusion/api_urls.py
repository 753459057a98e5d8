"""The infusion center's API, under /api/v1/facilities/<facility>/infusion/."""

from infusion.api import capacity, placement, simulation

urlpatterns = [*capacity.urlpatterns, *placement.urlpatterns, *simulation.urlpatterns]
