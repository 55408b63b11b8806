"""Search benchmark: the dashboard's and the API's search (jobs/search.py) over a million jobs.

    .venv/bin/python bench/search_bench.py [--jobs 1000000] [--repeat 20] [--database-url URL]

Fills a throw-away database (a temp SQLite file, or the PostgreSQL database --database-url
names: its jobs are deleted first, so give it one of its own) with ``--jobs`` jobs in one
``INSERT … SELECT`` (SQLite: a recursive CTE; PostgreSQL: generate_series) over small tables of
~100 clients, ~1,000 projects and ~40 notes: job ids like "ACME-2026-004512", output names like
"acme_spring_launch_v2_004512.mp4". The search index is made after the fill, with the
migration's own SQL (as migrating a database that holds the jobs does).

Then, for each kind of search (a job id fragment, a client name, a project word, two words, a
common word, a one-letter word, no match), ``--repeat`` different queries of that kind, and
prints p50/p95 in ms of:

- board: :func:`review.selectors.board_columns` as the dashboard calls it (counts per stage,
  capped at 10,000, and the first 20 cards of each stage);
- api: :func:`review.queue_pages.jobs_in_stage_page` for stage 2, 50 a page (the API's list);
- scan: the search before the index (``icontains`` on job id, client and project: exact
  counts and the same cards), for comparison (``--no-scan`` skips it).

Targets (issue 18): board p95 < 150 ms, api p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import importlib
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_fill import MIX  # noqa: E402  (the stages and statuses of every fill: one mix)

FIRST = ["Acme", "Northwind", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Tyrell", "Cyberdyne", "Hooli"]
SECOND = ["Studios", "Media", "Foods", "Motors", "Labs", "Pictures", "Retail", "Sports", "Bank", "Travel"]
ADJECTIVES = ["Spring", "Summer", "Autumn", "Winter", "Holiday", "Launch", "Flash", "Mega", "Premium", "Weekend",
              "Retro", "Urban", "Coastal", "Golden", "Midnight", "Fresh", "Bold", "Quiet", "Rapid", "Grand",
              "Nordic", "Sunny", "Velvet", "Electric", "Prime"]
NOUNS = ["Sale", "Campaign", "Promo", "Teaser", "Trailer", "Banner", "Spot", "Reveal", "Drop", "Countdown",
         "Recap", "Story", "Carousel", "Bumper", "Sting", "Loop", "Poster", "Intro", "Outro", "Feature",
         "Event", "Gala", "Tour", "Series", "Special", "Update", "Report", "Offer", "Release", "Showcase",
         "Festival", "Moment", "Journey", "Edition", "Collection", "Challenge", "Premiere", "Kickoff", "Finale",
         "Week"]
NOTES = ["", "", "", "client wants a bigger logo", "waiting on client assets", "approved by client on call",
         "rush: due Friday", "use the new brand colours", "second round of client changes", "check the legal line",
         "logo on the left please", "client prefers the blue version", "re-export at 1080p", "music cleared",
         "voice-over pending from client", "font licence checked", "keep the safe margins", "swap the hero image",
         "client signed off the storyboard", "translate to French and German", "", "square and vertical cuts",
         "no changes", "client asked for a shorter version", "colour grade warmer", "price tag updated",
         "client feedback in the thread", "", "add end card", "subtitle burn-in"]
TARGETS_MS = {"board": 150.0, "api": 50.0}


def configure(args) -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="aea-search-bench-"))
    os.environ["DATA_DIR"] = str(tmp / "data")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ["STATIC_MANIFEST"] = "0"
    (tmp / "data" / "static").mkdir(parents=True)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aeautomation.settings")
    import django

    django.setup()
    return tmp


def clients() -> list[tuple[str, str]]:
    """(name, job id code) of 100 clients."""
    return [(f"{a} {b}", (a[:4] + b[:2]).upper()) for a in FIRST for b in SECOND]


def projects() -> list[str]:
    return [f"{a} {n} {2024 + (i % 3)}" for i, (a, n) in enumerate((a, n) for a in ADJECTIVES for n in NOUNS)]


def mix_case() -> str:
    """SQL CASE mapping ``n % 100`` to stage and status per MIX."""
    stage, status, bound = [], [], 0
    for s, st, share in MIX:
        bound += round(share * 100)
        stage.append(f"WHEN n % 100 < {bound} THEN {s}")
        status.append(f"WHEN n % 100 < {bound} THEN '{st}'")
    return "CASE " + " ".join(stage) + " END", "CASE " + " ".join(status) + " END"


def fill(total: int) -> None:
    from django.db import DatabaseError, connection
    from django.utils import timezone

    from batches.models import Batch

    migration = importlib.import_module("jobs.migrations.0011_job_search_index")
    vendor = connection.vendor
    now = timezone.now()
    batch = Batch.objects.create(name="search-bench.csv", sha256="0" * 64, started_at=now)
    stage_sql, status_sql = mix_case()
    with connection.cursor() as cursor:
        for sql in (migration.SQLITE_DROP if vendor == "sqlite" else migration.PG_DROP):
            cursor.execute(sql)
        cursor.execute("DELETE FROM jobs_job")
        for name, columns in (("bench_client", "i integer, name text, code text"), ("bench_project", "i integer, name text"),
                              ("bench_note", "i integer, body text")):
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
            cursor.execute(f"CREATE TABLE {name} ({columns})")
        cursor.executemany("INSERT INTO bench_client VALUES (%s, %s, %s)",
                           [(i, name, code) for i, (name, code) in enumerate(clients())])
        cursor.executemany("INSERT INTO bench_project VALUES (%s, %s)", list(enumerate(projects())))
        cursor.executemany("INSERT INTO bench_note VALUES (%s, %s)", list(enumerate(NOTES)))
        n_clients, n_projects, n_notes = len(clients()), len(projects()), len(NOTES)
        if vendor == "sqlite":
            series = f"WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n + 1 < {total})"
            pad = "printf('%06d', n)"
            slug = "replace(lower(p.name), ' ', '_')"
            created = "datetime('now', '-40 days', '+' || (n * 3) || ' seconds')"
            json0, jsonl, false = "'{}'", "'[]'", "0"
            source = "FROM s"
        else:
            series = ""
            pad = "lpad(n::text, 6, '0')"
            slug = "replace(lower(p.name), ' ', '_')"
            created = "now() - interval '40 days' + n * interval '3 seconds'"
            json0, jsonl, false = "'{}'::jsonb", "'[]'::jsonb", "false"
            source = f"FROM generate_series(0::bigint, {total - 1}) AS s(n)"
        cursor.execute(
            f"""{series}
            INSERT INTO jobs_job (batch_id, line, job_id, psd_path, aepx_path, output_name, client_name, project_name,
                priority, priority_rank, notes, archived, stage, status, stage_entered_at, version, attempts, retries,
                last_error, psd_sha256, template_sha256, psd_description, template_description, matches, preview,
                validation, deploy, created_at, updated_at)
            SELECT {batch.pk}, n + 2, c.code || '-' || (2024 + n % 3) || '-' || {pad}, '/in/design.psd',
                '/in/template.aepx', {slug} || '_v' || (1 + n % 4) || '_' || {pad} || '.mp4', c.name, p.name,
                CASE n % 3 WHEN 0 THEN 'high' WHEN 1 THEN 'medium' ELSE 'low' END, n % 3, t.body, {false},
                {stage_sql}, {status_sql}, {created}, 0, 0, 0, '', '', '', {json0}, {json0}, {jsonl}, {json0},
                {json0}, {json0}, {created}, {created}
            {source}
            JOIN bench_client c ON c.i = (n / 100) % {n_clients}
            JOIN bench_project p ON p.i = ((n / 100) * 37 + n / 10000 + (n % 7) * 100) % {n_projects}
            JOIN bench_note t ON t.i = (n * 31 + n / 13) % {n_notes}"""
        )
        for name in ("bench_client", "bench_project", "bench_note"):
            cursor.execute(f"DROP TABLE {name}")
        for sql in (migration.SQLITE_CREATE + migration.SQLITE_FILL if vendor == "sqlite" else migration.PG_CREATE):
            cursor.execute(sql)
        if vendor == "postgresql":
            # What autovacuum would do, done before the timing rather than during it (a million
            # new rows set it off: one run of the timings beside it had a p95 three times another's).
            # SQLite has no statistics unless someone runs ANALYZE.
            cursor.execute("VACUUM ANALYZE")
            try:  # and the fill's dirty pages written now, not by a checkpoint during the timings
                cursor.execute("CHECKPOINT")
            except DatabaseError:  # (superusers and pg_checkpoint only: then it is left to the server)
                pass


def query_kinds(rng: random.Random, total: int) -> dict[str, callable]:
    names, codes = [c[0] for c in clients()], [c[1] for c in clients()]
    words = ADJECTIVES + NOUNS
    return {
        "job id fragment": lambda: f"{rng.randrange(total):06d}"[1:],
        "job id prefix": lambda: f"{rng.choice(codes)}-{2024 + rng.randrange(3)}-0{rng.randrange(10)}",
        "client name": lambda: rng.choice(names).split()[0].lower() + " " + rng.choice(names).split()[1][:3],
        "project word": lambda: rng.choice(words).lower(),
        "two words": lambda: f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS).lower()[:4]}",
        "common word": lambda: rng.choice(["client", "2025", ".mp4", "pro", "the"]),
        "1-2 chars": lambda: rng.choice(["a", "x", "mo", "_1", "-2"]),
        "no match": lambda: f"zq{rng.randrange(1000)}x",
    }


def old_board(q: str, per_stage: int = 20) -> None:
    """The search before the index: icontains on job id, client and project, exact counts."""
    from django.db.models import Q

    from jobs.models import Stage
    from review.selectors import CARD_FIELDS, QUEUE_ORDER, active_jobs, stage_counts

    qs = active_jobs().filter(Q(job_id__icontains=q) | Q(client_name__icontains=q) | Q(project_name__icontains=q))
    counts = stage_counts(qs)
    for stage in Stage.values:
        if counts.get(stage):
            list(qs.filter(stage=stage).order_by(*QUEUE_ORDER).values(*CARD_FIELDS)[:per_stage])


def timed(fn, repeat: int, make_query) -> tuple[list[float], list[str]]:
    times, queries = [], []
    for _ in range(repeat):
        q = make_query()
        queries.append(q)
        start = time.perf_counter()
        fn(q)
        times.append((time.perf_counter() - start) * 1000)
    return times, queries


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--no-scan", action="store_true", help="skip the unindexed scan")
    parser.add_argument("--keep", action="store_true", help="keep the jobs (PostgreSQL) for another run")
    parser.add_argument("--no-fill", action="store_true",
                        help="reuse the jobs of a kept run (PostgreSQL, or a SQLite file named by --database-url)")
    parser.add_argument("--kinds", default="", help="only these kinds of query (comma-separated)")
    parser.add_argument("--verbose", action="store_true", help="print each query's times")
    args = parser.parse_args()
    configure(args)
    from django.core.management import call_command
    from django.db import connection

    from jobs.models import Job
    from review.queue_pages import jobs_in_stage_page
    from review.selectors import JobFilters, board_columns

    call_command("migrate", verbosity=0)
    if not args.no_fill:
        start = time.perf_counter()
        fill(args.jobs)
        print(f"filled {Job.objects.count():,} jobs and the index in {time.perf_counter() - start:.0f} s "
              f"({connection.vendor})")
    rng = random.Random(18)
    rows = []
    for kind, make_query in query_kinds(rng, args.jobs).items():
        if args.kinds and kind not in args.kinds.split(","):
            continue
        state = rng.getstate()
        board, queries = timed(lambda q: board_columns(JobFilters(q=q), per_stage=20), args.repeat, make_query)
        rng.setstate(state)
        api, _ = timed(lambda q: jobs_in_stage_page(stage=2, filters=JobFilters(q=q), page=1, page_size=50),
                       args.repeat, make_query)
        scan = []
        if not args.no_scan:
            rng.setstate(state)
            scan, _ = timed(old_board, max(3, args.repeat // 4), make_query)
        if args.verbose:
            for q, board_ms, api_ms in zip(queries, board, api):
                print(f"    {q!r}: board {board_ms:.0f} ms, api {api_ms:.0f} ms", file=sys.stderr)
        hits = sum(c.count for c in board_columns(JobFilters(q=queries[0]), per_stage=1))
        rows.append((kind, queries[0], hits, board, api, scan))
        print(f"  {kind}: board p95 {pct(board, 95):.0f} ms", file=sys.stderr)
    print(f"\n{args.jobs:,} jobs on {connection.vendor}; p50 / p95 in ms over {args.repeat} queries per kind "
          f"(scan: the search before the index, {max(3, args.repeat // 4)} queries)\n")
    print("| kind | e.g. | hits (capped) | board p50 | board p95 | api p50 | api p95 | scan p50 | scan p95 |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for kind, example, hits, board, api, scan in rows:
        scan_cells = f"{pct(scan, 50):.0f} | {pct(scan, 95):.0f}" if scan else "– | –"
        print(f"| {kind} | `{example}` | {hits:,} | {pct(board, 50):.0f} | {pct(board, 95):.0f} | "
              f"{pct(api, 50):.0f} | {pct(api, 95):.0f} | {scan_cells} |")
    print(f"\ntargets: board p95 < {TARGETS_MS['board']:.0f} ms, api p95 < {TARGETS_MS['api']:.0f} ms")
    if not args.keep and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM jobs_job")


if __name__ == "__main__":
    main()
