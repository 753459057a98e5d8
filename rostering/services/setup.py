"""Writes of a rota's configuration: the rota itself, its sites, contracts, shift types,
coverage, staff, partnerships, training requirements and rules (issue 14). Each needs
``roster.manage``; each write keeps its history with the acting user (``audited_save``); every
lookup goes through the facility (another facility's rota or row is 404).

Bad input answers 400 ``invalid`` naming the field (``ApplicationError.fields``) and writes
nothing: a write checks everything first, then saves in one transaction. References between rows
(a shift type's site, a staff member's contract, a coverage row's shift type) are ids that must
name a row of the same rota; codes (skills, sites, forbidden successors) must be the rota's.

Rules: a rota is created with ``rostering.problem.default_rules()`` as its rows; ``rule_update``
switches one on or off, makes it hard or soft and weights it, and ``problem_build`` reads the
rows at the next solve. ``SOFT_ONLY_RULES`` are the ones the model (``rostering.model``) only
prices (``penalize``): they cannot be made hard."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from rostering import problem as rp
from rostering import selectors
from rostering.models import (
    Assignment,
    Contract,
    CoverageRequirement,
    Leave,
    Partnership,
    Preference,
    RosterStatus,
    Rota,
    RuleSetting,
    ShiftType,
    Site,
    StaffMember,
    TrainingRequirement,
)
from scheduling import ranges
from scheduling import selectors as kernel
from scheduling.errors import ApplicationError, NotFound, constraint_name
from scheduling.history import audited_delete, audited_save
from scheduling.permissions import Action

# The model prices these and has no constraint form for them (rostering/model.py: optimal
# coverage, preferences, hours balance, continuity, partnerships, complete weekends and changes
# call ``penalize`` only); every other rule goes through ``at_most``/``at_least`` or a hard run.
SOFT_ONLY_RULES = frozenset(
    {
        "optimal_coverage",
        "preferences",
        "hours_balance",
        "continuity",
        "partnerships",
        "complete_weekends",
        "changes",
    }
)
RULE_DESCRIPTIONS = {
    "coverage": "At least the minimum people on each shift, covering its skill.",
    "rest": "No forbidden successor the next day (night → day) and the contract's rest hours.",
    "max_consecutive": "At most the contract's consecutive working days and nights.",
    "hours": "Within the contract's weekly and four-weekly hours.",
    "leave": "Nobody works on a day of approved leave.",
    "training": "Each training requirement's shifts are given.",
    "preferences": "Wanted shifts given, avoided ones (and requested leave) kept free.",
    "fair_nights": "Night shifts shared evenly among those who can work them.",
    "fair_weekends": "Worked weekends shared evenly.",
    "hours_balance": "Hours close to each contract's target.",
    "continuity": "Few changes of shift type from one working day to the next.",
    "partnerships": "Partners on the same shifts.",
    "optimal_coverage": "The optimal number of people on each shift.",
    "min_consecutive": "Runs of working days not shorter than the contract's minimum.",
    "consecutive_shifts": "Runs of one shift type within its limits.",
    "consecutive_days_off": "Runs of days off within the contract's limits.",
    "complete_weekends": "A weekend worked whole or not at all (when the contract asks).",
    "total_assignments": "Working days within the contract's limits.",
    "working_weekends": "At most the contract's working weekends.",
    "changes": "A re-plan changes few assignments of the roster it replaces.",
}
MAX_TRAINING_DAYS = 366


def invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError("invalid", f"Invalid {field.replace('_', ' ')}: {message}", fields={field: [message]})


def _raise_problems(problems: dict[str, list[str]]) -> None:
    if problems:
        names = ", ".join(problems)
        raise ApplicationError("invalid", f"Invalid input: {names}.", fields=problems)


def _refuse_unknown(fields: dict, allowed) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ApplicationError(
            "invalid", f"Unknown fields: {', '.join(unknown)}.", fields={name: ["Unknown field."] for name in unknown}
        )


def _id(value, field: str) -> int:
    if isinstance(value, bool):
        raise invalid(field, "An id (a whole number).")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise invalid(field, "An id (a whole number).") from None
    if not 0 < number < 2**63:
        raise invalid(field, "An id (a whole number).")
    return number


def _model_problems(instance, exclude=()) -> dict[str, list[str]]:
    """The model's own field checks (lengths, choices, ranges, required), keyed by field."""
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        return {name: list(messages) for name, messages in error.message_dict.items()}
    return {}


