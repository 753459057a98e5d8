from django.urls import path
from rest_framework.routers import SimpleRouter

from scheduling import api

router = SimpleRouter()
router.register("patients", api.PatientViewSet, basename="patient")
router.register("departments", api.DepartmentViewSet, basename="department")
router.register("appointment-types", api.AppointmentTypeViewSet, basename="appointment-type")
router.register("resources", api.ResourceViewSet, basename="resource")
router.register("memberships", api.MembershipViewSet, basename="membership")

urlpatterns = [
    path("", api.FacilityDetailApi.as_view(), name="facility-detail"),
    path("history/", api.FacilityHistoryApi.as_view(), name="facility-history"),
    *router.urls,
]
