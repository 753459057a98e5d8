"""Availability pages: the list of resources, and one resource's page — its weekly windows as a
grid, exceptions, delegations, and a four-week preview of what patients can book. Everyone with
``availability.view`` reads; the forms show only to those who may manage the resource (its own
clinician, a delegate, a manager or an admin), and the services check again. The weekly windows'
own pages are in ``window_views``; the page of leave over bookings in ``leave_views``."""

import datetime as dt
from collections import defaultdict
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from availability import engine, selectors, services
from availability.forms import (
    WEEKDAYS,
    CloseForm,
    DelegationForm,
    ExceptionForm,
    ScheduleForm,
    WindowForm,
)
from availability.leave_views import leave_page
from booking import services as booking_services
from scheduling import selectors as kernel
from scheduling.choices import ResourceKind
from scheduling.errors import ApplicationError
from scheduling.parsing import InvalidInput, parse_date
from scheduling.permissions import Action, role_allows
from scheduling.ui import FacilityPageMixin

PREVIEW_WEEKS = 4
TIMES_SHOWN_PER_DAY = 8


class AvailabilityHomeView(FacilityPageMixin, View):
    required_action = Action.AVAILABILITY_VIEW

    def get(self, request, facility_slug: str):
        facility = request.facility
        resources = kernel.resource_list(facility=facility).filter(active=True)
        kind = request.GET.get("kind") or ""
        if kind not in ResourceKind.values:
            kind = ""  # an unknown kind (or a NUL byte PostgreSQL cannot compare) filters nothing
        if kind:
            resources = resources.filter(kind=kind)
        managed = selectors.managed_resource_ids(facility=facility, user=request.user)
        rows = [
            {"resource": r, "manages": managed is None or r.pk in managed, "own": r.user_id == request.user.pk}
            for r in resources
        ]
        rows.sort(key=lambda row: (not row["own"], not row["manages"]))
        kinds = resources.model._meta.get_field("kind").choices
        return render(request, "availability/home.html", {"rows": rows, "kinds": kinds, "kind": kind})


class _ResourcePage(FacilityPageMixin, View):
    required_action = Action.AVAILABILITY_VIEW

    def setup_resource(self, request, resource_id):
        self.resource = kernel.resource_get(facility=request.facility, resource_id=resource_id)
        self.manage_reason = selectors.management_reason(
            facility=request.facility, user=request.user, resource=self.resource
        )

    def can_delegate(self) -> bool:
        role = self.request.membership.role
        return role_allows(role, Action.AVAILABILITY_MANAGE_ANY) or (
            role_allows(role, Action.AVAILABILITY_DELEGATE) and self.resource.user_id == self.request.user.pk
        )

    def page(self, request, *, status: int = 200, **forms):
        facility, resource = request.facility, self.resource
        schedule = selectors.schedule_current(facility=facility, resource_id=resource.pk)
        types = list(kernel.appointment_type_list(facility=facility).filter(active=True))
        grid = [{"label": label, "day": day, "windows": []} for day, label in WEEKDAYS]
        if schedule is not None:
            for window in schedule.availabilities.all():
                window.day_list = ", ".join(label for day, label in WEEKDAYS if day in window.weekdays)
                for day in window.weekdays:
                    grid[day]["windows"].append(window)
        context = {
            "resource": resource,
            "schedule": schedule,
            "versions": selectors.schedule_list(facility=facility, resource_id=resource.pk).order_by("-valid_from")[
                :10
            ],
            "grid": grid,
            "exceptions": selectors.exception_list(facility=facility, resource_id=resource.pk, start=timezone.now()),
            "can_manage": self.manage_reason is not None,
            "manage_reason": self.manage_reason,
            "can_delegate": self.can_delegate(),
            "delegations": selectors.delegation_list(facility=facility, resource_id=resource.pk),
            "window_form": forms.get("window_form") or WindowForm(appointment_types=types),
            "schedule_form": forms.get("schedule_form") or ScheduleForm(initial={"valid_from": timezone.localdate()}),
            "close_form": forms.get("close_form") or CloseForm(),
            "exception_form": forms.get("exception_form") or ExceptionForm(),
            "delegation_form": forms.get("delegation_form") or DelegationForm(),
        }
        # The preview is part of the page (it works without script); its arrows swap it by htmx.
        try:
            context.update(preview_context(request, resource, request.GET.get("from", "")))
        except (InvalidInput, OverflowError, ApplicationError):
            context.update(preview_context(request, resource, ""))
        return render(request, "availability/resource.html", context, status=status)

    def failed(self, request, form, error: ApplicationError, form_name: str):
        """Shows the page again with the service's error on the form (400), naming the field."""
        placed = False
        for field, problems in error.fields.items():
            for problem in problems:
                if field in form.fields:
                    form.add_error(field, problem)
                    placed = True
        if not placed:
            form.add_error(None, error.message)
        messages.error(request, error.message)
        return self.page(request, status=error.status_code, **{form_name: form})

    def done(self, request, message: str):
        messages.success(request, message)
        return redirect("availability:resource", facility_slug=request.facility.slug, resource_id=self.resource.pk)