def _save(instance, *, actor, problems: dict[str, list[str]], constraint_fields: dict[str, str] | None = None):
    """Saves ``instance`` after the checks found nothing; a unique or check constraint PostgreSQL
    still refuses (two saves at once) is 400 naming the field of ``constraint_fields``."""
    _raise_problems(problems)
    try:
        with transaction.atomic():
            audited_save(instance, actor=actor)
    except IntegrityError as error:
        name = constraint_name(error)
        field = (constraint_fields or {}).get(name, "non_field_errors")
        raise invalid(field, "Already taken or out of order.") from None
    return instance


def _manage(facility, actor) -> None:
    selectors.require(facility=facility, actor=actor, action=Action.ROSTER_MANAGE)


def _rota(facility, actor, rota_id) -> Rota:
    _manage(facility, actor)
    return selectors.rota_get(facility=facility, rota_id=rota_id)


def _codes(values, field: str) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str) or not isinstance(values, list | tuple):
        raise invalid(field, "A list of codes.")
    codes = []
    for value in values:
        if not isinstance(value, str) or not value.strip() or len(value.strip()) > 20:
            raise invalid(field, "Each code has 1 to 20 characters.")
        if value.strip() not in codes:
            codes.append(value.strip())
    return codes


def _weekdays(values, field: str) -> list[int]:
    if values is None:
        return []
    if isinstance(values, str) or not isinstance(values, list | tuple):
        raise invalid(field, "A list of ISO weekdays, 1 = Monday … 7 = Sunday.")
    days = set()
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 7:
            raise invalid(field, "ISO weekdays, 1 = Monday … 7 = Sunday.")
        days.add(value)
    return sorted(days)


def _in_rota(queryset, value, field: str, what: str, *, optional: bool = False):
    """The row of the rota ``value`` names (an id), or 400 naming ``field``."""
    if value is None or value == "":
        if optional:
            return None
        raise invalid(field, f"Choose a {what}.")
    row = queryset.filter(pk=_id(value, field)).first()
    if row is None:
        raise invalid(field, f"Not a {what} of this rota.")
    return row


def _apply(instance, fields: dict) -> None:
    for name, value in fields.items():
        setattr(instance, name, value)


# --- rotas ------------------------------------------------------------------------------------------

ROTA_FIELDS = ("name", "department", "skills", "weekend_days", "infusion_nurses", "solve_seconds")


def _rota_fields(facility, fields: dict) -> dict:
    _refuse_unknown(fields, ROTA_FIELDS)
    fields = dict(fields)
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip() if isinstance(fields["name"], str) else fields["name"]
    if "department" in fields:
        value = fields.pop("department")
        department = None
        if value not in (None, ""):
            department = kernel.department_list(facility=facility).filter(pk=_id(value, "department")).first()
            if department is None:
                raise invalid("department", "Not a department of this facility.")
        fields["department"] = department
    if "skills" in fields:
        fields["skills"] = _codes(fields["skills"], "skills")
    if "weekend_days" in fields:
        fields["weekend_days"] = _weekdays(fields["weekend_days"], "weekend_days")
    return fields


def _rota_problems(rota: Rota) -> dict[str, list[str]]:
    problems = _model_problems(rota, exclude=["facility"])
    if rota.name and Rota.objects.filter(facility_id=rota.facility_id, name=rota.name).exclude(pk=rota.pk).exists():
        problems.setdefault("name", []).append("Another rota of this facility has this name.")
    return problems


@transaction.atomic
def rota_create(*, facility, actor, name: str, **fields) -> Rota:
    """A new rota of the facility with the default rules (``rostering.problem.default_rules``)."""
    _manage(facility, actor)
    fields = _rota_fields(facility, {"name": name, **fields})
    rota = Rota(facility=facility)
    _apply(rota, fields)
    _save(rota, actor=actor, problems=_rota_problems(rota), constraint_fields={"rota_unique_name": "name"})
    for rule in rp.default_rules():
        audited_save(
            RuleSetting(rota=rota, code=rule.code, hard=rule.hard, weight=rule.weight, enabled=rule.enabled),
            actor=actor,
        )
    return rota


