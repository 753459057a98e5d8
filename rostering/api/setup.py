"""A rota's configuration and people's requests in the API, under
``/api/v1/facilities/<facility_slug>/rostering/``:

- ``rota-setup/`` (POST) creates a rota with the default rules; ``rotas/<id>/settings/`` reads
  and changes it; ``rotas/<id>/<part>/`` lists and adds, ``rotas/<id>/<part>/<pk>/`` changes and
  removes its sites, contracts, shift types, coverage, staff, partnerships and training
  requirements; ``rotas/<id>/rules/`` lists the rules and ``rules/<code>/`` changes one.
  ``roster.view`` reads, ``roster.manage`` writes.
- ``leave/`` and ``preferences/``: one's own (all of the facility's for a manager); anyone
  rostered adds and changes their own, a manager anyone's; ``leave/<id>/decide/`` approves or
  declines (``roster.manage``).

Bad input is 400 naming the field, writing nothing; another facility's rota or row is 404, and so
is someone else's leave or preference to a non-manager."""

from django.urls import path
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response

from rostering import selectors
from rostering.models import (
    Contract,
    CoverageRequirement,
    LeaveKind,
    LeaveStatus,
    Partnership,
    ShiftKind,
    ShiftType,
    Site,
    StaffMember,
    TrainingRequirement,
)
from rostering.problem import RULE_CODES
from rostering.services import requests as requests_services
from rostering.services import setup as services
from scheduling.api_kernel import FacilityViewSet, StrictInputSerializer
from scheduling.parsing import IdField, LocalDateField
from scheduling.permissions import Action
from scheduling.schema import EnumField, ErrorSerializer

CODE_HELP = "Up to 20 characters."


def _codes(help_text: str, **kwargs) -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(max_length=20), help_text=help_text, **kwargs)


def _weekdays(help_text: str, **kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=7), help_text=help_text, **kwargs
    )


class SetupViewSet(FacilityViewSet):
    view_action = Action.ROSTER_VIEW
    manage_action = Action.ROSTER_MANAGE
    filter_backends = []
    pagination_class = None
    history = None
    comments = None


# --- the rota -----------------------------------------------------------------------------------------


class RotaSettingsOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    department = serializers.IntegerField(source="department_id", allow_null=True)
    skills = serializers.ListField(child=serializers.CharField())
    weekend_days = serializers.ListField(child=serializers.IntegerField(), help_text="ISO weekdays; empty: 6, 7.")
    infusion_nurses = serializers.BooleanField()
    solve_seconds = serializers.IntegerField()


class RotaSettingsInput(StrictInputSerializer):
    name = serializers.CharField(max_length=200)
    department = IdField(required=False, allow_null=True, help_text="A department of the facility.")
    skills = _codes('Skill codes coverage asks for, e.g. ["SENIOR", "JUNIOR"].', required=False)
    weekend_days = _weekdays("ISO weekdays of the weekend (1 = Monday … 7 = Sunday).", required=False)
    infusion_nurses = serializers.BooleanField(
        required=False, help_text="Publishing tells the infusion center its nurses on duty."
    )
    solve_seconds = serializers.IntegerField(required=False, help_text="A solve's time limit, 1–600 s.")


class RotaApi(SetupViewSet):
    read_actions = frozenset({"retrieve"})

    @extend_schema(
        request=RotaSettingsInput,
        responses={201: RotaSettingsOutput},
        examples=[
            OpenApiExample(
                "Medical registrars",
                value={"name": "Medical registrars", "skills": ["SENIOR", "JUNIOR"], "solve_seconds": 30},
                request_only=True,
            )
        ],
        description="A new rota with the default rules (`rostering.problem.default_rules`). 400 naming `name` "
        "if the facility has a rota of that name.",
    )
    def create(self, request, facility_slug: str):
        fields = dict(self.validated(RotaSettingsInput))
        rota = services.rota_create(facility=request.facility, actor=request.user, **fields)
        return Response(RotaSettingsOutput(rota).data, status=201)

    @extend_schema(responses=RotaSettingsOutput, description="The rota's settings.")
    def retrieve(self, request, facility_slug: str, rota_id: str):
        return Response(RotaSettingsOutput(selectors.rota_get(facility=request.facility, rota_id=rota_id)).data)

    @extend_schema(
        request=RotaSettingsInput,
        responses=RotaSettingsOutput,
        description="Changes the fields given. A skill still used by coverage, staff or training cannot go "
        "(400 naming `skills`).",
    )
    def partial_update(self, request, facility_slug: str, rota_id: str):
        selectors.rota_get(facility=request.facility, rota_id=rota_id)  # 404 before 400
        fields = dict(self.validated(RotaSettingsInput, partial=True))
        rota = services.rota_update(facility=request.facility, actor=request.user, rota_id=rota_id, **fields)
        return Response(RotaSettingsOutput(rota).data)


