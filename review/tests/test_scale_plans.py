"""The dashboard's and the API's queries are index-backed: EXPLAIN of each query the page, the
statistics and the stage list (first and next page) run, over a few thousand jobs and audit rows
spread over a month, after ANALYZE. No full scan of jobs_job or jobs_joblog, no index walked
end to end without a LIMIT, no sort of jobs (SQLite: no temp B-tree for ORDER BY)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from batches.models import Batch
from batches.services import batch_refresh_status
from jobs.bulk import insert_many
from jobs.models import Job, JobLog
from review.api_auth import api_token_create
from review.selectors import jobs_deployed_since, pipeline_stats

from .helpers import bearer

pytestmark = pytest.mark.django_db
JOBS = 4000
LOGS_PER_JOB = 3
TABLES = ("jobs_job", "jobs_joblog")
# (stage, status, share): most jobs done, as in bench/dashboard_bench.py.
MIX = [(0, "pending", 4), (1, "queued", 3), (1, "processing", 1), (1, "failed", 1), (2, "awaiting_review", 20),
       (2, "needs_attention", 1), (3, "queued", 2), (3, "awaiting_approval", 10), (4, "queued", 2),
       (4, "needs_attention", 3), (4, "completed", 53)]


def _at(moment):
    return connection.ops.adapt_datetimefield_value(moment)


@pytest.fixture(params=["analysed", "never analysed"])
def month_of_jobs(db, request):
    """JOBS jobs over the last 30 days and LOGS_PER_JOB audit rows each (the last "deployed" for
    the completed ones, a few of them today), then ANALYZE; on SQLite also as a database that
    was never analysed (the embedded default: nothing runs ANALYZE), with no statistics at all."""
    now = timezone.now()
    states = [(stage, status) for stage, status, share in MIX for _ in range(share)]
    batch = Batch.objects.create(name="scale.csv", sha256="0" * 64, started_at=now - timedelta(days=31))
    rows = []
    for i in range(JOBS):
        stage, status = states[i % len(states)]
        created = now - timedelta(days=30) + timedelta(seconds=i * 30 * 86400 // JOBS)
        rows.append({"batch_id": batch.pk, "line": i + 2, "job_id": f"S{i:05d}", "priority": "high medium low".split()[i % 3],
                     "priority_rank": i % 3, "stage": stage, "status": status, "created_at": _at(created),
                     "stage_entered_at": _at(created), "updated_at": _at(created), "client_name": f"Client {i % 40}",
                     "stage1_completed_at": _at(created + timedelta(minutes=5)) if stage >= 1 else None})
    insert_many(Job, rows, constants={"psd_path": "/in/a.psd", "aepx_path": "/in/a.aepx", "output_name": "o.aep"})
    jobs = list(Job.objects.values_list("pk", "status", "created_at"))
    logs = []
    for pk, status, created in jobs:
        for n in range(LOGS_PER_JOB):
            last = n == LOGS_PER_JOB - 1
            action = "deployed" if last and status == "completed" else "moved"
            logs.append({"job_id": pk, "action": action, "created_at": _at(created + timedelta(hours=n)),
                         "details": json.dumps({})})
    JobLog.objects.append_many(logs, constants={"stage": 0, "actor": "system"})
    with connection.cursor() as cursor:
        if request.param == "analysed":
            cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "ANALYZE jobs_job, jobs_joblog, batches_batch")
        elif connection.vendor == "sqlite":
            cursor.execute("DROP TABLE IF EXISTS sqlite_stat1")
        else:
            pytest.skip("PostgreSQL analyses its tables itself (autovacuum)")
    return jobs


def explain_problems(sql: str) -> list[str]:
    """What is wrong with the plan of ``sql`` (empty: index-backed)."""
    limited = " LIMIT " in sql.upper()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            details = [row[-1] for row in cursor.fetchall()]
            problems = [d for d in details if "TEMP B-TREE FOR ORDER BY" in d]
            for d in details:
                # A scan (in rowid or index order) is bounded only when a LIMIT stops it.
                scan = re.match(r"SCAN (\w+)( USING (COVERING )?INDEX \w+)?$", d)
                if scan and scan.group(1) in TABLES and not limited:
                    problems.append(d)
            return problems
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
    problems = []

    def walk(node, under_limit=False):
        kind, relation = node.get("Node Type"), node.get("Relation Name")
        under_limit = under_limit or kind == "Limit"
        if relation in TABLES:
            if kind == "Seq Scan":
                problems.append(f"Seq Scan on {relation}")
            elif "Index" in kind and not node.get("Index Cond") and not under_limit:
                problems.append(f"{kind} of {relation} without a condition or a limit")
        # A sort of jobs is a problem unless it sorts one index range (PostgreSQL sorts the few
        # jobs of a rare state, e.g. failed, rather than walk a stage's queue looking for them).
        if kind in ("Sort", "Incremental Sort") and any(
                child.get("Relation Name") == "jobs_job" and not child.get("Index Cond")
                for child in node.get("Plans", [])):
            problems.append(f"Sort of jobs_job rows ({node.get('Sort Key')})")
        for child in node.get("Plans", []):
            walk(child, under_limit)

    walk(plan[0]["Plan"])
    return problems


def plans_of(call) -> dict[str, list[str]]:
    """The problems of each query ``call`` runs that reads jobs or audit rows."""
    with CaptureQueriesContext(connection) as queries:
        call()
    found = {}
    for query in queries.captured_queries:
        sql = query["sql"]
        if sql.lstrip().upper().startswith("SELECT") and re.search(r'\b"?jobs_job(log)?"?\b', sql):
            found[sql] = explain_problems(sql)
    assert found, "no query read the jobs"
    return {sql: problems for sql, problems in found.items() if problems}


@pytest.mark.parametrize("query", [{}, {"status": "completed"}, {"status": "failed"}])
def test_the_dashboard_page_is_index_backed(month_of_jobs, client, reviewer, query):
    client.force_login(reviewer)
    assert plans_of(lambda: client.get(reverse("review:dashboard"), query)) == {}


def test_statistics_and_completed_today_are_index_backed(month_of_jobs):
    assert plans_of(pipeline_stats) == {}
    assert plans_of(lambda: jobs_deployed_since(timezone.now() - timedelta(hours=12))) == {}


def test_the_stage_list_first_and_next_pages_are_index_backed(month_of_jobs, client, reviewer):
    auth = bearer(api_token_create(user=reviewer).raw)
    for stage in (2, 4):
        first = client.get(f"/api/jobs/stage/{stage}?page_size=50", **auth)
        assert plans_of(lambda: client.get(f"/api/jobs/stage/{stage}?page_size=50", **auth)) == {}
        cursor = first.json()["next"]
        assert cursor
        assert plans_of(lambda: client.get(f"/api/jobs/stage/{stage}?page_size=50&cursor={cursor}", **auth)) == {}


def test_the_plan_check_sees_a_full_scan_and_a_sort(month_of_jobs):
    assert explain_problems("SELECT id FROM jobs_job WHERE notes = 'x'")
    assert explain_problems("SELECT id FROM jobs_job WHERE archived = false ORDER BY notes LIMIT 5")


def test_a_batch_status_is_counted_from_its_index(month_of_jobs):
    """Every move that changes a job's state class recounts its batch (batch_refresh_status):
    from the job_batch_state index (batch, status, archived) alone, never the batch's rows."""
    other = Batch.objects.create(name="small.csv", sha256="1" * 64)
    now = timezone.now()
    insert_many(Job, [{"batch_id": other.pk, "line": i + 2, "job_id": f"T{i:03d}", "status": status, "stage": 2}
                      for i, status in enumerate(["awaiting_review"] * 15 + ["needs_attention"] * 5)],
                constants={"psd_path": "/in/a.psd", "aepx_path": "/in/a.aepx", "output_name": "o.aep",
                           "priority": "medium", "priority_rank": 1, "created_at": now, "stage_entered_at": now,
                           "updated_at": now})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "ANALYZE jobs_job")
    assert batch_refresh_status(other.pk) == Batch.Status.WAITING
    with CaptureQueriesContext(connection) as queries:
        batch_refresh_status(other.pk)
    count = next(q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT"))
    assert explain_problems(count) == []
    with connection.cursor() as cursor:
        cursor.execute(("EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ") + count)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    if connection.vendor == "sqlite":
        assert "USING COVERING INDEX job_batch_state" in plan, plan
    else:
        assert "job_batch_state" in plan, plan
