"""REST API of analytics, under ``/api/v1/facilities/<facility>/analytics/``: one GET per metric
(chairs and theatres), the facts themselves as paginated lists, the settings and the
appointment-type mapping, the nightly runs (and a manager's re-run), the daily report and its
email subscription.

Every view reads through ``analytics.metrics`` / ``analytics.selectors`` or calls one service;
``analytics.view`` reads, ``analytics.manage`` writes (clinicians: 403; non-members: 404). A query
parameter the operation does not take is refused (400 naming it).

**CSV.** Each metric answers JSON, or the same rows as a CSV file when asked with `?format=csv`
or `Accept: text/csv` (DRF's content negotiation; `?format=` wins). The file is written by
``scheduling.csv_export``, as the imports' report is: formula-like cells start with an
apostrophe. An error answers JSON whatever was asked, as the imports' downloads do."""

from analytics.api.configuration import AnalyticsSettingsViewSet, AppointmentTypeMappingViewSet
from analytics.api.facts import ChairAppointmentViewSet, FactListViewSet, NurseCapacityViewSet, SurgicalCaseViewSet
from analytics.api.figures import (
    AtRiskApi,
    BookedVsActualApi,
    ChairDaysApi,
    ChairHoursApi,
    ChairRatesApi,
    ChairUseApi,
    ChairVarianceApi,
    ChairWeeksApi,
    KnockOnApi,
    SuiteDaysApi,
    SuitesApi,
    TheatreSummaryApi,
)
from analytics.api.runs import DailyReportViewSet, NightlyRunViewSet

__all__ = [
    "AnalyticsSettingsViewSet",
    "AppointmentTypeMappingViewSet",
    "AtRiskApi",
    "BookedVsActualApi",
    "ChairAppointmentViewSet",
    "ChairDaysApi",
    "ChairHoursApi",
    "ChairRatesApi",
    "ChairUseApi",
    "ChairVarianceApi",
    "ChairWeeksApi",
    "DailyReportViewSet",
    "FactListViewSet",
    "KnockOnApi",
    "NightlyRunViewSet",
    "NurseCapacityViewSet",
    "SuiteDaysApi",
    "SuitesApi",
    "SurgicalCaseViewSet",
    "TheatreSummaryApi",
]