@transaction.atomic
def rota_update(*, facility, actor, rota_id, **fields) -> Rota:
    """Changes the fields given. A skill that coverage, staff or training still use cannot go
    (400 naming ``skills``)."""
    _manage(facility, actor)
    rota = selectors.rota_get(facility=facility, rota_id=rota_id, for_update=True)
    fields = _rota_fields(facility, fields)
    _apply(rota, fields)
    problems = _rota_problems(rota)
    if "skills" in fields:
        used = set(CoverageRequirement.objects.filter(rota=rota).values_list("skill", flat=True))
        used |= {
            skill
            for skills in StaffMember.objects.filter(rota=rota).values_list("skills", flat=True)
            for skill in skills
        }
        used |= set(
            TrainingRequirement.objects.filter(staff__rota=rota).exclude(skill="").values_list("skill", flat=True)
        )
        missing = sorted(used - set(rota.skills))
        if missing:
            problems.setdefault("skills", []).append(f"Still in use: {', '.join(missing)}.")
    return _save(rota, actor=actor, problems=problems, constraint_fields={"rota_unique_name": "name"})


# --- sites ------------------------------------------------------------------------------------------

SITE_FIELDS = ("code", "name")


def _site_write(rota, site, fields, actor) -> Site:
    _refuse_unknown(fields, SITE_FIELDS)
    if "code" in fields and site.pk and fields["code"] != site.code:
        used = StaffMember.objects.filter(rota=rota, sites__contains=[site.code]).exists()
        if used:
            raise invalid("code", "Staff work at this site under its code: it cannot change.")
    _apply(site, fields)
    problems = _model_problems(site, exclude=["rota"])
    if site.code and Site.objects.filter(rota=rota, code=site.code).exclude(pk=site.pk).exists():
        problems.setdefault("code", []).append("Another site of this rota has this code.")
    return _save(site, actor=actor, problems=problems, constraint_fields={"rota_site_unique_code": "code"})


@transaction.atomic
def site_create(*, facility, actor, rota_id, **fields) -> Site:
    rota = _rota(facility, actor, rota_id)
    return _site_write(rota, Site(rota=rota), fields, actor)


@transaction.atomic
def site_update(*, facility, actor, rota_id, site_id, **fields) -> Site:
    rota = _rota(facility, actor, rota_id)
    return _site_write(rota, _get(Site.objects.filter(rota=rota), site_id, "site"), fields, actor)


@transaction.atomic
def site_delete(*, facility, actor, rota_id, site_id) -> None:
    """A site still named by a shift type or a staff member stays (400 naming ``site``)."""
    rota = _rota(facility, actor, rota_id)
    site = _get(Site.objects.filter(rota=rota), site_id, "site")
    if (
        ShiftType.objects.filter(site=site).exists()
        or StaffMember.objects.filter(rota=rota, sites__contains=[site.code]).exists()
    ):
        raise invalid("site", "Shift types or staff still use this site.")
    audited_delete(site, actor=actor)


def _get(queryset, row_id, what: str):
    try:
        number = _id(row_id, "id")
    except ApplicationError:
        raise NotFound(f"No such {what} in this rota.") from None
    row = queryset.filter(pk=number).first()
    if row is None:
        raise NotFound(f"No such {what} in this rota.")
    return row


# --- contracts --------------------------------------------------------------------------------------

CONTRACT_FIELDS = (
    "name",
    "min_hours_per_week",
    "max_hours_per_week",
    "max_hours_4_weeks",
    "target_hours_per_week",
    "max_consecutive_days",
    "max_consecutive_nights",
    "min_rest_hours",
    "max_working_weekends",
    "complete_weekends",
)


