"""The assistant's API, under /api/v1/facilities/<facility>/rostering/assistant/: ask a question
(answered from the database and the solver; a write comes back as a proposal with a signed
token) and confirm a proposal."""

from django.urls import path
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from rostering import selectors
from rostering.assistant import answer as assistant
from rostering.assistant import proposals
from rostering.models import Rota
from scheduling.api_kernel import FacilityObjectField, FacilityViewSet, StrictInputSerializer
from scheduling.permissions import Action
from scheduling.schema import EnumField

INTENTS = [
    ("show_schedule", "Shifts of the published roster"),
    ("why", "Why a person works (or is off)"),
    ("what_if", "A what-if to confirm"),
    ("who_is_free", "Who is free on a day"),
    ("swap", "A swap request to confirm"),
    ("clarify", "A question back: which person, shift or day"),
    ("unknown", "Not understood: what can be asked"),
]
ACTIONS = [("what_if", "What-if roster"), ("swap", "Swap request")]


class AskInput(StrictInputSerializer):
    question = serializers.CharField(max_length=assistant.MAX_QUESTION, help_text="The question, in plain words.")
    rota = FacilityObjectField(
        lister=selectors.rota_list,
        required=False,
        allow_null=True,
        help_text="The rota asked about; default: the asker's own rota, else the facility's first.",
    )


class TableOutput(serializers.Serializer):
    roster = serializers.IntegerField(allow_null=True, help_text="The published roster the answer read.")
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(allow_blank=True)),
        help_text="One list of cells per row, in the order of `columns`.",
    )


class ProposalOutput(serializers.Serializer):
    action = EnumField(enum_name="AssistantActionEnum", choices=ACTIONS)
    summary = serializers.CharField(help_text="What confirming will do, in words.")
    token = serializers.CharField(
        help_text=f"Signed; confirm it within {proposals.PROPOSAL_MAX_AGE // 60} minutes, as the same user."
    )


class AnswerOutput(serializers.Serializer):
    intent = EnumField(enum_name="AssistantIntentEnum", choices=INTENTS)
    text = serializers.CharField()
    data = TableOutput(allow_null=True, help_text="The rows the answer is made of; null when it has none.")
    proposal = ProposalOutput(allow_null=True, help_text="A write that needs confirming; null for a read.")
    source = EnumField(
        enum_name="AssistantSourceEnum",
        choices=[("parser", "The built-in parser"), ("llm", "The language model's tool call")],
        help_text="What read the question (the answer always comes from the database and the solver).",
    )
    options = serializers.ListField(child=serializers.CharField(), help_text="Choices for a `clarify` answer.")


class ConfirmInput(StrictInputSerializer):
    token = serializers.CharField(max_length=20000, help_text="The proposal's token.")


class ConfirmOutput(serializers.Serializer):
    action = EnumField(enum_name="AssistantActionEnum", choices=ACTIONS)
    text = serializers.CharField()
    roster = serializers.IntegerField(
        source="roster_id", allow_null=True, help_text="The what-if roster made, or the swap's roster."
    )
    swap_request = serializers.IntegerField(source="swap_request_id", allow_null=True)


def answer_body(result: assistant.Answer) -> dict:
    return AnswerOutput(
        {
            "intent": result.intent,
            "text": result.text,
            "data": result.data,
            "proposal": (
                {"action": result.proposal.action, "summary": result.proposal.summary, "token": result.proposal.token}
                if result.proposal
                else None
            ),
            "source": result.source,
            "options": list(result.options),
        }
    ).data


class AssistantViewSet(FacilityViewSet):
    queryset = Rota.objects.none()
    view_action = Action.ROSTER_VIEW
    manage_action = Action.ROSTER_VIEW  # what a confirmed proposal does is the change services' to allow
    filter_backends = []
    pagination_class = None
    history = None
    comments = None

    @extend_schema(
        request=AskInput,
        responses={200: AnswerOutput},
        examples=[
            OpenApiExample("Why", value={"question": "why is Dr Rooke on nights?"}, request_only=True),
            OpenApiExample(
                "What-if", value={"question": "what if we need 3 city people on Friday night?"}, request_only=True
            ),
        ],
        description="Answers a question about a rota's published rosters: `show_schedule`, `why`, `who_is_free` "
        "answer at once; `what_if` and `swap` answer with a `proposal` whose `token` the confirm endpoint takes. "
        "`clarify` asks which person, shift or day; `unknown` lists what can be asked. 400 `invalid` naming "
        "`question` or `rota`.",
    )
    def ask(self, request, facility_slug: str):
        fields = self.validated(AskInput)
        rota = fields.get("rota")
        result = assistant.assistant_ask(
            facility=request.facility,
            actor=request.user,
            question=fields["question"],
            rota_id=rota.pk if rota else None,
        )
        return Response(answer_body(result))

    @extend_schema(
        request=ConfirmInput,
        responses={201: ConfirmOutput},
        description="Carries out a proposal: a what-if roster (needs `roster.manage`) or a swap request (own "
        "shifts; anyone's for a manager). 400 `invalid` naming `token` when it is forged, altered or expired, or "
        "the change service's own 400s; 403 for a token made for another user or facility, or a role that may not "
        "do it; 409 `proposal_used` when it was confirmed already, or the change service's 409s.",
    )
    def confirm(self, request, facility_slug: str):
        fields = self.validated(ConfirmInput)
        done = proposals.proposal_confirm(facility=request.facility, actor=request.user, token=fields["token"])
        return Response(ConfirmOutput(done).data, status=201)


view = AssistantViewSet

urlpatterns = [
    path("assistant/", view.as_view({"post": "ask"}), name="rostering-assistant"),
    path("assistant/confirm/", view.as_view({"post": "confirm"}), name="rostering-assistant-confirm"),
]
