"""Dashboard and API benchmark: 100,000 jobs, latency of the pages people and scripts hit most.

    .venv/bin/python bench/dashboard_bench.py [--jobs 100000] [--requests 40] [--database-url URL]

Fills a throw-away database (a temp SQLite file unless --database-url is given; the jobs it
makes are archived when it finishes, so a reused database is not polluted for the next run)
with ``--jobs`` jobs across every stage and status (bulk_create, ``priority_rank`` set, open
warnings on one job in ten), then times, through Django's test client:

- the dashboard page (``/dashboard/``, session of a matching reviewer), and the same page
  searching (``?q=client+5``: a scan of job id, client and project; no target),
- the board's poll (``/dashboard/board/`` as htmx asks for it) when nothing changed (its
  If-None-Match holds: 304 after the one marker query) and when something did (no validator:
  the whole board),
- the statistics (``GET /api/dashboard/stats``, bearer token),
- a stage list (``GET /api/jobs/stage/2?page_size=50``) and its next page (``cursor=``, keyset),
- an approval (``POST /api/job/<id>/approve-stage2``) of ``--requests`` distinct jobs.

Prints p50 and p95 in milliseconds as a table, with the targets: approval p95 < 20 ms,
dashboard p95 < 150 ms, statistics and lists p95 < 50 ms. Background work is only queued (django-q2's ORM broker), not run.

``--proposed-indexes`` first creates the two partial indexes the dashboard's queries are
written for (proposed_indexes() below: active jobs by stage and status, and each stage's queue
by priority then age) when the schema does not have them yet, and drops them at the end; once
they are in ``jobs.models.Job.Meta.indexes`` the flag changes nothing. ``--conn-max-age``
overrides Django's CONN_MAX_AGE (0, the default, opens a connection per request; a server
would usually keep them: 60).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

# (stage, status, share of the jobs): a pipeline in full swing, most jobs done.
MIX = [
    (0, "pending", 0.04),
    (1, "queued", 0.03),
    (1, "processing", 0.01),
    (1, "failed", 0.01),
    (2, "awaiting_review", 0.20),
    (2, "needs_attention", 0.01),
    (3, "queued", 0.02),
    (3, "awaiting_approval", 0.10),
    (4, "queued", 0.02),
    (4, "needs_attention", 0.03),
    (4, "completed", 0.53),
]
PRIORITIES = (("high", 0), ("medium", 1), ("low", 2))
JOBS_PER_BATCH = 1000
# What Stage 1 leaves on a job for Stage 2: a described PSD and the proposed matches.
PSD_DESCRIPTION = {
    "source": "design.psd", "width": 1200, "height": 1500,
    "layers": [
        {"id": 1, "name": "HEADLINE", "kind": "type", "visible": True, "bbox": [72, 80, 900, 160], "text": "HEADLINE"},
        {"id": 2, "name": "Photo", "kind": "pixel", "visible": True, "bbox": [0, 200, 1200, 1500]},
    ],
}
MATCHES = [
    {"composition": "Main", "layer_index": 1, "placeholder": "title", "psd_layer_id": 1, "psd_layer": "HEADLINE",
     "confidence": 0.95, "reason": "text layer", "placeholder_type": "text", "fit": "fit", "confirmed": False},
    {"composition": "Main", "layer_index": 2, "placeholder": "photo", "psd_layer_id": 2, "psd_layer": "Photo",
     "confidence": 0.8, "reason": "largest image", "placeholder_type": "footage", "fit": "fill", "confirmed": False},
]
TARGETS_MS = {"approve stage 2 (API)": 20.0, "dashboard page": 150.0, "stats (API)": 50.0,
              "stage 2 list (API)": 50.0, "stage 2 next page (API)": 50.0}


def proposed_indexes() -> list:
    """The indexes the dashboard needs on Job (to be added to Job.Meta.indexes by its owner)."""
    from django.db import models

    active = models.Q(archived=False)
    return [
        models.Index(fields=["stage", "status"], condition=active, name="job_active_state"),
        models.Index(fields=["stage", "priority_rank", "created_at", "id"], condition=active, name="job_active_queue"),
    ]


def ensure_proposed_indexes() -> list[str]:
    """Create the proposed indexes the schema lacks; the names of those created."""
    from django.db import connection

    from jobs.models import Job

    with connection.cursor() as cursor:
        existing = set(connection.introspection.get_constraints(cursor, Job._meta.db_table))
    created = []
    with connection.schema_editor() as editor:
        for index in proposed_indexes():
            if index.name not in existing:
                editor.add_index(Job, index)
                created.append(index.name)
    return created


def configure(args) -> Path:
    """Point the settings at a temporary data folder and the chosen database, then set Django up."""
    tmp = Path(tempfile.mkdtemp(prefix="aea-dashboard-bench-"))
    os.environ["DATA_DIR"] = str(tmp / "data")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ["STATIC_MANIFEST"] = "0"  # no collectstatic here: plain static URLs
    (tmp / "data" / "static").mkdir(parents=True)  # whitenoise's STATIC_ROOT (empty)
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # not one line per queued task
    if args.conn_max_age is not None:
        os.environ["CONN_MAX_AGE"] = str(args.conn_max_age)
    os.environ["Q_SYNC"] = "0"  # approvals queue the next stage's work; nothing runs it
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aeautomation.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    return tmp


@contextmanager
def explicit_timestamps(model, *names: str) -> Iterator[None]:
    """Let bulk_create keep the given ``auto_now_add`` values (spread over past days) for the fill."""
    fields = [model._meta.get_field(name) for name in names]
    saved = [field.auto_now_add for field in fields]
    for field in fields:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field, value in zip(fields, saved):
            field.auto_now_add = value


def drop_indexes(names: list[str]) -> None:
    from django.db import connection

    from jobs.models import Job

    with connection.schema_editor() as editor:
        for index in proposed_indexes():
            if index.name in names:
                editor.remove_index(Job, index)


def job_states(count: int, rng: random.Random) -> list[tuple[int, str]]:
    """``count`` (stage, status) pairs in MIX's proportions, shuffled."""
    states = [(stage, status) for stage, status, share in MIX for _ in range(round(share * count))]
    states = (states + [(4, "completed")] * count)[:count]
    rng.shuffle(states)
    return states