def _contract_write(rota, contract, fields, actor) -> Contract:
    _refuse_unknown(fields, CONTRACT_FIELDS)
    _apply(contract, fields)
    problems = _model_problems(contract, exclude=["rota"])
    if not problems:
        for name in CONTRACT_FIELDS[1:-1]:
            value = getattr(contract, name)
            if value is not None and value < 0:
                problems[name] = ["Not below zero."]
        low, high = contract.min_hours_per_week, contract.max_hours_per_week
        if low is not None and high is not None and low > high:
            problems.setdefault("max_hours_per_week", []).append("Not below the minimum hours a week.")
        if contract.min_rest_hours is not None and contract.min_rest_hours > 48:
            problems.setdefault("min_rest_hours", []).append("At most 48 hours.")
    if contract.name and Contract.objects.filter(rota=rota, name=contract.name).exclude(pk=contract.pk).exists():
        problems.setdefault("name", []).append("Another contract of this rota has this name.")
    return _save(contract, actor=actor, problems=problems, constraint_fields={"rota_contract_unique_name": "name"})


@transaction.atomic
def contract_create(*, facility, actor, rota_id, **fields) -> Contract:
    rota = _rota(facility, actor, rota_id)
    return _contract_write(rota, Contract(rota=rota), fields, actor)


@transaction.atomic
def contract_update(*, facility, actor, rota_id, contract_id, **fields) -> Contract:
    rota = _rota(facility, actor, rota_id)
    return _contract_write(rota, _get(Contract.objects.filter(rota=rota), contract_id, "contract"), fields, actor)


@transaction.atomic
def contract_delete(*, facility, actor, rota_id, contract_id) -> None:
    rota = _rota(facility, actor, rota_id)
    contract = _get(Contract.objects.filter(rota=rota), contract_id, "contract")
    if StaffMember.objects.filter(contract=contract).exists():
        raise invalid("contract", "Staff still work under this contract.")
    audited_delete(contract, actor=actor)


# --- shift types ------------------------------------------------------------------------------------

SHIFT_FIELDS = (
    "code",
    "name",
    "kind",
    "start_time",
    "end_time",
    "hours",
    "site",
    "weekend_only",
    "forbidden_successors",
)


def _shift_write(rota, shift, fields, actor) -> ShiftType:
    _refuse_unknown(fields, SHIFT_FIELDS)
    fields = dict(fields)
    if "site" in fields:
        fields["site"] = _in_rota(Site.objects.filter(rota=rota), fields["site"], "site", "site", optional=True)
    if "forbidden_successors" in fields:
        fields["forbidden_successors"] = _codes(fields["forbidden_successors"], "forbidden_successors")
    renamed = "code" in fields and shift.pk and fields["code"] != shift.code
    if renamed and ShiftType.objects.filter(rota=rota, forbidden_successors__contains=[shift.code]).exists():
        raise invalid("code", "Other shift types name this code as a forbidden successor: it cannot change.")
    _apply(shift, fields)
    problems = _model_problems(shift, exclude=["rota", "site"])
    if "hours" not in problems and shift.hours is not None and shift.hours <= 0:
        problems["hours"] = ["More than zero hours."]
    if shift.code and ShiftType.objects.filter(rota=rota, code=shift.code).exclude(pk=shift.pk).exists():
        problems.setdefault("code", []).append("Another shift type of this rota has this code.")
    codes = set(ShiftType.objects.filter(rota=rota).exclude(pk=shift.pk).values_list("code", flat=True))
    codes.add(shift.code)
    unknown = [code for code in shift.forbidden_successors if code not in codes]
    if unknown:
        problems.setdefault("forbidden_successors", []).append(f"Not shift codes of this rota: {', '.join(unknown)}.")
    return _save(shift, actor=actor, problems=problems, constraint_fields={"rota_shift_unique_code": "code"})


@transaction.atomic
def shift_type_create(*, facility, actor, rota_id, **fields) -> ShiftType:
    rota = _rota(facility, actor, rota_id)
    return _shift_write(rota, ShiftType(rota=rota), fields, actor)


@transaction.atomic
def shift_type_update(*, facility, actor, rota_id, shift_type_id, **fields) -> ShiftType:
    rota = _rota(facility, actor, rota_id)
    return _shift_write(rota, _get(ShiftType.objects.filter(rota=rota), shift_type_id, "shift type"), fields, actor)


