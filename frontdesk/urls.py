"""The composed pages at the facility's root: ``/f/<facility_slug>/`` and a patient's page."""

from django.urls import path

from frontdesk import views

app_name = "frontdesk"

urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("patients/<int:patient_id>/", views.PatientView.as_view(), name="patient"),
    path("patients/<int:patient_id>/comments/", views.PatientCommentView.as_view(), name="patient_comment"),
]