# --- the rota's parts ---------------------------------------------------------------------------------


class RotaPartApi(SetupViewSet):
    """List and add (``rotas/<rota_id>/<part>/``), change and remove (``.../<pk>/``) one part of
    a rota, each through its service."""

    read_actions = frozenset({"list"})
    part: str
    output: type[serializers.Serializer]
    create_input: type[serializers.Serializer]
    update_input: type[serializers.Serializer]
    row_kwarg: str

    def rows(self, rota):
        raise NotImplementedError

    def service(self, verb: str):
        return getattr(services, f"{self.part}_{verb}")

    def list(self, request, facility_slug: str, rota_id: str):
        rota = selectors.rota_get(facility=request.facility, rota_id=rota_id)
        return Response(self.output(self.rows(rota), many=True).data)

    def create(self, request, facility_slug: str, rota_id: str):
        selectors.rota_get(facility=request.facility, rota_id=rota_id)
        fields = dict(self.validated(self.create_input))
        row = self.service("create")(facility=request.facility, actor=request.user, rota_id=rota_id, **fields)
        return Response(self.output(row).data, status=201)

    def partial_update(self, request, facility_slug: str, rota_id: str, pk: str):
        selectors.rota_get(facility=request.facility, rota_id=rota_id)
        fields = dict(self.validated(self.update_input, partial=True))
        row = self.service("update")(
            facility=request.facility, actor=request.user, rota_id=rota_id, **{self.row_kwarg: pk}, **fields
        )
        return Response(self.output(row).data)

    def destroy(self, request, facility_slug: str, rota_id: str, pk: str):
        self.service("delete")(facility=request.facility, actor=request.user, rota_id=rota_id, **{self.row_kwarg: pk})
        return Response(status=204)


def _part_schema(output, create_input, update_input, what: str, delete_note: str = ""):
    return extend_schema_view(
        list=extend_schema(responses=output(many=True), description=f"The rota's {what}."),
        create=extend_schema(
            request=create_input, responses={201: output}, description="Adds one; 400 naming the field refused."
        ),
        partial_update=extend_schema(
            request=update_input, responses=output, description="Changes the fields given; 400 naming the field."
        ),
        destroy=extend_schema(responses={204: None}, description=f"Removes it.{delete_note}"),
    )


class SiteOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class SiteInput(StrictInputSerializer):
    code = serializers.CharField(max_length=20, help_text=CODE_HELP)
    name = serializers.CharField(max_length=200)


@_part_schema(SiteOutput, SiteInput, SiteInput, "sites", " A site shift types or staff use: 400 naming `site`.")
class SiteApi(RotaPartApi):
    part, row_kwarg = "site", "site_id"
    output, create_input, update_input = SiteOutput, SiteInput, SiteInput

    def rows(self, rota):
        return Site.objects.filter(rota=rota)


class ContractOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    min_hours_per_week = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    max_hours_per_week = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    max_hours_4_weeks = serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True)
    target_hours_per_week = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    max_consecutive_days = serializers.IntegerField(allow_null=True)
    max_consecutive_nights = serializers.IntegerField(allow_null=True)
    min_rest_hours = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    max_working_weekends = serializers.IntegerField(allow_null=True)
    complete_weekends = serializers.BooleanField()


