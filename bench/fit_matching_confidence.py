"""Fit the matcher's confidence curve to the labelled parts it is tuned on.

``jobs.formats.matching.assignment.confidence`` maps a pair's score and its margin (what the
best assignment loses without the pair) to a confidence with three constants. This script
records (score, margin, right?) for every placeholder the matcher fills on the tuned parts of
``matching_bench.py``, then searches the constants that minimise the Brier score (the mean
squared gap between confidence and being right) subject to few confident mistakes, and prints
the best constants and the reliability table they give. The constants are then written into
``assignment.py`` by hand and ``matching_bench.py`` reports every part, tuned or not.

    .venv/bin/python bench/fit_matching_confidence.py [--parts own,b,b-seed2] [--threshold 0.6]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import math
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import matching_bench  # noqa: E402

from jobs.formats.descriptions import PsdDocument, TemplateDocument  # noqa: E402
from jobs.formats.matching import matcher  # noqa: E402


def observations(parts: list[str]) -> list[tuple[float, float, bool]]:
    """(score, margin, right) for every filled placeholder of the parts."""
    seen: list[tuple[float, float]] = []
    original = matcher.confidence

    def recording(score: float, loss: float) -> float:
        seen.append((score, loss))
        return original(score, loss)

    out: list[tuple[float, float, bool]] = []
    matcher.confidence = recording
    try:
        for name in parts:
            with contextlib.redirect_stdout(io.StringIO()):
                cases = matching_bench.PARTS[name][0]()
            for _case_name, case in cases:
                seen.clear()
                psd = PsdDocument.from_dict(case["psd"])
                template = TemplateDocument.from_dict(case["template"])
                result = matcher.match_layers(psd, template)
                filled = [m for m in result.matches if m.psd_layer_id is not None]
                if len(filled) != len(seen):  # learned pairs skip the curve; none here
                    continue
                for match, (score, loss) in zip(filled, seen):
                    want = case["expected"].get(f"{match.composition}/{match.layer_index}")
                    out.append((score, loss, match.psd_layer_id == want))
    finally:
        matcher.confidence = original
    return out


def curve(score: float, loss: float, mid: float, scale: float, margin: float, floor: float) -> float:
    """The shape of ``assignment.confidence``: quality of the score times certainty of the
    margin, where a tie (no margin) leaves ``floor`` (a coin toss between two layers)."""
    quality = 1.0 / (1.0 + math.exp(-(score - mid) / scale))
    return quality * (floor + (1.0 - floor) * (1.0 - math.exp(-max(loss, 0.0) / margin)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="own,b,b-seed2,b-seed4,c,c-seed2,c-seed4")
    parser.add_argument("--threshold", type=float, default=0.6)
    parser.add_argument("--max-confident-wrong", type=float, default=0.002,
                        help="share of filled placeholders allowed wrong at or above the threshold")
    args = parser.parse_args(argv)
    obs = observations([p.strip() for p in args.parts.split(",") if p.strip()])
    best = None
    for mid, scale, margin, floor in itertools.product(
        [0.0 + 0.04 * i for i in range(14)], [0.05 + 0.02 * i for i in range(8)],
        [0.05 + 0.03 * i for i in range(12)], [0.0, 0.2, 0.3, 0.4, 0.5],
    ):
        confs = [(curve(s, l, mid, scale, margin, floor), right) for s, l, right in obs]
        wrong = sum(1 for c, right in confs if c >= args.threshold and not right) / len(confs)
        if wrong > args.max_confident_wrong:
            continue
        brier = sum((c - right) ** 2 for c, right in confs) / len(confs)
        if best is None or brier < best[0]:
            best = (brier, mid, scale, margin, floor)
    if best is None:
        print("no constants keep confident mistakes under the limit")
        return 1
    brier, mid, scale, margin, floor = best
    print(f"{len(obs)} filled placeholders; best: mid {mid:.2f}, scale {scale:.2f}, margin {margin:.2f}, "
          f"floor {floor:.1f} (Brier {brier:.4f})")
    tally = matching_bench.Tally(filled=[(curve(s, l, mid, scale, margin, floor), r) for s, l, r in obs])
    print("\n".join(matching_bench.reliability(tally)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
