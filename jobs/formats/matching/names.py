"""Name signals: normalising layer names and comparing them.

``normalise_words`` splits a name into words (case, separators, camelCase, glued words,
digits; file extensions, Photoshop's "copy" markers and noise words dropped), ``name_pattern``
generalises its numbers (the form learned patterns are stored in), ``name_info`` says what a
name means (``NameInfo``: words, concepts, ordinal, generic or not) and ``name_similarity``
compares two names with the synonym table of ``vocabulary``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cached_property, lru_cache

from .vocabulary import (
    _EXTENSIONS,
    _GENERIC_WORDS,
    _NOISE_WORDS,
    _OPPOSITES,
    _VOCABULARY,
    _WEAK_WORDS,
    _WORD_TO_CONCEPT,
)

_SEGMENT_MIN = 5  # only glued tokens at least this long are split into words


def _strip_extension(name: str) -> str:
    """Drop a trailing file extension (``cutout.png`` -> ``cutout``)."""
    previous = None
    while previous != name:
        previous = name
        name = _EXTENSIONS.sub("", name.strip())
    return name


def _raw_tokens(name: str) -> list[str]:
    """Split on separators, camelCase and letter/digit boundaries; lower-case."""
    name = _strip_extension(name)
    name = re.sub(r"([a-zß-ÿ])([A-ZÀ-Þ])", r"\1 \2", name)
    name = re.sub(r"([A-ZÀ-Þ]+)([A-ZÀ-Þ][a-zß-ÿ])", r"\1 \2", name)
    name = re.sub(r"([^\W\d_])(\d)", r"\1 \2", name)
    name = re.sub(r"(\d)([^\W\d_])", r"\1 \2", name)
    return [t for t in re.split(r"[\W_]+", name.lower()) if t]


def _segment(token: str) -> list[str]:
    """Split a glued lower-case token into vocabulary words (``fullname`` -> full, name).

    Returns the token itself when it is a vocabulary word, too short, or cannot be covered by
    vocabulary words of two letters or more. Among coverings, the one with fewest pieces wins.
    """
    if token in _VOCABULARY or len(token) < _SEGMENT_MIN or not token.isalpha():
        return [token]
    covered = _cover(token)
    if covered:
        return covered
    return _split_affix(token)


def _split_affix(token: str) -> list[str]:
    """Split a known word of three letters or more off either end of a glued token whose
    other part is unknown (``companylogo`` -> company, logo), longest known word first."""
    for size in range(len(token) - 3, 2, -1):
        head, tail = token[:-size], token[-size:]
        if tail in _VOCABULARY and len(head) >= 3:
            return (_cover(head) or [head]) + [tail]
        head, tail = token[:size], token[size:]
        if head in _VOCABULARY and len(tail) >= 3:
            return [head] + (_cover(tail) or [tail])
    return [token]


def _cover(token: str) -> list[str] | None:
    """The covering of ``token`` by the fewest vocabulary words, or None."""
    n = len(token)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for end in range(2, n + 1):
        for start in range(0, end - 1):
            prefix = best[start]
            piece = token[start:end]
            if prefix is None or piece not in _VOCABULARY:
                continue
            candidate = prefix + [piece]
            if best[end] is None or len(candidate) < len(best[end]):
                best[end] = candidate
    return best[n] or None


def _drop_copy_suffix(tokens: list[str]) -> list[str]:
    """Remove Photoshop's duplicate markers ("copy", "copy 2") wherever they appear."""
    out: list[str] = []
    skip_number = False
    for token in tokens:
        if token == "copy":
            skip_number = True
            continue
        if skip_number and token.isdigit():
            skip_number = False
            continue
        skip_number = False
        out.append(token)
    return out


def normalise_words(name: str) -> list[str]:
    """The words of a layer name, normalised: lower case, separators, camelCase and glued
    words split, file extensions, Photoshop's "copy" markers and noise words dropped.

    Digit runs stay as separate tokens (``player1fullname`` -> player, 1, full, name).
    """
    tokens = _drop_copy_suffix(_raw_tokens(name))
    words: list[str] = []
    for token in tokens:
        words.extend(_segment(token))
    return [w for w in words if w not in _NOISE_WORDS]


PATTERN_MAX = 255  # patterns are stored (jobs.models.LearnedMapping rows); longer names are cut, alike


def name_pattern(name: str) -> str:
    """A layer name's pattern: normalised words with every number generalised to ``#``.

    ``"Player_02 Name copy"`` and ``"player3name"`` both give ``"player # name"``.
    """
    words = ["#" if w.isdigit() else w for w in normalise_words(name)]
    return " ".join(words)[:PATTERN_MAX]


@dataclass(frozen=True)
class NameInfo:
    """What a name says: its words, concepts, ordinal number and whether it is generic."""

    words: tuple[str, ...]
    ordinal: int | None
    generic: bool
    squashed: str

    @cached_property
    def concepts(self) -> dict[str, float]:
        """Concept -> weight (weak words weigh less)."""
        out: dict[str, float] = {}
        for word in self.words:
            concept = _WORD_TO_CONCEPT.get(word, word)
            weight = 0.35 if word in _WEAK_WORDS else 1.0
            out[concept] = max(out.get(concept, 0.0), weight)
        if "subtitle" in out and "title" in out:
            del out["title"]
        if "title" in out and ("name" in out or "author" in out):
            out["role"] = out.pop("title")  # "speaker title", "author title": a job title
        return out

    @property
    def empty(self) -> bool:
        return self.generic or not self.words


#: Names cameras and apps give files: ``IMG_4821``, ``DSC01234``, ``Screenshot 2025-...``.
_DEVICE_NAME = re.compile(
    r"^\s*(img|dsc|dscf|dscn|_mg|mvimg|pxl|gopr|dji|p|screenshot|screen shot|untitled|"
    r"photo|image|vector smart object)[\s_-]*[\d\s_.-]*(copy[\s\d]*)?$",
    re.I,
)


_CAMERA_NAME = re.compile(r"^\s*(img|dsc|dscf|dscn|_mg|mvimg|pxl|gopr|dji|p)[\s_-]?\d{3,}", re.I)


def name_info(name: str, *, ordinals: bool = True) -> NameInfo:
    """Analyse a name. ``ordinals=False`` ignores its numbers (content text, defaults)."""
    words = normalise_words(name)
    alpha = tuple(w for w in words if not w.isdigit())
    generic = all(w in _GENERIC_WORDS for w in alpha) or bool(
        _DEVICE_NAME.match(_strip_extension(name)) and re.search(r"\d{3,}|^untitled|smart", name, re.I)
    )
    ordinal = None
    if ordinals and not generic:
        small = [int(w) for w in words if w.isdigit() and len(w) <= 2]
        ordinal = small[0] if small else None
    return NameInfo(words=alpha, ordinal=ordinal, generic=generic, squashed="".join(alpha))


def _weighted_jaccard(a: dict[str, float], b: dict[str, float]) -> float:
    """Shared weight over the weight of the union: words on one side only count against."""
    keys = a.keys() | b.keys()
    union = sum(max(a.get(k, 0.0), b.get(k, 0.0)) for k in keys)
    if union == 0:
        return 0.0
    return sum(min(a.get(k, 0.0), b.get(k, 0.0)) for k in keys) / union


def _word_weights(info: NameInfo) -> dict[str, float]:
    return {w: (0.35 if w in _WEAK_WORDS else 1.0) for w in info.words}


@lru_cache(maxsize=65536)
def name_similarity(a: NameInfo, b: NameInfo) -> tuple[float, str]:
    """Similarity of a placeholder's name ``a`` to a layer's name ``b`` in [0, 1] and how it
    was found ("same name", "synonymous name", ...)."""
    if a.empty or b.empty:
        return 0.0, ""
    if a.words == b.words or a.squashed == b.squashed:
        return 1.0, "same name"
    exact = _weighted_jaccard(_word_weights(a), _word_weights(b))
    concept = _weighted_jaccard(a.concepts, b.concepts)
    chars = 0.0
    lengths = sorted((len(a.squashed), len(b.squashed)))
    if lengths[0] >= 0.8 * lengths[1]:  # typos and abbreviations, not one name inside another
        chars = SequenceMatcher(None, a.squashed, b.squashed).ratio()
    char_score = 0.0 if chars < 0.75 else 0.55 + (chars - 0.75) * 1.6
    if char_score and _different_known_words(a, b):
        char_score = 0.0  # "headline" and "headliner" are two words, not a typo
    # the second name is the first with qualifiers added ("logo", "Company Logo"): strong
    # evidence (not the other way round: "image" says less than "bg image")
    ca, cb = set(a.concepts), set(b.concepts)
    contained = 0.0
    if ca and ca <= cb:
        contained = 0.7 + 0.25 * concept
    best = max(exact, 0.92 * concept, min(char_score, 0.95), 0.92 * contained)
    if best <= 0:
        return 0.0, ""
    if best == exact and exact >= 0.99:
        how = "same name"
    elif best == exact:
        how = "similar name"
    elif best == 0.92 * concept:
        how = "synonymous name" if concept >= 0.99 else "related name"
    elif best == 0.92 * contained:
        how = "name within the other"
    else:
        how = "similar spelling"
    return best, how


def _different_known_words(a: NameInfo, b: NameInfo) -> bool:
    """Both names are made of words the vocabulary knows, and they mean different things."""
    known_a = [_WORD_TO_CONCEPT.get(w) for w in a.words]
    known_b = [_WORD_TO_CONCEPT.get(w) for w in b.words]
    if None in known_a or None in known_b:
        return False
    return not set(known_a) & set(known_b)


def _qualifier_conflict(a: Iterable[str], b: Iterable[str]) -> bool:
    """True when the two word sets carry opposite qualifiers (home/away, was/now, ...)."""
    sa, sb = set(a), set(b)
    for left, right in _OPPOSITES:
        if (sa & left and sb & right and not sa & right) or (sa & right and sb & left and not sa & left):
            return True
    return False
