"""The assistant's page, under /f/<facility>/rostering/assistant/: a question box, the answer
(its words, and its rows as a table), and for a proposed write (a what-if, a swap request) a
Confirm button that posts the proposal's signed token, and Cancel. Works without JavaScript."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views import View

from rostering import selectors
from rostering.assistant import answer as assistant
from rostering.assistant import proposals
from scheduling.errors import ApplicationError
from scheduling.permissions import Action
from scheduling.ui import FacilityPageMixin

EXAMPLES = (
    "show next week's schedule",
    "my shifts this week",
    "why is Dr Rooke on nights?",
    "who is free on the 12th?",
    "what if we need 3 city people on Friday night?",
    "swap my Saturday with Dr Rooke",
)


class AskForm(forms.Form):
    question = forms.CharField(
        max_length=assistant.MAX_QUESTION,
        label="Your question",
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "why is Dr Rooke on nights?"}),
    )
    rota = forms.ChoiceField(label="Rota", required=False)

    def __init__(self, *args, rotas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rota"].choices = [("", "My rota")] + [(str(r.pk), r.name) for r in rotas]
        if len(rotas) < 2:
            self.fields["rota"].widget = forms.HiddenInput()


class AssistantPage(FacilityPageMixin, View):
    required_action = Action.ROSTER_VIEW

    def rotas(self):
        return list(selectors.rota_list(facility=self.request.facility))

    def examples(self) -> list[str]:
        """The examples, naming someone of the facility's rotas rather than a made-up person."""
        member = selectors.staff_list(facility=self.request.facility).filter(active=True).first()
        name = member.resource.name if member else "Dr Rooke"
        return [example.replace("Dr Rooke", name) for example in EXAMPLES]

    def page(self, form, result=None, status: int = 200, **context):
        return render(
            self.request,
            "rostering/assistant/page.html",
            {"form": form, "result": result, "examples": self.examples(), **context},
            status=status,
        )


class AssistantView(AssistantPage):
    """GET: the question box (``?q=`` asks at once). POST: the answer."""

    def get(self, request, facility_slug: str):
        if request.GET.get("q"):
            # A link (an example) is not a refused submission: what cannot be answered is said
            # on the page with a 200, as the answer to the question.
            return self.ask(
                AskForm({"question": request.GET["q"], "rota": request.GET.get("rota", "")}, rotas=self.rotas()),
                refused=200,
            )
        return self.page(AskForm(rotas=self.rotas()))

    def post(self, request, facility_slug: str):
        return self.ask(AskForm(request.POST, rotas=self.rotas()))

    def ask(self, form, refused: int = 400):
        if not form.is_valid():
            return self.page(form, status=refused)
        try:
            result = assistant.assistant_ask(
                facility=self.request.facility,
                actor=self.request.user,
                question=form.cleaned_data["question"],
                rota_id=form.cleaned_data.get("rota") or None,
            )
        except ApplicationError as error:
            if error.code in ("permission_denied", "not_found"):
                raise
            form.add_error("question" if "question" in error.fields else None, error.message)
            return self.page(form, status=refused)
        return self.page(form, result)


class ConfirmView(AssistantPage):
    """POST: carries out the proposal whose token the page posted, then back to the page."""

    def post(self, request, facility_slug: str):
        back = reverse("rostering:assistant", kwargs={"facility_slug": facility_slug})
        try:
            done = proposals.proposal_confirm(
                facility=request.facility, actor=request.user, token=request.POST.get("token")
            )
        except ApplicationError as error:
            if error.code == "not_found":
                raise
            status = 403 if error.code == "permission_denied" else error.status_code
            return self.page(AskForm(rotas=self.rotas()), status=status, refused=error.message)
        what = (
            f"what-if roster {done.roster_id}" if done.action == "what_if" else f"swap request {done.swap_request_id}"
        )
        messages.success(request, f"Done: {what}. {done.text}")
        return redirect(back)


urlpatterns = [
    path("assistant/", AssistantView.as_view(), name="assistant"),
    path("assistant/confirm/", ConfirmView.as_view(), name="assistant_confirm"),
]