def _hours(digits: int, help_text: str):
    return serializers.DecimalField(
        max_digits=digits, decimal_places=1, required=False, allow_null=True, min_value=0, help_text=help_text
    )


def _count(help_text: str):
    return serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=366, help_text=help_text)


class ContractInput(StrictInputSerializer):
    name = serializers.CharField(max_length=100)
    min_hours_per_week = _hours(5, "Null: no minimum.")
    max_hours_per_week = _hours(5, "Null: no maximum.")
    max_hours_4_weeks = _hours(6, "In any 28 consecutive days; null: no maximum.")
    target_hours_per_week = _hours(5, "What hours balance aims at; null: none.")
    max_consecutive_days = _count("Null: no limit.")
    max_consecutive_nights = _count("Null: no limit.")
    min_rest_hours = _hours(4, "Between one shift's end and the next day's start, at most 48; null: none.")
    max_working_weekends = _count("Over the roster; null: no limit.")
    complete_weekends = serializers.BooleanField(required=False)


@_part_schema(ContractOutput, ContractInput, ContractInput, "contracts", " One staff work under: 400.")
class ContractApi(RotaPartApi):
    part, row_kwarg = "contract", "contract_id"
    output, create_input, update_input = ContractOutput, ContractInput, ContractInput

    def rows(self, rota):
        return Contract.objects.filter(rota=rota)


class ShiftTypeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    kind = EnumField(enum_name="RotaShiftKindEnum", choices=ShiftKind.choices)
    start_time = serializers.TimeField(format="%H:%M")
    end_time = serializers.TimeField(format="%H:%M")
    hours = serializers.DecimalField(max_digits=4, decimal_places=1)
    site = serializers.IntegerField(source="site_id", allow_null=True)
    weekend_only = serializers.BooleanField()
    forbidden_successors = serializers.ListField(child=serializers.CharField())


class ShiftTypeInput(StrictInputSerializer):
    code = serializers.CharField(max_length=20, help_text=CODE_HELP)
    name = serializers.CharField(max_length=100)
    kind = EnumField(enum_name="RotaShiftKindEnum", choices=ShiftKind.choices)
    start_time = serializers.TimeField(help_text="Local wall-clock time, HH:MM.")
    end_time = serializers.TimeField(help_text="Before the start: the shift ends the next morning.")
    hours = serializers.DecimalField(max_digits=4, decimal_places=1, help_text="Paid hours, more than 0.")
    site = IdField(required=False, allow_null=True, help_text="A site of the rota.")
    weekend_only = serializers.BooleanField(required=False)
    forbidden_successors = _codes("Shift codes of the rota that may not follow it the next day.", required=False)


@_part_schema(ShiftTypeOutput, ShiftTypeInput, ShiftTypeInput, "shift types", " One rosters used: 400.")
class ShiftTypeApi(RotaPartApi):
    part, row_kwarg = "shift_type", "shift_type_id"
    output, create_input, update_input = ShiftTypeOutput, ShiftTypeInput, ShiftTypeInput

    def rows(self, rota):
        return ShiftType.objects.filter(rota=rota)


class CoverageOutput(serializers.Serializer):
    id = serializers.IntegerField()
    shift_type = serializers.IntegerField(source="shift_type_id")
    skill = serializers.CharField()
    weekdays = serializers.ListField(child=serializers.IntegerField())
    date = serializers.DateField(allow_null=True)
    minimum = serializers.IntegerField()
    optimal = serializers.IntegerField()


class CoverageInput(StrictInputSerializer):
    shift_type = IdField(help_text="A shift type of the rota.")
    skill = serializers.CharField(max_length=20, help_text="One of the rota's skills.")
    weekdays = _weekdays("ISO weekdays (1-7); empty: every day.", required=False)
    date = LocalDateField(required=False, allow_null=True, help_text="One date instead of weekdays.")
    minimum = serializers.IntegerField(min_value=0, max_value=1000, required=False)
    optimal = serializers.IntegerField(min_value=0, max_value=1000, required=False, help_text="Not below the minimum.")


