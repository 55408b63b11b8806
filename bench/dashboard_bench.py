"""Dashboard and API benchmark: 100,000 jobs (or a million), latency of the pages people and scripts hit most.

    .venv/bin/python bench/dashboard_bench.py [--jobs 100000] [--requests 40]
        [--sqlite FILE [--keep] | --database-url URL] [--conn-max-age 60]

Fills a throw-away database with ``--jobs`` jobs and ten audit rows each (bench/bench_fill.py:
set-based INSERT … SELECT, a year of a studio's work across every stage and status, ~100
clients, a share archived, warnings on one job in ten, one job with 2,000 audit rows), then
times, through Django's test client:

- the dashboard page (``/dashboard/``, session of a matching reviewer), and the same page
  searching for a job id fragment (``?q=ACME-2026-0045``) and for a client (``?q=Nimbus``),
- the board's poll (``/dashboard/board/`` as htmx asks for it) when nothing changed (its
  If-None-Match holds: 304 after the one marker query) and when something did (no validator:
  the whole board),
- the statistics (``GET /api/dashboard/stats``, bearer token),
- a stage list (``GET /api/jobs/stage/2?page_size=50``) and its next page (``cursor=``, keyset),
- the job page of the job with 2,000 audit rows (``/dashboard/job/<pk>/``) and a page of its
  log through the API (``GET /api/job/<job_id>/logs?before=…``, the third page),
- an approval (``POST /api/job/<id>/approve-stage2``) of ``--requests`` distinct jobs.

Prints p50 and p95 in milliseconds as a table, with the targets (issue 18): dashboard page and
search p95 < 150 ms, API lists and stats < 50 ms, approval < 20 ms. Background work is only
queued (django-q2's ORM broker), not run.

Where: a temp SQLite file (removed afterwards) by default; ``--sqlite FILE`` a file of your
choice, which ``--keep`` keeps, filled, for the next run (fill once, measure many times: a
kept file already holding a fill of ``--jobs`` jobs is measured as it is; each run approves
``--requests`` more of its Stage 2 jobs); ``--database-url`` a PostgreSQL (or other) database,
which must be empty (create a throw-away one: ``createdb bench``) or hold an earlier fill
(``--keep``). Without ``--keep`` a database URL's fill is archived at the end (not deleted:
the audit log is append-only), so the next run must use a new database.

``--conn-max-age`` overrides Django's CONN_MAX_AGE (0, the default, opens a connection per
request; a server would usually keep them: 60).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_fill import MATCHES, MIX, PSD_DESCRIPTION  # noqa: E402, F401  (re-exported: bulk_bench.py)

DASHBOARD_MS, API_MS, APPROVAL_MS = 150.0, 50.0, 20.0
TARGETS_MS = {
    "dashboard page": DASHBOARD_MS, "search, job id": DASHBOARD_MS, "search, client": DASHBOARD_MS,
    "stats (API)": API_MS, "stage 2 list (API)": API_MS, "stage 2 next page (API)": API_MS,
    "job log page (API)": API_MS,
    "approve stage 2 (API)": APPROVAL_MS,
}


def configure(args) -> Path:
    """Point the settings at a temporary data folder and the chosen database, then set Django up."""
    tmp = Path(tempfile.mkdtemp(prefix="aea-dashboard-bench-"))
    os.environ["DATA_DIR"] = str(tmp / "data")
    sqlite = Path(args.sqlite).resolve() if args.sqlite else tmp / "bench.sqlite3"
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{sqlite}"
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


def reviewer_with_token(run: str):
    """A staff matching reviewer (session) and an API token for it."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from review.api_auth import api_token_create

    user = get_user_model().objects.create_user(f"bench-{run}", password="bench", is_staff=True)
    user.groups.add(Group.objects.get(name="Matching reviewers"))
    return user, api_token_create(user=user, name="bench").raw


def stage2_jobs(count: int, exclude: str | None) -> list[str]:
    """``count`` job ids awaiting matching review, spread over the whole table (old and new)."""
    from jobs.models import Job

    waiting = Job.objects.filter(stage=2, status="awaiting_review", archived=False).exclude(job_id=exclude or "")
    low, high = Job.objects.order_by("pk").values_list("pk", flat=True).first(), \
        Job.objects.order_by("-pk").values_list("pk", flat=True).first()
    found = []
    for i in range(count):
        start = low + (high - low) * i // count
        job_id = waiting.filter(pk__gte=start).order_by("pk").values_list("job_id", flat=True).first()
        if job_id and job_id not in found:
            found.append(job_id)
    return found


