"""Assignment and confidence: the one-to-one assignment of a composition's placeholders to PSD
layers (the Hungarian method, with "no match" for each placeholder), its refinements, and how
sure each pair is.

``solve`` finds the best assignment of a score matrix and ``margin`` what it loses without one
pair; ``reading_order_bonus`` lets numbered placeholders take layers in reading order;
``_resolve_groups`` keeps a group and its own layers from filling placeholders together;
``confidence`` and ``_reason`` turn a pair's score and margin into a confidence and a reason.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from .candidates import Candidate, Slot
from .content import _SPECIFIC
from .geometry import reading_order
from .names import NameInfo
from .scoring import NULL_SCORE, PairScore
from .vocabulary import _WORD_TO_CONCEPT

_IMPOSSIBLE = -1e6


def solve(scores: np.ndarray, null_score: float = NULL_SCORE) -> list[int | None]:
    """The one-to-one assignment maximising the total score, each row taking a column or
    nothing (worth ``null_score``). ``scores`` is rows x columns, ``_IMPOSSIBLE`` where a pair
    cannot be. Returns, per row, a column or None."""
    rows, cols = scores.shape
    if rows == 0:
        return []
    padded = np.full((rows, cols + rows), _IMPOSSIBLE)
    padded[:, :cols] = scores
    padded[np.arange(rows), cols + np.arange(rows)] = null_score
    r, c = linear_sum_assignment(padded, maximize=True)
    out: list[int | None] = [None] * rows
    for row, col in zip(r, c):
        if col < cols and padded[row, col] > _IMPOSSIBLE / 2:
            out[row] = int(col)
    return out


def total_score(scores: np.ndarray, assignment: Sequence[int | None], null_score: float = NULL_SCORE) -> float:
    """The value of an assignment."""
    return float(
        sum(null_score if col is None else scores[row, col] for row, col in enumerate(assignment))
    )


def margin(scores: np.ndarray, assignment: Sequence[int | None], row: int) -> tuple[float, int | None]:
    """How much the best assignment loses when ``row`` may not take its column, and which
    column ``row`` takes instead (None: nothing)."""
    col = assignment[row]
    if col is None:
        return 0.0, None
    restricted = scores.copy()
    restricted[row, col] = _IMPOSSIBLE
    alternative = solve(restricted)
    loss = total_score(scores, assignment) - total_score(restricted, alternative)
    return max(0.0, loss), alternative[row]


# --------------------------------------------------------------------------------------------
# Numbered placeholders


ORDER_BONUS = 0.2


def _role_key(info: NameInfo) -> tuple[str, ...]:
    """A name's role without its number: its concepts in order, each once (``img_photo1``
    and ``photo2`` are both ``("image",)``)."""
    out: list[str] = []
    for word in info.words:
        concept = _WORD_TO_CONCEPT.get(word, word)
        if concept not in out:
            out.append(concept)
    return tuple(out)


def _numbered_groups(slots: Sequence[Slot]) -> list[list[int]]:
    """Slots of one role told apart only by their number, each group sorted by number."""
    groups: dict[tuple, list[int]] = {}
    for i, slot in enumerate(slots):
        if slot.ordinal is not None:
            groups.setdefault((slot.placeholder_type, _role_key(slot.names[0])), []).append(i)
    return [sorted(g, key=lambda i: slots[i].ordinal) for g in groups.values() if len(g) >= 2]


#: A layer joins a numbered group's pool when it scores within this of the group's own choice
#: (the first where the layouts agree, the second where they differ and position says little).
POOL_TOLERANCE = (0.12, 0.25)


def _order_pool(group, cands, scores, assignment, tolerance: float) -> tuple[list[int], float, set[int]]:
    """The layers a group of numbered placeholders could take in reading order: those the
    first solve gave it, and every other layer, unused by the rest of the composition and
    without a number of its own, that does about as well as the group's best pair (three
    layers all named "image" for ``photo1`` and ``photo2``), or that is named like one it
    took; the score above which a layer is as good as any for the group; and the layers named
    alike."""
    members = set(group)
    others = {c for r, c in enumerate(assignment) if c is not None and r not in members}
    taken = [
        (s, assignment[s]) for s in group
        if assignment[s] is not None and cands[assignment[s]].name.ordinal is None
    ]
    if not taken:
        return [], 0.0, set()
    pool = {c for _s, c in taken}
    floor = max(max(scores[s, c] for s, c in taken) - tolerance, NULL_SCORE)
    # layers named alike ("Speaker Name", "Speaker Name copy 2") are a set, whatever their texts
    names = {cands[c].name.words for _s, c in taken if cands[c].name.words and not cands[c].content_named}
    alike = {
        c for c, cand in enumerate(cands)
        if c not in others and not cand.hidden and cand.name.words in names
        and max(scores[s, c] for s in group) > NULL_SCORE
    }
    if len({cands[c].position for c in alike}) < 2:
        alike = set()  # a name of its own is no set
    pool |= alike | {
        c for c, cand in enumerate(cands)
        if c not in others and cand.name.ordinal is None and max(scores[s, c] for s in group) >= floor
    }
    return sorted(pool), floor, alike


def reading_order_bonus(
    slots: Sequence[Slot],
    cands: Sequence[Candidate],
    scores: np.ndarray,
    assignment: Sequence[int | None],
    layout_alike: float = 1.0,
    contradicted: np.ndarray | None = None,
) -> dict[tuple[int, int], tuple[int, int]]:
    """For each group of numbered placeholders, the layers it could take (``_order_pool``)
    in the PSD's reading order, paired with the group's placeholders in number order by the
    best pairing that keeps both orders (``_in_order``).

    ``contradicted[slot, candidate]`` marks texts that contradict what a placeholder expects.
    Returns ``{(slot, candidate): (rank, count)}`` for the pairs that reading order supports.
    """
    out: dict[tuple[int, int], tuple[int, int]] = {}
    same, other = POOL_TOLERANCE
    tolerance = other + (same - other) * layout_alike
    for group in _numbered_groups(slots):
        free_slots = [s for s in group if assignment[s] is None or cands[assignment[s]].name.ordinal is None]
        pool, belongs, alike = _order_pool(free_slots, cands, scores, assignment, tolerance)
        if len(pool) < 2 or len(free_slots) < 2:
            continue
        order = reading_order([cands[c].box for c in pool])
        ranked = [pool[k] for k in order]
        # every layer that belongs is as good as any (reading order alone decides among them);
        # one that does not is worth less than leaving its placeholder to the solve
        fits = scores[free_slots].max(axis=0) >= belongs
        alike = alike or _alike_by_content(pool, cands)
        if alike:
            fits[list(alike)] = True  # a set of alike layers: those and no stragglers
        else:
            # what the first solve gave the group belongs unless its text contradicts the
            # role ("LIVE" among the days of a forecast)
            for s in free_slots:
                c = assignment[s]
                if c is not None and (contradicted is None or not contradicted[free_slots, c].any()):
                    fits[c] = True
        values = np.broadcast_to(np.where(fits, 1.0 + NULL_SCORE, 0.0), scores.shape)
        for s, rank in _in_order(free_slots, ranked, values):
            out[(s, ranked[rank])] = (rank + 1, len(ranked))
    return out


def _alike_by_content(pool: Sequence[int], cands: Sequence[Candidate]) -> set[int]:
    """Texts of the pool that are the same kind of thing (three weekdays, three prices), when
    at least two are."""
    kinds: dict[str, set[int]] = {}
    for c in pool:
        classes = {k: v for k, v in cands[c].classes.items() if k in _SPECIFIC and v >= 0.4}
        if classes:
            kinds.setdefault(max(classes, key=classes.get), set()).add(c)
    sets = [members for members in kinds.values() if len(members) >= 2]
    return max(sets, key=len) if sets else set()


def _in_order(rows: Sequence[int], ranked: Sequence[int], scores: np.ndarray) -> list[tuple[int, int]]:
    """The best pairing of placeholders (in number order) with layers (in reading order)
    that keeps both orders, any of either left out: ``[(row, rank)]``. A layer that does not
    belong ("LIVE" before the days of a forecast) is skipped instead of shifting every later
    placeholder by one; with nothing to choose between, the first take the first."""
    n, m = len(rows), len(ranked)
    best = np.zeros((n + 1, m + 1))
    for i in range(n - 1, -1, -1):
        best[i, m] = NULL_SCORE + best[i + 1, m]
        for j in range(m - 1, -1, -1):
            pair = scores[rows[i], ranked[j]] + best[i + 1, j + 1]
            best[i, j] = max(pair, best[i, j + 1], NULL_SCORE + best[i + 1, j])
    out: list[tuple[int, int]] = []
    i = j = 0
    while i < n and j < m:
        if scores[rows[i], ranked[j]] + best[i + 1, j + 1] >= best[i, j] - 1e-9:
            if scores[rows[i], ranked[j]] > NULL_SCORE:
                out.append((rows[i], j))
            i, j = i + 1, j + 1
        elif best[i, j + 1] >= best[i, j] - 1e-9:
            j += 1
        else:
            i += 1
    return out


# --------------------------------------------------------------------------------------------
# Groups and their children


def _group_conflicts(cands: Sequence[Candidate], assignment: Sequence[int | None]) -> list[tuple[int, list[int]]]:
    """(group candidate, its used descendants' candidates) for groups used with children."""
    used = [c for c in assignment if c is not None]
    conflicts = []
    for c in used:
        if cands[c].layer.kind != "group":
            continue
        inner = [d for d in used if d != c and cands[c].position in cands[d].ancestors]
        if inner:
            conflicts.append((c, inner))
    return conflicts


def _resolve_groups(scores: np.ndarray, cands: Sequence[Candidate], assignment: list[int | None]) -> list[int | None]:
    """Forbid either a used group or its used children (whichever is worth less) until no
    group and its own content fill placeholders of the same composition."""
    for _ in range(len(cands) + 1):
        conflicts = _group_conflicts(cands, assignment)
        if not conflicts:
            return assignment
        group, inner = conflicts[0]
        # whichever is worth more once the rest is re-solved: the group (its parts forbidden)
        # or its parts (the group forbidden, so its own picture may take its place)
        without_group = scores.copy()
        without_group[:, group] = _IMPOSSIBLE
        without_parts = scores.copy()
        without_parts[:, inner] = _IMPOSSIBLE
        a, b = solve(without_group), solve(without_parts)
        if total_score(without_parts, b) > total_score(without_group, a):
            scores[:, inner] = _IMPOSSIBLE
        else:
            scores[:, group] = _IMPOSSIBLE
        assignment = solve(scores)
    return assignment


# --------------------------------------------------------------------------------------------
# Confidence and reasons

#: Confidence = quality(score) x certainty(margin). The margin is what the best assignment of
#: the whole composition loses when the pair is forbidden (its rivals take over): a swap between
#: two alike layers has almost none. With no margin at all the certainty is ``_TIE`` (a coin
#: toss between two layers), so a near-tie never reaches the review threshold. The constants
#: are fitted by ``bench/fit_matching_confidence.py`` (least Brier score on the tuned parts of
#: ``bench/matching_bench.py`` with at most 0.2 % of fills wrong at or above 0.6); the bench
#: prints the reliability table they give on every part.
_QUALITY_MID = 0.08
_QUALITY_SCALE = 0.15
_MARGIN_SCALE = 0.20
_TIE = 0.2


def confidence(score: float, loss: float) -> float:
    """Calibrated confidence from a pair's score and the assignment's loss without it."""
    quality = 1.0 / (1.0 + math.exp(-(score - _QUALITY_MID) / _QUALITY_SCALE))
    certainty = _TIE + (1.0 - _TIE) * (1.0 - math.exp(-max(loss, 0.0) / _MARGIN_SCALE))
    return round(min(1.0, max(0.0, quality * certainty)), 3)


def _reason(score: PairScore, order: tuple[int, int] | None, rival: str | None, flagged: bool) -> str:
    """Readable reason: the layer kind, then the strongest evidence, then caveats."""
    if score.learned is not None:
        parts = [score.learned.evidence]
    else:
        parts = [score.notes[0][1]]
        evidence = sorted((n for n in score.notes[1:] if n[1]), key=lambda n: -abs(n[0]))
        parts += [note for value, note in evidence if value > 0][:3]
        parts += [note for value, note in evidence if value < 0][:2]
    if order is not None:
        parts.append(f"reading order {order[0]} of {order[1]}")
    if flagged and rival:
        parts.append(f"close alternative: {rival}")
    seen: list[str] = []
    for part in parts:
        if part and part not in seen:
            seen.append(part)
    return "; ".join(seen)
