"""The infusion center's pages, under /f/<facility>/infusion/: capacity and configuration,
placement, and the what-if simulation (each area's views declare their own patterns)."""

from infusion.views import capacity, placement, simulation

app_name = "infusion"

urlpatterns = [*capacity.urlpatterns, *placement.urlpatterns, *simulation.urlpatterns]
