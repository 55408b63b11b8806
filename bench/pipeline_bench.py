"""Pipeline throughput: jobs per minute through Stages 1 -> 3, with one worker and with two.

    .venv/bin/python bench/pipeline_bench.py [--jobs 100] [--configs w1,w2,c2] [--repeat 3]
                                            [--database-url URL]

Each configuration runs real django-q2 clusters (``manage.py qcluster``, ORM broker) on a batch
of N jobs, each with its own PSD (distinct content, so the parse cache never hits and every job
is parsed, exported, matched and rendered), from Stage 1 to Stage 3: the benchmark approves each
job's matching with ``job_approve_matching`` as soon as it awaits review, as a reviewer would,
and stops the clock when every job's script and preview are ready (Stage 3, awaiting approval).
The clock starts when the clusters are up and the batch is started (tasks sent).

Configurations:  w1 = one cluster, Q_WORKERS=1;  w2 = one cluster, Q_WORKERS=2;
                 c2 = two clusters, Q_WORKERS=1 each (scale-out on one machine).

Throw-away state: a temp SQLite file (WAL) unless --database-url is given (e.g. a PostgreSQL
database made for this: it is created if missing and migrated; the benchmark deletes its jobs,
batches, parse cache and queue between configurations and refuses to run on a database holding
jobs it did not make). DATA_DIR, MEDIA_ROOT (a fresh one per run), INPUT_ROOTS and DEPLOY_ROOT
are temp folders. Prints each run (with the load average before it) and a summary: the median
jobs/min of each configuration and its speed-up over the median of w1. Wall time depends on what
else the machine runs; on a shared virtual machine the same run varies by 10-15 %, hence repeats.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PREFIX = "PB-"
POLL = 0.2  # seconds between the benchmark's looks at the jobs (and approvals)
CONFIGS = {
    "w1": ("1 cluster x 1 worker", [1]),
    "w2": ("1 cluster x 2 workers", [2]),
    "c2": ("2 clusters x 1 worker", [1, 1]),
}


def table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(str(x).ljust(w) for x, w in zip(row, widths)) + " |")


def _write_variant(args: tuple[str, int]) -> str:
    from jobs.demo import Player, write_player_psd

    folder, i = args
    player = Player(f"b{i}", f"PLAYER {i:04d}", f"HOME {i} vs AWAY {i}", f"SAT {i % 12 + 1}:{i % 60:02d} PM",
                    ((37 * i) % 256, (91 + 53 * i) % 256, (150 + 29 * i) % 256))
    return write_player_psd(Path(folder) / f"player-{i:04d}.psd", player).name


def write_inputs(folder: Path, count: int) -> list[str]:
    """The demo template and ``count`` distinct player PSDs (written on every core)."""
    from jobs.demo import write_template_file

    folder.mkdir(parents=True, exist_ok=True)
    write_template_file(folder / "gameday-card.aepx")
    with multiprocessing.get_context("spawn").Pool(os.cpu_count() or 1) as pool:
        return pool.map(_write_variant, [(str(folder), i) for i in range(count)])


def ensure_postgres_database(url: str) -> None:
    """Create the database named in ``url`` if it does not exist yet."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    db = dj_database_url.parse(url)
    params = dict(host=db.get("HOST") or "127.0.0.1", port=db.get("PORT") or 5432, user=db.get("USER") or None,
                  password=db.get("PASSWORD") or None, dbname="postgres")
    with psycopg.connect(autocommit=True, **{k: v for k, v in params.items() if v is not None}) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db["NAME"],)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))


class Clusters:
    """``qcluster`` processes for one run, each in its own process group."""

    def __init__(self, workers: list[int], env: dict, logs: Path):
        self.processes = []
        self.logs = []
        self.cpu_seconds = 0.0  # CPU time of the clusters' processes (known once they stopped)
        for n, count in enumerate(workers):
            log = logs / f"cluster-{n}.log"
            self.logs.append(log)
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, str(REPO / "manage.py"), "qcluster"],
                    cwd=REPO, env={**env, "Q_WORKERS": str(count)}, stdout=open(log, "ab"),
                    stderr=subprocess.STDOUT, start_new_session=True,
                )
            )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all("] running." in log.read_text(errors="replace") for log in self.logs):
                return
            if any(p.poll() is not None for p in self.processes):
                break
            time.sleep(0.1)
        raise RuntimeError(f"clusters did not start; see {', '.join(map(str, self.logs))}")

    def stop(self) -> None:
        # SIGTERM to each main process only: it stops its pusher, workers and monitor in order (a
        # SIGTERM to the whole group kills the children at once and leaves the sentinel waiting).
        for p in self.processes:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 60
        for p in self.processes:
            while p.returncode is None and time.monotonic() < deadline:
                pid, status, usage = os.wait4(p.pid, os.WNOHANG)
                if pid:
                    p.returncode = os.waitstatus_to_exitcode(status)
                    # The whole tree: the sentinel and its workers were waited for by their parents.
                    self.cpu_seconds += usage.ru_utime + usage.ru_stime
                else:
                    time.sleep(0.05)
            if p.returncode is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
                self.cpu_seconds = float("nan")