@_part_schema(CoverageOutput, CoverageInput, CoverageInput, "coverage requirements")
class CoverageApi(RotaPartApi):
    part, row_kwarg = "coverage", "coverage_id"
    output, create_input, update_input = CoverageOutput, CoverageInput, CoverageInput

    def rows(self, rota):
        return CoverageRequirement.objects.filter(rota=rota).select_related("shift_type")


class StaffOutput(serializers.Serializer):
    id = serializers.IntegerField()
    resource = serializers.IntegerField(source="resource_id")
    name = serializers.CharField(source="resource.name")
    seniority = serializers.IntegerField()
    skills = serializers.ListField(child=serializers.CharField())
    sites = serializers.ListField(child=serializers.CharField())
    contract = serializers.IntegerField(source="contract_id")
    active = serializers.BooleanField()


class StaffUpdateInput(StrictInputSerializer):
    seniority = serializers.IntegerField(required=False, help_text="1 junior … 5 senior.")
    skills = _codes("Skills of the rota the person covers.", required=False)
    sites = _codes("Site codes of the rota the person works at; empty: any.", required=False)
    contract = IdField(help_text="A contract of the rota.")
    active = serializers.BooleanField(required=False)


STAFF_ROSTERED = (
    "Made inactive with shifts ahead in a published roster: 409 `staff_rostered` naming `active`, with `shifts` "
    "(`roster`, `roster_name`, `date`, `shift_code`); re-plan the roster around them first."
)


class StaffCreateInput(StaffUpdateInput):
    resource = IdField(help_text="A practitioner or nurse resource of the facility.")


@_part_schema(StaffOutput, StaffCreateInput, StaffUpdateInput, "staff", " One rosters name: 400 (make inactive).")
@extend_schema_view(
    partial_update=extend_schema(
        request=StaffUpdateInput,
        responses={200: StaffOutput, 409: OpenApiResponse(ErrorSerializer, description=STAFF_ROSTERED)},
        description="Changes the fields given; 400 naming the field. " + STAFF_ROSTERED,
    )
)
class StaffApi(RotaPartApi):
    part, row_kwarg = "staff", "staff_id"
    output, create_input, update_input = StaffOutput, StaffCreateInput, StaffUpdateInput

    def rows(self, rota):
        return StaffMember.objects.filter(rota=rota).select_related("resource")


class PartnershipOutput(serializers.Serializer):
    id = serializers.IntegerField()
    first = serializers.IntegerField(source="first_id")
    second = serializers.IntegerField(source="second_id")
    weight = serializers.IntegerField()


class PartnershipInput(StrictInputSerializer):
    first = IdField(help_text="A staff member of the rota.")
    second = IdField(help_text="Another staff member of the rota.")
    weight = serializers.IntegerField(required=False, help_text="1–100.")


@_part_schema(PartnershipOutput, PartnershipInput, PartnershipInput, "partnerships")
class PartnershipApi(RotaPartApi):
    part, row_kwarg = "partnership", "partnership_id"
    output, create_input, update_input = PartnershipOutput, PartnershipInput, PartnershipInput

    def rows(self, rota):
        return Partnership.objects.filter(rota=rota)


class TrainingOutput(serializers.Serializer):
    id = serializers.IntegerField()
    staff = serializers.IntegerField(source="staff_id")
    minimum = serializers.IntegerField()
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    shift_type = serializers.IntegerField(source="shift_type_id", allow_null=True)
    skill = serializers.CharField()
    reason = serializers.CharField()


class TrainingInput(StrictInputSerializer):
    staff = IdField(help_text="A staff member of the rota.")
    minimum = serializers.IntegerField(help_text="Shifts at least, 1 or more.")
    first_day = LocalDateField()
    last_day = LocalDateField(help_text="Not before the first day; at most 366 days.")
    shift_type = IdField(required=False, allow_null=True, help_text="Of this shift type (any when null).")
    skill = serializers.CharField(max_length=20, required=False, allow_blank=True, help_text="Covering this skill.")
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


