"""Changes' pages, under /f/<facility>/rostering/: a published roster's change page (a manager
re-plans for sick leave or an emergency cover, or asks a what-if; a rostered person asks to swap
one of their own shifts), the differences between a roster and its parent, and the swap
requests (a manager approves or declines; the requester withdraws). Plain forms: each works
without JavaScript, and a refused one comes back with its errors (400 or 409)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views import View

from rostering import selectors
from rostering.models import Assignment, RosterStatus, SwapStatus
from rostering.services import change
from scheduling.errors import ApplicationError
from scheduling.permissions import Action
from scheduling.ui import FacilityPageMixin

DATE = forms.DateInput(attrs={"type": "date"})


class SickLeaveForm(forms.Form):
    staff = forms.TypedChoiceField(label="Person", coerce=int)
    first_day = forms.DateField(label="First day off sick", widget=DATE)
    last_day = forms.DateField(label="Last day off sick", widget=DATE)
    reason = forms.CharField(label="Reason", max_length=300, required=False)


class CoverForm(forms.Form):
    date = forms.DateField(label="Day", widget=DATE)
    shift_code = forms.ChoiceField(label="Shift")
    skill = forms.ChoiceField(label="Skill")
    minimum = forms.IntegerField(label="People needed", min_value=0, max_value=1000)
    note = forms.CharField(label="Note", max_length=300, required=False)


class SwapForm(forms.Form):
    requester = forms.TypedChoiceField(label="Whose shift", coerce=int)
    requester_date = forms.DateField(label="Day of the shift", widget=DATE)
    partner = forms.TypedChoiceField(label="Colleague", coerce=int)
    partner_date = forms.DateField(
        label="Their shift to take in exchange (empty: they take yours)", widget=DATE, required=False
    )
    reason = forms.CharField(label="Reason", max_length=300, required=False)


def _refused(form: forms.Form, error: ApplicationError) -> None:
    """Puts a service's refusal on the form: each named field, else the whole form."""
    for field, problems in error.fields.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)
    if not error.fields:
        form.add_error(None, error.message)
    for finding in error.extra.get("findings", ()):
        form.add_error(None, finding["message"])


class ChangePage(FacilityPageMixin, View):
    required_action = Action.ROSTER_VIEW

    def roster_url(self, roster_id, name: str = "roster") -> str:
        return reverse(
            f"rostering:{name}", kwargs={"facility_slug": self.request.facility.slug, "roster_id": roster_id}
        )


class ChangeView(ChangePage):
    """GET: the published roster's change forms (the manager's three; everyone's swap). POST:
    the form named by ``form`` (sick, cover, what_if, swap)."""

    FORMS = ("sick", "cover", "what_if", "swap")

    def get(self, request, facility_slug: str, roster_id: int):
        roster = selectors.roster_get(facility=request.facility, actor=request.user, roster_id=roster_id)
        return self.render_page(roster, {})

    def post(self, request, facility_slug: str, roster_id: int):
        roster = selectors.roster_get(facility=request.facility, actor=request.user, roster_id=roster_id)
        which = request.POST.get("form")
        if which not in self.FORMS:
            messages.error(request, "Choose one of the forms.")
            return self.render_page(roster, {}, status=400)
        if which != "swap" and not self.can(Action.ROSTER_MANAGE):
            raise ApplicationError("permission_denied", "Only a roster manager may re-plan a roster.")
        form = self.forms(roster, data=request.POST)[which]
        if not form.is_valid():
            return self.render_page(roster, {which: form}, status=400)
        try:
            target = self.submit(roster, which, form.cleaned_data)
        except ApplicationError as error:
            if error.status_code not in (400, 409):
                raise
            _refused(form, error)
            return self.render_page(roster, {which: form}, status=error.status_code)
        return target

    def submit(self, roster, which: str, data: dict):
        request = self.request
        common = {"facility": request.facility, "actor": request.user, "roster_id": roster.pk}
        if which == "sick":
            draft = change.replan_for_sick_leave(
                **common,
                staff_id=data["staff"],
                first_day=data["first_day"],
                last_day=data["last_day"],
                reason=data["reason"],
            )
        elif which == "cover":
            draft = change.emergency_cover(
                **common,
                date=data["date"],
                shift_code=data["shift_code"],
                skill=data["skill"],
                minimum=data["minimum"],
                note=data["note"],
            )
        elif which == "what_if":
            draft = change.what_if_create(
                **common,
                coverage=[
                    {
                        "date": data["date"],
                        "shift_code": data["shift_code"],
                        "skill": data["skill"],
                        "minimum": data["minimum"],
                    }
                ],
                note=data["note"],
            )
        else:
            change.swap_request_create(
                **common,
                requester_staff_id=data["requester"],
                requester_date=data["requester_date"],
                partner_staff_id=data["partner"],
                partner_date=data["partner_date"],
                reason=data["reason"],
            )
            messages.success(request, "Swap requested: a manager decides; your colleague has been told.")
            return redirect("rostering:swaps", facility_slug=request.facility.slug)
        messages.success(
            request, "Drafted and queued for the solver: compare it with the published roster once solved."
        )
        return redirect(self.roster_url(draft.pk))

    def forms(self, roster, data=None) -> dict:
        facility, user = self.request.facility, self.request.user
        staff = list(selectors.staff_list(facility=facility, rota=roster.rota).filter(active=True))
        everyone = [(member.pk, member.resource.name) for member in staff]
        shifts = [(shift.code, f"{shift.name} ({shift.code})") for shift in selectors.shift_type_list(rota=roster.rota)]
        skills = [(skill, skill) for skill in roster.rota.skills]
        built = {}
        if self.can(Action.ROSTER_MANAGE):
            sick = SickLeaveForm(data if data is not None and data.get("form") == "sick" else None, prefix="sick")
            sick.fields["staff"].choices = everyone
            built["sick"] = sick
            for name in ("cover", "what_if"):
                form = CoverForm(data if data is not None and data.get("form") == name else None, prefix=name)
                form.fields["shift_code"].choices = shifts
                form.fields["skill"].choices = skills
                built[name] = form
        own = selectors.staff_for_user(facility=facility, user=user, rota=roster.rota)
        requesters = everyone if self.can(Action.ROSTER_MANAGE) else [(m.pk, m.resource.name) for m in own]
        if requesters and self.can(Action.ROSTER_REQUEST):
            swap = SwapForm(data if data is not None and data.get("form") == "swap" else None, prefix="swap")
            swap.fields["requester"].choices = requesters
            swap.fields["partner"].choices = everyone
            built["swap"] = swap
        return built

    def render_page(self, roster, bound: dict, status: int = 200):
        forms_ = {**self.forms(roster), **bound}
        facility, user = self.request.facility, self.request.user
        own = selectors.staff_for_user(facility=facility, user=user, rota=roster.rota)
        my_shifts = (
            Assignment.objects.filter(roster=roster, staff__in=own, date__gte=timezone.localdate())
            .select_related("shift_type")
            .order_by("date")
        )
        context = {
            "roster": roster,
            "forms": forms_,
            "published": roster.status == RosterStatus.PUBLISHED,
            "can_manage": self.can(Action.ROSTER_MANAGE),
            "my_shifts": my_shifts,
            "children": selectors.roster_list(facility=facility, actor=user).filter(parent=roster),
        }
        return render(self.request, "rostering/change/change.html", context, status=status)


