"""Measure the layer matcher on the labelled cases in ``bench/matching_cases``.

Prints, per category, the number of cases and placeholders, how many placeholders got the
right PSD layer (or rightly none) and the accuracy; then the totals, and how many wrong
matches had a confidence at or above the review threshold (the ones a reviewer would not be
asked about).

    .venv/bin/python bench/matching_bench.py [--threshold 0.6] [--cases DIR] [--verbose]

``--verbose`` lists every wrong placeholder. Exit status 0 (it is a measurement, not a test;
``jobs/tests/formats/test_matching.py`` asserts the targets).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from jobs.formats.descriptions import PsdDocument, TemplateDocument  # noqa: E402
from jobs.formats.matching import match_layers  # noqa: E402

CASES = Path(__file__).resolve().parent / "matching_cases"


@dataclass
class Tally:
    """Counts for one category (or all)."""

    cases: int = 0
    placeholders: int = 0
    correct: int = 0
    wrong_confident: int = 0
    right_flagged: int = 0  # right layers the reviewer is asked about anyway
    wrong: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.placeholders if self.placeholders else 0.0


def load_case(path: Path) -> dict:
    """Read one case file; its category is its ``category`` key or its file-name prefix."""
    case = json.loads(path.read_text())
    case.setdefault("category", path.stem.split("_", 1)[0])
    return case


def run_case(case: dict, threshold: float, tally: Tally, name: str) -> None:
    """Match one case and add its results to ``tally``."""
    psd = PsdDocument.from_dict(case["psd"])
    template = TemplateDocument.from_dict(case["template"])
    result = match_layers(psd, template, threshold=threshold)
    got = {f"{m.composition}/{m.layer_index}": m for m in result.matches}
    tally.cases += 1
    for key, want in case["expected"].items():
        tally.placeholders += 1
        match = got.get(key)
        chosen = match.psd_layer_id if match is not None else None
        if chosen == want:
            tally.correct += 1
            tally.right_flagged += int(chosen is not None and match.confidence < threshold)
            continue
        confident = match is not None and chosen is not None and match.confidence >= threshold
        tally.wrong_confident += int(confident)
        detail = f"{name} {key} ({match.placeholder if match else '?'}): want {want}, got {chosen}"
        if match is not None:
            detail += f" '{match.psd_layer}' conf {match.confidence:.2f} [{match.reason}]"
        tally.wrong.append(detail)


def run(cases_dir: Path, threshold: float) -> dict[str, Tally]:
    """Tallies per category for every case in ``cases_dir``."""
    tallies: dict[str, Tally] = {}
    for path in sorted(cases_dir.glob("*.json")):
        case = load_case(path)
        tally = tallies.setdefault(case["category"], Tally())
        run_case(case, threshold, tally, path.stem)
    return tallies


def totals(tallies: dict[str, Tally]) -> Tally:
    total = Tally()
    for tally in tallies.values():
        total.cases += tally.cases
        total.placeholders += tally.placeholders
        total.correct += tally.correct
        total.wrong_confident += tally.wrong_confident
        total.right_flagged += tally.right_flagged
        total.wrong.extend(tally.wrong)
    return total


def report(tallies: dict[str, Tally], threshold: float, verbose: bool) -> str:
    """The table as text."""
    lines = [f"{'category':<14}{'cases':>7}{'placeholders':>14}{'correct':>9}{'accuracy':>10}"]
    lines.append("-" * len(lines[0]))
    for category in sorted(tallies):
        t = tallies[category]
        lines.append(
            f"{category:<14}{t.cases:>7}{t.placeholders:>14}{t.correct:>9}{t.accuracy:>10.1%}"
        )
    total = totals(tallies)
    lines.append("-" * len(lines[0]))
    lines.append(
        f"{'total':<14}{total.cases:>7}{total.placeholders:>14}{total.correct:>9}"
        f"{total.accuracy:>10.1%}"
    )
    share = total.wrong_confident / total.placeholders if total.placeholders else 0.0
    lines.append("")
    lines.append(
        f"wrong matches with confidence >= {threshold}: {total.wrong_confident} "
        f"({share:.1%} of placeholders)"
    )
    lines.append(f"wrong placeholders in all: {len(total.wrong)}")
    lines.append(
        f"right matches flagged for review (confidence < {threshold}): {total.right_flagged}"
    )
    if verbose:
        lines.extend(["", *total.wrong])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=0.6)
    parser.add_argument("--cases", type=Path, default=CASES)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    tallies = run(args.cases, args.threshold)
    print(report(tallies, args.threshold, args.verbose))
    return 0


if __name__ == "__main__":
    sys.exit(main())
