"""Bulk review benchmark: 500 jobs approved (or sent back) at once, at either gate.

    .venv/bin/python bench/bulk_bench.py [--jobs 500] [--database-url URL] [--digests]

Fills a throw-away database (a temp SQLite file unless --database-url; the jobs it makes are
archived at the end) with ``--jobs`` jobs awaiting matching review and twice as many awaiting
preview approval (half of them with a reviewer's choice in their matching, so the approval
records learned-mapping evidence), in one batch each, with a webhook URL on one of them. Then it
times, through the services the admin, the dashboard, the contact sheet and the API call:

- bulk approval of matching (``jobs_bulk_approve_matching``) of the stage-2 jobs,
- bulk approval of previews (``jobs_bulk_approve_preview``) of half the stage-3 jobs,
- bulk send-back with one reason (``jobs_bulk_send_back``, stage 3) of the other half,
- the same matching approval again: every job must now be reported skipped.

Background work is only queued (django-q2's ORM broker: one wake-up task per queued job, and a
webhook task per audit row of the batch with a URL), not run. ``--digests`` turns the email
digests on, so each move also records its notifications. Prints a table (jobs, seconds, done,
skipped, queries) with the target: under 5 s each.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from dashboard_bench import MATCHES, PSD_DESCRIPTION  # noqa: E402

TARGET_SECONDS = 5.0
CHOSEN_MATCHES = [MATCHES[0], {**MATCHES[1], "reason": "chosen by a reviewer", "confirmed": True}]


def configure(args) -> None:
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="aea-bulk-bench-"))
    os.environ["DATA_DIR"] = str(tmp / "data")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ["STATIC_MANIFEST"] = "0"
    (tmp / "data" / "static").mkdir(parents=True)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["Q_SYNC"] = "0"  # the moves queue the next stage's work; nothing runs it
    os.environ["AEA_DIGEST_MINUTES"] = "60" if args.digests else "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aeautomation.settings")
    import django

    django.setup()


def fill(run: str, count: int, stage: int, status: str, matches, webhook: str = "") -> list[int]:
    from batches.models import Batch
    from jobs.models import Job

    batch = Batch.objects.create(name=f"bulk-{run}-{stage}.csv", sha256="0" * 64, webhook_url=webhook)
    Job.objects.bulk_create([
        Job(batch=batch, line=i + 2, job_id=f"BULK{run}-{stage}-{i:04d}", psd_path="/in/design.psd",
            aepx_path="/in/template.aepx", output_name=f"out_{i:04d}.aep", client_name=f"Client {i % 7}",
            project_name="Bench", priority=("high", "medium", "low")[i % 3], priority_rank=i % 3, stage=stage,
            status=status, psd_description=PSD_DESCRIPTION, matches=matches(i), template_sha256="b" * 64)
        for i in range(count)
    ], batch_size=500)
    return list(Job.objects.filter(batch=batch).order_by("pk").values_list("pk", flat=True))


def timed(label: str, jobs: int, call) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - started
    return {"label": label, "jobs": jobs, "seconds": seconds, "done": len(result.done),
            "skipped": len(result.refused), "queries": len(queries)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--digests", action="store_true", help="record digest notifications too")
    args = parser.parse_args()
    configure(args)

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from jobs.bulk_moves import jobs_bulk_approve_matching, jobs_bulk_approve_preview, jobs_bulk_send_back
    from jobs.models import Job, Stage, Status

    call_command("migrate", verbosity=0)
    run = time.strftime("%H%M%S")
    user = get_user_model().objects.create_superuser(f"bulk{run}", f"bulk{run}@example.com", "pw")
    n = args.jobs
    stage2 = fill(run, n, Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW, lambda i: MATCHES,
                  webhook="https://hooks.example.com/aea")
    stage3 = fill(run, 2 * n, Stage.APPROVE_PREVIEW, Status.AWAITING_APPROVAL,
                  lambda i: CHOSEN_MATCHES if i % 2 else MATCHES)
    rows = []
    try:
        rows.append(timed("approve matching", n, lambda: jobs_bulk_approve_matching(jobs=stage2, user=user)))
        rows.append(timed("approve preview", n, lambda: jobs_bulk_approve_preview(jobs=stage3[:n], user=user)))
        rows.append(timed("send back preview", n, lambda: jobs_bulk_send_back(
            jobs=stage3[n:], user=user, reason="Colours are off", stage=Stage.APPROVE_PREVIEW)))
        rows.append(timed("approve matching again", n, lambda: jobs_bulk_approve_matching(jobs=stage2, user=user)))
    finally:
        Job.objects.filter(job_id__startswith=f"BULK{run}-").update(archived=True)
    print(f"\n{connection.vendor}, digests {'on' if args.digests else 'off'}; target < {TARGET_SECONDS:.0f} s each\n")
    print(f"| {'bulk move':<24} | {'jobs':>5} | {'seconds':>7} | {'done':>5} | {'skipped':>7} | {'queries':>7} |")
    print(f"|{'-' * 26}|{'-' * 7}|{'-' * 9}|{'-' * 7}|{'-' * 9}|{'-' * 9}|")
    for r in rows:
        print(f"| {r['label']:<24} | {r['jobs']:>5} | {r['seconds']:>7.2f} | {r['done']:>5} | {r['skipped']:>7} "
              f"| {r['queries']:>7} |")
    expected = [(n, 0), (n, 0), (n, 0), (0, n)]
    exact = [(r["done"], r["skipped"]) for r in rows] == expected
    fast = all(r["seconds"] < TARGET_SECONDS for r in rows)
    print(f"\nexact done/skipped: {'yes' if exact else 'NO'}; all under {TARGET_SECONDS:.0f} s: {'yes' if fast else 'NO'}")
    sys.exit(0 if exact and fast else 1)


if __name__ == "__main__":
    main()
