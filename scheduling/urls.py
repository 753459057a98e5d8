from django.urls import path

from scheduling import views

app_name = "scheduling"

urlpatterns = [
    path("patients/", views.PatientListView.as_view(), name="patients"),
    path("patients/new/", views.PatientCreateView.as_view(), name="patient_create"),
    path("resources/", views.ResourceListView.as_view(), name="resources"),
]
