"""The assistant's answers against the rows of a published roster (solved ≤ 5 s, published
through the services), with today fixed to the roster's first Monday; and its proposals, signed
for one user in one facility, confirmed once through the change services."""

import datetime as dt
import types

import pytest

from rostering.assistant import answer as assistant
from rostering.assistant import intents as it
from rostering.assistant import proposals
from rostering.models import Assignment, Leave, LeaveStatus, StaffMember
from rostering.services import rosters
from scheduling.errors import ApplicationError
from scheduling.models import Role
from tests.rostering.conftest import next_monday

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def week(facility, user, rota, monkeypatch, settings):
    """A week of the rota, solved (≤ 5 s) and published through the services; today is its
    Monday; no language model. Publishing's sync into availability is left out (test_lifecycle
    covers it; the assistant reads the roster's own rows) to keep the machine's load down."""
    settings.CARESLOT_ANTHROPIC_API_KEY = ""
    monkeypatch.setattr(assistant, "WHY_SECONDS", 1.0)
    monkeypatch.setattr(rosters, "_queue_sync", lambda rota_id, actor: None)
    roster = rosters.roster_create(
        facility=facility, actor=user, rota_id=rota.pk, first_day=next_monday(), num_days=7, time_limit_seconds=5
    )
    rosters.roster_publish(facility=facility, actor=user, roster_id=roster.pk)
    roster.refresh_from_db()
    monkeypatch.setattr(it, "local_today", lambda zone: roster.first_day)
    return roster


def ask(facility, actor, question):
    return assistant.assistant_ask(facility=facility, actor=actor, question=question)


def me(registrar):
    return StaffMember.objects.get(resource__user=registrar)


def test_reads_answer_from_the_published_roster_s_rows(facility, user, registrar, week, monkeypatch):
    rows = Assignment.objects.filter(roster=week).select_related("staff__resource")

    # Next week's schedule, asked the Monday before.
    monkeypatch.setattr(it, "local_today", lambda zone: week.first_day - dt.timedelta(days=7))
    result = ask(facility, user, "show next week's schedule")
    assert result.intent == "show_schedule" and result.source == "parser"
    assert len(result.rows) == rows.count() > 0
    assert {(r[0], r[2]) for r in result.rows} == {(a.date.isoformat(), a.staff.resource.name) for a in rows}
    assert result.data["roster"] == week.pk
    monkeypatch.setattr(it, "local_today", lambda zone: week.first_day)

    # A registrar's own shifts this week.
    result = ask(facility, registrar, "my shifts this week")
    mine = rows.filter(staff=me(registrar))
    assert sorted(r[0] for r in result.rows) == sorted(a.date.isoformat() for a in mine)
    assert {r[2] for r in result.rows} <= {me(registrar).resource.name}

    # One day.
    day = week.first_day + dt.timedelta(days=2)
    result = ask(facility, user, f"schedule for {day.day} {day:%b}")
    assert {r[0] for r in result.rows} == {day.isoformat()}
    assert len(result.rows) == rows.filter(date=day).count()

    # Days no published roster covers.
    later = week.first_day + dt.timedelta(days=60)
    result = ask(facility, user, f"schedule for {later.isoformat()}")
    assert result.rows == () and "No published roster covers" in result.text

    # Who is free: not rostered, not on approved leave (one more leave added now).
    day = week.first_day + dt.timedelta(days=3)
    working = set(rows.filter(date=day).values_list("staff_id", flat=True))
    free = StaffMember.objects.filter(rota=week.rota).exclude(pk__in=working).order_by("pk")
    Leave.objects.create(staff=free.first(), first_day=day, last_day=day, status=LeaveStatus.APPROVED)
    away = set(
        Leave.objects.filter(
            staff__rota=week.rota, status=LeaveStatus.APPROVED, first_day__lte=day, last_day__gte=day
        ).values_list("staff_id", flat=True)
    )
    result = ask(facility, user, f"who is free on {day.isoformat()}?")
    assert result.intent == "who_is_free"
    assert {r[0] for r in result.rows} == {m.resource.name for m in free if m.pk not in away}
    assert f"{len(result.rows)} of 25 are free" in result.text


