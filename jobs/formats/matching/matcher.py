"""The public entry point: ``match_layers`` (every composition of a template) and
``match_composition`` (one composition), which build the candidates and slots, score every
pair, solve the assignment and turn it into ``Match`` es with confidences and reasons.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from jobs.formats.descriptions import Composition, Match, MatchResult, PsdDocument, TemplateDocument

from .assignment import (
    _IMPOSSIBLE,
    ORDER_BONUS,
    _reason,
    _resolve_groups,
    confidence,
    margin,
    reading_order_bonus,
    solve,
)
from .candidates import CONTENT_KINDS, Candidate, Slot, build_candidates, build_slot
from .geometry import _log_ratio
from .learned import LearnedPattern
from .names import normalise_words
from .scoring import PairScore, _Context, score_pair


def _layout_alike(psd: PsdDocument, comp: Composition) -> float:
    if not (psd.width and psd.height and comp.width and comp.height):
        return 0.0
    return math.exp(-_log_ratio(psd.width / psd.height, comp.width / comp.height) / 0.25)


def _score_matrix(slots, cands, ctx) -> tuple[np.ndarray, list[list[PairScore | None]]]:
    details = [[score_pair(s, c, ctx) for c in cands] for s in slots]
    matrix = np.array(
        [[_IMPOSSIBLE if d is None else d.total for d in row] for row in details], dtype=float
    ).reshape(len(slots), len(cands))
    return matrix, details


def _slot_prominence(slots: Sequence[Slot]) -> None:
    """Each text placeholder's height relative to the composition's tallest one (or, where the
    template gives no boxes, its font size relative to the largest)."""
    heights = [s.text_height for s in slots if s.text_height]
    tallest = max(heights, default=0.0)
    sizes = [s.layer.font_size for s in slots if s.placeholder_type == "text" and s.layer.font_size]
    largest = max(sizes, default=0.0)
    for slot in slots:
        if slot.text_height and tallest:
            slot.prominence = min(1.0, slot.text_height / tallest)
        elif not tallest and largest and slot.placeholder_type == "text" and slot.layer.font_size:
            slot.prominence = min(1.0, slot.layer.font_size / largest)


#: What a placeholder of the same name took in a composition matched before (one laid out
#: more like the PSD) adds, times that match's confidence; left empty there, it takes this much
#: from every layer here.
SIBLING_BONUS = 0.35
SIBLING_EMPTY = 0.12

#: placeholder name -> (candidate position or None, confidence, composition name)
Hints = Mapping[str, tuple[int | None, float, str]]


def hint_keys(names: Sequence[str]) -> list[str]:
    """What a placeholder is called across versions of a design: its normalised words
    without those most of its composition's placeholders share (``end_title`` and
    ``end_venue`` of an "End Card" are ``title`` and ``venue``)."""
    words = [normalise_words(name) for name in names]
    counts = Counter(w for ws in words for w in set(ws))
    common = {w for w, n in counts.items() if len(names) >= 3 and n >= 0.6 * len(names)}
    out = []
    for name, ws in zip(names, words):
        kept = [w for w in ws if w not in common] or ws
        out.append(" ".join(kept) or name)
    return out


def _apply_hints(slots, cands, scores, details, hints: Hints) -> None:
    """Versions of one design (a 16:9 and a 9:16 composition, an end card) fill their
    placeholders of the same name with the same PSD layers."""
    keys = hint_keys([slot.layer.name for slot in slots])
    for s, key in enumerate(keys):
        hint = hints.get(key)
        if hint is None:
            continue
        position, conf, where = hint
        for c, cand in enumerate(cands):
            if details[s][c] is None:
                continue
            if position is None:
                details[s][c].add(-SIBLING_EMPTY, f"left empty in {where}")
                scores[s, c] -= SIBLING_EMPTY
            elif cand.position == position and conf > 0:
                details[s][c].add(SIBLING_BONUS * conf, f"the same layer as in {where}")
                scores[s, c] += SIBLING_BONUS * conf


def match_composition(
    psd: PsdDocument,
    comp: Composition,
    cands: Sequence[Candidate],
    *,
    threshold: float = 0.6,
    learned: Sequence[LearnedPattern] = (),
    hints: Hints | None = None,
) -> list[tuple[Match, Candidate | None]]:
    """Match one composition's placeholders; returns each Match with its candidate.

    ``hints`` are what placeholders of the same names took in compositions already matched.
    """
    slots = [build_slot(comp, layer) for layer in comp.layers if layer.placeholder]
    _slot_prominence(slots)
    ctx = _Context(layout_alike=_layout_alike(psd, comp), composition=comp.name, learned=tuple(learned))
    scores, details = _score_matrix(slots, cands, ctx)
    if hints:
        _apply_hints(slots, cands, scores, details, hints)
    assignment = _resolve_groups(scores, cands, solve(scores))
    contradicted = np.array(
        [[d is not None and d.content < 0 for d in row] for row in details], dtype=bool
    ).reshape(scores.shape)
    orders = reading_order_bonus(slots, cands, scores, assignment, ctx.layout_alike, contradicted)
    if orders:
        # reading order is for layouts that differ: where the PSD and the composition share a
        # layout and both boxes are known, position (in the scores already) tells numbered
        # placeholders apart
        for (s, c) in orders:
            placed = slots[s].box is not None and cands[c].box is not None
            scores[s, c] += ORDER_BONUS * (max(0.1, 1.0 - ctx.layout_alike) if placed else 1.0)
        assignment = _resolve_groups(scores, cands, solve(scores))
    out: list[tuple[Match, Candidate | None]] = []
    for s, slot in enumerate(slots):
        out.append(_build_match(comp, slot, s, cands, scores, details, assignment, orders, threshold))
    return out


def _build_match(comp, slot, s, cands, scores, details, assignment, orders, threshold):
    col = assignment[s]
    base = dict(
        composition=comp.name,
        layer_index=slot.layer.index,
        placeholder=slot.layer.name,
        placeholder_type=slot.placeholder_type,
    )
    if col is None:
        has_candidate = any(d is not None for d in details[s])
        reason = "no good candidate" if has_candidate else "no candidate"
        return Match(psd_layer_id=None, psd_layer=None, confidence=0.0, reason=reason, **base), None
    loss, rival_col = margin(scores, assignment, s)
    conf = confidence(float(scores[s, col]), loss)
    learned = details[s][col].learned if details[s][col] is not None else None
    if learned is not None:  # as sure as its evidence, no surer (one approval is not certainty)
        conf = learned.confidence
    rival = cands[rival_col].layer.name if rival_col is not None else None
    order = orders.get((s, col))
    reason = _reason(details[s][col], order, rival, conf < threshold)
    cand = cands[col]
    match = Match(
        psd_layer_id=cand.layer.id,
        psd_layer=cand.layer.name,
        confidence=conf,
        reason=reason,
        **base,
    )
    return match, cand


def _unmatched(cands: Sequence[Candidate], used_positions: set[int]) -> tuple[int, ...]:
    """Visible content layers used by no composition, directly or through a group."""
    out = []
    for cand in cands:
        if cand.layer.kind not in CONTENT_KINDS or cand.hidden:
            continue
        if cand.position in used_positions or used_positions & set(cand.ancestors):
            continue
        out.append(cand.layer.id)
    return tuple(out)


def match_layers(
    psd: PsdDocument,
    template: TemplateDocument,
    *,
    threshold: float = 0.6,
    learned: Sequence[LearnedPattern] = (),
) -> MatchResult:
    """Match the PSD's layers to every placeholder of every composition of the template.

    Returns one ``Match`` per placeholder (in composition order, then layer order) with the
    chosen PSD layer or None, a confidence in [0, 1] and a reason; matches below
    ``threshold`` name their closest alternative in the reason. ``unmatched_psd_layers`` are
    the ids of visible content layers no composition uses.
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be between 0 and 1, not {threshold}")
    cands = build_candidates(psd)
    used: set[int] = set()
    # the composition laid out most like the PSD first: its matches guide the other versions
    comps = list(template.compositions)
    order = sorted(range(len(comps)), key=lambda i: -_layout_alike(psd, comps[i]))
    hints: dict[str, tuple[int | None, float, str]] = {}
    by_comp: dict[int, list[Match]] = {}
    for i in order:
        comp = comps[i]
        found = match_composition(psd, comp, cands, threshold=threshold, learned=learned, hints=hints)
        by_comp[i] = [match for match, _cand in found]
        keys = hint_keys([match.placeholder for match, _cand in found])
        names = Counter(keys)
        for key, (match, cand) in zip(keys, found):
            if cand is not None:
                used.add(cand.position)
            if names[key] > 1:
                continue  # "Name" three times: which is which is no hint for another layout
            hints.setdefault(key, (cand.position if cand is not None else None, match.confidence, comp.name))
    matches = [match for i in range(len(comps)) for match in by_comp[i]]
    return MatchResult(matches=tuple(matches), unmatched_psd_layers=_unmatched(cands, used))