def clear_pipeline_data(force: bool) -> None:
    from django_q.models import OrmQ, Task

    from batches.models import Batch
    from jobs.models import Job, LearnedMapping, ParsedFile

    foreign = Job.objects.exclude(job_id__startswith=PREFIX)
    if foreign.exists() and not force:
        raise SystemExit(f"the database holds {foreign.count()} jobs this benchmark did not make; "
                         "use a database of its own (or --force)")
    Job.objects.all().delete()
    Batch.objects.all().delete()
    ParsedFile.objects.all().delete()
    LearnedMapping.objects.all().delete()
    OrmQ.objects.all().delete()
    Task.objects.all().delete()


def run_once(*, config: str, jobs: int, psds: list[str], env: dict, tmp: Path, user, force: bool,
             timeout: float) -> dict:
    from django.conf import settings
    from django.db.models import Count, Q

    from batches.services import batch_import, batch_start
    from jobs.models import Job, JobLog, Stage, Status
    from jobs.services import job_approve_matching
    from jobs.transitions import TransitionError

    label, workers = CONFIGS[config]
    clear_pipeline_data(force)
    run_dir = Path(tempfile.mkdtemp(prefix=f"run-{config}-", dir=tmp))
    media = run_dir / "media"
    settings.MEDIA_ROOT = str(media)
    header = "job_id,psd_path,aepx_path,output_name,client_name,project_name,priority,notes\n"
    stamp = time.strftime("%H%M%S")
    lines = [f"{PREFIX}{stamp}-{config}-{i:04d},demo/{psds[i % len(psds)]},demo/gameday-card.aepx,"
             f"out_{i:04d}.aep,Client,Bench,medium,\n" for i in range(jobs)]
    result = batch_import(data=(header + "".join(lines)).encode(), filename="bench.csv", user=user)
    if not result.ok:
        raise SystemExit(f"import refused: {result.report.errors[:3]}")

    load = os.getloadavg()[0]
    clusters = Clusters(workers, {**env, "MEDIA_ROOT": str(media)}, run_dir)
    try:
        clusters.wait_ready()
        start, own_cpu = time.monotonic(), time.process_time()
        batch_start(batch=result.batch, user=user)
        stage1_done = None
        deadline = start + timeout
        # One query per poll for the counts (this process shares the machine with the workers).
        counts = dict(
            past_stage1=Count("pk", filter=Q(stage__gt=Stage.INGEST) & ~Q(status=Status.FAILED)),
            ready=Count("pk", filter=Q(stage=Stage.APPROVE_PREVIEW, status=Status.AWAITING_APPROVAL)),
            failed=Count("pk", filter=Q(status=Status.FAILED)),
        )
        while True:
            for job in Job.objects.filter(stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW):
                try:
                    job_approve_matching(job=job, user=user, approve_anyway=True)
                except TransitionError:
                    pass
            now = Job.objects.filter(batch=result.batch).aggregate(**counts)
            if stage1_done is None and now["past_stage1"] >= jobs:
                stage1_done = time.monotonic() - start
            if now["failed"]:
                failed = list(Job.objects.filter(status=Status.FAILED).values_list("job_id", "last_error")[:3])
                raise SystemExit(f"jobs failed: {failed}")
            if now["ready"] == jobs:
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"timed out: {now['ready']} of {jobs} previews ready after {timeout:.0f} s")
            time.sleep(POLL)
        elapsed = time.monotonic() - start
        own_cpu = time.process_time() - own_cpu
    finally:
        clusters.stop()
    claims = JobLog.objects.filter(action="claim").count()
    return {
        "config": config, "label": label, "workers": sum(workers), "jobs": jobs, "stage1": stage1_done,
        "elapsed": elapsed, "per_min": jobs / elapsed * 60, "load": load, "claims": claims,
        "cluster_cpu": clusters.cpu_seconds, "bench_cpu": own_cpu,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100, help="jobs per run, each with its own PSD")
    parser.add_argument("--configs", default="w1,w2,c2", help="comma-separated: " + ", ".join(CONFIGS))
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each configuration (interleaved); the summary gives their median")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds per run before giving up")
    parser.add_argument("--force", action="store_true", help="clear a database holding other jobs too")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (inputs, media, cluster logs)")
    args = parser.parse_args(argv)
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    unknown = [c for c in configs if c not in CONFIGS]
    if unknown:
        parser.error(f"unknown configuration(s): {', '.join(unknown)}")

    tmp = Path(tempfile.mkdtemp(prefix="aea-pipeline-bench-"))
    try:
        return run_all(args, configs, tmp)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def run_all(args, configs: list[str], tmp: Path) -> int:
    inputs = tmp / "in"
    database_url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    env = {
        "DATA_DIR": str(tmp / "data"),
        "MEDIA_ROOT": str(tmp / "media"),
        "INPUT_ROOTS": str(inputs),
        "DEPLOY_ROOT": str(tmp / "deploy"),
        "DATABASE_URL": database_url,
        "Q_SYNC": "0",
    }
    os.environ.update(env, LOG_LEVEL="WARNING")  # this process; the clusters log at INFO (below)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aeautomation.settings")
    if database_url.startswith("postgres"):
        ensure_postgres_database(database_url)

    t = time.monotonic()
    psds = write_inputs(inputs / "demo", args.jobs)
    print(f"inputs: {len(psds)} distinct PSDs and one template in {inputs} ({time.monotonic() - t:.0f} s)")

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.filter(username="pipeline-bench").first()
    if user is None:
        user = get_user_model().objects.create_superuser("pipeline-bench", "bench@example.com", None)
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']}); {os.cpu_count()} cores")

    results = []
    for _ in range(args.repeat):
        for config in configs:
            r = run_once(config=config, jobs=args.jobs, psds=psds, env={**os.environ, **env, "LOG_LEVEL": "INFO"},
                         tmp=tmp, user=user,
                         force=args.force, timeout=args.timeout)
            results.append(r)
            print(f"  {r['label']}: {r['jobs']} jobs in {r['elapsed']:.1f} s "
                  f"({r['per_min']:.1f} jobs/min; load before {r['load']:.2f})", flush=True)
    clear_pipeline_data(args.force)

    by_config = {c: [r for r in results if r["config"] == c] for c in configs}
    base_rate = statistics.median(r["per_min"] for r in by_config["w1"]) if by_config.get("w1") else None
    rows = []
    for r in results:
        speed_up = f"{r['per_min'] / base_rate:.2f}x" if base_rate else "-"
        rows.append([r["label"], r["workers"], r["jobs"], f"{r['stage1']:.1f}", f"{r['elapsed']:.1f}",
                     f"{r['per_min']:.1f}", speed_up, r["claims"], f"{r['cluster_cpu']:.1f}",
                     f"{r['bench_cpu']:.1f}", f"{r['load']:.2f}"])
    print("\nEach run (speed-up against the median of the one-worker runs):")
    table(["configuration", "workers", "jobs", "stage 1 done s", "stages 1-3 s", "jobs/min", "speed-up vs w1",
           "claims", "cluster cpu s", "bench cpu s", "load before"], rows)
    summary = []
    for runs in by_config.values():
        rates = [r["per_min"] for r in runs]
        median = statistics.median(rates)
        summary.append([runs[0]["label"], runs[0]["workers"], len(runs), f"{median:.1f}",
                        f"{min(rates):.1f}-{max(rates):.1f}",
                        f"{median / base_rate:.2f}x" if base_rate else "-"])
    print("\nSummary (median of the runs of each configuration):")
    table(["configuration", "workers", "runs", "median jobs/min", "range", "speed-up vs w1"], summary)
    print("\njobs/min: jobs through Stage 1 (parse, export, match) and Stage 3 (script, preview) per minute of "
          "wall time; the benchmark approves Stage 2 itself. claims: 2 per job when nothing was redone. "
          "cluster cpu s: CPU time of all the clusters' processes (workers, pusher, monitor, sentinel), "
          "including their start and stop; bench cpu s: this process (polling, approving).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
