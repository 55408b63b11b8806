"""Geometry signals: boxes in unit coordinates (fractions of their frame), how alike two
boxes are (centre distance, overlap, size), and the reading order of a set of boxes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

UnitBox = tuple[float, float, float, float]


def _unit_box(bbox, width: float, height: float, origin=(0.0, 0.0)) -> UnitBox | None:
    """A pixel box as fractions of a frame, clipped to it; None if unknown or empty."""
    if bbox is None or width <= 0 or height <= 0:
        return None
    ox, oy = origin
    left = min(max((bbox[0] - ox) / width, 0.0), 1.0)
    top = min(max((bbox[1] - oy) / height, 0.0), 1.0)
    right = min(max((bbox[2] - ox) / width, 0.0), 1.0)
    bottom = min(max((bbox[3] - oy) / height, 0.0), 1.0)
    if right - left <= 0 or bottom - top <= 0:
        return None
    return (left, top, right, bottom)


def _area(box: UnitBox) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def _iou(a: UnitBox, b: UnitBox) -> float:
    inter = (
        max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    )
    union = _area(a) + _area(b) - inter
    return inter / union if union > 0 else 0.0


def _centre(box: UnitBox) -> tuple[float, float]:
    return ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


def _log_ratio(a: float, b: float) -> float:
    return abs(math.log(max(a, 1e-6) / max(b, 1e-6)))


def geometry_similarity(a: UnitBox, b: UnitBox) -> float:
    """Similarity of two boxes in unit coordinates: centre distance, overlap and size."""
    (ax, ay), (bx, by) = _centre(a), _centre(b)
    distance = math.hypot(ax - bx, ay - by)
    position = math.exp(-((distance / 0.22) ** 2))
    size = math.exp(-_log_ratio(_area(a), _area(b)) / 1.5)
    return 0.5 * position + 0.25 * _iou(a, b) + 0.25 * size


def reading_order(boxes: Sequence[UnitBox | None]) -> list[int]:
    """Indexes of ``boxes`` in reading order: rows top to bottom, each row left to right.

    A box joins a row when its vertical centre lies within the row's first box's height.
    Boxes without geometry keep their given order after the others.
    """
    known = [i for i, b in enumerate(boxes) if b is not None]
    unknown = [i for i, b in enumerate(boxes) if b is None]
    known.sort(key=lambda i: (_centre(boxes[i])[1], boxes[i][0]))
    rows: list[list[int]] = []
    for i in known:
        cy = _centre(boxes[i])[1]
        if rows:
            anchor = boxes[rows[-1][0]]
            if anchor[1] <= cy <= anchor[3]:
                rows[-1].append(i)
                continue
        rows.append([i])
    ordered = [i for row in rows for i in sorted(row, key=lambda j: boxes[j][0])]
    return ordered + unknown