def fill(total: int, run: str, rng: random.Random) -> list[int]:
    """Create ``total`` jobs (in batches of JOBS_PER_BATCH) and their warnings; the stage-2 job pks."""
    from django.utils import timezone

    from batches.models import Batch
    from jobs.models import Job, JobWarning
    now = timezone.now()
    states = job_states(total, rng)
    for start in range(0, total, JOBS_PER_BATCH):
        batch = Batch.objects.create(name=f"bench-{run}-{start // JOBS_PER_BATCH}.csv", sha256="0" * 64,
                                     started_at=now - timedelta(days=30) + timedelta(seconds=start))
        jobs = []
        for i in range(start, min(start + JOBS_PER_BATCH, total)):
            stage, status = states[i]
            priority, rank = PRIORITIES[i % 3]
            created = now - timedelta(days=30) + timedelta(seconds=i * 25)
            stamps = {f"stage{s}_completed_at": created + timedelta(minutes=5 * s + rng.randint(0, 240))
                      for s in range(1, stage + (status == "completed"))}
            jobs.append(Job(
                batch=batch, line=i - start + 2, job_id=f"BENCH{run}-{i:06d}", psd_path="/in/design.psd",
                aepx_path="/in/template.aepx", output_name=f"out_{i:06d}.aep", client_name=f"Client {i % 97}",
                project_name=f"Project {i % 13}", priority=priority, priority_rank=rank, stage=stage, status=status,
                created_at=created, stage_entered_at=created + timedelta(minutes=5 * stage),
                psd_description=PSD_DESCRIPTION if stage >= 2 else {}, matches=MATCHES if stage >= 2 else [],
                **stamps,
            ))
        with explicit_timestamps(Job, "created_at", "stage_entered_at"):
            created_jobs = Job.objects.bulk_create(jobs, batch_size=500)
        JobWarning.objects.bulk_create(
            [JobWarning(job=job, stage=job.stage, code="bench", message="A warning to count")
             for job in created_jobs if job.pk % 10 == 0],
            batch_size=500,
        )
    return list(Job.objects.filter(job_id__startswith=f"BENCH{run}-", stage=2, status="awaiting_review")
                .values_list("job_id", flat=True))


