"""The assistant's intents and the deterministic parser that reads them from a question, with no
network and no database: everything it resolves against (today in the facility's zone, the
rota's staff names, shift types, skills and the spans its published rosters cover) arrives in a
``Context``.

Dates: "today", "tomorrow", "this week" and "next week" (Monday to Sunday), a weekday name (the
next such day from today, the first one a published roster covers when there is one), "the
12th" (this month, or the next month that has it once it has passed), "14 Dec" / "December 14"
(this year, or the next once passed), ISO dates. People: fuzzy, case-insensitive, by full name
or surname, "Dr" optional; two people of that name → a question back (``Clarify``). Shift types:
by code ("N"), name, or kind ("night(s)", "day", "evening", "weekend", "on call").
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import ClassVar
from zoneinfo import ZoneInfo

WEEKDAYS = {name: index for index, name in enumerate(calendar.day_name)}
WEEKDAY_WORDS = {
    **{name.lower(): index for name, index in WEEKDAYS.items()},
    **{name.lower() + "s": index for name, index in WEEKDAYS.items()},
    **{name.lower()[:3]: index for name, index in WEEKDAYS.items()},
    "tues": 1,
    "wednes": 2,
    "thur": 3,
    "thurs": 3,
}
MONTH_WORDS = {
    **{calendar.month_name[i].lower(): i for i in range(1, 13)},
    **{calendar.month_abbr[i].lower(): i for i in range(1, 13)},
    "sept": 9,
}
NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
KIND_WORDS = {
    "night": "night",
    "nights": "night",
    "overnight": "night",
    "day": "day",
    "daytime": "day",
    "evening": "evening",
    "evenings": "evening",
    "late": "evening",
    "lates": "evening",
    "weekend": "weekend",
    "weekends": "weekend",
    "on-call": "on_call",
    "oncall": "on_call",
}
TITLES = {"dr", "doctor", "mr", "mrs", "ms", "miss", "prof", "professor", "nurse", "sister"}
# Words of a question that are never a person, so a capitalised one is not taken for a name.
ORDINARY = {
    *WEEKDAY_WORDS,
    *MONTH_WORDS,
    *NUMBER_WORDS,
    *KIND_WORDS,
    "why",
    "what",
    "who",
    "when",
    "show",
    "swap",
    "is",
    "are",
    "am",
    "the",
    "on",
    "my",
    "me",
    "i",
    "if",
    "we",
    "with",
    "free",
    "need",
    "people",
    "schedule",
    "shift",
    "shifts",
    "week",
    "next",
    "this",
    "today",
    "tomorrow",
    "working",
    "work",
    "rota",
    "roster",
    "call",
}

HELP = (
    "I can answer: “show next week's schedule”, “my shifts this week”, “schedule for 14 Dec”; "
    "“why is Dr Rooke on nights?”, “why is Dr Rooke working on Friday?”; "
    "“who is free on the 12th?”; “what if we need 3 people on Friday night?” (managers); "
    "“swap my Saturday with Dr Rooke”."
)


def local_today(time_zone: str) -> dt.date:
    """Today in the facility's zone (the one clock the assistant reads; tests replace it)."""
    return dt.datetime.now(ZoneInfo(time_zone)).date()


@dataclass(frozen=True)
class Person:
    id: int
    name: str

    @property
    def parts(self) -> list[str]:
        words = re.findall(r"[A-Za-z][A-Za-z'\-]*", self.name)
        while words and words[0].lower().rstrip(".") in TITLES and len(words) > 1:
            words = words[1:]
        return [w.lower() for w in words]

    @property
    def first(self) -> str:
        return self.parts[0] if self.parts else ""

    @property
    def last(self) -> str:
        return self.parts[-1] if self.parts else ""


@dataclass(frozen=True)
class Shift:
    code: str
    name: str
    kind: str


@dataclass(frozen=True)
class Context:
    """What a question is resolved against. ``covered``: the (first, last) days of the rota's
    published rosters; ``me``: the asker's own staff id on the rota, if they are on it."""

    today: dt.date
    staff: tuple[Person, ...] = ()
    shift_types: tuple[Shift, ...] = ()
    skills: tuple[str, ...] = ()
    covered: tuple[tuple[dt.date, dt.date], ...] = ()
    me: int | None = None

    def person(self, staff_id: int) -> Person:
        return next(p for p in self.staff if p.id == staff_id)

    def shift(self, code: str) -> Shift:
        return next(s for s in self.shift_types if s.code == code)

    def is_covered(self, day: dt.date) -> bool:
        return any(first <= day <= last for first, last in self.covered)