def test_why_names_what_binds_and_asks_which_person(facility, user, week):
    nights = Assignment.objects.filter(roster=week, shift_type__code="N").select_related("staff__resource")
    person = nights.first().staff
    result = ask(facility, user, f"why is {person.resource.name} on nights?")
    theirs = nights.filter(staff=person).order_by("date")
    assert result.intent == "why"
    assert f"works {theirs.count()} night" in result.text
    assert [r[0] for r in result.rows] == [a.date.isoformat() for a in theirs]
    first = theirs.first()
    assert f"On {first.date:%a} {first.date.day} {first.date:%b} {person.resource.name} works Night" in result.text
    assert "range from" in result.text

    row = Assignment.objects.filter(roster=week).exclude(shift_type__code="N").select_related("shift_type").first()
    result = ask(facility, user, f"why is {row.staff.resource.name} working on {row.date.isoformat()}?")
    assert f"works {row.shift_type.name} ({row.shift_type.code})" in result.text

    first, second = StaffMember.objects.filter(rota=week.rota).order_by("pk")[:2]
    for member, name in ((first, "Dr Ana Quillfeather"), (second, "Dr Bo Quillfeather")):
        member.resource.name = name
        member.resource.save()
    result = ask(facility, user, "why is Dr Quillfeather on nights?")
    assert result.intent == "clarify"
    assert set(result.options) == {"Dr Ana Quillfeather", "Dr Bo Quillfeather"}
    assert result.proposal is None


def test_writes_are_proposals_for_who_may_make_them(facility, user, registrar, other_registrar, week, change_calls):
    day = week.first_day + dt.timedelta(days=4)
    question = f"what if we need 3 city people on the night shift on {day.isoformat()}?"
    result = ask(facility, user, question)
    assert result.intent == "what_if" and result.proposal is not None
    assert result.proposal.params["coverage"] == [
        {"date": day.isoformat(), "shift_code": "N", "skill": "city", "minimum": 3}
    ]
    assert result.proposal.params["roster_id"] == week.pk
    refused = ask(facility, registrar, question)
    assert refused.proposal is None and "manager" in refused.text
    done = proposals.proposal_confirm(facility=facility, actor=user, token=result.proposal.token)
    assert (done.action, done.roster_id) == ("what_if", 991)
    action, kwargs = change_calls[0]
    assert action == "what_if" and kwargs["actor"] == user and kwargs["facility"] == facility
    assert kwargs["roster_id"] == week.pk and kwargs["coverage"] == result.proposal.params["coverage"]

    mine = Assignment.objects.filter(roster=week, staff=me(registrar)).order_by("date").first()
    partner = me(other_registrar)
    result = ask(facility, registrar, f"swap my {mine.date:%A} with {partner.resource.name}")
    assert result.intent == "swap" and result.proposal is not None
    params = result.proposal.params
    assert params["requester_staff_id"] == me(registrar).pk
    assert params["partner_staff_id"] == partner.pk
    assert params["requester_date"] == mine.date.isoformat()
    theirs = Assignment.objects.filter(roster=week, staff=partner, date=mine.date).first()
    assert params["partner_date"] == (mine.date.isoformat() if theirs else None)

    worked = set(Assignment.objects.filter(roster=week, staff=me(registrar)).values_list("date", flat=True))
    days = [week.first_day + dt.timedelta(days=d) for d in range(7)]
    off = next(d for d in days if d not in worked)
    result = ask(facility, registrar, f"swap my shift on {off.isoformat()} with {partner.resource.name}")
    assert result.proposal is None and "not rostered" in result.text

    result = ask(
        facility,
        registrar,
        f"swap {partner.resource.name}'s {mine.date.isoformat()} with {me(registrar).resource.name}",
    )
    assert result.proposal is None and "own shifts" in result.text


# Confirming a proposal.


@pytest.fixture
def change_calls(monkeypatch):
    """The change services replaced by a recorder (they are another module's to test)."""
    calls = []

    def what_if_create(**kwargs):
        calls.append(("what_if", kwargs))
        return types.SimpleNamespace(pk=991, name="what-if")

    def swap_request_create(**kwargs):
        calls.append(("swap", kwargs))
        return types.SimpleNamespace(pk=992)

    fake = types.SimpleNamespace(what_if_create=what_if_create, swap_request_create=swap_request_create)
    monkeypatch.setattr(proposals, "_change_services", lambda: fake)
    return calls