@_part_schema(TrainingOutput, TrainingInput, TrainingInput, "training requirements")
class TrainingApi(RotaPartApi):
    part, row_kwarg = "training", "training_id"
    output, create_input, update_input = TrainingOutput, TrainingInput, TrainingInput

    def rows(self, rota):
        return TrainingRequirement.objects.filter(staff__rota=rota)


# --- rules --------------------------------------------------------------------------------------------


class RuleOutput(serializers.Serializer):
    code = EnumField(enum_name="RotaRuleCodeEnum", choices=[(code, code.replace("_", " ")) for code in RULE_CODES])
    hard = serializers.BooleanField()
    weight = serializers.IntegerField()
    enabled = serializers.BooleanField()
    can_be_hard = serializers.SerializerMethodField(help_text="False: the model only prices this rule.")
    description = serializers.SerializerMethodField()

    def get_can_be_hard(self, rule) -> bool:
        return rule.code not in services.SOFT_ONLY_RULES

    def get_description(self, rule) -> str:
        return services.RULE_DESCRIPTIONS.get(rule.code, "")


class RuleInput(StrictInputSerializer):
    hard = serializers.BooleanField(required=False, help_text="A constraint; 400 for a rule that can only be soft.")
    weight = serializers.IntegerField(required=False, help_text="Cost of one unit when soft, 1–100 000.")
    enabled = serializers.BooleanField(required=False, help_text="Off: the next solve ignores the rule.")


class RuleApi(SetupViewSet):
    read_actions = frozenset({"list"})

    @extend_schema(
        responses=RuleOutput(many=True), description="Every rule with its setting, as the next solve reads it."
    )
    def list(self, request, facility_slug: str, rota_id: str):
        rota = selectors.rota_get(facility=request.facility, rota_id=rota_id)
        return Response(RuleOutput(services.rule_list(rota=rota), many=True).data)

    @extend_schema(
        request=RuleInput,
        responses=RuleOutput,
        examples=[OpenApiExample("Fair nights off", value={"enabled": False}, request_only=True)],
        description="Switches the rule on or off, hard or soft, or weights it; the next solve takes it.",
    )
    def partial_update(self, request, facility_slug: str, rota_id: str, code: str):
        selectors.rota_get(facility=request.facility, rota_id=rota_id)
        fields = dict(self.validated(RuleInput, partial=True))
        rule = services.rule_update(facility=request.facility, actor=request.user, rota_id=rota_id, code=code, **fields)
        return Response(RuleOutput(rule).data)


# --- leave and preferences ----------------------------------------------------------------------------


class RequestViewSet(SetupViewSet):
    """Anyone who may ask (``roster.request``); the services keep rows to their owners."""

    read_actions = frozenset({"list"})

    def required_action(self):
        return (Action.ROSTER_REQUEST,)


class LeaveOutput(serializers.Serializer):
    id = serializers.IntegerField()
    staff = serializers.IntegerField(source="staff_id")
    name = serializers.CharField(source="staff.resource.name")
    rota = serializers.IntegerField(source="staff.rota_id")
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    kind = EnumField(enum_name="RotaLeaveKindEnum", choices=LeaveKind.choices)
    status = EnumField(enum_name="RotaLeaveStatusEnum", choices=LeaveStatus.choices)
    reason = serializers.CharField()


class LeaveClashOutput(serializers.Serializer):
    roster = serializers.IntegerField(help_text="The published roster holding the shift.")
    roster_name = serializers.CharField()
    date = serializers.DateField()
    shift_code = serializers.CharField()
    shift_name = serializers.CharField()
    advice = serializers.CharField(help_text="What to do: re-plan that roster.")


class LeaveWriteOutput(LeaveOutput):
    clashes = LeaveClashOutput(
        many=True,
        help_text="Approved leave: the person's shifts in published rosters during it, from today. Such a roster "
        "no longer passes the checker; nothing is re-planned by itself (re-plan it on its change page).",
    )


