"""API tokens in Django admin, for superusers: see who holds which, and revoke (delete) them.
django-axes registers its sign-in audit (attempts, failures, lockouts) itself."""

from django.contrib import admin

from accounts.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "expires_at"]
    list_filter = ["expires_at"]
    search_fields = ["user__username", "prefix", "name"]
    fields = ["user", "name", "prefix", "created_at", "expires_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False  # a key is shown once, to whoever asks the API for it

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser
