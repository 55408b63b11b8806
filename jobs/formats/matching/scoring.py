"""Scoring: the evidence for filling one placeholder (``Slot``) with one PSD layer
(``Candidate``), each signal adding to or taking from the pair's score (``score_pair``).

Signals: names, numbers in names, the template's own footage, text content, position and size,
layer kind and state (hidden, covered, background, ...), and learned patterns. The weights and
the score of leaving a placeholder unfilled (``NULL_SCORE``) live here too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .candidates import _OVERLAY_WORDS, Candidate, Slot, compatible
from .content import content_fit
from .geometry import _log_ratio, geometry_similarity
from .learned import LearnedPattern
from .names import NameInfo, _qualifier_conflict, name_similarity
from .vocabulary import _WORD_TO_CONCEPT


@dataclass
class PairScore:
    """The evidence for one (placeholder, layer) pair: a total and readable parts."""

    total: float
    notes: list[tuple[float, str]] = field(default_factory=list)
    learned: LearnedPattern | None = None  # the learned pattern that decided this pair
    content: float = 0.0  # how the text fits what the placeholder expects, in [-1, 1]

    def add(self, value: float, note: str = "") -> None:
        self.total += value
        if note:
            self.notes.append((value, note))


@dataclass(frozen=True)
class _Context:
    """Composition-wide facts the pair score needs."""

    layout_alike: float  # 1 when the PSD and the composition have the same aspect ratio
    composition: str
    learned: tuple[LearnedPattern, ...]


W_BASE = 0.12  # a compatible pair
W_NAME = 0.62
W_CONTENT = 0.42
W_GEOMETRY = 0.45
NULL_SCORE = 0.10  # a placeholder left unfilled scores this
COPY_FACTOR = 0.75  # the name evidence of a duplicated type layer
LEARNED_BONUS = 3.0  # decisive: a reviewer's choice outweighs every other signal together


def _score_name(slot: Slot, cand: Candidate, score: PairScore) -> float:
    """Name evidence: the best similarity of any of the placeholder's names to the layer's
    name (or to its group path and name), minus contradicting qualifiers."""
    best, how = 0.0, ""
    context = NameInfo(
        words=cand.path_words + cand.name.words, ordinal=None, generic=False,
        squashed="".join(cand.path_words + cand.name.words),
    )
    for k, info in enumerate(slot.names):
        factor = 1.0 if k == 0 else 0.85
        for target, target_factor in ((cand.name, 1.0), (context, 0.92)):
            if target is context and not cand.path_words:
                continue
            value, note = name_similarity(info, target)
            value *= factor * target_factor
            if value > best:
                best, how = value, note
    if best > 0 and cand.content_named:
        # the text repeats the placeholder's name: a label or unfilled sample text
        score.add(W_NAME * best * 0.3, "text repeats the placeholder's name")
    elif best > 0 and cand.copied:
        # Photoshop's "Title copy 3": the name came with the duplicate, the text was rewritten
        score.add(W_NAME * best * COPY_FACTOR, how)
    elif best > 0:
        score.add(W_NAME * best, how)
    if _qualifier_conflict(slot.names[0].words, cand.path_words + cand.name.words):
        score.add(-0.35, "opposite qualifier")
    return best


def _score_psd_source(slot: Slot, cand: Candidate, score: PairScore) -> None:
    """The template shows this very PSD layer (imported as footage): a strong hint."""
    if slot.psd_layer is not None and slot.psd_layer.strip() == cand.layer.name.strip():
        score.add(0.5, "the template's footage is this PSD layer")


def _score_other_name(slot: Slot, cand: Candidate, name_value: float, score: PairScore) -> None:
    """A designer's own name for the layer that shares nothing with the placeholder's says
    the layer is something else ("quote mark" is no brand logo), the more so when its words
    are ones the matcher knows."""
    if cand.layer.kind != "type" and cand.camera and slot.placeholder_type == "footage":
        if slot.concepts.get("image", 0) >= 0.99 or slot.background:
            score.add(0.05, "a photo")
        elif slot.concepts.get("logo", 0) >= 0.99:
            score.add(-0.1, "a photo, not a logo")
    if cand.person_named and slot.placeholder_type == "footage" and slot.concepts.get("image", 0) >= 0.99:
        score.add(0.05, "a person's picture")  # "zara_mensah.png" for a headshot
        return
    if name_value > 0 or cand.name.empty or cand.layer.kind == "type":
        return
    if all(info.empty for info in slot.names):
        return
    known = any(w in _WORD_TO_CONCEPT for w in cand.name.words)
    score.add(-0.1 if known else -0.04, "named for something else")


def _score_ordinal(slot: Slot, cand: Candidate, score: PairScore) -> None:
    """Numbers in both names must agree (``player2`` is not ``Player 3 Name``)."""
    if slot.ordinal is None or cand.name.ordinal is None:
        return
    if slot.ordinal == cand.name.ordinal:
        score.add(0.12, "same number")
    else:
        score.add(-0.5, f"number {cand.name.ordinal} is not {slot.ordinal}")


def _score_content(slot: Slot, cand: Candidate, score: PairScore) -> None:
    if slot.placeholder_type != "text":
        return
    fit, note = content_fit(slot.expected, cand.classes)
    score.content = fit
    if fit:
        score.add(W_CONTENT * fit, note)


def _score_geometry(slot: Slot, cand: Candidate, ctx: _Context, score: PairScore) -> None:
    """Position and size (weighted by how alike the layouts are), and the layer's aspect."""
    if slot.box is not None and cand.box is not None:
        similarity = geometry_similarity(slot.box, cand.box)
        weight = W_GEOMETRY * (0.15 + 0.85 * ctx.layout_alike)
        value = weight * (similarity - 0.4)
        note = "same position" if similarity > 0.75 and ctx.layout_alike > 0.5 else ""
        if value < -0.05 and ctx.layout_alike > 0.5:
            note = "elsewhere on the page"
        score.add(value, note)
    if slot.text_height is not None and cand.text_height is not None:
        alike = math.exp(-_log_ratio(slot.text_height, cand.text_height) / 0.45)
        score.add(0.25 * (alike - 0.5), "same text size" if alike > 0.8 else "")
    if slot.prominence is not None and cand.prominence is not None:
        alike = math.exp(-_log_ratio(slot.prominence, cand.prominence) / 0.4)
        score.add(0.2 * (alike - 0.5), "same relative size" if alike > 0.8 else "")
    elif cand.prominence is not None and slot.expected.get("headline", 0) >= 0.7:
        score.add(0.16 * (cand.prominence - 0.6), "largest text" if cand.prominence > 0.95 else "")
    if slot.aspect is not None and cand.layer.width and cand.layer.height:
        ratio = _log_ratio(slot.aspect, cand.layer.width / cand.layer.height)
        alike = math.exp(-ratio / 0.7)
        weight = 0.14 if slot.placeholder_type == "footage" else 0.04
        score.add(weight * (alike - 0.4), "same shape" if alike > 0.8 and weight > 0.1 else "")


def _score_kind(slot: Slot, cand: Candidate, score: PairScore) -> None:
    """Hidden layers and backgrounds are weak; some kinds suit some footage."""
    if cand.hidden:
        score.add(-0.3, "hidden layer")
    if cand.covered:
        score.add(-0.2, "covered by another layer")
    if cand.layer.opacity < 0.6 and not cand.hidden:
        score.add(-0.15 if cand.background else -0.08, "semi-transparent")
    if cand.duplicate:
        score.add(-0.35, "hidden copy of another layer")
    if set(cand.name.words) & _OVERLAY_WORDS and not set(slot.words) & _OVERLAY_WORDS:
        score.add(-0.1, "an overlay effect")
    if cand.background and not slot.background:
        score.add(-0.12 if slot.full_frame else -0.35, "full-canvas background")
    elif cand.background and slot.background:
        score.add(0.16 if cand.bottom else 0.12, "background")
    elif slot.background and not cand.background:
        score.add(-0.08)
    if slot.placeholder_type != "footage":
        return
    concepts = slot.concepts
    kind = cand.layer.kind
    if cand.only_text:
        score.add(-0.25, "group of text")
    if cand.decoration:
        score.add(-0.2, "thin or tiny shape")
    if cand.composite:
        score.add(0.05, "group of parts")
    if cand.in_composite:
        score.add(-0.08, "part of a group")
    if cand.with_text and not cand.only_text and concepts.get("logo", 0) < 0.99:
        score.add(-0.15, "a group with text in it")  # a card: its picture and its caption
    if (
        cand.parent is not None and not cand.parent_with_text
        and name_similarity(slot.names[0], cand.parent)[0] >= 0.3
    ):
        # the group is named for this placeholder ("Company Logo"): the layer is one part of it
        score.add(-0.2, "a part of the group named for it")
    if concepts.get("image", 0) >= 0.99 and kind == "shape":
        score.add(-0.15, "a vector shape, not a photo")
    if concepts.get("logo", 0) >= 0.99 and kind == "shape":
        score.add(0.05)


def _score_learned(slot: Slot, cand: Candidate, ctx: _Context, score: PairScore) -> None:
    for mapping in ctx.learned:
        if mapping.approvals > 0 and mapping.fits(ctx.composition, slot.layer.name, cand.layer):
            score.add(LEARNED_BONUS, mapping.evidence)
            score.learned = mapping
            return


def score_pair(slot: Slot, cand: Candidate, ctx: _Context) -> PairScore | None:
    """All the evidence for filling ``slot`` with ``cand``; None when the kinds cannot mix."""
    if not compatible(slot, cand):
        return None
    score = PairScore(W_BASE)
    score.notes.append((0.0, "text layer" if cand.layer.kind == "type" else f"{cand.layer.kind} layer"))
    name_value = _score_name(slot, cand, score)
    _score_other_name(slot, cand, name_value, score)
    _score_ordinal(slot, cand, score)
    _score_psd_source(slot, cand, score)
    _score_content(slot, cand, score)
    _score_geometry(slot, cand, ctx, score)
    _score_kind(slot, cand, score)
    _score_learned(slot, cand, ctx, score)
    return score
