"""The assistant's endpoint and page: answers and proposals as JSON and as HTML, a proposal
confirmed once through its token (a forged, expired or other user's token refused), the input
refused naming the field, another facility not found; and the language model path with a fake
client (never the network) mapping onto the same intents, falling back to the parser when the
network fails."""

import datetime as dt
import types

import anthropic
import httpx2
import pytest
from django.test import Client
from django.urls import reverse

from conftest import token_client
from rostering.assistant import answer as assistant
from rostering.assistant import intents as it
from rostering.assistant import llm, proposals
from rostering.models import Assignment, StaffMember
from rostering.services import rosters
from scheduling.models import Role
from tests.factories import MembershipFactory
from tests.rostering.conftest import next_monday

pytestmark = pytest.mark.django_db(transaction=True)


def api(facility, name="rostering-assistant"):
    return reverse(name, kwargs={"facility_slug": facility.slug})


def page(facility, name="rostering:assistant"):
    return reverse(name, kwargs={"facility_slug": facility.slug})


@pytest.fixture(autouse=True)
def no_language_model(settings, monkeypatch):
    settings.CARESLOT_ANTHROPIC_API_KEY = ""
    monkeypatch.setattr(assistant, "WHY_SECONDS", 1.0)


@pytest.fixture
def week(facility, user, rota, monkeypatch):
    """A week of the rota solved (≤ 5 s) and published (its sync into availability left out, as
    in test_assistant_answers); today is its Monday."""
    monkeypatch.setattr(rosters, "_queue_sync", lambda rota_id, actor: None)
    roster = rosters.roster_create(
        facility=facility, actor=user, rota_id=rota.pk, first_day=next_monday(), num_days=7, time_limit_seconds=5
    )
    rosters.roster_publish(facility=facility, actor=user, roster_id=roster.pk)
    roster.refresh_from_db()
    monkeypatch.setattr(it, "local_today", lambda zone: roster.first_day)
    return roster


@pytest.fixture
def change_calls(monkeypatch):
    calls = []

    def what_if_create(**kwargs):
        calls.append(("what_if", kwargs))
        return types.SimpleNamespace(pk=4242, name="Medical registrars (what-if)")

    def swap_request_create(**kwargs):
        calls.append(("swap", kwargs))
        return types.SimpleNamespace(pk=77)

    fake = types.SimpleNamespace(what_if_create=what_if_create, swap_request_create=swap_request_create)
    monkeypatch.setattr(proposals, "_change_services", lambda: fake)
    return calls


