"""The language model as an interface only: with ``CARESLOT_ANTHROPIC_API_KEY`` set, the question
goes to the Anthropic Messages API with one tool per intent (``TOOLS``) and ``tool_choice`` "any",
so the model must pick one; its tool call's input is validated into the same intent dataclasses
the parser makes (an unknown name, shift or date becomes a question back, never a guess), and the
same executor answers from the database. The model never answers itself.

A network error, a timeout, an error status or an answer without a tool call raises
``Unavailable``: the caller falls back to the deterministic parser.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from rostering.assistant import intents as it

TIMEOUT_SECONDS = 15.0
MAX_TOKENS = 512

_DATE = {"type": "string", "description": "A date as YYYY-MM-DD (preferred), or words such as 'Friday', 'the 12th'."}
_PERSON = {"type": "string", "description": "The person's name as the question gives it, e.g. 'Dr Rooke'."}
_SHIFT = {
    "type": "string",
    "description": "A shift type code or name from the list, or a kind: day, evening, night, weekend, on_call.",
}

TOOLS = [
    {
        "name": "show_schedule",
        "description": "Show the published roster's shifts over a span of days, for everyone, the asker ('mine') "
        "or one person, optionally of one shift type.",
        "input_schema": {
            "type": "object",
            "properties": {
                "first_day": _DATE,
                "last_day": _DATE,
                "mine": {"type": "boolean", "description": "Only the asker's own shifts ('my shifts')."},
                "person": _PERSON,
                "shift": _SHIFT,
            },
            "required": ["first_day", "last_day"],
        },
    },
    {
        "name": "why",
        "description": "Explain why a person works (or is off) on a day, or why they work the shifts of a type "
        "(e.g. nights) in the published roster.",
        "input_schema": {
            "type": "object",
            "properties": {
                "person": {**_PERSON, "description": "The person asked about; 'me' for the asker."},
                "date": _DATE,
                "shift": _SHIFT,
            },
            "required": ["person"],
        },
    },
    {
        "name": "what_if",
        "description": "Propose a what-if: re-solve a copy of the published roster needing at least `minimum` "
        "people on a shift on a day (a manager confirms it; the published roster is untouched).",
        "input_schema": {
            "type": "object",
            "properties": {
                "date": _DATE,
                "shift": _SHIFT,
                "minimum": {"type": "integer", "minimum": 0, "description": "People needed."},
                "skill": {"type": "string", "description": "A skill code from the list, if the question names one."},
            },
            "required": ["date", "shift", "minimum"],
        },
    },
    {
        "name": "who_is_free",
        "description": "List the people not rostered and not on leave on a day.",
        "input_schema": {"type": "object", "properties": {"date": _DATE}, "required": ["date"]},
    },
    {
        "name": "swap",
        "description": "Propose a swap request: the asker (or `requester`, for a manager) gives their shift on "
        "`my_date` to `partner`, or exchanges it for the partner's shift on `partner_date`.",
        "input_schema": {
            "type": "object",
            "properties": {
                "my_date": _DATE,
                "partner": _PERSON,
                "partner_date": _DATE,
                "requester": {**_PERSON, "description": "Whose shift, when not the asker's own."},
            },
            "required": ["my_date", "partner"],
        },
    },
]


class Unavailable(Exception):
    """The model could not be asked or gave no tool call: use the parser."""


def make_client():
    import anthropic

    return anthropic.Anthropic(api_key=settings.CARESLOT_ANTHROPIC_API_KEY, timeout=TIMEOUT_SECONDS, max_retries=1)


def system_prompt(ctx: it.Context) -> str:
    shifts = "; ".join(f"{s.code} = {s.name} ({s.kind})" for s in ctx.shift_types)
    return (
        "You route questions about a hospital staff roster to exactly one tool. Never answer yourself. "
        f"Today is {ctx.today:%A} {ctx.today.isoformat()}. Weeks run Monday to Sunday. "
        f"Shift types: {shifts}. Skills: {', '.join(ctx.skills) or 'none'}. "
        f"Staff: {', '.join(p.name for p in ctx.staff)}."
    )


def _field(value, name):
    if isinstance(value, dict):
        return value.get(name)
    return getattr(value, name, None)


def interpret(question: str, ctx: it.Context, *, client=None) -> it.Intent:
    """The intent the model maps ``question`` to, validated against the rota (``Clarify`` when
    it names what the rota has not). ``Unavailable`` when the model cannot be used."""
    try:
        import anthropic

        api_errors: tuple[type[BaseException], ...] = (anthropic.APIError,)
    except ImportError:  # pragma: no cover - the SDK is a dependency
        api_errors = ()
    try:
        client = client if client is not None else make_client()
        message = client.messages.create(
            model=settings.CARESLOT_ANTHROPIC_MODEL,
            max_tokens=MAX_TOKENS,
            system=system_prompt(ctx),
            tools=TOOLS,
            tool_choice={"type": "any"},
            messages=[{"role": "user", "content": question}],
        )
    except (*api_errors, OSError, TimeoutError) as error:
        raise Unavailable(f"{type(error).__name__}: {error}") from error
    for block in _field(message, "content") or []:
        if _field(block, "type") == "tool_use":
            return from_tool(_field(block, "name"), _field(block, "input") or {}, ctx)
    raise Unavailable("the model answered without choosing a tool")


def from_tool(name: str, arguments: dict, ctx: it.Context) -> it.Intent:
    """A tool call as an intent, every name, shift and date checked against the rota."""
    if not isinstance(arguments, dict):
        return it.Clarify("The language model's answer could not be read; ask again.")
    try:
        if name == "show_schedule":
            return _show(arguments, ctx)
        if name == "why":
            return _why(arguments, ctx)
        if name == "what_if":
            return _what_if(arguments, ctx)
        if name == "who_is_free":
            return it.WhoIsFree(date=_date(arguments.get("date"), ctx, "date"))
        if name == "swap":
            return _swap(arguments, ctx)
    except it.Unclear as unclear:
        return unclear.clarify
    return it.Unrecognised()


def _date(value, ctx: it.Context, name: str) -> dt.date:
    if not isinstance(value, str) or not value.strip():
        raise it.Unclear(f"Which day ({name})?")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        pass
    spans = it.find_dates(value, ctx)
    if len(spans) != 1 or spans[0].first != spans[0].last:
        raise it.Unclear(f"“{value}” is not a day I can read ({name}).")
    return spans[0].first


def _optional_date(value, ctx, name) -> dt.date | None:
    return None if value in (None, "") else _date(value, ctx, name)


def _person(value, ctx: it.Context) -> int | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise it.Unclear("The person must be a name.")
    if value.strip().lower() in ("me", "i", "myself", "my"):
        return None
    return it.person_named(value, ctx).id


def _shifts(value, ctx: it.Context) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    if not isinstance(value, str):
        raise it.Unclear("The shift must be a name or a code.")
    return it.shift_named(value, ctx)


def _show(arguments: dict, ctx: it.Context) -> it.Intent:
    first = _optional_date(arguments.get("first_day"), ctx, "first_day") or ctx.today
    last = _optional_date(arguments.get("last_day"), ctx, "last_day") or first + dt.timedelta(days=6)
    if last < first:
        first, last = last, first
    if (last - first).days > 91:
        raise it.Unclear("Ask for at most 13 weeks at a time.")
    staff_id = _person(arguments.get("person"), ctx)
    return it.ShowSchedule(
        first_day=first,
        last_day=last,
        own=bool(arguments.get("mine")) and staff_id is None,
        staff_id=staff_id,
        shift_codes=_shifts(arguments.get("shift"), ctx),
    )


def _why(arguments: dict, ctx: it.Context) -> it.Intent:
    day = _optional_date(arguments.get("date"), ctx, "date")
    codes = _shifts(arguments.get("shift"), ctx)
    return it.Why(
        staff_id=_person(arguments.get("person"), ctx),
        first_day=day,
        last_day=day,
        shift_codes=codes,
        shift_words=str(arguments.get("shift") or ""),
    )


def _what_if(arguments: dict, ctx: it.Context) -> it.Intent:
    minimum = arguments.get("minimum")
    if not isinstance(minimum, int) or isinstance(minimum, bool) or not 0 <= minimum <= len(ctx.staff):
        raise it.Unclear(f"How many people (0 to {len(ctx.staff)})?")
    codes = _shifts(arguments.get("shift"), ctx)
    if len(codes) != 1:
        options = tuple(f"{s.name} ({s.code})" for s in ctx.shift_types)
        raise it.Unclear("On which shift? " + ", ".join(options) + ".", options)
    skill = arguments.get("skill") or None
    if skill is not None and skill not in ctx.skills:
        raise it.Unclear(f"This rota has no skill “{skill}”; it has {', '.join(ctx.skills)}.", ctx.skills)
    return it.WhatIf(date=_date(arguments.get("date"), ctx, "date"), shift_code=codes[0], minimum=minimum, skill=skill)


def _swap(arguments: dict, ctx: it.Context) -> it.Intent:
    partner = _person(arguments.get("partner"), ctx)
    if partner is None:
        raise it.Unclear("Swap with whom?")
    return it.Swap(
        requester_date=_date(arguments.get("my_date"), ctx, "my_date"),
        partner_staff_id=partner,
        partner_date=_optional_date(arguments.get("partner_date"), ctx, "partner_date"),
        requester_staff_id=_person(arguments.get("requester"), ctx),
    )
