"""Match PSD layers to the placeholders of an After Effects template.

``match_layers`` scores every (placeholder, PSD layer) pair of a composition, then solves one
global one-to-one assignment per composition with the Hungarian method, where every
placeholder may also take "no match" so that weak pairs are left unfilled instead of forced.

Signals (each adds evidence for or against a pair; see ``score_pair``):

- type compatibility: text placeholders take type layers, footage placeholders take pixel,
  smart-object and shape layers or groups (flattened); other pairs are impossible;
- name similarity after normalising case, separators, camelCase, glued words and digits, with a
  synonym table (headline/title, photo/image, logo/brand, cta/button, name/player, bg/...);
- the content of type layers (Photoshop names them after their text): a person's name fits a
  ``...name`` placeholder, a price a ``price`` one, a date a ``date`` one, and so on;
- geometry in normalised coordinates (centre distance, IoU, size), weighted by how alike the
  two documents' aspect ratios are, and the layer's own aspect ratio;
- hidden layers, kept old versions ("Title old", "Logo v1") and full-canvas backgrounds are
  weak candidates; Photoshop's own "Background" says nothing by its name, so a layer the
  designer named for the background outranks it;
- numbered placeholders of one role (``player1...``, ``player2...``): where the PSD and the
  composition share a layout, position tells them apart; where they do not (or boxes are
  unknown), they take the PSD layers in reading order (top to bottom, then left to right) by
  the best pairing that keeps both orders and skips layers that do not belong;
- versions of one design (a 16:9 and a 9:16 composition, an end card): the composition laid
  out most like the PSD is matched first and guides placeholders of the same name in the
  others;
- a reviewer's earlier choice (``LearnedPattern``), as sure as its evidence.

Confidence combines the pair's own score with its margin: how much the best assignment of the
whole composition loses when that pair is forbidden. A pair with a close rival (another layer
that would do almost as well, or a placeholder that wants the same layer) gets a low
confidence even when its raw score is high; a tie leaves a fifth of the pair's quality. The
constants are fitted by ``bench/fit_matching_confidence.py``.

The modules, each importing only those above it:

- ``vocabulary``: the synonym, qualifier and word tables;
- ``names``: name normalisation, name patterns and name similarity;
- ``content``: the classes of a text and what a placeholder expects;
- ``geometry``: unit boxes, their similarity and reading order;
- ``learned``: ``LearnedPattern``, a reviewer's earlier choice;
- ``candidates``: ``Candidate`` (a PSD layer) and ``Slot`` (a placeholder);
- ``scoring``: the evidence for one pair (``score_pair``) and the weights;
- ``assignment``: the Hungarian assignment, reading order, groups, confidence and reasons;
- ``matcher``: the entry points ``match_layers`` and ``match_composition``.

This package re-exports their public names. Plain Python: no Django import.
"""

from __future__ import annotations

from .assignment import ORDER_BONUS, confidence, margin, reading_order_bonus, solve, total_score
from .candidates import (
    CONTENT_KINDS,
    FOOTAGE_KINDS,
    TEXT_KINDS,
    Candidate,
    Slot,
    build_candidates,
    build_slot,
    compatible,
)
from .content import content_classes, content_fit, expected_classes
from .geometry import UnitBox, geometry_similarity, reading_order
from .learned import LearnedPattern, learned_confidence, learned_mapping_for
from .matcher import match_composition, match_layers
from .names import PATTERN_MAX, NameInfo, name_info, name_pattern, name_similarity, normalise_words
from .scoring import (
    LEARNED_BONUS,
    NULL_SCORE,
    W_BASE,
    W_CONTENT,
    W_GEOMETRY,
    W_NAME,
    PairScore,
    score_pair,
)

__all__ = [
    # the entry points and learned patterns
    "LearnedPattern",
    "learned_confidence",
    "learned_mapping_for",
    "match_layers",
    "match_composition",
    # name, content and geometry signals
    "PATTERN_MAX",
    "NameInfo",
    "name_info",
    "name_pattern",
    "name_similarity",
    "normalise_words",
    "content_classes",
    "content_fit",
    "expected_classes",
    "UnitBox",
    "geometry_similarity",
    "reading_order",
    # candidates and slots
    "TEXT_KINDS",
    "FOOTAGE_KINDS",
    "CONTENT_KINDS",
    "Candidate",
    "Slot",
    "build_candidates",
    "build_slot",
    "compatible",
    # scoring
    "W_BASE",
    "W_NAME",
    "W_CONTENT",
    "W_GEOMETRY",
    "NULL_SCORE",
    "LEARNED_BONUS",
    "PairScore",
    "score_pair",
    # assignment and confidence
    "ORDER_BONUS",
    "solve",
    "total_score",
    "margin",
    "reading_order_bonus",
    "confidence",
]
