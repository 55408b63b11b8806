"""Priority first: how long a high-priority job waits behind a backlog of low ones.

    .venv/bin/python bench/queue_bench.py [--backlog 22,100] [--repeat 3] [--database-url URL]

A real ``qcluster`` with one worker (ORM broker) and a backlog of N low-priority jobs, each with
its own PSD (so Stage 1 really parses each one). Once the worker has claimed its first low job,
one high-priority job is uploaded and started, its task sent after all the backlog's. The
benchmark records how long the high job waited from being queued to being claimed, how many
low jobs were claimed in between (0 when priority holds: only the job already at work finishes
first), and what the wait would have been in queue order (the jobs ahead of it times the median
Stage 1 time of the run). Then two batches of one priority (a big one uploaded first, a small
one after) share the worker: the order of their claims shows whether they take turns.

Throw-away state as in bench/pipeline_bench.py (a temp SQLite file unless --database-url).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from pipeline_bench import Clusters, ensure_postgres_database, table, write_inputs  # noqa: E402

PREFIX = "QB-"


def clear(force: bool) -> None:
    from django_q.models import OrmQ, Task

    from batches.models import Batch
    from jobs.models import Job, ParsedFile

    if Job.objects.exclude(job_id__startswith=PREFIX).exists() and not force:
        raise SystemExit("the database holds jobs this benchmark did not make; use a database of its own (or --force)")
    Job.objects.all().delete()
    Batch.objects.all().delete()
    ParsedFile.objects.all().delete()
    OrmQ.objects.all().delete()
    Task.objects.all().delete()


def upload(user, name: str, psds: list[str], priority: str, count: int, offset: int = 0):
    from batches.services import batch_import, batch_start

    header = "job_id,psd_path,aepx_path,output_name,client_name,project_name,priority,notes\n"
    stamp = time.strftime("%H%M%S")
    lines = [f"{PREFIX}{stamp}-{name}-{i:04d},demo/{psds[(offset + i) % len(psds)]},demo/gameday-card.aepx,"
             f"out_{name}_{i:04d}.aep,Client,Bench,{priority},\n" for i in range(count)]
    result = batch_import(data=(header + "".join(lines)).encode(), filename=f"{name}.csv", user=user)
    if not result.ok:
        raise SystemExit(f"import refused: {result.report.errors[:3]}")
    batch_start(batch=result.batch, user=user)
    return result.batch


def wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.05)


def stage1_seconds(batch) -> float:
    """The median time from claim to ingested of the batch's jobs."""
    from jobs.models import JobLog

    claims = dict(JobLog.objects.filter(job__batch=batch, action="claim").values_list("job_id", "created_at"))
    done = JobLog.objects.filter(job__batch=batch, action="ingested").values_list("job_id", "created_at")
    spans = [(at - claims[pk]).total_seconds() for pk, at in done if pk in claims]
    return statistics.median(spans) if spans else float("nan")


def run_high_behind(*, backlog: int, psds, env, run_dir: Path, user, force: bool) -> dict:
    from django.conf import settings

    from jobs.models import Job, JobLog, Stage

    clear(force)
    settings.MEDIA_ROOT = str(run_dir / "media")
    low = upload(user, "low", psds, "low", backlog)
    clusters = Clusters([1], {**env, "MEDIA_ROOT": settings.MEDIA_ROOT}, run_dir)
    try:
        clusters.wait_ready()
        wait(lambda: JobLog.objects.filter(action="claim").exists(), 120, "the first claim")
        rush = upload(user, "rush", psds, "high", 1, offset=backlog)
        job = Job.objects.get(batch=rush)
        queued = JobLog.objects.get(job=job, action="start").created_at
        wait(lambda: JobLog.objects.filter(job=job, action="claim").exists(), 600, "the high job's claim")
        claimed = JobLog.objects.get(job=job, action="claim").created_at
        between = JobLog.objects.filter(action="claim", created_at__gt=queued, created_at__lt=claimed).count()
        wait(lambda: JobLog.objects.filter(job=job, action="ingested").exists(), 600, "the high job ingested")
        ahead = Job.objects.filter(batch=low, stage=Stage.INGEST).count()  # still waiting when it was done
    finally:
        clusters.stop()
    per_job = stage1_seconds(low)
    fifo_ahead = backlog - 1  # the backlog's tasks all came first; one was at work already
    return {"backlog": backlog, "wait": (claimed - queued).total_seconds(), "between": between,
            "left": ahead, "fifo": fifo_ahead * per_job, "per_job": per_job}


