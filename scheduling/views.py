"""Pages of the shared kernel: patients and resources (with live search), registering a patient,
changing one's password. The facility's overview is frontdesk's."""

from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views import View

from scheduling import selectors, services
from scheduling.errors import ApplicationError
from scheduling.filters import PatientFilter, ResourceFilter
from scheduling.models import PHONE_ERROR, PHONE_FORMAT, PHONE_PATTERN
from scheduling.permissions import Action
from scheduling.ui import FacilityPageMixin

PAGE_SIZE = 25


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change (signed in only). The session stays signed in; every API token
    made under the old password stops working (accounts.selectors.password_stamp)."""

    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Password changed. API tokens made with the old password no longer work.")
        return response


@login_required
def home(request):
    """Straight to the user's facility; a user of several picks one."""
    memberships = list(selectors.membership_list_for_user(user=request.user))
    if len(memberships) == 1:
        return redirect("frontdesk:overview", facility_slug=memberships[0].facility.slug)
    return render(request, "scheduling/choose_facility.html", {"memberships": memberships})


class _SearchListView(FacilityPageMixin, View):
    """A list page whose search box and filters re-render only the table (htmx)."""

    template_name: str
    rows_template_name: str
    filterset_class: type

    def rows(self):
        raise NotImplementedError

    def extra_context(self) -> dict:
        return {}

    def get(self, request, facility_slug: str):
        filterset = self.filterset_class(request.GET, queryset=self.rows())
        rows = filterset.qs if filterset.is_valid() else self.rows().none()
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        context = {"filterset": filterset, "page": page, **self.extra_context()}
        template = self.rows_template_name if request.headers.get("HX-Request") else self.template_name
        return render(request, template, context)


class PatientListView(_SearchListView):
    required_action = Action.PATIENT_VIEW
    template_name = "scheduling/patient_list.html"
    rows_template_name = "scheduling/_patient_rows.html"
    filterset_class = PatientFilter

    def rows(self):
        return selectors.patient_list(facility=self.request.facility)

    def extra_context(self) -> dict:
        return {"can_register": self.can(Action.PATIENT_MANAGE)}


class ResourceListView(_SearchListView):
    required_action = Action.RESOURCE_VIEW
    template_name = "scheduling/resource_list.html"
    rows_template_name = "scheduling/_resource_rows.html"
    filterset_class = ResourceFilter

    def rows(self):
        return selectors.resource_list(facility=self.request.facility)


class PatientForm(forms.Form):
    """The shape of a patient; the rules (a unique MRN, a date of birth that is not in the
    future) are the service's, checked here as well so the field says so before a round trip."""

    mrn = forms.RegexField(label="MRN", regex=r"^[A-Za-z0-9-]{1,30}$", max_length=30)
    name = forms.CharField(max_length=200)
    date_of_birth = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    phone = forms.RegexField(
        regex=PHONE_PATTERN,
        max_length=30,
        required=False,
        help_text=PHONE_FORMAT,
        error_messages={"invalid": PHONE_ERROR, "max_length": PHONE_ERROR},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )

    def __init__(self, *args, facility, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = timezone.now().astimezone(ZoneInfo(facility.time_zone)).date()
        # The browser's date picker stops at today too.
        self.fields["date_of_birth"].widget.attrs["max"] = self.today.isoformat()

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        if born > self.today:
            raise forms.ValidationError("The date of birth cannot be in the future.")
        return born


class PatientCreateView(FacilityPageMixin, View):
    required_action = Action.PATIENT_MANAGE

    def get(self, request, facility_slug: str):
        return render(request, "scheduling/patient_form.html", {"form": PatientForm(facility=request.facility)})

    def post(self, request, facility_slug: str):
        form = PatientForm(request.POST, facility=request.facility)
        if form.is_valid():
            try:
                patient = services.patient_create(facility=request.facility, actor=request.user, **form.cleaned_data)
            except ApplicationError as error:
                for field, problems in error.fields.items():
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, problem)
            else:
                messages.success(request, f"Registered {patient.name} ({patient.mrn}).")
                # Straight to the new patient's page, where "Book this patient" is the next step.
                return redirect("frontdesk:patient", facility_slug=facility_slug, patient_id=patient.pk)
        return render(request, "scheduling/patient_form.html", {"form": form}, status=400)