def search_terms() -> tuple[str, str]:
    """A job id fragment of a mid-table job (``ACME-2026-0045``) and a client's name, as people type them."""
    from jobs.models import Job

    total = Job.objects.count()
    job = Job.objects.filter(pk__gte=Job.objects.order_by("pk").values_list("pk", flat=True).first() + total // 2) \
        .order_by("pk").values("job_id", "client_name").first()
    return job["job_id"][:-2], job["client_name"].split()[0]


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


def measure(user, token: str, info: dict, requests: int, only: set[str] | None = None) -> dict[str, list[float]]:
    """Time each page and endpoint through Django's test client, over HTTPS as production serves."""
    from django.test import Client

    browser = Client()
    browser.force_login(user)
    script = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    big_pk, big_id = info["big_log_pk"], info["big_log_job"]
    stage2_ids = stage2_jobs(requests + 3, exclude=big_id)
    to_approve = iter(stage2_ids)
    if len(stage2_ids) < requests + 3:
        raise SystemExit(f"only {len(stage2_ids)} jobs at stage 2: use more --jobs")
    job_fragment, client_name = search_terms()
    page = script.get(f"/api/job/{big_id}", secure=True).json()
    third = script.get(f"/api/job/{big_id}/logs", {"before": page["logs_next"]}, secure=True).json()["next"]
    poll = {"HTTP_HX_REQUEST": "true"}
    next_page = script.get("/api/jobs/stage/2?page_size=50", secure=True).json()["next"]
    etag = browser.get("/dashboard/board/", secure=True, **poll)["ETag"]
    if time.localtime().tm_sec > 50:  # the ETag holds the minute: keep the unchanged polls in one
        time.sleep(61 - time.localtime().tm_sec)
        etag = browser.get("/dashboard/board/", secure=True, **poll)["ETag"]
    rows = {
        "board poll, unchanged": lambda: timed(
            lambda: browser.get("/dashboard/board/", secure=True, HTTP_IF_NONE_MATCH=etag, **poll), requests,
            status=304),
        "board poll, changed": lambda: timed(lambda: browser.get("/dashboard/board/", secure=True, **poll), requests),
        "dashboard page": lambda: timed(lambda: browser.get("/dashboard/", secure=True), requests),
        "search, job id": lambda: timed(lambda: browser.get("/dashboard/", {"q": job_fragment}, secure=True), requests),
        "search, client": lambda: timed(lambda: browser.get("/dashboard/", {"q": client_name}, secure=True), requests),
        "stats (API)": lambda: timed(lambda: script.get("/api/dashboard/stats", secure=True), requests),
        "stage 2 list (API)": lambda: timed(
            lambda: script.get("/api/jobs/stage/2?page=1&page_size=50", secure=True), requests),
        "stage 2 next page (API)": lambda: timed(  # keyset: the page after the first's last row
            lambda: script.get(f"/api/jobs/stage/2?page_size=50&cursor={next_page}", secure=True), requests),
        "job page, 2,000 log rows": lambda: timed(lambda: browser.get(f"/dashboard/job/{big_pk}/", secure=True),
                                                  requests),
        "job log page (API)": lambda: timed(
            lambda: script.get(f"/api/job/{big_id}/logs", {"before": third}, secure=True), requests),
        "approve stage 2 (API)": lambda: timed(
            lambda: script.post(f"/api/job/{next(to_approve)}/approve-stage2", "", content_type="application/json",
                                secure=True),
            requests,
        ),
    }
    print(f"searching for {job_fragment!r} and {client_name!r}", flush=True)
    results = {}
    for name, run in rows.items():
        if not only or name in only:
            results[name] = samples = run()
            print(f"  {name}: p50 {statistics.median(samples):.1f} ms, p95 {percentile(samples, 95):.1f} ms",
                  flush=True)
    return results


def report(results: dict[str, list[float]], total: int, setup: str) -> bool:
    """Print the table; whether every target is met."""
    print(f"\n{total:,} jobs, {10 * total:,} audit rows on {setup}")
    print(f"{'request':<26} {'n':>4} {'p50 ms':>8} {'p95 ms':>8}  target")
    ok = True
    for name, samples in results.items():
        p50, p95 = statistics.median(samples), percentile(samples, 95)
        target = TARGETS_MS.get(name)
        verdict = ""
        if target is not None:
            met = p95 < target
            ok &= met
            verdict = f"p95 < {target:.0f} ms: {'met' if met else 'MISSED'}"
        print(f"{name:<26} {len(samples):>4} {p50:>8.1f} {p95:>8.1f}  {verdict}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40, help="timed requests per row of the table")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--database-url", default="", help="an empty throw-away database, or a kept fill")
    where.add_argument("--sqlite", default="", help="this SQLite file (default: a temp file)")
    parser.add_argument("--keep", action="store_true", help="keep the filled database for the next run")
    parser.add_argument("--only", default="", help="rows to time, separated by semicolons (default: all)")
    parser.add_argument("--conn-max-age", type=int, default=None,
                        help="Django's CONN_MAX_AGE for the run (default: as configured, 0 unless set)")
    args = parser.parse_args()
    tmp = configure(args)

    from bench_fill import existing_fill, fill
    from django.core.management import call_command
    from django.db import connection

    from jobs.models import Job

    call_command("migrate", verbosity=0)
    info = existing_fill()
    if info is not None and info["jobs"] != args.jobs:
        raise SystemExit(f"this database holds a fill of {info['jobs']:,} jobs, not {args.jobs:,}: use a new one")
    if info is None:
        if Job.objects.exists():
            raise SystemExit("this database holds jobs that are not a benchmark fill: use an empty one")
        info = fill(args.jobs)
    else:
        print(f"reusing the fill of {info['jobs']:,} jobs made {info['filled_at']}")
    run = time.strftime("%H%M%S")
    user, token = reviewer_with_token(run)
    try:
        only = {name.strip() for name in args.only.split(";") if name.strip()}
        results = measure(user, token, info, args.requests, only)
        setup = f"{connection.vendor}, CONN_MAX_AGE={connection.settings_dict['CONN_MAX_AGE']}"
        ok = report(results, args.jobs, setup)
    finally:
        if not args.keep:
            if args.database_url:
                Job.objects.filter(archived=False).update(archived=True)  # the audit log stays: append-only
            connection.close()
        shutil.rmtree(tmp, ignore_errors=True)
        if args.sqlite and not args.keep:
            Path(args.sqlite).unlink(missing_ok=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