def reviewer_with_token(run: str):
    """A staff matching reviewer (session) and an API token for it."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from review.api_auth import api_token_create

    user = get_user_model().objects.create_user(f"bench-{run}", password="bench", is_staff=True)
    user.groups.add(Group.objects.get(name="Matching reviewers"))
    return user, api_token_create(user=user, name="bench").raw


def timed(request: Callable[[], object], times: int, warmup: int = 3, status: int = 200) -> list[float]:
    """Milliseconds of each of ``times`` calls of ``request`` (after ``warmup`` untimed ones),
    each answered ``status``."""
    for _ in range(warmup):
        request()
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        response = request()
        samples.append((time.perf_counter() - start) * 1000)
        if response.status_code != status:
            raise SystemExit(f"unexpected {response.status_code}: {response.content[:300]!r}")
    return samples


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def measure(user, token: str, stage2_ids: list[str], requests: int) -> dict[str, list[float]]:
    """Time each page and endpoint through Django's test client, over HTTPS as production serves."""
    from django.test import Client

    browser = Client()
    browser.force_login(user)
    script = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    to_approve = iter(stage2_ids)
    if len(stage2_ids) < requests + 3:
        raise SystemExit(f"only {len(stage2_ids)} jobs at stage 2: use more --jobs")
    poll = {"HTTP_HX_REQUEST": "true"}
    next_page = script.get("/api/jobs/stage/2?page_size=50", secure=True).json()["next"]
    etag = browser.get("/dashboard/board/", secure=True, **poll)["ETag"]
    if time.localtime().tm_sec > 50:  # the ETag holds the minute: keep the unchanged polls in one
        time.sleep(61 - time.localtime().tm_sec)
        etag = browser.get("/dashboard/board/", secure=True, **poll)["ETag"]
    return {
        "board poll, unchanged": timed(
            lambda: browser.get("/dashboard/board/", secure=True, HTTP_IF_NONE_MATCH=etag, **poll), requests,
            status=304),
        "board poll, changed": timed(lambda: browser.get("/dashboard/board/", secure=True, **poll), requests),
        "dashboard page": timed(lambda: browser.get("/dashboard/", secure=True), requests),
        "dashboard, searching": timed(lambda: browser.get("/dashboard/?q=client+5", secure=True), requests),
        "stats (API)": timed(lambda: script.get("/api/dashboard/stats", secure=True), requests),
        "stage 2 list (API)": timed(lambda: script.get("/api/jobs/stage/2?page=1&page_size=50", secure=True), requests),
        "stage 2 next page (API)": timed(  # keyset: the page after the first's last row
            lambda: script.get(f"/api/jobs/stage/2?page_size=50&cursor={next_page}", secure=True), requests),
        "approve stage 2 (API)": timed(
            lambda: script.post(f"/api/job/{next(to_approve)}/approve-stage2", "", content_type="application/json",
                                secure=True),
            requests,
        ),
    }


def report(results: dict[str, list[float]], total: int, vendor: str) -> bool:
    """Print the table; whether every target is met."""
    print(f"\n{total:,} jobs on {vendor}")
    print(f"{'request':<24} {'n':>4} {'p50 ms':>8} {'p95 ms':>8}  target")
    ok = True
    for name, samples in results.items():
        p50, p95 = statistics.median(samples), percentile(samples, 95)
        target = TARGETS_MS.get(name)
        verdict = ""
        if target is not None:
            met = p95 < target
            ok &= met
            verdict = f"p95 < {target:.0f} ms: {'met' if met else 'MISSED'}"
        print(f"{name:<24} {len(samples):>4} {p50:>8.1f} {p95:>8.1f}  {verdict}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40, help="timed requests per row of the table")
    parser.add_argument("--database-url", default="", help="a throw-away database (default: a temp SQLite file)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--proposed-indexes", action="store_true", help="create proposed_indexes() if missing")
    parser.add_argument("--conn-max-age", type=int, default=None,
                        help="Django's CONN_MAX_AGE for the run (default: as configured, 0 unless set)")
    args = parser.parse_args()
    configure(args)

    from django.core.management import call_command
    from django.db import connection

    from jobs.models import Job

    call_command("migrate", verbosity=0)
    run = time.strftime("%H%M%S")
    started = time.perf_counter()
    stage2_ids = fill(args.jobs, run, random.Random(args.seed))
    print(f"filled {args.jobs:,} jobs in {time.perf_counter() - started:.1f} s")
    created = ensure_proposed_indexes() if args.proposed_indexes else []
    if args.proposed_indexes:
        print(f"proposed indexes: {', '.join(created) + ' created for this run' if created else 'already there'}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # what autovacuum does soon after a bulk load
            cursor.execute("VACUUM ANALYZE")
    user, token = reviewer_with_token(run)
    try:
        results = measure(user, token, stage2_ids, args.requests)
        setup = f"{connection.vendor}, CONN_MAX_AGE={connection.settings_dict['CONN_MAX_AGE']}"
        ok = report(results, args.jobs, setup + (", proposed indexes" if args.proposed_indexes else ""))
    finally:
        Job.objects.filter(job_id__startswith=f"BENCH{run}-").update(archived=True)
        drop_indexes(created)  # leave a reused database's schema as it was
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