@transaction.atomic
def shift_type_delete(*, facility, actor, rota_id, shift_type_id) -> None:
    """A shift type that rosters were made of, or that others name as a forbidden successor,
    stays (400 naming ``shift_type``). Its coverage, preferences and training go with it."""
    rota = _rota(facility, actor, rota_id)
    shift = _get(ShiftType.objects.filter(rota=rota), shift_type_id, "shift type")
    if Assignment.objects.filter(shift_type=shift).exists():
        raise invalid("shift_type", "Rosters were made with this shift type: it cannot go.")
    if ShiftType.objects.filter(rota=rota, forbidden_successors__contains=[shift.code]).exclude(pk=shift.pk).exists():
        raise invalid("shift_type", "Other shift types name it as a forbidden successor.")
    for row in CoverageRequirement.objects.filter(shift_type=shift):
        audited_delete(row, actor=actor)
    for row in Preference.objects.filter(shift_type=shift):
        audited_delete(row, actor=actor)
    for row in TrainingRequirement.objects.filter(shift_type=shift):
        audited_delete(row, actor=actor)
    audited_delete(shift, actor=actor)


# --- coverage ---------------------------------------------------------------------------------------

COVERAGE_FIELDS = ("shift_type", "skill", "weekdays", "date", "minimum", "optimal")


def _coverage_write(rota, row, fields, actor) -> CoverageRequirement:
    _refuse_unknown(fields, COVERAGE_FIELDS)
    fields = dict(fields)
    if "shift_type" in fields:
        fields["shift_type"] = _in_rota(
            ShiftType.objects.filter(rota=rota), fields["shift_type"], "shift_type", "shift type"
        )
    if "weekdays" in fields:
        fields["weekdays"] = _weekdays(fields["weekdays"], "weekdays")
    if fields.get("date") is not None:
        ranges.date_check(fields["date"], field="date")
    _apply(row, fields)
    problems = _model_problems(row, exclude=["rota", "shift_type"])
    if row.shift_type_id is None:
        problems["shift_type"] = ["Choose a shift type."]
    if row.skill and row.skill not in rota.skills:
        problems.setdefault("skill", []).append(f"Not a skill of this rota ({', '.join(rota.skills) or 'none yet'}).")
    if row.date is not None and row.weekdays:
        problems.setdefault("weekdays", []).append("Either weekdays or a date, not both.")
    if "minimum" not in problems and "optimal" not in problems and row.optimal < row.minimum:
        problems.setdefault("optimal", []).append("Not below the minimum.")
    return _save(row, actor=actor, problems=problems, constraint_fields={"coverage_optimal_gte_min": "optimal"})


@transaction.atomic
def coverage_create(*, facility, actor, rota_id, **fields) -> CoverageRequirement:
    rota = _rota(facility, actor, rota_id)
    return _coverage_write(rota, CoverageRequirement(rota=rota), fields, actor)


@transaction.atomic
def coverage_update(*, facility, actor, rota_id, coverage_id, **fields) -> CoverageRequirement:
    rota = _rota(facility, actor, rota_id)
    row = _get(CoverageRequirement.objects.filter(rota=rota), coverage_id, "coverage requirement")
    return _coverage_write(rota, row, fields, actor)


@transaction.atomic
def coverage_delete(*, facility, actor, rota_id, coverage_id) -> None:
    rota = _rota(facility, actor, rota_id)
    audited_delete(
        _get(CoverageRequirement.objects.filter(rota=rota), coverage_id, "coverage requirement"), actor=actor
    )


# --- staff ------------------------------------------------------------------------------------------

STAFF_FIELDS = ("resource", "seniority", "skills", "sites", "contract", "active")
STAFF_KINDS = ("practitioner", "nurse")  # scheduling.models.ResourceKind


def staff_resource_choices(*, facility):
    """The facility's resources that can be rostered: practitioners and nurses."""
    return kernel.resource_list(facility=facility).filter(kind__in=STAFF_KINDS)