class ResourceAvailabilityView(_ResourcePage):
    def get(self, request, facility_slug: str, resource_id: int):
        self.setup_resource(request, resource_id)
        return self.page(request)


class ScheduleCreateView(_ResourcePage):
    def post(self, request, facility_slug: str, resource_id: int):
        self.setup_resource(request, resource_id)
        form = ScheduleForm(request.POST)
        if not form.is_valid():
            return self.page(request, status=400, schedule_form=form)
        calendar = engine.Calendar(request.facility.time_zone)
        last_day = form.cleaned_data["last_day"]
        try:
            services.schedule_create(
                facility=request.facility,
                actor=request.user,
                resource_id=self.resource.pk,
                valid_from=calendar.day_start(form.cleaned_data["valid_from"]),
                valid_till=calendar.day_start(last_day + dt.timedelta(days=1)) if last_day else None,
                name=form.cleaned_data["name"],
            )
        except ApplicationError as error:
            return self.failed(request, form, error, "schedule_form")
        return self.done(request, "Schedule created. Add its weekly windows below.")


class ScheduleCloseView(_ResourcePage):
    def post(self, request, facility_slug: str, resource_id: int, schedule_id: int):
        self.setup_resource(request, resource_id)
        form = CloseForm(request.POST)
        if not form.is_valid():
            return self.page(request, status=400, close_form=form)
        calendar = engine.Calendar(request.facility.time_zone)
        try:
            _own_schedule(request, self.resource, schedule_id)
            services.schedule_close(
                facility=request.facility,
                actor=request.user,
                schedule_id=schedule_id,
                valid_till=calendar.day_start(form.cleaned_data["last_day"] + dt.timedelta(days=1)),
            )
        except ApplicationError as error:
            return self.failed(request, form, error, "close_form")
        return self.done(request, "Schedule closed.")


class ExceptionAddView(_ResourcePage):
    """Adds time off or extra time. Time off over active bookings shows them first, to be moved
    or cancelled (``leave_views``) before the leave is applied."""

    def post(self, request, facility_slug: str, resource_id: int):
        self.setup_resource(request, resource_id)
        form = ExceptionForm(request.POST)
        if not form.is_valid():
            return self.page(request, status=400, exception_form=form)
        fields = form.cleaned_data
        start, end = form.span(engine.Calendar(request.facility.time_zone))
        if not fields["is_available"] and self.manage_reason is not None and start < end:
            stranded = booking_services.leave_affected_bookings(
                facility=request.facility, resource_id=self.resource.pk, start=start, end=end
            )
            if stranded:
                return leave_page(
                    request, self.resource, start=start, end=end, reason=fields["reason"], bookings=stranded
                )
        try:
            exception = services.exception_create(
                facility=request.facility,
                actor=request.user,
                resource_id=self.resource.pk,
                start=start,
                end=end,
                reason=fields["reason"],
                is_available=fields["is_available"],
                type=fields["type"] if fields["is_available"] else "open",
                slot_size_minutes=fields["slot_size_minutes"] if fields["is_available"] else None,
                tokens_per_slot=fields["tokens_per_slot"] if fields["is_available"] else None,
            )
        except ApplicationError as error:
            if fields["all_day"]:
                error.fields = {
                    ("first_day" if k == "start" else "last_day" if k == "end" else k): v
                    for k, v in error.fields.items()
                }
            return self.failed(request, form, error, "exception_form")
        if exception.pk is None:
            return self.done(request, " ".join(exception.warnings))
        return self.done(request, "Exception added.")


class ExceptionRemoveView(_ResourcePage):
    def post(self, request, facility_slug: str, resource_id: int, exception_id: int):
        self.setup_resource(request, resource_id)
        try:
            exception = selectors.exception_get(facility=request.facility, exception_id=exception_id)
            if exception.resource_id != self.resource.pk:
                raise ApplicationError("not_found", "Exception not found.")
            services.exception_remove(facility=request.facility, actor=request.user, exception_id=exception_id)
        except ApplicationError as error:
            messages.error(request, error.message)
            return self.page(request, status=error.status_code)
        return self.done(request, "Exception removed.")