# The intents. ``intent`` is the name the API and the language model's tools use.


@dataclass(frozen=True)
class ShowSchedule:
    intent: ClassVar[str] = "show_schedule"
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    own: bool = False
    staff_id: int | None = None
    shift_codes: tuple[str, ...] = ()
    period: str = ""


@dataclass(frozen=True)
class Why:
    intent: ClassVar[str] = "why"
    staff_id: int | None  # None: the asker
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    shift_codes: tuple[str, ...] = ()
    shift_words: str = ""


@dataclass(frozen=True)
class WhatIf:
    intent: ClassVar[str] = "what_if"
    date: dt.date
    shift_code: str
    minimum: int
    skill: str | None = None


@dataclass(frozen=True)
class WhoIsFree:
    intent: ClassVar[str] = "who_is_free"
    date: dt.date


@dataclass(frozen=True)
class Swap:
    intent: ClassVar[str] = "swap"
    requester_date: dt.date
    partner_staff_id: int
    partner_date: dt.date | None = None
    requester_staff_id: int | None = None  # None: the asker


@dataclass(frozen=True)
class Clarify:
    """The question needs one more thing (which person, which shift, which day)."""

    intent: ClassVar[str] = "clarify"
    text: str
    options: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Unrecognised:
    intent: ClassVar[str] = "unknown"
    text: str = HELP


Intent = ShowSchedule | Why | WhatIf | WhoIsFree | Swap | Clarify | Unrecognised
INTENT_NAMES = ("show_schedule", "why", "what_if", "who_is_free", "swap")


class Unclear(Exception):
    """A part of the question could not be resolved; ``clarify`` says what to ask."""

    def __init__(self, text: str, options: tuple[str, ...] = ()) -> None:
        super().__init__(text)
        self.clarify = Clarify(text, options)


# Dates ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    first: dt.date
    last: dt.date
    start: int  # where in the text it was read
    words: str


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _weekday(index: int, ctx: Context, after: dt.date | None = None) -> dt.date:
    """The next ``index`` weekday from today (or ``after``), preferring the first a published
    roster covers."""
    start = after or ctx.today
    first = start + dt.timedelta(days=(index - start.weekday()) % 7)
    if ctx.covered and not ctx.is_covered(first):
        day = first
        latest = max(last for _, last in ctx.covered)
        while day <= latest:
            if ctx.is_covered(day):
                return day
            day += dt.timedelta(days=7)
    return first


def _day_of_month(number: int, ctx: Context) -> dt.date:
    year, month = ctx.today.year, ctx.today.month
    for _ in range(13):
        if number <= calendar.monthrange(year, month)[1]:
            day = dt.date(year, month, number)
            if day >= ctx.today:
                return day
        month = month % 12 + 1
        year += month == 1
    raise Unclear(f"No month has a {number}th.")


def _month_day(month: int, number: int, year: int | None, ctx: Context) -> dt.date:
    try:
        if year is not None:
            return dt.date(year, month, number)
        day = dt.date(ctx.today.year, month, number)
        return day if day >= ctx.today else dt.date(ctx.today.year + 1, month, number)
    except ValueError:
        raise Unclear(f"There is no {number} {calendar.month_name[month]}.") from None


_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_DAY_MONTH = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?\s+([a-z]+)\.?(?:,?\s+(\d{4}))?\b")
_MONTH_DAY = re.compile(r"\b([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4}))?")
_ORDINAL = re.compile(r"\b(?:the\s+)?(\d{1,2})(st|nd|rd|th)\b")
_WORDS = re.compile(r"[a-z][a-z'\-]*")