@pytest.mark.django_db  # no solve: a rolled-back transaction is enough
def test_a_proposal_is_confirmed_once(facility, registrar, change_calls):
    params = {
        "roster_id": 7,
        "requester_staff_id": 1,
        "requester_date": "2027-03-06",
        "partner_staff_id": 2,
        "partner_date": None,
        "reason": "",
    }
    token = proposals.proposal_sign(facility=facility, actor=registrar, action="swap", params=params)
    done = proposals.proposal_confirm(facility=facility, actor=registrar, token=token)
    assert (done.action, done.swap_request_id) == ("swap", 992)
    assert change_calls == [("swap", {"facility": facility, "actor": registrar, **params})]
    with pytest.raises(ApplicationError) as error:
        proposals.proposal_confirm(facility=facility, actor=registrar, token=token)
    assert (error.value.code, error.value.status_code) == ("proposal_used", 409)
    assert len(change_calls) == 1


@pytest.mark.django_db  # no solve: a rolled-back transaction is enough
def test_a_failed_confirmation_can_be_tried_again(facility, user, monkeypatch):
    def refuse(**kwargs):
        raise ApplicationError("roster_state", "Busy.", status_code=409)

    attempts = iter([types.SimpleNamespace(what_if_create=refuse), None])

    def services():
        fake = next(attempts)
        return fake or types.SimpleNamespace(what_if_create=lambda **k: types.SimpleNamespace(pk=5, name="w"))

    monkeypatch.setattr(proposals, "_change_services", services)
    token = proposals.proposal_sign(
        facility=facility, actor=user, action="what_if", params={"roster_id": 1, "coverage": []}
    )
    with pytest.raises(ApplicationError):
        proposals.proposal_confirm(facility=facility, actor=user, token=token)
    assert proposals.proposal_confirm(facility=facility, actor=user, token=token).roster_id == 5


@pytest.mark.django_db  # no solve: a rolled-back transaction is enough
def test_a_forged_expired_or_foreign_token_is_refused(
    facility, other_facility, user, make_member, monkeypatch, change_calls
):
    token = proposals.proposal_sign(
        facility=facility, actor=user, action="what_if", params={"roster_id": 1, "coverage": []}
    )
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    with pytest.raises(ApplicationError) as error:
        proposals.proposal_confirm(facility=facility, actor=user, token=forged)
    assert (error.value.status_code, list(error.value.fields)) == (400, ["token"])

    colleague = make_member(facility, Role.MANAGER, username="another-manager")
    with pytest.raises(ApplicationError) as error:
        proposals.proposal_confirm(facility=facility, actor=colleague, token=token)
    assert error.value.status_code == 403

    elsewhere = proposals.proposal_sign(facility=other_facility, actor=user, action="what_if", params={})
    with pytest.raises(ApplicationError) as error:
        proposals.proposal_confirm(facility=facility, actor=user, token=elsewhere)
    assert error.value.status_code == 403

    monkeypatch.setattr(proposals, "PROPOSAL_MAX_AGE", -1)
    with pytest.raises(ApplicationError) as error:
        proposals.proposal_confirm(facility=facility, actor=user, token=token)
    assert error.value.status_code == 400 and "expired" in error.value.message
    assert change_calls == []


def test_the_real_change_service_receives_a_swap_proposal(facility, registrar, other_registrar, week):
    change = pytest.importorskip("rostering.services.change")
    if not hasattr(change, "swap_request_create"):
        pytest.skip("the change services are not there yet")
    mine = Assignment.objects.filter(roster=week, staff=me(registrar)).order_by("date").first()
    partner = me(other_registrar)
    result = ask(facility, registrar, f"swap my shift on {mine.date.isoformat()} with {partner.resource.name}")
    try:
        done = proposals.proposal_confirm(facility=facility, actor=registrar, token=result.proposal.token)
    except ApplicationError as error:
        # The hard rules may forbid this particular swap: then nothing was saved and it says why.
        assert error.code in ("swap_breaks_rules", "invalid"), error.message
        return
    from rostering.models import SwapRequest

    swap = SwapRequest.objects.get(pk=done.swap_request_id)
    assert (swap.requester_id, swap.partner_id, swap.requester_date) == (me(registrar).pk, partner.pk, mine.date)
