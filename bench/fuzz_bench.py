"""Run a longer fuzzing campaign of the untrusted-file readers than the test suite does.

The same seeds, mutators and worker subprocesses as ``jobs/tests/formats/test_fuzz.py``
(memory limit, per-input timer, a dead or stuck worker replaced), at a larger scale or under
another seed. Prints per family and per mutator how many inputs were accepted, refused or
failed, the slowest input and the worker's peak memory, and the throughput; failing inputs are
copied into ``--keep`` with their rng keys.

    .venv/bin/python bench/fuzz_bench.py [--scale 10] [--seed NAME] [--workers 2] [--keep DIR]

Exit status 1 when any input failed (crashed, invalid description, hang, memory, worker died).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=5.0, help="inputs per mutator, times the test's (default 5)")
    parser.add_argument("--seed", default="bench-1", help="AEA_FUZZ_SEED of the campaign")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None, help="copy failing inputs (and a JSON summary) here")
    args = parser.parse_args()
    os.environ["AEA_FUZZ_SEED"] = args.seed  # the workers regenerate inputs from it: set before they start

    from jobs.tests.formats import test_fuzz as fuzz

    fuzz.FUZZ_SEED = args.seed
    fuzz.WORKERS = args.workers
    workdir = Path(tempfile.mkdtemp(prefix="fuzz-bench-"))
    try:
        seeds = fuzz.build_seeds(workdir / "seeds")
        cases = fuzz.build_cases(seeds, scale=args.scale)
        started = time.perf_counter()
        results = fuzz.run_cases(cases, seeds, workdir)
        seconds = time.perf_counter() - started
        pairs = {family: [(c, results[c["i"]]) for c in cases if c["family"] == family] for family in fuzz.PLAN}
        exports = [(c, r["export"]) for c, r in pairs["psd"] if "export" in r]
        for family, family_pairs in pairs.items():
            print(fuzz._summary(f"[{family}]", family_pairs))
        print(fuzz._summary("[export_psd]", exports))
        shared = sum(seed.shared for seed in seeds)
        print(f"\n{len(cases)} inputs + {len(exports)} exports in {seconds:.1f} s "
              f"({(len(cases) + len(exports)) / seconds:.0f}/s) on {args.workers} worker(s); seed {args.seed!r}, "
              f"scale {args.scale}; {len(seeds)} seeds ({shared} shared real fixtures)")
        failed = [(c, r) for group in [*pairs.values(), exports] for c, r in group
                  if r["outcome"] not in fuzz.OK_OUTCOMES]
        if failed:
            print("\n" + fuzz._failures_message(failed))
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                for _case, result in failed:
                    if result.get("saved") and Path(result["saved"]).exists():
                        shutil.copy(result["saved"], args.keep)
                summary = [{"rng_key": f"{args.seed}|{c['family']}|{c['seed']}|{c['mutator']}|{c['n']}", **c, **r}
                           for c, r in failed]
                (args.keep / "failures.json").write_text(json.dumps(summary, indent=2, default=str))
                print(f"\nfailing inputs copied to {args.keep}")
            else:
                print("\n(the saved inputs are removed on exit: rerun with --keep DIR to keep them, or regenerate one"
                      " with `python -m jobs.tests.formats.test_fuzz case FAMILY SEED MUTATOR N OUT` under its seed)")
        return 1 if failed else 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