def find_dates(text: str, ctx: Context) -> list[Span]:
    """Every date or span ``text`` names, in the order they appear."""
    lowered = text.lower()
    found: list[Span] = []
    taken: list[tuple[int, int]] = []

    def add(match_start: int, match_end: int, first: dt.date, last: dt.date) -> None:
        if any(a < match_end and match_start < b for a, b in taken):
            return
        taken.append((match_start, match_end))
        found.append(Span(first, last, match_start, lowered[match_start:match_end]))

    for match in _ISO.finditer(lowered):
        try:
            day = dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise Unclear(f"“{match[0]}” is not a date.") from None
        add(match.start(), match.end(), day, day)
    for match in _DAY_MONTH.finditer(lowered):
        if match[2] in MONTH_WORDS:
            day = _month_day(MONTH_WORDS[match[2]], int(match[1]), int(match[3]) if match[3] else None, ctx)
            add(match.start(), match.end(), day, day)
    for match in _MONTH_DAY.finditer(lowered):
        if match[1] in MONTH_WORDS:
            day = _month_day(MONTH_WORDS[match[1]], int(match[2]), int(match[3]) if match[3] else None, ctx)
            add(match.start(), match.end(), day, day)
    for match in _ORDINAL.finditer(lowered):
        day = _day_of_month(int(match[1]), ctx)
        add(match.start(), match.end(), day, day)
    for match in re.finditer(r"\b(this|next|last)\s+week(?:'s|end)?\b", lowered):
        if match[0].endswith("weekend"):
            continue
        monday = _monday(ctx.today) + dt.timedelta(days={"this": 0, "next": 7, "last": -7}[match[1]])
        add(match.start(), match.end(), monday, monday + dt.timedelta(days=6))
    for match in re.finditer(r"\b(today|tonight|tomorrow)\b", lowered):
        day = ctx.today + dt.timedelta(days=1 if match[1] == "tomorrow" else 0)
        add(match.start(), match.end(), day, day)
    for match in re.finditer(r"\b(next\s+)?([a-z]+)\b", lowered):
        index = WEEKDAY_WORDS.get(match[2])
        if index is None:
            continue
        after = None
        if match[1]:
            # "next Friday": the Friday of next week.
            after = _monday(ctx.today) + dt.timedelta(days=7)
        day = _weekday(index, ctx, after)
        add(match.start(), match.end(), day, day)
    return sorted(found, key=lambda span: span.start)


# People -----------------------------------------------------------------------------------


def _tokens(text: str) -> list[tuple[str, str]]:
    """(original, lowered without a possessive) words of ``text``."""
    words = re.findall(r"[A-Za-z][A-Za-z'\-]*", text)
    return [(w, re.sub(r"'s?$", "", w.lower())) for w in words]


def find_people(text: str, ctx: Context) -> list[Person]:
    """The people ``text`` names first: several when that name fits several (ambiguous), none
    when it names nobody on the rota."""
    tokens = _tokens(text)
    words = [low for _, low in tokens]
    pairs = set(zip(words, words[1:], strict=False))
    full = [p for p in ctx.staff if len(p.parts) >= 2 and (p.first, p.last) in pairs]
    if full:
        return full
    for word in words:
        if word in ORDINARY:
            continue
        hits = [p for p in ctx.staff if p.last == word]
        if hits:
            return hits
    candidates = []
    for index, (original, word) in enumerate(tokens):
        after_title = index > 0 and words[index - 1].rstrip(".") in TITLES
        named = after_title or (index > 0 and original[0].isupper() and word not in ORDINARY)
        if named and word not in TITLES:
            candidates.append(word)
    for word in candidates:
        hits = [p for p in ctx.staff if p.first == word]
        if hits:
            return hits
        close = set(difflib.get_close_matches(word, {p.last for p in ctx.staff}, n=5, cutoff=0.75))
        close |= set(difflib.get_close_matches(word, {p.first for p in ctx.staff}, n=5, cutoff=0.85))
        hits = [p for p in ctx.staff if p.last in close or p.first in close]
        if hits:
            return hits
    return []


def named_words(text: str) -> str:
    """The words of ``text`` that look like a name (for "I found no one called …")."""
    tokens = _tokens(text)
    words = [low for _, low in tokens]
    out = []
    for index, (original, word) in enumerate(tokens):
        after_title = index > 0 and words[index - 1].rstrip(".") in TITLES
        capitalised = index > 0 and original[0].isupper() and word not in ORDINARY and word not in TITLES
        if after_title or capitalised:
            out.append(original)
    return " ".join(out)