def _staff_write(rota, facility, member, fields, actor) -> StaffMember:
    _refuse_unknown(fields, STAFF_FIELDS)
    fields = dict(fields)
    if "resource" in fields:
        if member.pk and fields["resource"] is not None and _id(fields["resource"], "resource") != member.resource_id:
            raise invalid("resource", "A staff member stays the same person; add another instead.")
        fields["resource"] = _in_rota(
            staff_resource_choices(facility=facility), fields["resource"], "resource", "practitioner or nurse"
        )
    if "contract" in fields:
        fields["contract"] = _in_rota(Contract.objects.filter(rota=rota), fields["contract"], "contract", "contract")
    for name in ("skills", "sites"):
        if name in fields:
            fields[name] = _codes(fields[name], name)
    _apply(member, fields)
    problems = _model_problems(member, exclude=["rota", "resource", "contract"])
    if member.resource_id is None:
        problems["resource"] = ["Choose a practitioner or nurse."]
    elif StaffMember.objects.filter(rota=rota, resource_id=member.resource_id).exclude(pk=member.pk).exists():
        problems["resource"] = ["Already on this rota."]
    if member.contract_id is None:
        problems["contract"] = ["Choose a contract."]
    unknown = [skill for skill in member.skills if skill not in rota.skills]
    if unknown:
        problems.setdefault("skills", []).append(f"Not skills of this rota: {', '.join(unknown)}.")
    site_codes = set(Site.objects.filter(rota=rota).values_list("code", flat=True))
    unknown = [site for site in member.sites if site not in site_codes]
    if unknown:
        problems.setdefault("sites", []).append(f"Not sites of this rota: {', '.join(unknown)}.")
    return _save(member, actor=actor, problems=problems, constraint_fields={"rota_staff_unique_resource": "resource"})


@transaction.atomic
def staff_create(*, facility, actor, rota_id, **fields) -> StaffMember:
    rota = _rota(facility, actor, rota_id)
    return _staff_write(rota, facility, StaffMember(rota=rota), fields, actor)


@transaction.atomic
def staff_update(*, facility, actor, rota_id, staff_id, **fields) -> StaffMember:
    """Changes the fields given. Someone with shifts ahead in a published roster is not made
    inactive (409 ``staff_rostered`` with those ``shifts``): an inactive person's shifts could
    be neither swapped away nor re-planned; re-plan the roster around them first."""
    rota = _rota(facility, actor, rota_id)
    member = _get(StaffMember.objects.select_for_update().filter(rota=rota), staff_id, "staff member")
    if member.active and fields.get("active") is False:
        _refuse_if_rostered(facility, member)
    return _staff_write(rota, facility, member, fields, actor)


def _refuse_if_rostered(facility, member: StaffMember) -> None:
    today = timezone.localtime(timezone.now(), ZoneInfo(facility.time_zone)).date()
    rows = list(
        Assignment.objects.filter(staff=member, roster__status=RosterStatus.PUBLISHED, date__gte=today)
        .select_related("roster", "shift_type")
        .order_by("date", "roster_id")
    )
    if not rows:
        return
    message = (
        f"{member} has {len(rows)} published shift(s) ahead, from {rows[0].date:%a %d %b %Y}: re-plan the "
        "roster around them first (leave over those days, then a re-plan on the roster's change page)."
    )
    raise ApplicationError(
        "staff_rostered",
        message,
        status_code=409,
        fields={"active": [message]},
        extra={
            "shifts": [
                {
                    "roster": row.roster_id,
                    "roster_name": row.roster.name,
                    "date": row.date.isoformat(),
                    "shift_code": row.shift_type.code,
                }
                for row in rows
            ]
        },
    )


@transaction.atomic
def staff_delete(*, facility, actor, rota_id, staff_id) -> None:
    """Someone with assignments in a roster stays (switch them inactive instead: 400 naming
    ``staff``); their leave, preferences, partnerships and training go with them."""
    rota = _rota(facility, actor, rota_id)
    member = _get(StaffMember.objects.filter(rota=rota), staff_id, "staff member")
    if Assignment.objects.filter(staff=member).exists():
        raise invalid("staff", "Rosters name this person: make them inactive instead.")
    for queryset in (
        Leave.objects.filter(staff=member),
        Preference.objects.filter(staff=member),
        TrainingRequirement.objects.filter(staff=member),
        Partnership.objects.filter(rota=rota, first=member) | Partnership.objects.filter(rota=rota, second=member),
    ):
        for row in queryset:
            audited_delete(row, actor=actor)
    audited_delete(member, actor=actor)


# --- partnerships -----------------------------------------------------------------------------------

PARTNERSHIP_FIELDS = ("first", "second", "weight")


