"""Analytics endpoints under ``/api/v1/facilities/<facility_slug>/analytics/``."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from analytics import api

router = SimpleRouter()
router.register("analytics/surgical-cases", api.SurgicalCaseViewSet, basename="analytics-surgical-case")
router.register("analytics/chair-appointments", api.ChairAppointmentViewSet, basename="analytics-chair-appointment")
router.register("analytics/nurse-capacity", api.NurseCapacityViewSet, basename="analytics-nurse-capacity")
router.register("analytics/appointment-type-mappings", api.AppointmentTypeMappingViewSet, basename="analytics-mapping")
router.register("analytics/nightly-runs", api.NightlyRunViewSet, basename="analytics-nightly-run")

METRICS = {
    "chairs/variance": api.ChairVarianceApi,
    "chairs/days": api.ChairDaysApi,
    "chairs/by-chair": api.ChairUseApi,
    "chairs/by-hour": api.ChairHoursApi,
    "chairs/at-risk": api.AtRiskApi,
    "chairs/rates": api.ChairRatesApi,
    "chairs/weekly": api.ChairWeeksApi,
    "theatres/summary": api.TheatreSummaryApi,
    "theatres/by-suite": api.SuitesApi,
    "theatres/suite-days": api.SuiteDaysApi,
    "theatres/booked-vs-actual": api.BookedVsActualApi,
    "theatres/knock-on": api.KnockOnApi,
}

settings_view = api.AnalyticsSettingsViewSet
report_view = api.DailyReportViewSet

urlpatterns = [
    *(
        path(f"analytics/{name}/", view.as_view({"get": "retrieve"}), name=f"analytics-{name.replace('/', '-')}")
        for name, view in METRICS.items()
    ),
    path(
        "analytics/settings/",
        settings_view.as_view({"get": "retrieve", "put": "update", "patch": "partial_update"}),
        name="analytics-settings",
    ),
    path("analytics/settings/history/", settings_view.as_view({"get": "history"}), name="analytics-settings-history"),
    path("analytics/daily-report/", report_view.as_view({"get": "report"}), name="analytics-daily-report"),
    path(
        "analytics/daily-report/subscription/",
        report_view.as_view({"get": "subscription", "put": "subscription"}),
        name="analytics-report-subscription",
    ),
    *router.urls,
]
