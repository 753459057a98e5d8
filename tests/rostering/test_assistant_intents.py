"""The assistant's deterministic parser: each intent from several phrasings, dates resolved from a
fixed today, names matched loosely (surname, "Dr" optional, a typo) and ambiguity asked back; and
the language model's tool calls validated into the same intents. No database, no network."""

import datetime as dt

import pytest

from rostering.assistant import intents as it
from rostering.assistant import llm

TODAY = dt.date(2027, 3, 3)  # a Wednesday
MON, FRI, SAT, SUN = dt.date(2027, 3, 8), dt.date(2027, 3, 5), dt.date(2027, 3, 6), dt.date(2027, 3, 7)

CTX = it.Context(
    today=TODAY,
    staff=(
        it.Person(1, "Dr Kit Rooke"),
        it.Person(2, "Dr Ana Rooke"),
        it.Person(3, "Dr Bram Farrow"),
        it.Person(4, "Dr Mara Nettle"),
        it.Person(5, "Dr Ines Lowther"),
    ),
    shift_types=(
        it.Shift("D", "Day", "day"),
        it.Shift("E", "Evening", "evening"),
        it.Shift("N", "Night", "night"),
        it.Shift("W", "Weekend on-call", "weekend"),
    ),
    skills=("city", "north", "senior"),
    covered=((dt.date(2027, 3, 1), dt.date(2027, 3, 28)),),
    me=3,
)


@pytest.mark.parametrize(
    ("question", "first", "last", "own"),
    [
        ("show next week's schedule", MON, MON + dt.timedelta(days=6), False),
        ("Show me the roster for next week", MON, MON + dt.timedelta(days=6), True),
        ("what's the schedule next week?", MON, MON + dt.timedelta(days=6), False),
        ("my shifts this week", dt.date(2027, 3, 1), dt.date(2027, 3, 7), True),
        ("When am I working this week?", dt.date(2027, 3, 1), dt.date(2027, 3, 7), True),
        ("schedule for 14 Mar", dt.date(2027, 3, 14), dt.date(2027, 3, 14), False),
        ("schedule for March 14th", dt.date(2027, 3, 14), dt.date(2027, 3, 14), False),
        ("roster on 2027-03-10", dt.date(2027, 3, 10), dt.date(2027, 3, 10), False),
        ("who is working on Friday?", FRI, FRI, False),
        ("schedule for tomorrow", dt.date(2027, 3, 4), dt.date(2027, 3, 4), False),
        ("schedule for 2 Jan", dt.date(2028, 1, 2), dt.date(2028, 1, 2), False),
    ],
)
def test_show_schedule(question, first, last, own):
    intent = it.parse(question, CTX)
    assert isinstance(intent, it.ShowSchedule), intent
    assert (intent.first_day, intent.last_day, intent.own) == (first, last, own)


def test_show_schedule_of_one_person_and_shift_kind():
    intent = it.parse("show Dr Nettle's nights next week", CTX)
    assert intent == it.ShowSchedule(
        first_day=MON, last_day=MON + dt.timedelta(days=6), staff_id=4, shift_codes=("N",), period="next week"
    )


@pytest.mark.parametrize(
    ("question", "staff_id", "day", "codes"),
    [
        ("why is Dr Farrow on nights?", 3, None, ("N",)),
        ("Why is farrow on night shifts", 3, None, ("N",)),
        ("why is Dr Bram Farrow doing nights", 3, None, ("N",)),
        ("why is dr farow on nights?", 3, None, ("N",)),  # a typo
        ("why is Dr Farrow working on Friday?", 3, FRI, ()),
        ("Why is Nettle on the evening shift on 2027-03-09?", 4, dt.date(2027, 3, 9), ("E",)),
        ("why is Dr Kit Rooke on weekends", 1, None, ("W",)),
        ("why am I on nights?", None, None, ("N",)),
        ("why is Dr Lowther on N?", 5, None, ("N",)),
    ],
)
def test_why(question, staff_id, day, codes):
    intent = it.parse(question, CTX)
    assert isinstance(intent, it.Why), intent
    assert (intent.staff_id, intent.first_day, intent.shift_codes) == (staff_id, day, codes)


@pytest.mark.parametrize(
    ("question", "day", "code", "minimum", "skill"),
    [
        ("what if we need 3 people on Friday night?", FRI, "N", 3, None),
        ("What if we need three city people on the evening shift on the 9th", dt.date(2027, 3, 9), "E", 3, "city"),
        ("suppose we need 4 on nights on 2027-03-12", dt.date(2027, 3, 12), "N", 4, None),
        ("what happens if we need 2 senior registrars on Saturday weekend on-call", SAT, "W", 2, "senior"),
        ("what if we need 5 people on the day shift on 14 Mar", dt.date(2027, 3, 14), "D", 5, None),
    ],
)
def test_what_if(question, day, code, minimum, skill):
    assert it.parse(question, CTX) == it.WhatIf(date=day, shift_code=code, minimum=minimum, skill=skill)


