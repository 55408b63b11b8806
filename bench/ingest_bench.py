"""Stage 1 benchmark.

    .venv/bin/python bench/ingest_bench.py [--jobs 100] [--repeat 5]

(a) N jobs sharing one PSD and one template, ingested through the real stage-1 task (claim,
    parse once thanks to the content-addressed cache, export, match, store); seconds per job
    amortised. Target here: <= 0.2 s per job for 100 jobs.
(b) The same PSD read and exported by bare psd-tools (open; each visible content layer's
    pixels, or its composite where it has masks or effects, saved as PNG with a 256 px thumbnail;
    the stored flattened image, or a composite, likewise) and by our reader (which also checks
    limits and converts to sRGB), side by side. Target: ours within 1.5x of bare psd-tools.
(c) Template parse time of ../shared/fixtures/aepx/split-screen.aepx (670 KB). Target <= 50 ms.

Uses a throw-away SQLite database and temporary folders. Prints tables.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("AEA_SHARED_FIXTURES", REPO.parent / "shared" / "fixtures"))
sys.path.insert(0, str(REPO))


def table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    print(f"\n{title}\n")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(str(x).ljust(w) for x, w in zip(row, widths)) + " |")


def bench_jobs(n: int, tmp: Path) -> list[str]:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from batches.services import batch_import, batch_start
    from jobs.demo import batch_csv, write_demo_inputs
    from jobs.models import Job, Stage, Status
    from jobs.runner import run_stage_work

    write_demo_inputs(Path(os.environ["INPUT_ROOTS"]) / "demo")
    user = get_user_model().objects.create_superuser("bench", "b@example.com", "x")
    rows = [(f"I-{i:04d}", "gameday-avery.psd", "C", "P", "medium") for i in range(n)]
    result = batch_import(data=batch_csv(rows, folder="demo").encode(), filename="b.csv", user=user)
    assert result.ok, result.report.errors[:3]
    with transaction.atomic():
        batch_start(batch=result.batch, user=user)  # queued; the tasks are run below, in order
    pks = list(Job.objects.order_by("pk").values_list("pk", flat=True))
    t0 = time.perf_counter()
    first = None
    for pk in pks:
        run_stage_work(job_pk=pk, stage=Stage.INGEST)
        if first is None:
            first = time.perf_counter() - t0
    total = time.perf_counter() - t0
    done = Job.objects.filter(stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW).count()
    assert done == n, f"only {done} of {n} jobs reached review"
    per_job = total / n
    return [str(n), f"{first:.2f}", f"{total:.2f}", f"{per_job:.3f}", "<= 0.200", "met" if per_job <= 0.2 else "MISSED"]


def save_with_thumbnail(image, out: Path, name: str) -> None:
    image.save(out / f"{name}.png")
    thumb = image.copy()
    thumb.thumbnail((256, 256))
    thumb.save(out / f"{name}-thumb.png")


def bare_psd_tools(path: Path, out: Path) -> None:
    """The same outputs with bare psd-tools: each visible layer and the flattened image, thumbnails."""
    from psd_tools import PSDImage

    psd = PSDImage.open(path)
    for layer in psd.descendants():
        if layer.is_group() or not layer.is_visible() or layer.bbox[2] <= layer.bbox[0]:
            continue
        image = layer.topil() if layer.kind == "pixel" and not layer.has_mask() else layer.composite()
        if image is not None:
            save_with_thumbnail(image, out, str(layer.layer_id))
    flattened = psd.topil() if psd.has_preview() else psd.composite()
    save_with_thumbnail(flattened, out, "flattened")


def ours(path: Path, out: Path) -> None:
    from jobs.formats.psd import export_psd

    export_psd(path, out)


def best_of(fn, path: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            fn(path, Path(out))
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_psd(tmp: Path, repeat: int) -> list[list[str]]:
    from jobs.demo import PLAYERS, write_player_psd

    files = [write_player_psd(tmp / "poster.psd", PLAYERS[0])]
    for name in ("artboard.psd", "text.psd", "layers_smartobject-layer.psd"):
        if (SHARED / "psd" / name).exists():
            files.append(SHARED / "psd" / name)
    rows = []
    for path in files:
        bare = best_of(bare_psd_tools, path, repeat)
        mine = best_of(ours, path, repeat)
        ratio = mine / bare
        rows.append([path.name, f"{bare * 1000:.0f}", f"{mine * 1000:.0f}", f"{ratio:.2f}x", "<= 1.5x",
                     "met" if ratio <= 1.5 else "MISSED"])
    return rows


def bench_template(repeat: int) -> list[str]:
    from jobs.formats.aep import read_template

    path = SHARED / "aepx" / "split-screen.aepx"
    if not path.exists():
        return [path.name, "absent", "", "", ""]
    times = []
    for _ in range(max(repeat, 10)):
        t0 = time.perf_counter()
        read_template(path)
        times.append(time.perf_counter() - t0)
    median = statistics.median(times) * 1000
    return [path.name, f"{path.stat().st_size // 1024} KB", f"{median:.1f}", "<= 50", "met" if median <= 50 else "MISSED"]


def main() -> None:
    parser = argparse.ArgumentParser(description="Stage 1 benchmark")
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="aea-ingest-bench-"))
    os.environ.update(
        DATA_DIR=str(tmp / "data"), INPUT_ROOTS=str(tmp / "in"), MEDIA_ROOT=str(tmp / "media"),
        DEPLOY_ROOT=str(tmp / "deploy"), DATABASE_URL=f"sqlite:///{tmp / 'bench.sqlite3'}", Q_SYNC="0",
        DJANGO_SETTINGS_MODULE="aeautomation.settings", LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    table("(a) Stage 1 through the real task, jobs sharing one PSD and one template",
          ["jobs", "first job s", "total s", "s per job", "target", ""], [bench_jobs(args.jobs, tmp)])
    table("(b) PSD read + export: bare psd-tools vs our reader (median ms)",
          ["file", "psd-tools", "ours", "ratio", "target", ""], bench_psd(tmp, args.repeat))
    table("(c) Template parse (median ms)", ["file", "size", "ms", "target", ""], [bench_template(args.repeat)])


if __name__ == "__main__":
    main()