class LeaveUpdateInput(StrictInputSerializer):
    first_day = LocalDateField()
    last_day = LocalDateField(help_text="Not before the first day; at most 366 days.")
    kind = EnumField(enum_name="RotaLeaveKindEnum", choices=LeaveKind.choices, required=False)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class LeaveCreateInput(LeaveUpdateInput):
    staff = IdField(required=False, help_text="The rostered person; one's own when left out (a manager: anyone).")
    status = EnumField(
        enum_name="RotaLeaveNewStatusEnum",
        choices=[(LeaveStatus.REQUESTED, "Requested"), (LeaveStatus.APPROVED, "Approved (a manager only)")],
        required=False,
    )


class LeaveDecisionInput(StrictInputSerializer):
    decision = EnumField(enum_name="RotaLeaveDecisionEnum", choices=[("approve", "Approve"), ("decline", "Decline")])


class LeaveApi(RequestViewSet):
    @extend_schema(responses=LeaveOutput(many=True), description="One's own leave; a manager sees everyone's.")
    def list(self, request, facility_slug: str):
        rows = selectors.leave_list(facility=request.facility, actor=request.user)
        return Response(LeaveOutput(rows, many=True).data)

    @extend_schema(
        request=LeaveCreateInput,
        responses={201: LeaveWriteOutput},
        examples=[
            OpenApiExample(
                "A week away", value={"first_day": "2030-03-04", "last_day": "2030-03-10"}, request_only=True
            )
        ],
        description="Asks for leave (requested); a manager may give it to anyone, approved. 403 `not_rostered` "
        "for a member on no rota. Approved leave answers with `clashes`: published shifts it falls on.",
    )
    def create(self, request, facility_slug: str):
        fields = dict(self.validated(LeaveCreateInput))
        leave = requests_services.leave_create(facility=request.facility, actor=request.user, **fields)
        return Response(LeaveWriteOutput(leave).data, status=201)

    @extend_schema(
        request=LeaveUpdateInput,
        responses=LeaveWriteOutput,
        description="Changes one's requested leave (409 `leave_decided` once decided); a manager any leave. "
        "Approved leave answers with `clashes`: published shifts it falls on.",
    )
    def partial_update(self, request, facility_slug: str, pk: str):
        requests_services.leave_get(facility=request.facility, actor=request.user, leave_id=pk)
        fields = dict(self.validated(LeaveUpdateInput, partial=True))
        leave = requests_services.leave_update(facility=request.facility, actor=request.user, leave_id=pk, **fields)
        return Response(LeaveWriteOutput(leave).data)

    @extend_schema(responses={204: None}, description="Cancels the leave (its history stays).")
    def destroy(self, request, facility_slug: str, pk: str):
        requests_services.leave_cancel(facility=request.facility, actor=request.user, leave_id=pk)
        return Response(status=204)

    @extend_schema(
        request=LeaveDecisionInput,
        responses=LeaveWriteOutput,
        description="A manager approves or declines requested leave; 409 `leave_decided` if already decided. "
        "Approved, it answers with `clashes`: the person's published shifts during it, each to be covered by a "
        "re-plan of its roster (nothing is re-planned by itself).",
    )
    def decide(self, request, facility_slug: str, pk: str):
        selectors.require(facility=request.facility, actor=request.user, action=Action.ROSTER_MANAGE)
        requests_services.leave_get(facility=request.facility, actor=request.user, leave_id=pk)
        decision = self.validated(LeaveDecisionInput)["decision"]
        leave = requests_services.leave_decide(
            facility=request.facility, actor=request.user, leave_id=pk, decision=decision
        )
        return Response(LeaveWriteOutput(leave).data)


class PreferenceOutput(serializers.Serializer):
    id = serializers.IntegerField()
    staff = serializers.IntegerField(source="staff_id")
    name = serializers.CharField(source="staff.resource.name")
    date = serializers.DateField()
    shift_type = serializers.IntegerField(source="shift_type_id", allow_null=True)
    want = serializers.BooleanField(help_text="True: wants it; false: asks not to work it.")
    priority = serializers.IntegerField()
    reason = serializers.CharField()