def one_person(text: str, ctx: Context, *, role: str = "person") -> Person | None:
    """The one person ``text`` names; None when it names none; ``Unclear`` when ambiguous."""
    people = find_people(text, ctx)
    if len(people) > 1:
        names = tuple(p.name for p in people)
        raise Unclear(f"Which {role} do you mean: {', '.join(names[:-1])} or {names[-1]}?", names)
    return people[0] if people else None


def person_named(name: str, ctx: Context) -> Person:
    """The one person called ``name`` (for the language model's arguments)."""
    person = one_person(name, ctx) or one_person(f"Dr {name}", ctx)
    if person is None:
        raise Unclear(f"No one called “{name}” is on this rota.")
    return person


# Shift types ------------------------------------------------------------------------------


def find_shifts(text: str, ctx: Context) -> tuple[tuple[str, ...], str]:
    """The shift type codes ``text`` names (by name, code or kind) and the words it used."""
    lowered = text.lower()
    for shift in ctx.shift_types:
        if shift.name and len(shift.name) > 2 and re.search(rf"\b{re.escape(shift.name.lower())}\b", lowered):
            return (shift.code,), shift.name.lower()
    for original in re.findall(r"\b[A-Z][A-Z0-9]{0,5}\b", text):
        if original in ("I", "A") or original.lower() in ORDINARY:
            continue
        if any(s.code == original for s in ctx.shift_types):
            return (original,), original
    lowered = re.sub(r"\bon[\s-]call\b", "on-call", lowered)
    for word in _WORDS.findall(lowered):
        kind = KIND_WORDS.get(word)
        if kind is None:
            continue
        if kind == "weekend" and re.search(r"\b(this|next|last)\s+weekend", lowered):
            continue
        codes = tuple(s.code for s in ctx.shift_types if s.kind == kind)
        if not codes:
            codes = tuple(s.code for s in ctx.shift_types if word.rstrip("s") in s.name.lower())
        if not codes:
            raise Unclear(f"This rota has no {word} shift.", tuple(s.name for s in ctx.shift_types))
        return codes, word
    return (), ""


def shift_named(value: str, ctx: Context) -> tuple[str, ...]:
    """The shift type codes ``value`` names (a code, a name or a kind), for the model's arguments."""
    wanted = value.strip().lower()
    exact = [s.code for s in ctx.shift_types if wanted in (s.code.lower(), s.name.lower())]
    if exact:
        return (exact[0],)
    kind = KIND_WORDS.get(wanted, wanted.replace(" ", "_"))
    of_kind = tuple(s.code for s in ctx.shift_types if s.kind == kind)
    if of_kind:
        return of_kind
    codes, _ = find_shifts(value, ctx)
    if not codes:
        raise Unclear(f"This rota has no shift called “{value}”.", tuple(s.name for s in ctx.shift_types))
    return codes


# The parser -------------------------------------------------------------------------------


def _first_number(text: str) -> int | None:
    lowered = text.lower()
    for match in re.finditer(r"(?<![-\d])\b(\d{1,3})\b(?!-\d)", lowered):
        # Not a day of a date ("14 Dec").
        rest = lowered[match.end() :].lstrip()
        if any(rest.startswith(m) for m in MONTH_WORDS if len(m) >= 3):
            continue
        return int(match[1])
    for word in _WORDS.findall(lowered):
        if word in NUMBER_WORDS:
            return NUMBER_WORDS[word]
    return None


def _skill(text: str, ctx: Context) -> str | None:
    words = set(_WORDS.findall(text.lower()))
    for skill in ctx.skills:
        if skill.lower() in words:
            return skill
    return None


def _mine(text: str) -> bool:
    return bool(re.search(r"\b(my|me|i|am i|i'm)\b", text.lower()))