def test_the_api_answers_proposes_and_confirms_once(facility, user, registrar, week, change_calls):
    client = token_client(registrar)
    response = client.post(api(facility), {"question": "my shifts this week"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    mine = Assignment.objects.filter(roster=week, staff__resource__user=registrar)
    assert body["intent"] == "show_schedule" and body["source"] == "parser" and body["proposal"] is None
    assert body["data"]["roster"] == week.pk
    assert body["data"]["columns"] == ["Date", "Shift", "Person", "Skill"]
    assert sorted(r[0] for r in body["data"]["rows"]) == sorted(a.date.isoformat() for a in mine)

    manager = token_client(user)
    day = week.first_day + dt.timedelta(days=4)
    question = f"what if we need 3 city people on the night shift on {day.isoformat()}?"
    body = manager.post(api(facility), {"question": question, "rota": week.rota_id}, format="json").json()
    assert body["intent"] == "what_if"
    assert body["proposal"]["action"] == "what_if" and "3 city people" in body["proposal"]["summary"]
    token = body["proposal"]["token"]

    # Another user may not use it; the asker may, once.
    refused = client.post(api(facility, "rostering-assistant-confirm"), {"token": token}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    done = manager.post(api(facility, "rostering-assistant-confirm"), {"token": token}, format="json")
    assert done.status_code == 201, done.json()
    assert done.json() == {
        "action": "what_if",
        "text": done.json()["text"],
        "roster": 4242,
        "swap_request": None,
    }
    assert change_calls[0][1]["coverage"] == [
        {"date": day.isoformat(), "shift_code": "N", "skill": "city", "minimum": 3}
    ]
    again = manager.post(api(facility, "rostering-assistant-confirm"), {"token": token}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "proposal_used"
    forged = manager.post(api(facility, "rostering-assistant-confirm"), {"token": token + "x"}, format="json")
    assert forged.status_code == 400 and "token" in forged.json()["fields"]
    assert len(change_calls) == 1


def test_the_page_asks_shows_the_table_and_confirms(facility, registrar, other_registrar, week, change_calls):
    client = Client()
    client.force_login(registrar)
    response = client.get(page(facility))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1 and 'name="question"' in html and '<label for="id_question"' in html

    response = client.post(page(facility), {"question": "my shifts this week"})
    html = response.content.decode()
    assert response.status_code == 200
    for row in Assignment.objects.filter(roster=week, staff__resource__user=registrar):
        assert f"<td>{row.date.isoformat()}</td>" in html

    mine = Assignment.objects.filter(roster=week, staff__resource__user=registrar).order_by("date").first()
    partner = StaffMember.objects.get(resource__user=other_registrar)
    response = client.post(page(facility), {"question": f"swap my {mine.date:%A} with {partner.resource.name}"})
    html = response.content.decode()
    assert "Confirm" in html and "Cancel" in html and 'name="token"' in html
    token = response.context["result"].proposal.token
    response = client.post(page(facility, "rostering:assistant_confirm"), {"token": token})
    assert response.status_code == 302 and response["Location"] == page(facility)
    assert change_calls[0][0] == "swap" and change_calls[0][1]["actor"] == registrar
    followed = client.get(page(facility)).content.decode()
    assert "swap request 77" in followed

    response = client.post(page(facility, "rostering:assistant_confirm"), {"token": "forged"})
    assert response.status_code == 400 and "not valid" in response.content.decode()


@pytest.mark.django_db  # no solve: a rolled-back transaction is enough
def test_input_is_refused_naming_the_field_and_other_facilities_are_not_found(
    facility, other_facility, user, rota, make_member
):
    client = token_client(user)
    response = client.post(api(facility), {}, format="json")
    assert response.status_code == 400 and "question" in response.json()["fields"]
    response = client.post(api(facility), {"question": "x" * 501}, format="json")
    assert response.status_code == 400 and "question" in response.json()["fields"]
    response = client.post(api(facility), {"question": "hello", "colour": "blue"}, format="json")
    assert response.status_code == 400 and "colour" in response.json()["fields"]
    response = client.post(api(facility, "rostering-assistant-confirm"), {}, format="json")
    assert response.status_code == 400 and "token" in response.json()["fields"]

    response = client.post(api(facility), {"question": "hello"}, format="json")
    assert response.status_code == 200 and response.json()["intent"] == "unknown"
    assert "who is free" in response.json()["text"]

    assert client.post(api(other_facility), {"question": "hello"}, format="json").status_code == 404
    stranger = make_member(other_facility, Role.ADMIN, username="b-admin")
    response = token_client(stranger).post(api(other_facility), {"question": "hi", "rota": rota.pk}, format="json")
    assert response.status_code == 400 and "rota" in response.json()["fields"]
    browser = Client()
    browser.force_login(user)
    assert browser.get(page(other_facility)).status_code == 404

    # A token of this facility is refused in another one, even for a member of both.
    token = proposals.proposal_sign(facility=facility, actor=user, action="what_if", params={})
    MembershipFactory(facility=other_facility, user=user, role=Role.ADMIN)
    response = client.post(api(other_facility, "rostering-assistant-confirm"), {"token": token}, format="json")
    assert response.status_code == 403


class FakeMessages:
    def __init__(self, outcome):
        self.outcome = outcome
        self.calls = []

    def create(self, **kwargs):
        self.calls.append(kwargs)
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return self.outcome


def fake_client(outcome):
    return types.SimpleNamespace(messages=FakeMessages(outcome))


def tool_use(name, arguments):
    block = types.SimpleNamespace(type="tool_use", id="toolu_1", name=name, input=arguments)
    return types.SimpleNamespace(content=[types.SimpleNamespace(type="text", text="Routing."), block])


@pytest.mark.django_db  # no solve: a rolled-back transaction is enough
def test_the_language_model_picks_the_same_intents_and_the_database_answers(
    facility, user, rota, settings, monkeypatch
):
    settings.CARESLOT_ANTHROPIC_API_KEY = "sk-test-not-a-key"
    settings.CARESLOT_ANTHROPIC_MODEL = "claude-test"
    monkeypatch.setattr(it, "local_today", lambda zone: dt.date(2027, 3, 3))
    name = StaffMember.objects.filter(rota=rota).order_by("pk").first().resource.name
    client = fake_client(tool_use("swap", {"my_date": "2027-03-06", "partner": name, "requester": name}))
    monkeypatch.setattr(llm, "make_client", lambda: client)

    response = token_client(user).post(api(facility), {"question": "can they trade Saturday?"}, format="json")
    body = response.json()
    assert response.status_code == 200 and body["source"] == "llm"
    assert body["intent"] == "swap" and body["proposal"] is None
    assert body["text"] == "No published roster covers Sat 6 Mar."
    call = client.messages.calls[0]
    assert call["model"] == "claude-test" and call["tool_choice"] == {"type": "any"}
    assert {tool["name"] for tool in call["tools"]} == set(it.INTENT_NAMES)
    assert call["messages"] == [{"role": "user", "content": "can they trade Saturday?"}]
    assert "2027-03-03" in call["system"]

    # A name the rota has not is a question back, not a guess.
    monkeypatch.setattr(llm, "make_client", lambda: fake_client(tool_use("why", {"person": "Dr Moriarty"})))
    body = token_client(user).post(api(facility), {"question": "why Moriarty?"}, format="json").json()
    assert body["intent"] == "clarify" and "Moriarty" in body["text"] and body["source"] == "llm"


@pytest.mark.django_db  # no solve: a rolled-back transaction is enough
@pytest.mark.parametrize(
    "failure",
    [
        anthropic.APIConnectionError(request=httpx2.Request("POST", "https://api.anthropic.com/v1/messages")),
        anthropic.APITimeoutError(request=httpx2.Request("POST", "https://api.anthropic.com/v1/messages")),
        TimeoutError("timed out"),
        types.SimpleNamespace(content=[types.SimpleNamespace(type="text", text="I think Dr X is great.")]),
    ],
    ids=["connection", "timeout", "socket-timeout", "no-tool-call"],
)
def test_without_the_network_the_parser_answers_and_says_so(facility, user, rota, settings, monkeypatch, failure):
    settings.CARESLOT_ANTHROPIC_API_KEY = "sk-test-not-a-key"
    monkeypatch.setattr(llm, "make_client", lambda: fake_client(failure))
    body = token_client(user).post(api(facility), {"question": "who is free on the 12th?"}, format="json").json()
    assert body["source"] == "parser" and body["intent"] == "who_is_free"
    assert body["text"].startswith("The language model could not be reached")


@pytest.mark.django_db
def test_an_example_link_the_assistant_cannot_answer_is_a_page_saying_why_not_a_400(facility, make_member):
    """A facility without a rota: the question asked by a link answers 200 with the reason on the
    page; the same question posted from the form is a refused submission (400)."""
    browser = Client()
    browser.force_login(make_member(facility, Role.SCHEDULER, username="desk-asks"))
    url = reverse("rostering:assistant", kwargs={"facility_slug": facility.slug})
    linked = browser.get(url, {"q": "show next week's schedule"})
    assert linked.status_code == 200
    posted = browser.post(url, {"question": "show next week's schedule"})
    assert posted.status_code == 400
    reason = [
        line for line in posted.content.decode().splitlines() if "rota" in line.lower() and "error" in line.lower()
    ]
    assert reason, "the refusal names the missing rota"
    assert reason[0].strip() in linked.content.decode()
