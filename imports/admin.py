"""Imports in Django admin, read-only and scoped to the facilities the user administers: an
upload, its load and its mappings change only through the imports services (the pages and the
API), which keep the raw file, the facts and the audit together."""

from django.contrib import admin

from imports.models import Import, ImportProblem, ResourceMapping
from scheduling.admin_scoping import FacilityScopedAdmin, FacilityScopedDerivedAdmin, ReadOnly


@admin.register(Import)
class ImportAdmin(ReadOnly, FacilityScopedAdmin):
    list_display = ["id", "kind", "original_name", "status", "rows_read", "error_count", "uploaded_by", "uploaded_at"]
    list_filter = ["kind", "status", "facility"]
    search_fields = ["original_name", "sha256"]
    date_hierarchy = "uploaded_at"


@admin.register(ImportProblem)
class ImportProblemAdmin(ReadOnly, FacilityScopedDerivedAdmin):
    list_display = ["import_file", "row", "column", "severity", "code", "message"]
    list_filter = ["severity", "code", "facility"]
    search_fields = ["column", "value", "message"]


@admin.register(ResourceMapping)
class ResourceMappingAdmin(ReadOnly, FacilityScopedAdmin):
    list_display = ["name", "kind", "resource", "created_by", "created_at", "facility"]
    list_filter = ["kind", "facility"]
    search_fields = ["name", "resource__name"]
