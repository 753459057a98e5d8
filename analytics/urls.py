"""Analytics pages under ``/f/<facility_slug>/analytics/``."""

from django.urls import path

from analytics.views import chairs, export, report, runs, theatres

app_name = "analytics"

urlpatterns = [
    path("", chairs.HomeView.as_view(), name="home"),
    path("theatres/", theatres.TheatresView.as_view(), name="theatres"),
    path("report/", report.ReportView.as_view(), name="report"),
    path("report/subscribe/", report.SubscribeView.as_view(), name="subscribe"),
    path("runs/", runs.RunsView.as_view(), name="runs"),
    path("runs/rerun/", runs.RerunView.as_view(), name="rerun"),
    path("export/<slug:table>.csv", export.ExportView.as_view(), name="export"),
]