class DiffView(ChangePage):
    """The differences between a roster and its parent (or ``?against=<id>``)."""

    def get(self, request, facility_slug: str, roster_id: int):
        roster = selectors.roster_get(facility=request.facility, actor=request.user, roster_id=roster_id)
        against = request.GET.get("against") or None
        context = {"roster": roster, "base": None, "changes": [], "summary": None, "error": ""}
        try:
            base = change.diff_base(facility=request.facility, actor=request.user, roster=roster, against=against)
        except ApplicationError as error:
            if error.code != "invalid":
                raise
            context["error"] = error.message
            return render(request, "rostering/change/diff.html", context, status=400)
        changes = change.roster_diff(base=base, other=roster)
        context.update(base=base, changes=changes, summary=change.roster_diff_summary(changes))
        return render(request, "rostering/change/diff.html", context)


class SwapListView(ChangePage):
    """Swap requests: a manager's pending ones to decide (and the decided), or one's own."""

    def get(self, request, facility_slug: str):
        swaps = selectors.swap_list(facility=request.facility, actor=request.user)
        context = {
            "pending": swaps.filter(status=SwapStatus.PENDING),
            "decided": swaps.exclude(status=SwapStatus.PENDING)[:50],
            "can_manage": self.can(Action.ROSTER_MANAGE),
        }
        return render(request, "rostering/change/swaps.html", context)


class SwapDecideView(ChangePage):
    http_method_names = ["post"]
    required_action = Action.ROSTER_MANAGE

    def post(self, request, facility_slug: str, swap_id: int):
        approve = request.POST.get("decision") == "approve"
        try:
            change.swap_decide(
                facility=request.facility,
                actor=request.user,
                swap_id=swap_id,
                approve=approve,
                note=request.POST.get("note", "")[:300],
            )
        except ApplicationError as error:
            if error.status_code not in (400, 409):
                raise
            words = " ".join([error.message, *(item["message"] for item in error.extra.get("findings", ()))])
            messages.error(request, words)
            return redirect("rostering:swaps", facility_slug=facility_slug)
        messages.success(request, "Swap approved: the roster and availability follow." if approve else "Declined.")
        return redirect("rostering:swaps", facility_slug=facility_slug)


class SwapWithdrawView(ChangePage):
    http_method_names = ["post"]
    required_action = Action.ROSTER_REQUEST

    def post(self, request, facility_slug: str, swap_id: int):
        try:
            change.swap_withdraw(facility=request.facility, actor=request.user, swap_id=swap_id)
        except ApplicationError as error:
            if error.status_code != 409:
                raise
            messages.error(request, error.message)
            return redirect("rostering:swaps", facility_slug=facility_slug)
        messages.success(request, "Swap request withdrawn.")
        return redirect("rostering:swaps", facility_slug=facility_slug)


urlpatterns = [
    path("rosters/<int:roster_id>/change/", ChangeView.as_view(), name="change"),
    path("rosters/<int:roster_id>/diff/", DiffView.as_view(), name="roster-diff"),
    path("swaps/", SwapListView.as_view(), name="swaps"),
    path("swaps/<int:swap_id>/decide/", SwapDecideView.as_view(), name="swap-decide"),
    path("swaps/<int:swap_id>/withdraw/", SwapWithdrawView.as_view(), name="swap-withdraw"),
]
