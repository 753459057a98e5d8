"""Import pages under ``/f/<facility_slug>/imports/``."""

from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from imports import views

app_name = "imports"

one = "<int:import_id>/"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    # The view checks the declared size, then the CSRF token itself (see UploadView).
    path("upload/", csrf_exempt(views.UploadView.as_view()), name="upload"),
    path("templates/<slug:kind>.csv", views.TemplateView.as_view(), name="template"),
    path(one, views.DetailView.as_view(), name="detail"),
    path(one + "progress/", views.ProgressView.as_view(), name="progress"),
    path(one + "resolve/", views.ResolveView.as_view(), name="resolve"),
    path(one + "load-valid-rows/", views.LoadValidView.as_view(), name="load_valid"),
    path(one + "report.csv", views.ReportView.as_view(), name="report"),
    path(one + "file/", views.RawFileView.as_view(), name="raw"),
]
