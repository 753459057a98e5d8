"""Rostering in Django admin, scoped to the facilities the user administers (each table reaches
its facility through its rota). A rota's setup (sites, contracts, shift types, coverage, staff,
leave, preferences, partnerships, training and rules) is edited here with history, as on its
pages; rosters, their assignments and swap requests are read only: the solver, the checker and
the services write them (publishing, a swap's hard-rule check), never a form."""

from django.contrib import admin

from rostering.models import (
    Assignment,
    Contract,
    CoverageRequirement,
    Leave,
    Partnership,
    Preference,
    Roster,
    Rota,
    RuleSetting,
    ShiftType,
    Site,
    StaffMember,
    SwapRequest,
    TrainingRequirement,
)
from scheduling.admin_scoping import FacilityScopedAdmin, FacilityScopedForm, ReadOnly


class ThroughRotaForm(FacilityScopedForm):
    """Refuses a link to another facility's row, the facility being the one the form's rota (or
    staff member, or roster) belongs to: ``facility_path`` of the admin, e.g. ``staff__rota__facility``."""

    facility_path = "rota__facility"

    def _facility_id(self, cleaned) -> int | None:
        head, *rest = self.facility_path.split("__")
        target = cleaned.get(head)
        if target is None:
            target = getattr(self.instance, head, None) if getattr(self.instance, f"{head}_id", None) else None
        for part in rest:
            target = getattr(target, part, None)
        return getattr(target, "pk", None)


def _form(path: str) -> type[ThroughRotaForm]:
    return type("ThroughRotaForm", (ThroughRotaForm,), {"facility_path": path})


class ThroughRota(FacilityScopedAdmin):
    facility_path = "rota__facility"
    form = _form("rota__facility")


class ThroughStaff(FacilityScopedAdmin):
    facility_path = "staff__rota__facility"
    form = _form("staff__rota__facility")


class ThroughRoster(FacilityScopedAdmin):
    facility_path = "roster__rota__facility"
    form = _form("roster__rota__facility")


@admin.register(Rota)
class RotaAdmin(FacilityScopedAdmin):
    list_display = ["name", "department", "infusion_nurses", "solve_seconds", "created_at", "facility"]
    list_filter = ["infusion_nurses", "facility"]
    search_fields = ["name"]


@admin.register(Site)
class SiteAdmin(ThroughRota):
    list_display = ["code", "name", "rota"]
    list_filter = ["rota"]
    search_fields = ["code", "name"]


@admin.register(Contract)
class ContractAdmin(ThroughRota):
    list_display = [
        "name",
        "rota",
        "max_hours_per_week",
        "max_hours_4_weeks",
        "target_hours_per_week",
        "max_consecutive_days",
        "max_consecutive_nights",
        "min_rest_hours",
        "max_working_weekends",
    ]
    list_filter = ["rota", "complete_weekends"]
    search_fields = ["name"]


@admin.register(ShiftType)
class ShiftTypeAdmin(ThroughRota):
    list_display = ["code", "name", "kind", "start_time", "end_time", "hours", "site", "weekend_only", "rota"]
    list_filter = ["kind", "weekend_only", "rota"]
    search_fields = ["code", "name"]


@admin.register(CoverageRequirement)
class CoverageRequirementAdmin(ThroughRota):
    list_display = ["shift_type", "skill", "weekdays", "date", "minimum", "optimal", "rota"]
    list_filter = ["rota", "shift_type__kind"]
    search_fields = ["skill", "shift_type__code"]
    list_select_related = ["shift_type", "rota"]


@admin.register(StaffMember)
class StaffMemberAdmin(ThroughRota):
    list_display = ["resource", "rota", "seniority", "skills", "sites", "contract", "active"]
    list_filter = ["active", "seniority", "rota"]
    search_fields = ["resource__name"]
    list_select_related = ["resource", "rota", "contract"]


@admin.register(Leave)
class LeaveAdmin(ThroughStaff):
    list_display = ["staff", "first_day", "last_day", "kind", "status", "reason", "created_at"]
    list_filter = ["status", "kind", "staff__rota"]
    search_fields = ["staff__resource__name", "reason"]
    date_hierarchy = "first_day"
    list_select_related = ["staff__resource", "staff__rota__facility"]


@admin.register(Preference)
class PreferenceAdmin(ThroughStaff):
    list_display = ["staff", "date", "shift_type", "want", "priority", "reason"]
    list_filter = ["want", "priority", "staff__rota"]
    search_fields = ["staff__resource__name", "reason"]
    date_hierarchy = "date"
    list_select_related = ["staff__resource", "shift_type"]


@admin.register(Partnership)
class PartnershipAdmin(ThroughRota):
    list_display = ["first", "second", "weight", "rota"]
    list_filter = ["rota"]
    search_fields = ["first__resource__name", "second__resource__name"]
    list_select_related = ["first__resource", "second__resource", "rota"]


@admin.register(TrainingRequirement)
class TrainingRequirementAdmin(ThroughStaff):
    list_display = ["staff", "minimum", "shift_type", "skill", "first_day", "last_day", "reason"]
    list_filter = ["staff__rota"]
    search_fields = ["staff__resource__name", "reason"]
    list_select_related = ["staff__resource", "shift_type"]


@admin.register(RuleSetting)
class RuleSettingAdmin(ThroughRota):
    list_display = ["code", "enabled", "hard", "weight", "rota"]
    list_filter = ["enabled", "hard", "rota"]
    search_fields = ["code"]


@admin.register(Roster)
class RosterAdmin(ReadOnly, ThroughRota):
    list_display = [
        "name",
        "rota",
        "first_day",
        "num_days",
        "status",
        "purpose",
        "solve_status",
        "objective",
        "gap",
        "solve_seconds",
        "checker_ok",
        "published_at",
    ]
    list_filter = ["status", "purpose", "solve_status", "rota"]
    search_fields = ["name", "note"]
    date_hierarchy = "first_day"
    list_select_related = ["rota__facility"]
    # Long JSON (the problem snapshot, the progress, every soft violation) is for the roster's
    # page and the API; here, the checker's verdict in a line.
    exclude = ["problem", "progress", "result", "check_report"]
    readonly_fields = ["checker_summary"]

    @admin.display(boolean=True, description="checker passed")
    def checker_ok(self, obj):
        return None if obj.check_report is None else bool(obj.check_report.get("ok"))

    @admin.display(description="independent checker")
    def checker_summary(self, obj):
        report = obj.check_report
        if report is None:
            return "Not checked yet."
        hard = len(report.get("hard_violations") or [])
        verdict = "passed" if report.get("ok") else f"{hard} hard violation(s)"
        soft = len(report.get("soft_violations") or [])
        return f"{verdict}; soft cost {report.get('soft_cost')}, {soft} soft violation(s)"


@admin.register(Assignment)
class AssignmentAdmin(ReadOnly, ThroughRoster):
    list_display = ["date", "shift_type", "staff", "skill", "roster"]
    list_filter = ["roster__status", "shift_type__kind", "roster__rota"]
    search_fields = ["staff__resource__name", "roster__name"]
    date_hierarchy = "date"
    list_select_related = ["staff__resource", "shift_type", "roster__rota__facility"]


@admin.register(SwapRequest)
class SwapRequestAdmin(ReadOnly, ThroughRoster):
    list_display = ["requester", "requester_date", "partner", "partner_date", "status", "created_at", "decided_at"]
    list_filter = ["status", "roster__rota"]
    search_fields = ["requester__resource__name", "partner__resource__name", "reason"]
    list_select_related = ["requester__resource", "partner__resource", "roster__rota__facility"]