def _partnership_write(rota, row, fields, actor) -> Partnership:
    _refuse_unknown(fields, PARTNERSHIP_FIELDS)
    fields = dict(fields)
    for name in ("first", "second"):
        if name in fields:
            fields[name] = _in_rota(StaffMember.objects.filter(rota=rota), fields[name], name, "staff member")
    _apply(row, fields)
    problems = _model_problems(row, exclude=["rota", "first", "second"])
    if row.first_id is not None and row.first_id == row.second_id:
        problems["second"] = ["Another person than the first."]
    return _save(row, actor=actor, problems=problems, constraint_fields={"partnership_two_people": "second"})


@transaction.atomic
def partnership_create(*, facility, actor, rota_id, **fields) -> Partnership:
    rota = _rota(facility, actor, rota_id)
    missing = [name for name in ("first", "second") if name not in fields]
    if missing:
        _raise_problems({name: ["Choose a staff member."] for name in missing})
    return _partnership_write(rota, Partnership(rota=rota), fields, actor)


@transaction.atomic
def partnership_update(*, facility, actor, rota_id, partnership_id, **fields) -> Partnership:
    rota = _rota(facility, actor, rota_id)
    row = _get(Partnership.objects.filter(rota=rota), partnership_id, "partnership")
    return _partnership_write(rota, row, fields, actor)


@transaction.atomic
def partnership_delete(*, facility, actor, rota_id, partnership_id) -> None:
    rota = _rota(facility, actor, rota_id)
    audited_delete(_get(Partnership.objects.filter(rota=rota), partnership_id, "partnership"), actor=actor)


# --- training requirements --------------------------------------------------------------------------

TRAINING_FIELDS = ("staff", "minimum", "first_day", "last_day", "shift_type", "skill", "reason")


def _training_write(rota, row, fields, actor) -> TrainingRequirement:
    _refuse_unknown(fields, TRAINING_FIELDS)
    fields = dict(fields)
    if "staff" in fields:
        fields["staff"] = _in_rota(StaffMember.objects.filter(rota=rota), fields["staff"], "staff", "staff member")
    if "shift_type" in fields:
        fields["shift_type"] = _in_rota(
            ShiftType.objects.filter(rota=rota), fields["shift_type"], "shift_type", "shift type", optional=True
        )
    if fields.get("skill") is None and "skill" in fields:
        fields["skill"] = ""
    _apply(row, fields)
    problems = _model_problems(row, exclude=["staff", "shift_type"])
    if row.staff_id is None:
        problems["staff"] = ["Choose a staff member."]
    if row.skill and row.skill not in rota.skills:
        problems.setdefault("skill", []).append("Not a skill of this rota.")
    if not problems:
        ranges.date_span_check(
            row.first_day, row.last_day, max_days=MAX_TRAINING_DAYS, start_field="first_day", end_field="last_day"
        )
    return _save(row, actor=actor, problems=problems)


@transaction.atomic
def training_create(*, facility, actor, rota_id, **fields) -> TrainingRequirement:
    rota = _rota(facility, actor, rota_id)
    return _training_write(rota, TrainingRequirement(), fields, actor)


@transaction.atomic
def training_update(*, facility, actor, rota_id, training_id, **fields) -> TrainingRequirement:
    rota = _rota(facility, actor, rota_id)
    row = _get(TrainingRequirement.objects.filter(staff__rota=rota), training_id, "training requirement")
    return _training_write(rota, row, fields, actor)


@transaction.atomic
def training_delete(*, facility, actor, rota_id, training_id) -> None:
    rota = _rota(facility, actor, rota_id)
    row = _get(TrainingRequirement.objects.filter(staff__rota=rota), training_id, "training requirement")
    audited_delete(row, actor=actor)


# --- rules ------------------------------------------------------------------------------------------


def rule_list(*, rota) -> list[RuleSetting]:
    """The rota's rule rows in ``RULE_CODES`` order; a code without a row shows its default
    (unsaved), as ``problem_build`` would read it."""
    rows = {row.code: row for row in RuleSetting.objects.filter(rota=rota)}
    defaults = {rule.code: rule for rule in rp.default_rules()}
    result = []
    for code in rp.RULE_CODES:
        row = rows.get(code)
        if row is None:
            rule = defaults[code]
            # A rota that has rule rows ignores codes without one (problem_build): off.
            row = RuleSetting(rota=rota, code=code, hard=rule.hard, weight=rule.weight, enabled=not rows)
        result.append(row)
    return result