def run_turns(*, psds, env, run_dir: Path, user, force: bool, big: int = 20, small: int = 5) -> str:
    from django.conf import settings

    from jobs.models import Job, JobLog, Stage, Status

    clear(force)
    settings.MEDIA_ROOT = str(run_dir / "media-turns")
    first = upload(user, "big", psds, "medium", big)
    second = upload(user, "small", psds, "medium", small, offset=big)
    clusters = Clusters([1], {**env, "MEDIA_ROOT": settings.MEDIA_ROOT}, run_dir)
    try:
        clusters.wait_ready()
        total = big + small
        wait(lambda: Job.objects.filter(stage__gt=Stage.INGEST).exclude(status=Status.FAILED).count() >= total,
             900, "both batches ingested")
    finally:
        clusters.stop()
    names = {first.pk: "B", second.pk: "s"}
    return "".join(names[b] for b in JobLog.objects.filter(action="claim").order_by("id")
                   .values_list("job__batch_id", flat=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backlog", default="22,100", help="comma-separated backlog sizes (low jobs)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.backlog.split(",") if x.strip()]

    tmp = Path(tempfile.mkdtemp(prefix="aea-queue-bench-"))
    try:
        inputs = tmp / "in"
        database_url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
        env = {"DATA_DIR": str(tmp / "data"), "INPUT_ROOTS": str(inputs), "DEPLOY_ROOT": str(tmp / "deploy"),
               "DATABASE_URL": database_url, "Q_SYNC": "0"}
        os.environ.update(env, LOG_LEVEL="WARNING")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aeautomation.settings")
        if database_url.startswith("postgres"):
            ensure_postgres_database(database_url)
        psds = write_inputs(inputs / "demo", max(sizes) + 26)

        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        user = get_user_model().objects.filter(username="queue-bench").first() or \
            get_user_model().objects.create_superuser("queue-bench", "bench@example.com", None)
        print(f"database: {connection.vendor}; {os.cpu_count()} cores; one worker")
        cluster_env = {**os.environ, **env, "LOG_LEVEL": "INFO"}
        rows = []
        for size in sizes:
            runs = []
            for n in range(args.repeat):
                run_dir = Path(tempfile.mkdtemp(prefix=f"run-{size}-{n}-", dir=tmp))
                runs.append(run_high_behind(backlog=size, psds=psds, env=cluster_env, run_dir=run_dir, user=user,
                                            force=args.force))
                print(f"  backlog {size}: high job claimed after {runs[-1]['wait']:.1f} s, "
                      f"{runs[-1]['between']} low claims in between", flush=True)
            rows.append([size, len(runs), f"{statistics.median(r['wait'] for r in runs):.1f}",
                         f"{max(r['wait'] for r in runs):.1f}", max(r["between"] for r in runs),
                         f"{statistics.median(r['per_job'] for r in runs):.2f}",
                         f"{statistics.median(r['fifo'] for r in runs):.1f}",
                         min(r["left"] for r in runs)])
        turns = run_turns(psds=psds, env=cluster_env, run_dir=Path(tempfile.mkdtemp(dir=tmp)), user=user,
                          force=args.force)
        clear(args.force)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("\nA high-priority job queued behind a backlog of low ones (one worker):")
    table(["low backlog", "runs", "median wait s", "max wait s", "low claims in between", "stage 1 s per job",
           "wait in queue order s", "low jobs still waiting after it"], rows)
    print("\nTwo batches of one priority on one worker, in claim order (B = 20-job batch uploaded first, "
          f"s = 5-job batch after it):\n  {turns}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