@pytest.mark.parametrize(
    ("question", "day"),
    [
        ("who is free on the 12th?", dt.date(2027, 3, 12)),
        ("Who's available on Sunday", SUN),
        ("who is off tomorrow", dt.date(2027, 3, 4)),
        ("who is free on 2027-03-20", dt.date(2027, 3, 20)),
        ("who is free on the 2nd?", dt.date(2027, 4, 2)),  # the 2nd of this month has passed
    ],
)
def test_who_is_free(question, day):
    assert it.parse(question, CTX) == it.WhoIsFree(date=day)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("swap my Saturday with Dr Nettle", it.Swap(requester_date=SAT, partner_staff_id=4)),
        ("Swap my saturday shift with Nettle", it.Swap(requester_date=SAT, partner_staff_id=4)),
        (
            "swap my Saturday with Dr Nettle's Sunday",
            it.Swap(requester_date=SAT, partner_staff_id=4, partner_date=SUN),
        ),
        (
            "can I swap my shift on 2027-03-10 for Dr Lowther's on 2027-03-11",
            it.Swap(requester_date=dt.date(2027, 3, 10), partner_staff_id=5, partner_date=dt.date(2027, 3, 11)),
        ),
        (
            "swap Dr Farrow's Friday with Dr Lowther",
            it.Swap(requester_date=FRI, partner_staff_id=5, requester_staff_id=3),
        ),
    ],
)
def test_swap(question, expected):
    assert it.parse(question, CTX) == expected


def test_a_weekday_resolves_to_the_next_one_a_published_roster_covers():
    ctx = it.Context(today=dt.date(2027, 2, 24), covered=((dt.date(2027, 3, 1), dt.date(2027, 3, 14)),))
    assert it.parse("who is free on Friday?", ctx) == it.WhoIsFree(date=dt.date(2027, 3, 5))
    assert it.parse("who is free on Friday?", it.Context(today=dt.date(2027, 2, 24))) == it.WhoIsFree(
        date=dt.date(2027, 2, 26)
    )


@pytest.mark.parametrize(
    "question", ["why is Dr Rooke on nights?", "swap my Saturday with rooke", "show Rooke's shifts this week"]
)
def test_an_ambiguous_name_is_asked_back(question):
    intent = it.parse(question, CTX)
    assert isinstance(intent, it.Clarify)
    assert set(intent.options) == {"Dr Kit Rooke", "Dr Ana Rooke"}
    assert "Which" in intent.text


def test_the_full_name_settles_it():
    assert it.parse("why is Dr Ana Rooke on nights?", CTX).staff_id == 2


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("why is Dr Zed on nights?", "Zed"),
        ("what if we need 3 people on Friday?", "which shift"),
        ("what if we need people on Friday night?", "How many"),
        ("swap my Saturday with Dr Nobody", "Nobody"),
        ("what if we need 3 people on the brunch shift", "which day"),
        ("schedule for 30 Feb", "no 30 February"),
    ],
)
def test_what_cannot_be_resolved_is_asked_back(question, words):
    intent = it.parse(question, CTX)
    assert isinstance(intent, it.Clarify), intent
    assert words.lower() in intent.text.lower()


@pytest.mark.parametrize("question", ["hello", "what is the meaning of life", ""])
def test_an_unrecognised_question_lists_what_can_be_asked(question):
    intent = it.parse(question, CTX)
    assert isinstance(intent, it.Unrecognised)
    for example in ("next week's schedule", "why is", "who is free", "what if", "swap"):
        assert example in intent.text


# The language model's tool calls, validated into the same intents.


@pytest.mark.parametrize(
    ("tool", "arguments", "expected"),
    [
        ("why", {"person": "Dr Farrow", "shift": "night"}, it.Why(staff_id=3, shift_codes=("N",), shift_words="night")),
        (
            "show_schedule",
            {"first_day": "2027-03-08", "last_day": "2027-03-14", "mine": True},
            it.ShowSchedule(first_day=MON, last_day=dt.date(2027, 3, 14), own=True),
        ),
        ("who_is_free", {"date": "the 12th"}, it.WhoIsFree(date=dt.date(2027, 3, 12))),
        (
            "what_if",
            {"date": "2027-03-05", "shift": "N", "minimum": 3, "skill": "city"},
            it.WhatIf(date=FRI, shift_code="N", minimum=3, skill="city"),
        ),
        ("swap", {"my_date": "Saturday", "partner": "Nettle"}, it.Swap(requester_date=SAT, partner_staff_id=4)),
    ],
)
def test_a_tool_call_becomes_the_parser_s_intent(tool, arguments, expected):
    assert llm.from_tool(tool, arguments, CTX) == expected


@pytest.mark.parametrize(
    ("tool", "arguments", "words"),
    [
        ("why", {"person": "Dr Moriarty"}, "Moriarty"),
        ("who_is_free", {"date": "sometime soon"}, "sometime soon"),
        ("who_is_free", {"date": "2027-02-30"}, "2027-02-30"),
        ("what_if", {"date": "2027-03-05", "shift": "brunch", "minimum": 3}, "brunch"),
        ("what_if", {"date": "2027-03-05", "shift": "N", "minimum": 3, "skill": "surgery"}, "surgery"),
        ("what_if", {"date": "2027-03-05", "shift": "N", "minimum": -1}, "how many"),
        ("swap", {"my_date": "Saturday", "partner": "Dr Rooke"}, "which"),
    ],
)
def test_a_tool_call_naming_what_the_rota_has_not_is_refused_clearly(tool, arguments, words):
    intent = llm.from_tool(tool, arguments, CTX)
    assert isinstance(intent, it.Clarify), intent
    assert words.lower() in intent.text.lower()


def test_an_unknown_tool_is_not_an_intent():
    assert isinstance(llm.from_tool("delete_everything", {}, CTX), it.Unrecognised)