def parse(question: str, ctx: Context) -> Intent:
    """The intent of ``question``; ``Clarify`` when a part is ambiguous or unknown, and
    ``Unrecognised`` (listing what can be asked) when it is none of them."""
    text = " ".join(question.split())
    lowered = text.lower()
    if not lowered:
        return Unrecognised()
    try:
        if re.search(r"\b(swap|swop|exchange|trade)\b", lowered):
            return _swap(text, ctx)
        if re.search(r"\b(what if|what happens if|suppose|imagine)\b", lowered):
            return _what_if(text, ctx)
        if re.search(r"\bwhy\b", lowered):
            return _why(text, ctx)
        if re.search(r"\bwho(?:'s|\s+is|\s+are)?\s+(?:free|available|off|not working|spare)\b", lowered):
            return _who_is_free(text, ctx)
        if re.search(
            r"\b(schedule|roster|rota|shifts?|working|on duty|on call|when am i|when do i|calendar|show)\b",
            lowered,
        ):
            return _show(text, ctx)
    except Unclear as unclear:
        return unclear.clarify
    return Unrecognised()


def _show(text: str, ctx: Context) -> Intent:
    spans = find_dates(text, ctx)
    codes, _ = find_shifts(text, ctx)
    person = one_person(text, ctx)
    own = person is None and _mine(text)
    if spans:
        first, last = spans[0].first, spans[-1].last if len(spans) > 1 else spans[0].last
        period = " – ".join(s.words for s in spans[:2]) if len(spans) > 1 else spans[0].words
    else:
        first, last, period = ctx.today, ctx.today + dt.timedelta(days=6), "the next 7 days"
    if last < first:
        first, last = last, first
    return ShowSchedule(
        first_day=first,
        last_day=last,
        own=own,
        staff_id=person.id if person else None,
        shift_codes=codes,
        period=period,
    )


def _why(text: str, ctx: Context) -> Intent:
    person = one_person(text, ctx)
    if person is None and not _mine(text):
        who = named_words(text)
        if who:
            raise Unclear(f"No one called “{who}” is on this rota.")
        raise Unclear("Whose shift do you mean? For example: “why is Dr Rooke on nights?”")
    spans = find_dates(text, ctx)
    codes, words = find_shifts(text, ctx)
    first = spans[0].first if spans else None
    last = spans[-1].last if spans else None
    return Why(
        staff_id=person.id if person else None,
        first_day=first,
        last_day=last,
        shift_codes=codes,
        shift_words=words,
    )


def _who_is_free(text: str, ctx: Context) -> Intent:
    spans = find_dates(text, ctx)
    if not spans:
        return WhoIsFree(date=ctx.today)
    if spans[0].first != spans[0].last:
        raise Unclear("On which day? For example: “who is free on the 12th?”")
    return WhoIsFree(date=spans[0].first)


def _what_if(text: str, ctx: Context) -> Intent:
    minimum = _first_number(text)
    if minimum is None:
        raise Unclear("How many people? For example: “what if we need 3 people on Friday night?”")
    spans = find_dates(text, ctx)
    if not spans or spans[0].first != spans[0].last:
        raise Unclear("On which day? For example: “what if we need 3 people on Friday night?”")
    codes, _ = find_shifts(text, ctx)
    if len(codes) != 1:
        options = tuple(f"{s.name} ({s.code})" for s in ctx.shift_types if not codes or s.code in codes)
        raise Unclear("On which shift? " + ", ".join(options) + ".", options)
    return WhatIf(date=spans[0].first, shift_code=codes[0], minimum=minimum, skill=_skill(text, ctx))


def _swap(text: str, ctx: Context) -> Intent:
    parts = re.split(r"\b(?:with|for)\b", text, maxsplit=1, flags=re.IGNORECASE)
    if len(parts) < 2:
        raise Unclear("Swap with whom? For example: “swap my Saturday with Dr Rooke”.")
    mine, theirs = parts
    partner = one_person(theirs, ctx, role="colleague")
    if partner is None:
        who = named_words(theirs)
        raise Unclear(f"No one called “{who}” is on this rota." if who else "Swap with whom?")
    requester = None if _mine(mine) else one_person(mine, ctx)
    own_dates = find_dates(mine, ctx)
    their_dates = find_dates(theirs, ctx)
    if not own_dates or own_dates[0].first != own_dates[0].last:
        raise Unclear("Which of your days? For example: “swap my Saturday with Dr Rooke”.")
    partner_date = their_dates[0].first if their_dates and their_dates[0].first == their_dates[0].last else None
    return Swap(
        requester_date=own_dates[0].first,
        partner_staff_id=partner.id,
        partner_date=partner_date,
        requester_staff_id=requester.id if requester else None,
    )