@transaction.atomic
def rule_update(
    *, facility, actor, rota_id, code: str, hard: bool | None = None, weight: int | None = None, enabled=None
) -> RuleSetting:
    """Switches rule ``code`` on or off, makes it hard or soft, changes its weight (1–100 000);
    ``None`` keeps a value. A rota without rule rows first gets the defaults, so changing one
    rule does not switch the others off. ``SOFT_ONLY_RULES`` made hard: 400 naming ``hard``."""
    rota = _rota(facility, actor, rota_id)
    if code not in rp.RULE_CODES:
        raise NotFound(f"No rule '{code}'")
    if hard is True and code in SOFT_ONLY_RULES:
        raise invalid("hard", f"The rule '{code}' can only be soft: the model prices it and has no constraint for it.")
    if weight is not None and (isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 100_000):
        raise invalid("weight", "A whole number from 1 to 100 000.")
    for name, value in (("hard", hard), ("enabled", enabled)):
        if value is not None and not isinstance(value, bool):
            raise invalid(name, "true or false.")
    rows = {row.code: row for row in RuleSetting.objects.select_for_update().filter(rota=rota)}
    if not rows:
        for rule in rp.default_rules():
            rows[rule.code] = audited_save(
                RuleSetting(rota=rota, code=rule.code, hard=rule.hard, weight=rule.weight, enabled=rule.enabled),
                actor=actor,
            )
    row = rows.get(code) or RuleSetting(rota=rota, code=code, hard=False, weight=1, enabled=False)
    before = (row.hard, row.weight, row.enabled, row.pk)
    if hard is not None:
        row.hard = hard
    if weight is not None:
        row.weight = weight
    if enabled is not None:
        row.enabled = enabled
    if before != (row.hard, row.weight, row.enabled, row.pk) or row.pk is None:
        audited_save(row, actor=actor)
    return row


# --- recent changes ---------------------------------------------------------------------------------

_HISTORY = (
    ("rota", Rota, "rota_id", "id"),
    ("site", Site, "rota_id", None),
    ("contract", Contract, "rota_id", None),
    ("shift type", ShiftType, "rota_id", None),
    ("coverage", CoverageRequirement, "rota_id", None),
    ("staff", StaffMember, "rota_id", None),
    ("partnership", Partnership, "rota_id", None),
    ("training", TrainingRequirement, "staff__rota_id", None),
    ("rule", RuleSetting, "rota_id", None),
)
_KINDS = {"+": "added", "~": "changed", "-": "removed"}


def rota_change_list(*, rota, limit: int = 15) -> list[dict]:
    """The rota's latest configuration changes, newest first: ``when``, ``user``, ``kind``,
    ``what`` (the table), ``object`` (in words) and ``changes`` (field, old, new). A read for the
    set-up page, kept beside the writes it reports."""
    entries = []
    for what, model, column, own in _HISTORY:
        queryset = model.history.select_related("history_user")
        if model is TrainingRequirement:
            ids = list(StaffMember.objects.filter(rota=rota).values_list("pk", flat=True))
            queryset = queryset.filter(staff_id__in=ids)
        else:
            queryset = queryset.filter(**{column if own is None else own: rota.pk})
        for record in queryset.order_by("-history_date", "-history_id")[:limit]:
            changes = []
            previous = record.prev_record if record.history_type == "~" else None
            if previous is not None:
                changes = [
                    {"field": c.field, "old": c.old, "new": c.new} for c in record.diff_against(previous).changes
                ]
            entries.append(
                {
                    "when": record.history_date,
                    "user": record.history_user.get_username() if record.history_user else None,
                    "kind": _KINDS[record.history_type],
                    "what": what,
                    "object": _describe(record),
                    "changes": changes,
                }
            )
    entries.sort(key=lambda entry: entry["when"], reverse=True)
    return entries[:limit]


def _describe(record) -> str:
    try:
        return str(record.instance)
    except ObjectDoesNotExist:  # a row whose related row is gone: its table and id are enough
        return f"#{record.id}"
