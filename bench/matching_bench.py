"""Measure the layer matcher on labelled cases, part by part.

A *part* is one labelled set, made one way. The matcher was tuned on some parts and never on
others; the benchmark reports each separately so that a matcher fitted to one generator shows:

- ``own``: ``bench/matching_cases`` (``make_matching_cases.py``, seed 1000; tuned on);
- ``own-seed99``: the same generator with another seed, written to a temporary directory;
- ``b``: ``bench/matching_cases_b`` (``make_matching_cases_b.py``, an independent generator
  with other themes, layouts, naming habits and aspect changes, seed 1; tuned on);
- ``b-seed2``, ``b-seed4``: that generator with other seeds (their mistakes were looked at);
- ``b-seed3``, ``b-seed6``, ``b-seed7``: that generator with other seeds (never looked at;
  seed 11 is the test suite's);
- ``c``: ``bench/matching_cases_c`` (``make_matching_cases_c.py``, a third generator written
  independently of both, stressing the families issue 14 names: Photoshop's Background under
  a named one, numbered names out of order, identical names and texts, content-named type
  layers, placeholders without a counterpart; seed 1; tuned on);
- ``c-seed2``, ``c-seed4``: that generator with other seeds (their mistakes were looked at);
- ``c-seed3``, ``c-seed5``, ``c-seed6``: that generator with other seeds (never looked at);
- ``real``: cases built from the real Photoshop files in ``../shared/fixtures/psd``
  (``real_matching_cases.py``; absent files are left out; its mistakes were looked at).

For each part it prints cases, placeholders, accuracy and the share of placeholders matched
wrongly at or above the review threshold (the ones a reviewer is not asked about), then, per
category of the parts, and a reliability table over all parts: confidence bucket, matches in
it, and how many of them are right.

    .venv/bin/python bench/matching_bench.py [--threshold 0.6] [--parts own,b,...] [--cases DIR] [--verbose]

``--cases DIR`` measures one directory only. ``--verbose`` lists every wrong placeholder.
Exit status 0: it is a measurement; ``jobs/tests/formats/test_matching.py`` asserts targets.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from jobs.formats.descriptions import PsdDocument, TemplateDocument  # noqa: E402
from jobs.formats.matching import match_layers  # noqa: E402

CASES = BENCH / "matching_cases"
CASES_B = BENCH / "matching_cases_b"
CASES_C = BENCH / "matching_cases_c"

#: Confidence buckets of the reliability table: [low, high).
BUCKETS = ((0.0, 0.3), (0.3, 0.6), (0.6, 0.8), (0.8, 0.9), (0.9, 0.95), (0.95, 1.01))


@dataclass
class Tally:
    """Counts for one part or category (or all)."""

    cases: int = 0
    placeholders: int = 0
    correct: int = 0
    wrong_confident: int = 0
    right_flagged: int = 0  # right layers the reviewer is asked about anyway
    wrong: list[str] = field(default_factory=list)
    #: (confidence, right) of every placeholder the matcher filled
    filled: list[tuple[float, bool]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.placeholders if self.placeholders else 0.0

    @property
    def confident_wrong_share(self) -> float:
        return self.wrong_confident / self.placeholders if self.placeholders else 0.0

    def merge(self, other: Tally) -> None:
        self.cases += other.cases
        self.placeholders += other.placeholders
        self.correct += other.correct
        self.wrong_confident += other.wrong_confident
        self.right_flagged += other.right_flagged
        self.wrong.extend(other.wrong)
        self.filled.extend(other.filled)


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
        if chosen is not None:
            tally.filled.append((match.confidence, chosen == want))
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


def run_cases(cases: Iterable[tuple[str, dict]], threshold: float) -> dict[str, Tally]:
    """Tallies per category for (name, case) pairs."""
    tallies: dict[str, Tally] = {}
    for name, case in cases:
        tally = tallies.setdefault(case["category"], Tally())
        run_case(case, threshold, tally, name)
    return tallies


def directory_cases(cases_dir: Path) -> list[tuple[str, dict]]:
    return [(path.stem, load_case(path)) for path in sorted(cases_dir.glob("*.json"))]


def run(cases_dir: Path, threshold: float) -> dict[str, Tally]:
    """Tallies per category for every case in ``cases_dir``."""
    return run_cases(directory_cases(cases_dir), threshold)


def totals(tallies: dict[str, Tally]) -> Tally:
    total = Tally()
    for tally in tallies.values():
        total.merge(tally)
    return total


# --------------------------------------------------------------------------------------------
# The parts


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


def _generated(generator: str, seed: int) -> Callable[[], list[tuple[str, dict]]]:
    def load() -> list[tuple[str, dict]]:
        with tempfile.TemporaryDirectory() as tmp:
            _module(generator).main(["--seed", str(seed), "--out", tmp])
            return directory_cases(Path(tmp))
    return load


def _real() -> list[tuple[str, dict]]:
    return _module("real_matching_cases").real_cases()


#: part -> (how its cases are made, tuned on or not)
PARTS: dict[str, tuple[Callable[[], list[tuple[str, dict]]], bool]] = {
    "own": (lambda: directory_cases(CASES), True),
    "own-seed99": (_generated("make_matching_cases", 99), False),
    "b": (lambda: directory_cases(CASES_B), True),
    "b-seed2": (_generated("make_matching_cases_b", 2), True),
    "b-seed3": (_generated("make_matching_cases_b", 3), False),
    "b-seed4": (_generated("make_matching_cases_b", 4), True),
    "b-seed6": (_generated("make_matching_cases_b", 6), False),
    "b-seed7": (_generated("make_matching_cases_b", 7), False),
    "c": (lambda: directory_cases(CASES_C), True),
    "c-seed2": (_generated("make_matching_cases_c", 2), True),
    "c-seed3": (_generated("make_matching_cases_c", 3), False),
    "c-seed4": (_generated("make_matching_cases_c", 4), True),
    "c-seed5": (_generated("make_matching_cases_c", 5), False),
    "c-seed6": (_generated("make_matching_cases_c", 6), False),
    "real": (_real, True),
}


def run_parts(names: Iterable[str], threshold: float) -> dict[str, dict[str, Tally]]:
    """Tallies per category, per part."""
    out: dict[str, dict[str, Tally]] = {}
    for name in names:
        load, _tuned = PARTS[name]
        with contextlib.redirect_stdout(io.StringIO()):  # the generators print what they wrote
            cases = load()
        out[name] = run_cases(cases, threshold)
    return out


# --------------------------------------------------------------------------------------------
# Report


def _row(label: str, t: Tally, tuned: str = "") -> str:
    return (
        f"{label:<22}{tuned:>6}{t.cases:>7}{t.placeholders:>14}{t.correct:>9}{t.accuracy:>10.1%}"
        f"{t.wrong_confident:>12}{t.confident_wrong_share:>9.1%}"
    )


def _header(first: str) -> list[str]:
    head = (
        f"{first:<22}{'tuned':>6}{'cases':>7}{'placeholders':>14}{'correct':>9}{'accuracy':>10}"
        f"{'conf.wrong':>12}{'share':>9}"
    )
    return [head, "-" * len(head)]


def reliability(tally: Tally) -> list[str]:
    """Confidence bucket -> filled placeholders in it and the share of them that are right."""
    head = f"{'confidence':<14}{'matches':>9}{'right':>8}{'observed accuracy':>19}"
    lines = [head, "-" * len(head)]
    for low, high in BUCKETS:
        inside = [right for conf, right in tally.filled if low <= conf < high]
        label = f"{low:.2f}-{min(high, 1.0):.2f}"
        share = f"{sum(inside) / len(inside):.1%}" if inside else "-"
        lines.append(f"{label:<14}{len(inside):>9}{sum(inside):>8}{share:>19}")
    return lines


def report(parts: dict[str, dict[str, Tally]], threshold: float, verbose: bool) -> str:
    """The tables as text."""
    lines = _header("part")
    everything = Tally()
    for name, tallies in parts.items():
        total = totals(tallies)
        everything.merge(total)
        lines.append(_row(name, total, "yes" if PARTS.get(name, (None, False))[1] else "no"))
    lines.append("-" * len(lines[0]))
    lines.append(_row("all parts", everything))
    lines += ["", *_header("part / category")]
    for name, tallies in parts.items():
        for category in sorted(tallies):
            lines.append(_row(f"{name} / {category}", tallies[category]))
    lines += ["", f"conf.wrong: wrong matches with confidence >= {threshold} (share of placeholders)"]
    lines.append(
        f"right matches flagged for review (confidence < {threshold}): {everything.right_flagged}"
    )
    lines += ["", "reliability (all parts):", *reliability(everything)]
    if verbose:
        for name, tallies in parts.items():
            wrong = totals(tallies).wrong
            if wrong:
                lines += ["", f"{name}:", *wrong]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=0.6)
    parser.add_argument("--parts", default=",".join(PARTS), help="comma-separated: " + ", ".join(PARTS))
    parser.add_argument("--cases", type=Path, help="measure this directory of case files only")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    if args.cases is not None:
        parts = {args.cases.name: run(args.cases, args.threshold)}
    else:
        names = [n.strip() for n in args.parts.split(",") if n.strip()]
        unknown = [n for n in names if n not in PARTS]
        if unknown:
            parser.error(f"unknown part(s): {', '.join(unknown)}; known: {', '.join(PARTS)}")
        parts = run_parts(names, args.threshold)
    print(report(parts, args.threshold, args.verbose))
    return 0


if __name__ == "__main__":
    sys.exit(main())
