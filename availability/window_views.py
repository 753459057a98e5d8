"""Weekly windows on the availability page: add, edit, remove. A window covering several
weekdays says so, and an edit or removal may apply to one of its days only (confirmed first)."""

from django.contrib import messages
from django.shortcuts import render

from availability import selectors, services
from availability.forms import DAY_NAMES, WEEKDAYS, DayScopeForm, WindowForm
from availability.views import _own_schedule, _ResourcePage
from scheduling import selectors as kernel
from scheduling.errors import ApplicationError


class WindowAddView(_ResourcePage):
    def post(self, request, facility_slug: str, resource_id: int, schedule_id: int):
        self.setup_resource(request, resource_id)
        form = _window_form(request)
        if not form.is_valid():
            return self.page(request, status=400, window_form=form)
        try:
            _own_schedule(request, self.resource, schedule_id)
            services.availability_add(
                facility=request.facility, actor=request.user, schedule_id=schedule_id, window=_window(form)
            )
        except ApplicationError as error:
            return self.failed(request, form, error, "window_form")
        return self.done(request, "Window added.")


class WindowEditView(_ResourcePage):
    """Edits a window; one covering several weekdays can be changed on one of its days only
    (that day splits off into a window of its own)."""

    def get(self, request, facility_slug: str, resource_id: int, schedule_id: int, window_id: int):
        self.setup_resource(request, resource_id)
        window = _own_window(request, self.resource, schedule_id, window_id)
        initial = {
            **{name: getattr(window, name) for name in WindowForm.base_fields if name != "appointment_types"},
            "appointment_types": [t.pk for t in window.appointment_types.all()],
        }
        form = _window_form(request, initial=initial)
        return self.edit_page(request, form, window, _scope_form(request, window, "Change"))

    def post(self, request, facility_slug: str, resource_id: int, schedule_id: int, window_id: int):
        self.setup_resource(request, resource_id)
        window = _own_window(request, self.resource, schedule_id, window_id)
        scope = _scope_form(request, window, "Change", data=request.POST)
        one_day = scope.is_valid() and scope.weekdays() is not None
        form = _window_form(request, data=request.POST)
        if one_day:
            form.fields["weekdays"].required = False  # the day chosen above is the window's day
        if not (form.is_valid() and scope.is_valid()):
            return self.edit_page(request, form, window, scope, status=400)
        try:
            if one_day:
                services.availability_update_days(
                    facility=request.facility,
                    actor=request.user,
                    schedule_id=schedule_id,
                    availability_id=window_id,
                    weekdays=scope.weekdays(),
                    window=_window(form),
                )
            else:
                services.availability_update(
                    facility=request.facility,
                    actor=request.user,
                    schedule_id=schedule_id,
                    availability_id=window_id,
                    window=_window(form),
                )
        except ApplicationError as error:
            for field, problems in error.fields.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
            if not error.fields:
                form.add_error(None, error.message)
            return self.edit_page(request, form, window, scope, status=error.status_code)
        if one_day:
            return self.done(request, f"Window changed on {DAY_NAMES[scope.weekdays()[0]]} only.")
        return self.done(request, "Window changed.")

    def edit_page(self, request, form, window, scope, status: int = 200):
        context = {
            "resource": self.resource,
            "form": form,
            "window": window,
            "scope_form": scope if len(window.weekdays) > 1 else None,
            "days": _day_list(window),
            "can_manage": self.manage_reason,
        }
        return render(request, "availability/window_form.html", context, status=status)


class WindowRemoveView(_ResourcePage):
    """GET asks to confirm (and, for a window covering several weekdays, which day or all);
    POST removes. A POST without a scope removes the whole window."""

    def get(self, request, facility_slug: str, resource_id: int, schedule_id: int, window_id: int):
        self.setup_resource(request, resource_id)
        window = _own_window(request, self.resource, schedule_id, window_id)
        return self.confirm_page(request, window, _scope_form(request, window, "Remove"))

    def post(self, request, facility_slug: str, resource_id: int, schedule_id: int, window_id: int):
        self.setup_resource(request, resource_id)
        window = _own_window(request, self.resource, schedule_id, window_id)
        days = None
        if "scope" in request.POST:
            scope = _scope_form(request, window, "Remove", data=request.POST)
            if not scope.is_valid():
                return self.confirm_page(request, window, scope, status=400)
            days = scope.weekdays()
        try:
            if days:
                services.availability_remove_days(
                    facility=request.facility,
                    actor=request.user,
                    schedule_id=schedule_id,
                    availability_id=window_id,
                    weekdays=days,
                )
            else:
                services.availability_remove(
                    facility=request.facility, actor=request.user, schedule_id=schedule_id, availability_id=window_id
                )
        except ApplicationError as error:
            messages.error(request, error.message)
            return self.page(request, status=error.status_code)
        if days:
            return self.done(request, f"Window removed on {DAY_NAMES[days[0]]}; it keeps its other days.")
        return self.done(request, "Window removed.")

    def confirm_page(self, request, window, scope, status: int = 200):
        context = {
            "resource": self.resource,
            "window": window,
            "scope_form": scope if len(window.weekdays) > 1 else None,
            "days": _day_list(window),
        }
        return render(request, "availability/window_remove.html", context, status=status)


def _own_window(request, resource, schedule_id, window_id):
    _own_schedule(request, resource, schedule_id)
    return selectors.availability_get(facility=request.facility, schedule_id=schedule_id, availability_id=window_id)


def _scope_form(request, window, verb: str, data=None) -> DayScopeForm:
    form = DayScopeForm(data, window=window, verb=verb)
    day = request.GET.get("day", "")
    if data is None and day.isdigit() and int(day) in window.weekdays:
        form.initial["scope"] = day  # the day of the grid the clinician clicked on
    return form


def _day_list(window) -> str:
    return ", ".join(label for day, label in WEEKDAYS if day in window.weekdays)


def _window_form(request, **kwargs) -> WindowForm:
    types = kernel.appointment_type_list(facility=request.facility).filter(active=True)
    if "data" not in kwargs and "initial" not in kwargs:
        kwargs["data"] = request.POST
    return WindowForm(appointment_types=types, **kwargs)


def _window(form: WindowForm) -> services.WindowInput:
    fields = form.cleaned_data
    tokens = fields["type"] == "tokens"
    return services.WindowInput(
        weekdays=fields["weekdays"],
        start_time=fields["start_time"],
        end_time=fields["end_time"],
        type=fields["type"],
        slot_size_minutes=fields["slot_size_minutes"] if tokens else None,
        tokens_per_slot=fields["tokens_per_slot"] if tokens else None,
        appointment_type_ids=fields["appointment_types"],
        daily_patient_limit=fields["daily_patient_limit"],
        name=fields["name"],
    )
