"""Content signals: what the text of a type layer is, and what a text placeholder expects.

``content_classes`` recognises a text's classes (a person's name, a team, a place, a date, a
price, a phone number, a call to action, long copy, ...) by its form and its words;
``expected_classes`` says which classes a placeholder's name and sample text ask for; and
``content_fit`` scores how well the one fits the other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .vocabulary import (
    _BADGE_WORDS,
    _CLUB_WORDS,
    _COMMON_WORDS,
    _CTA_VERBS,
    _DAY_EVENTS,
    _FIRST_NAMES,
    _MONTHS,
    _PLACE_WORDS,
    _POSITION_WORDS,
    _RELATIVE_DAYS,
    _ROLE_WORDS,
    _TEAM_WORDS,
    _VOCABULARY,
    _WEEKDAYS,
    _WORD_TO_CONCEPT,
)

_SPECIFIC = frozenset(
    {
        "price", "percent", "date", "time", "phone", "url", "email", "handle", "jersey",
        "number", "score", "address", "beds", "baths", "area", "code", "long", "cta", "person",
        "team", "role", "place", "connector", "legal", "rating", "badge",
    }
)


def _add(classes: dict[str, float], name: str, strength: float) -> None:
    classes[name] = max(classes.get(name, 0.0), strength)


_CALENDAR_WORD = re.compile(rf"({_MONTHS}|{_WEEKDAYS})")


def _date_strength(low: str) -> float:
    """How much a text is a date: the share of its words that are months, weekdays, day
    numbers next to them, or (counting half) today/tonight/tomorrow."""
    low = _DAY_EVENTS.sub(" ", low)
    words = re.findall(r"[a-z]+|\d+(?:st|nd|rd|th)?", low)
    if not words:
        return 0.0
    named = [_CALENDAR_WORD.fullmatch(w) is not None for w in words]
    if not any(named) and not any(re.fullmatch(_RELATIVE_DAYS, w) for w in words):
        return 0.0
    score = 0.0
    for i, word in enumerate(words):
        if named[i]:
            score += 1.0
        elif re.fullmatch(_RELATIVE_DAYS, word):
            score += 0.5
        elif re.fullmatch(r"\d{1,4}(st|nd|rd|th)?", word) and (
            (i > 0 and named[i - 1]) or (i + 1 < len(words) and named[i + 1])
        ):
            score += 1.0
    share = score / len(words)
    strength = min(0.9, 0.9 * share / 0.5)
    if not any(re.fullmatch(_MONTHS, w) or w[:1].isdigit() for w in words):
        strength = min(strength, 0.5)  # "Monday motivation": a weekday alone is no date
    return round(strength, 3)


def _pattern_classes(text: str, low: str) -> dict[str, float]:
    """Classes recognised by their form: prices, dates, times, contact details, numbers."""
    c: dict[str, float] = {}
    if re.search(r"[\w.+-]+@[\w-]+\.\w+", low):
        _add(c, "email", 0.95)
    elif re.search(r"(^|\s)[@#][a-z_]\w+", low):
        _add(c, "handle", 0.8)
    if re.search(r"\bwww\.|https?://|\b[\w-]+\.(com|org|net|io|co|uk|tv|app|shop|store|events?)\b", low):
        _add(c, "url", 0.9)
    if re.search(r"[$€£¥₹]\s?\d|\d\s?(usd|eur|gbp|€|£)\b|\bfree\b", low):
        _add(c, "price", 0.9)
    if re.search(r"\d\s?%|\bpercent\b", low):
        _add(c, "percent", 0.9)
    if re.search(r"[★☆⭐]|\b\d(\.\d)?\s?(/\s?5|out of 5|stars?)\b", low):
        _add(c, "rating", 0.85)
    date = _date_strength(low)
    if date:
        _add(c, "date", date)
    numeric_date = (  # 12/5, 10.24, 06.14.2026, 2026-06-14; not a decimal like 4.8
        r"\b\d{1,2}/\d{1,2}(/\d{2,4})?\b|\b\d{1,2}\.\d{2}(\.\d{2,4})?\b(?!\s*(%|[a-z]))|\b\d{4}-\d{2}-\d{2}\b"
    )
    if re.search(numeric_date, low) and ":" not in low and "price" not in c:
        _add(c, "date", 0.75)
    if re.search(r"\b\d{1,2}(:\d{2})?\s?(am|pm|a\.m\.|p\.m\.)|\b\d{1,2}:\d{2}\b|\bnoon\b|\bmidnight\b", low):
        _add(c, "time", 0.9)
    digits = re.sub(r"\D", "", low)
    is_date = re.fullmatch(numeric_date, low.strip()) is not None
    if re.fullmatch(r"\+?[\d\s().-]{7,}", low.strip()) and len(digits) >= 7 and not is_date:
        _add(c, "phone", 0.9)
    elif re.search(r"\b(text|txt|sms|call|dial|phone|tel)\b\.?:?\s.*?\b\d[\d\s-]{3,}\d\b", low):
        _add(c, "phone", 0.8)  # "Text WATER to 70085", "Call 0800 123 456": a number to ring or text
    if re.fullmatch(r"(#|no\.?\s?|nr\.?\s?)?\s?\d{1,2}", low.strip()):
        _add(c, "jersey", 0.8 if low.strip()[0] in "#n" else 0.55)
        _add(c, "number", 0.7)
    elif re.fullmatch(r"\d{1,3}", low.strip()):
        _add(c, "number", 0.7)
    elif not c and len(low.split()) <= 3 and len(re.findall(r"(?<![\d.,])\d{1,3}(?![\d.,:])", low)) == 1:
        _add(c, "number", 0.55)  # "EP. 42", "ROUND 3", "WEEK 12"
    if re.fullmatch(r"(vs\.?|v\.?|versus|&|\+|-|–|—|at|@|x|/|\|)", low.strip()):
        _add(c, "connector", 0.9)
    if re.search(r"©|\(c\)\s?\d{4}|all rights reserved|terms (and|&) conditions|conditions apply|"
                 r"\bt&cs?\b|terms apply|while stocks last|see store for details", low):
        _add(c, "legal", 0.9)
    elif re.match(r"\s*[*†‡¹]\s?\w", text) and len(low.split()) >= 3:
        _add(c, "legal", 0.75)  # "*Please tell us about any allergies.": a footnote
    if re.fullmatch(r"\d{1,3}\s?[-–:]\s?\d{1,3}", low.strip()):
        _add(c, "score", 0.85)
    if re.search(r"\d\s*(beds?|bedrooms?|bd|br)\b", low):
        _add(c, "beds", 0.9)
    if re.search(r"\d(\.\d)?\s*(baths?|bathrooms?|ba)\b", low):
        _add(c, "baths", 0.9)
    if re.search(r"\d\s*(sq\.?\s*ft|sqft|square feet|ft²|m²|sqm|sq\.?\s*m)\b", low):
        _add(c, "area", 0.9)
    if re.search(
        r"\b\d+\s+[a-z].*\b(st|street|ave|avenue|rd|road|dr|drive|ln|lane|blvd|boulevard|way|ct|"
        r"court|pl|parkway|pkwy|terrace|circle|crescent|highway|hwy)\b",
        low,
    ):
        _add(c, "address", 0.9)
    if re.search(r"\bcode\b|^[a-z]{3,}\d{2,}$", low.strip()):
        _add(c, "code", 0.85)
    return c


def _word_classes(text: str, words: list[str]) -> dict[str, float]:
    """Classes recognised by their words: people, teams, places, roles, calls to action."""
    c: dict[str, float] = {}
    if not words:
        return c
    if len(words) >= 7 or len(text) > 48:
        _add(c, "long", 0.8)
    if text.strip()[:1] in "\"“'‘«" or text.strip()[-1:] in "\"”’»":
        _add(c, "long", 0.9)
    linkish = re.search(r"[@/]|\.\w{2,}", text) is not None
    if words[0] in _CTA_VERBS and len(words) <= 4 and not linkish:
        # "SHOP NOW" is a button; "JOIN OUR TEAM" may as well be a headline
        _add(c, "cta", 0.85 if len(words) <= 2 else 0.55)
    phrase = any(w in ("in", "on", "for", "with", "by", "to", "your", "our") for w in words)
    if 2 <= len(words) <= 4 and not phrase and (words[-1] in _TEAM_WORDS or any(w in _CLUB_WORDS for w in words)):
        _add(c, "team", 0.85)
    parts = [re.findall(r"[a-zà-ÿ0-9']+", part.lower()) for part in text.split(",")]
    if len(words) <= 6 and any(w in _PLACE_WORDS for part in parts for w in part[-2:]):
        _add(c, "place", 0.8)  # "Riverside Arena", "The Roxy Theatre, Los Angeles"
    if re.search(r"^[a-z0-9 .'-]+,\s?([a-z]+\s)?[a-z]{2,3}$", text.strip().lower()):  # "Austin, TX", "Mall, Albany NY"
        _add(c, "place", 0.75)
    if any(w in _ROLE_WORDS for w in words) and len(words) <= 7:
        _add(c, "role", 0.75)
    elif len(words) <= 2 and all(w in _POSITION_WORDS for w in words):
        _add(c, "role", 0.7)
    elif re.fullmatch(r"[^,]{3,40},\s?[^,]{2,40}", text.strip()) and len(words) <= 7 and not c:
        _add(c, "role", 0.6)  # "Head of Design, Arcadia": a title and a company
    return c


def _person_strength(text: str, words: list[str]) -> float:
    """How much a short text looks like a person's name (0 when it does not); a couple's
    first names ("Emma & James") count too."""
    pair = re.fullmatch(r"\s*([A-Za-zÀ-ÿ'’-]+)(?:\s+[A-Za-zÀ-ÿ'’-]+)?\s*(?:&|\+|and)\s*([A-Za-zÀ-ÿ'’-]+).*", text, re.I)
    if pair and pair.group(1).lower() in _FIRST_NAMES and pair.group(2).lower() in _FIRST_NAMES:
        return 0.85
    if not 2 <= len(words) <= 4 or len(text) > 36:
        return 0.0
    if not re.fullmatch(r"[A-Za-zÀ-ÿ .'’-]+", text.strip()):
        return 0.0
    if any(w in _COMMON_WORDS or w in _VOCABULARY or w in _TEAM_WORDS for w in words[1:]):
        return 0.0
    if words[0] in _FIRST_NAMES:
        return 0.9
    if words[0] in _COMMON_WORDS or words[0] in _VOCABULARY:
        return 0.0
    if any(w in _PLACE_WORDS or w in _ROLE_WORDS or w in _CTA_VERBS for w in words):
        return 0.0
    return 0.4


def content_classes(text: str | None) -> dict[str, float]:
    """What a piece of text is: class -> strength in [0, 1].

    Classes: person, team, place, address, role, date, time, price, percent, phone, url,
    email, handle, jersey, number, score, beds, baths, area, code, cta, long, headline.
    """
    if not text or not text.strip():
        return {}
    text = " ".join(text.split())
    low = text.lower()
    words = re.findall(r"[a-zà-ÿ0-9']+", low)
    alpha = [w for w in words if not w.isdigit()]
    classes = _pattern_classes(text, low)
    for name, strength in _word_classes(text, alpha).items():
        _add(classes, name, strength)
    person = _person_strength(text, [w for w in alpha if w != "and"]) if len(alpha) == len(words) else 0.0
    if person and not any(v >= 0.75 for k, v in classes.items() if k != "person"):
        _add(classes, "person", person)
    if len(words) >= 4 and len(alpha) >= 2:
        _damp_mentions(classes)
    specific = max((v for k, v in classes.items() if k in _SPECIFIC), default=0.0)
    sentence = len(alpha) >= 4 and re.search(r"[.!?]$", text) is not None and not text.isupper()
    if len(words) == 1 and len(alpha) == 1 and alpha[0] in _BADGE_WORDS and specific < 0.4:
        _add(classes, "badge", 0.7)  # "NEW", "HOT", "LIVE": a sticker, not a headline
    elif 1 <= len(words) <= 6 and specific < 0.75 and not sentence:
        _add(classes, "headline", 0.5)
    elif len(alpha) >= 4 and "long" not in classes and specific < 0.75:
        _add(classes, "long", 0.55)  # a sentence: subhead, caption or body copy
    return classes


#: Classes that a few characters make ("30%", "$5", "7PM", "4.8"): in a phrase of several
#: words they are mentioned, not what the text is ("Save 30% on all jackets" is a subhead).
_MENTIONED = frozenset({"price", "percent", "time", "number", "jersey", "rating", "score", "phone", "code"})


def _damp_mentions(classes: dict[str, float]) -> None:
    for cls in _MENTIONED & classes.keys():
        classes[cls] = min(classes[cls], 0.55)


#: Concept of a placeholder name -> content classes it expects, with weights.
_EXPECTS: dict[str, dict[str, float]] = {
    "name": {"person": 1.0},
    "home": {"team": 1.0, "headline": 0.4},
    "away": {"team": 1.0, "headline": 0.4},
    "author": {"person": 1.0},
    "team": {"team": 1.0, "headline": 0.4},
    "price": {"price": 1.0},
    "date": {"date": 1.0, "time": 0.4},
    "time": {"time": 1.0, "date": 0.4},
    "location": {"place": 1.0, "address": 0.8, "headline": 0.3},
    "address": {"address": 1.0, "place": 0.7},
    "phone": {"phone": 1.0},
    "url": {"url": 1.0},
    "email": {"email": 1.0},
    "social": {"handle": 1.0},
    "discount": {"percent": 1.0, "price": 0.5},
    "code": {"code": 1.0},
    "score": {"number": 1.0, "score": 1.0},
    "number": {"jersey": 1.0, "number": 0.9},
    "beds": {"beds": 1.0},
    "baths": {"baths": 1.0},
    "area": {"area": 1.0},
    "body": {"long": 0.9, "headline": 0.4},  # body copy, a description, a caption
    "legal": {"legal": 1.0, "long": 0.6},
    "rating": {"rating": 1.0, "number": 0.6},
    "quote": {"long": 1.0},
    "title": {"headline": 1.0, "role": 0.5},
    "subtitle": {"headline": 0.7, "long": 0.5},
    "event": {"headline": 0.8},
    "cta": {"cta": 1.0, "url": 0.4},
    "role": {"role": 1.0},
    "stats": {"number": 0.8, "long": 0.3},
    "dish": {"headline": 0.7},
    "product": {"headline": 0.6},
    "ticket": {"price": 0.8, "url": 0.5},
    "sponsor": {"headline": 0.3},
}

#: When a name has several concepts, these decide what the text should be.
_EXPECT_PRIORITY = (
    "price", "discount", "phone", "url", "email", "social", "code", "date", "time", "score",
    "number", "beds", "baths", "area", "address", "rating", "role", "legal", "quote", "body",
    "author", "team", "home", "away", "location", "cta", "subtitle", "title", "name", "event",
    "stats", "ticket", "dish", "product", "sponsor",
)


#: Classes recognised by their form: when a placeholder expects one, text without it is wrong.
_FORMED = frozenset(
    {
        "price", "percent", "date", "time", "phone", "url", "email", "handle", "jersey",
        "number", "score", "address", "beds", "baths", "area", "code", "rating",
    }
)


#: Classes of free text: a placeholder expecting only these takes any content.
_FREE_TEXT = frozenset({"headline", "long"})


#: Words that leave "name" meaning a person's name ("full name", "first name").
_PERSON_QUALIFIERS = frozenset({"name", "full", "first", "last", "given", "family"})


def expected_classes(
    concepts: dict[str, float], sample_text: str | None = None, words: Iterable[str] = ()
) -> dict[str, float]:
    """The content classes a text placeholder expects, from its name's concepts (and words)
    and its sample text (``"$0.00"`` expects a price)."""
    out: dict[str, float] = {}
    strong = [c for c in _EXPECT_PRIORITY if concepts.get(c, 0) >= 0.99]
    others = [c for c, w in concepts.items() if w >= 0.99 and c not in _PERSON_QUALIFIERS]
    people = [w for w in words if _WORD_TO_CONCEPT.get(w) == "name" and w not in ("name", "names")]
    if "name" in strong and others and not people:
        strong.remove("name")  # "dish name", "event name": the name of a thing
    weak = [c for c in _EXPECT_PRIORITY if 0 < concepts.get(c, 0) < 0.99]
    chosen = strong[:1] or weak[:1]
    for concept in chosen:
        for cls, weight in _EXPECTS[concept].items():
            out[cls] = max(out.get(cls, 0.0), weight)
    for concept in strong[1:2]:
        for cls, weight in _EXPECTS[concept].items():
            out[cls] = max(out.get(cls, 0.0), 0.5 * weight)
    sample = content_classes(sample_text)
    for cls, strength in sample.items():
        # only its form counts ("$0.00"); its words describe the field ("AUTHOR NAME")
        if cls in _FORMED and strength >= 0.75:
            out[cls] = max(out.get(cls, 0.0), 0.8 * strength)
    return out




def content_fit(expected: dict[str, float], classes: dict[str, float]) -> tuple[float, str]:
    """How well a text's classes fit what a placeholder expects, in [-1, 1], and why."""
    if not expected:
        return 0.0, ""
    pos, pos_cls = 0.0, ""
    for cls, weight in expected.items():
        value = weight * classes.get(cls, 0.0)
        if value > pos:
            pos, pos_cls = value, cls
    neg = max(
        (v for k, v in classes.items() if k in _SPECIFIC and k not in expected and v >= 0.6),
        default=0.0,
    )
    if max(expected, key=expected.get) in _FREE_TEXT:
        neg *= 0.35  # a headline, subhead or copy may say anything: a date, a price, a place
    fit = pos - 0.9 * max(0.0, neg - 0.5 * pos)
    if pos == 0 and neg == 0:
        missing = max(expected, key=expected.get)
        if expected[missing] >= 0.99 and missing in _FORMED:
            return -0.25, f"no {_CLASS_WORDS.get(missing, missing)} in the text"
        if expected[missing] >= 0.99 and missing != "headline":
            return -0.12, f"not {_CLASS_WORDS.get(missing, missing)} content"
    if fit > 0.05:
        return fit, f"{_CLASS_WORDS.get(pos_cls, pos_cls)} content"
    if fit < -0.05:
        other = max(
            (k for k in classes if k in _SPECIFIC and k not in expected and classes[k] >= 0.6),
            key=classes.get,
        )
        return fit, f"{_CLASS_WORDS.get(other, other)} content does not fit"
    return fit, ""


_CLASS_WORDS = {
    "person": "name-like",
    "team": "team-name",
    "place": "place-name",
    "long": "long",
    "headline": "headline-like",
    "badge": "badge-like",
    "cta": "call-to-action",
    "role": "job-title",
    "jersey": "jersey-number",
}