class DelegationGrantView(_ResourcePage):
    def post(self, request, facility_slug: str, resource_id: int):
        self.setup_resource(request, resource_id)
        form = DelegationForm(request.POST)
        if not form.is_valid():
            return self.page(request, status=400, delegation_form=form)
        try:
            delegation = services.delegation_grant(
                facility=request.facility,
                actor=request.user,
                resource_id=self.resource.pk,
                delegate_username=form.cleaned_data["delegate"],
            )
        except ApplicationError as error:
            return self.failed(request, form, error, "delegation_form")
        return self.done(request, f"{delegation.delegate.username} may now manage this availability.")


class DelegationRevokeView(_ResourcePage):
    def post(self, request, facility_slug: str, resource_id: int, delegation_id: int):
        self.setup_resource(request, resource_id)
        try:
            delegation = selectors.delegation_get(facility=request.facility, delegation_id=delegation_id)
            if delegation.resource_id != self.resource.pk:
                raise ApplicationError("not_found", "Delegation not found.")
            services.delegation_revoke(facility=request.facility, actor=request.user, delegation_id=delegation_id)
        except ApplicationError as error:
            messages.error(request, error.message)
            return self.page(request, status=error.status_code)
        return self.done(request, "Delegation revoked.")


class PreviewView(_ResourcePage):
    """Four weeks from a Monday: per day, the times a patient could book now (the htmx partial
    of the resource page). Asked for without htmx (a link opened in a new tab, no script), it
    sends the browser to the resource page showing the same four weeks."""

    def get(self, request, facility_slug: str, resource_id: int):
        self.setup_resource(request, resource_id)
        if not request.headers.get("HX-Request"):
            page = reverse("availability:resource", kwargs={"facility_slug": facility_slug, "resource_id": resource_id})
            asked = request.GET.get("from", "")[:10]
            return redirect(f"{page}?{urlencode({'from': asked})}#preview" if asked else f"{page}#preview")
        try:
            context = preview_context(request, self.resource, request.GET.get("from", ""))
        except (InvalidInput, OverflowError) as error:
            return HttpResponseBadRequest(getattr(error, "message", "This date is outside the calendar."))
        except ApplicationError as error:
            return HttpResponseBadRequest(error.message)
        return render(request, "availability/_preview.html", context)


def preview_context(request, resource, asked: str) -> dict:
    """The four weeks from the Monday of ``asked`` (a date, today when empty). Raises what
    parsing the date or listing the slots raises for a date outside the calendar."""
    start = _monday(parse_date(asked) if asked else timezone.localdate())
    end = start + dt.timedelta(weeks=PREVIEW_WEEKS) - dt.timedelta(days=1)
    slots = selectors.slot_list(facility=request.facility, resource_ids=[resource.pk], start_date=start, end_date=end)
    zone = timezone.get_current_timezone()
    by_day: dict[dt.date, list] = defaultdict(list)
    for slot in slots:
        by_day[slot.start.astimezone(zone).date()].append(slot)
    today = timezone.localdate()
    weeks = []
    for week in range(PREVIEW_WEEKS):
        row = []
        for offset in range(7):
            day = start + dt.timedelta(days=7 * week + offset)
            free = [slot for slot in by_day.get(day, []) if slot.bookable]
            row.append(
                {
                    "date": day,
                    "today": day == today,
                    "total": len(by_day.get(day, [])),
                    "free": len(free),
                    "times": [slot.start.astimezone(zone) for slot in free[:TIMES_SHOWN_PER_DAY]],
                    "more": max(0, len(free) - TIMES_SHOWN_PER_DAY),
                }
            )
        weeks.append(row)
    return {
        "resource": resource,
        "weeks": weeks,
        "previous_start": start - dt.timedelta(weeks=PREVIEW_WEEKS),
        "next_start": start + dt.timedelta(weeks=PREVIEW_WEEKS),
    }


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _own_schedule(request, resource, schedule_id) -> None:
    """The schedule in the URL must be this resource's: anything else is not found."""
    schedule = selectors.schedule_get(facility=request.facility, schedule_id=schedule_id)
    if schedule.resource_id != resource.pk:
        raise ApplicationError("not_found", "Schedule not found.")