class PreferenceUpdateInput(StrictInputSerializer):
    date = LocalDateField()
    shift_type = IdField(required=False, allow_null=True, help_text="A shift type of the person's rota; null: any.")
    want = serializers.BooleanField(required=False, help_text="True: wants it; false (default): avoids it.")
    priority = serializers.IntegerField(required=False, help_text="1 (slight) … 5 (matters a lot).")
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class PreferenceCreateInput(PreferenceUpdateInput):
    staff = IdField(required=False, help_text="The rostered person; one's own when left out (a manager: anyone).")


class PreferenceApi(RequestViewSet):
    @extend_schema(responses=PreferenceOutput(many=True), description="One's own preferences; a manager's: all.")
    def list(self, request, facility_slug: str):
        rows = selectors.preference_list(facility=request.facility, actor=request.user)
        return Response(PreferenceOutput(rows, many=True).data)

    @extend_schema(request=PreferenceCreateInput, responses={201: PreferenceOutput}, description="Adds a preference.")
    def create(self, request, facility_slug: str):
        fields = dict(self.validated(PreferenceCreateInput))
        preference = requests_services.preference_create(facility=request.facility, actor=request.user, **fields)
        return Response(PreferenceOutput(preference).data, status=201)

    @extend_schema(request=PreferenceUpdateInput, responses=PreferenceOutput, description="Changes the fields given.")
    def partial_update(self, request, facility_slug: str, pk: str):
        requests_services.preference_get(facility=request.facility, actor=request.user, preference_id=pk)
        fields = dict(self.validated(PreferenceUpdateInput, partial=True))
        preference = requests_services.preference_update(
            facility=request.facility, actor=request.user, preference_id=pk, **fields
        )
        return Response(PreferenceOutput(preference).data)

    @extend_schema(responses={204: None}, description="Removes the preference.")
    def destroy(self, request, facility_slug: str, pk: str):
        requests_services.preference_delete(facility=request.facility, actor=request.user, preference_id=pk)
        return Response(status=204)


def _part_urls(segment: str, view: type[RotaPartApi], name: str) -> list:
    return [
        path(
            f"rotas/<str:rota_id>/{segment}/",
            view.as_view({"get": "list", "post": "create"}),
            name=f"rostering-rota-{name}-list",
        ),
        path(
            f"rotas/<str:rota_id>/{segment}/<str:pk>/",
            view.as_view({"patch": "partial_update", "delete": "destroy"}),
            name=f"rostering-rota-{name}",
        ),
    ]


urlpatterns = [
    path("rota-setup/", RotaApi.as_view({"post": "create"}), name="rostering-rota-setup"),
    path(
        "rotas/<str:rota_id>/settings/",
        RotaApi.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="rostering-rota-settings",
    ),
    path("rotas/<str:rota_id>/rules/", RuleApi.as_view({"get": "list"}), name="rostering-rota-rules"),
    path(
        "rotas/<str:rota_id>/rules/<str:code>/",
        RuleApi.as_view({"patch": "partial_update"}),
        name="rostering-rota-rule",
    ),
    *_part_urls("sites", SiteApi, "site"),
    *_part_urls("contracts", ContractApi, "contract"),
    *_part_urls("shift-types", ShiftTypeApi, "shift-type"),
    *_part_urls("coverage", CoverageApi, "coverage"),
    *_part_urls("staff", StaffApi, "staff"),
    *_part_urls("partnerships", PartnershipApi, "partnership"),
    *_part_urls("training", TrainingApi, "training"),
    path("leave/", LeaveApi.as_view({"get": "list", "post": "create"}), name="rostering-leave-list"),
    path(
        "leave/<str:pk>/",
        LeaveApi.as_view({"patch": "partial_update", "delete": "destroy"}),
        name="rostering-leave",
    ),
    path("leave/<str:pk>/decide/", LeaveApi.as_view({"post": "decide"}), name="rostering-leave-decide"),
    path("preferences/", PreferenceApi.as_view({"get": "list", "post": "create"}), name="rostering-preferences"),
    path(
        "preferences/<str:pk>/",
        PreferenceApi.as_view({"patch": "partial_update", "delete": "destroy"}),
        name="rostering-preference",
    ),
]
