"""Fill a database with a year of a studio's work, in set-based SQL: ``fill(total)``.

``total`` jobs (default 1,000,000) in batches of 1000, each batch one of ~100 clients (a few
big ones, many small: a skewed spread) and one of its projects, job ids like
``ACME-2026-004512``, output names, priorities (high 20 %, medium 60 %, low 20 %), stages and
statuses in :data:`MIX`'s proportions, created over the last 400 days; completed jobs older
than 90 days archived one time in two (what the archive schedule leaves); an open warning on
one job in ten; ten audit rows per job; Stage 2's jobs carry what Stage 1 leaves for a
person (:data:`PSD_DESCRIPTION`, :data:`MATCHES`) so that an approval works. One job awaiting
review has :data:`BIG_LOG` audit rows (the job page with a long log).

The rows go in with ``INSERT … SELECT`` over generated numbers (SQLite: a recursive CTE;
PostgreSQL: ``generate_series``), 100,000 jobs a statement, straight into the tables through
ordinary INSERTs (triggers on them fire), with the migrations' indexes in place. Every column
this file does not set gets its model field's default, so new columns need no change here.
Then ``ANALYZE`` (PostgreSQL: ``VACUUM ANALYZE``).

The fill is recorded in its first batch's ``report`` (``{"bench_fill": {...}}``):
:func:`existing_fill` finds it again, so a kept database is filled once and measured many times.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

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
JOBS_PER_BATCH = 1000
CHUNK = 100_000  # jobs a statement (and a transaction)
DAYS = 400  # the jobs' creation times span this many days, up to now
ARCHIVE_AFTER_DAYS = 90
BIG_LOG = 2000
# The newest job is this much older than now: its stages' times and audit rows are all past
# (a row in the future would keep the board's "something just changed" window open).
LEAD_SECONDS = 6 * 3600
MARKER = "bench-fill-0.csv"  # the first batch's name

_WORDS = (
    "Acme Aurora Beacon Birch Cascade Cedar Cobalt Comet Coral Crest Delta Ember Falcon Fjord Flint Garnet Glacier "
    "Granite Harbor Hawk Horizon Indigo Iris Jade Juniper Kestrel Lark Lumen Maple Meridian Mesa Nimbus Nova Oak "
    "Onyx Orbit Pearl Pine Prism Quarry Quartz Raven Ridge Sable Sage Sierra Slate Sparrow Summit Tundra"
).split()
#: ~100 clients: (code, name), e.g. ("ACME", "Acme Studios"), ("ACMP", "Acme Pictures").
CLIENTS = [(w[:4].upper() if kind == "Studios" else w[:3].upper() + "P", f"{w} {kind}")
           for kind in ("Studios", "Pictures") for w in _WORDS]
PROJECTS = ["Spring Campaign", "Summer Sale", "Autumn Launch", "Holiday Spots", "Brand Refresh", "Product Teasers",
            "Social Cutdowns", "Event Promos"]
# Ten audit rows a job: (action, actor, stage, from_stage, from_status, to_stage, to_status).
HISTORY = [
    ("imported", "producer", 0, None, "", 0, "pending"),
    ("start", "producer", 0, 0, "pending", 1, "queued"),
    ("claimed", "system", 1, 1, "queued", 1, "processing"),
    ("ingested", "system", 1, 1, "processing", 2, "awaiting_review"),
    ("update_matching", "reviewer", 2, None, "", None, ""),
    ("approve_matching", "reviewer", 2, 2, "awaiting_review", 3, "queued"),
    ("claimed", "system", 3, 3, "queued", 3, "processing"),
    ("preview_ready", "system", 3, 3, "processing", 3, "awaiting_approval"),
    ("approve_preview", "approver", 3, 3, "awaiting_approval", 4, "queued"),
    ("deployed", "system", 4, 4, "processing", 4, "completed"),
]


def _thresholds() -> list[tuple[int, int, str]]:
    """(cumulative share × 10,000, stage, status): a job's bucket (0–9,999) picks its state."""
    out, total = [], 0.0
    for stage, status, share in MIX:
        total += share
        out.append((round(total * 10_000), stage, status))
    return out


class Sql:
    """The two dialects' pieces of the fill statements."""

    def __init__(self, connection):
        self.connection = connection
        self.pg = connection.vendor == "postgresql"

    def numbers(self, name: str, lo: int, hi: int) -> str:
        """A CTE ``name(n)`` of the integers lo … hi."""
        if self.pg:
            return f"{name}(n) AS (SELECT generate_series({lo}::bigint, {hi}::bigint) AS n)"
        return f"{name}(n) AS (SELECT {lo} UNION ALL SELECT n + 1 FROM {name} WHERE n < {hi})"

    @property
    def with_(self) -> str:
        return "WITH" if self.pg else "WITH RECURSIVE"

    def at(self, epoch_seconds_sql: str) -> str:
        """A timestamp from an integer expression of seconds since 1970 (as Django stores it)."""
        return f"to_timestamp({epoch_seconds_sql})" if self.pg else f"datetime({epoch_seconds_sql}, 'unixepoch')"

    def plus_seconds(self, timestamp_sql: str, seconds_sql: str) -> str:
        if self.pg:
            return f"({timestamp_sql} + ({seconds_sql}) * interval '1 second')"
        return f"datetime({timestamp_sql}, '+' || ({seconds_sql}) || ' seconds')"

    def padded(self, number_sql: str, width: int = 6) -> str:
        if self.pg:
            return f"lpad(({number_sql})::text, greatest({width}, length(({number_sql})::text)), '0')"
        return f"printf('%0{width}d', {number_sql})"

    def year(self, timestamp_sql: str) -> str:
        return f"to_char({timestamp_sql}, 'YYYY')" if self.pg else f"strftime('%Y', {timestamp_sql})"

    def typed(self, placeholder: str, field) -> str:
        """A parameter or NULL as the column's type (PostgreSQL types an INSERT … SELECT's list)."""
        return f"CAST({placeholder} AS {field.db_type(self.connection)})" if self.pg else placeholder

    def boolean(self, condition: str) -> str:
        return f"({condition})" if self.pg else f"(CASE WHEN {condition} THEN 1 ELSE 0 END)"

    def json(self, value) -> tuple[str, list]:
        return ("CAST(%s AS jsonb)" if self.pg else "%s"), [json.dumps(value)]


def _insert(model, values: dict[str, tuple[str, list]], source: str, sql: Sql) -> tuple[str, list]:
    """``INSERT INTO <model's table> (every column) <WITH …> SELECT <values> <source>``: the columns
    in ``values`` (attname: (SQL, params)), the others their field's default."""
    connection = sql.connection
    quote = connection.ops.quote_name
    columns, selects, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(quote(field.column))
        if field.attname in values:
            expression, extra = values[field.attname]
            selects.append(expression)
            params += extra
            continue
        default = field.get_default()
        if default is None:
            selects.append(sql.typed("NULL", field))
        else:
            selects.append(sql.typed("%s", field))
            params.append(field.get_db_prep_save(default, connection))
    head, _, rest = source.partition("\nSELECT_FROM ")
    statement = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)})\n{head}\n"
                 f"SELECT {', '.join(selects)} FROM {rest}")
    # The drivers' placeholders are %s: every other % (modulo, printf, strftime) doubled.
    return statement.replace("%", "%%").replace("%%s", "%s"), params


def _jobs_statement(sql: Sql, lo: int, hi: int, total: int, first_batch: int, now_epoch: int) -> tuple[str, list]:
    from jobs.models import Job

    span = DAYS * 86_400
    clients = ", ".join(f"({i}, '{code}', '{name}')" for i, (code, name) in enumerate(CLIENTS))
    projects = ", ".join(f"({i}, '{name}')" for i, name in enumerate(PROJECTS))
    state = "CASE " + " ".join(f"WHEN b < {limit} THEN {stage}" for limit, stage, _ in _thresholds()) + " ELSE 4 END"
    status = ("CASE " + " ".join(f"WHEN b < {limit} THEN '{st}'" for limit, _, st in _thresholds())
              + " ELSE 'completed' END")
    old = now_epoch - ARCHIVE_AFTER_DAYS * 86_400
    source = f"""{sql.with_} {sql.numbers('s', lo, hi)},
  clients(idx, code, name) AS (VALUES {clients}),
  projects(idx, name) AS (VALUES {projects}),
  g AS (SELECT n, (n * 7919 + 13) % 10000 AS b, n / {JOBS_PER_BATCH} AS bat,
               ((n / {JOBS_PER_BATCH}) * 40503 + 17) % 10000 AS h,
               {now_epoch - span - LEAD_SECONDS} + (n * {span}) / {max(total, 1)} AS t FROM s),
  st AS (SELECT g.*, {state} AS stage, {status} AS status, n % 5 AS p FROM g)
SELECT_FROM st JOIN clients c ON c.idx = (st.h * st.h) / 1000000
  JOIN projects pr ON pr.idx = (st.bat * 7 + st.h) % {len(PROJECTS)}"""
    psd, psd_params = sql.json(PSD_DESCRIPTION)
    matches, matches_params = sql.json(MATCHES)
    empty_obj, empty_list = sql.json({}), sql.json([])
    created = sql.at("st.t")

    def stamp(offset: str) -> str:
        return sql.at(f"st.t + {offset}")

    completed = {
        f"stage{k}_completed_at": (
            f"CASE WHEN st.stage > {k} OR (st.stage = {k} AND st.status = 'completed') "
            f"THEN {stamp(f'{300 * k} + (st.n % 240) * 60')} END", [])
        for k in range(1, 5)
    }
    values = {
        "batch_id": (f"{first_batch} + st.bat", []),
        "line": (f"st.n % {JOBS_PER_BATCH} + 2", []),
        "job_id": (f"c.code || '-' || {sql.year(created)} || '-' || {sql.padded('st.n + 1')}", []),
        "psd_path": (f"'/studio/in/' || c.code || '/' || {sql.padded('st.n + 1')} || '/design.psd'", []),
        "aepx_path": ("'/studio/templates/' || pr.name || '.aepx'", []),
        "output_name": (f"c.code || '_' || {sql.padded('st.n + 1')} || '.aep'", []),
        "client_name": ("c.name", []),
        "project_name": ("pr.name", []),
        "priority": ("CASE st.p WHEN 0 THEN 'high' WHEN 4 THEN 'low' ELSE 'medium' END", []),
        "priority_rank": ("CASE st.p WHEN 0 THEN 0 WHEN 4 THEN 2 ELSE 1 END", []),
        "archived": (sql.boolean(f"st.status = 'completed' AND st.t < {old} AND st.n % 2 = 0"), []),
        "stage": ("st.stage", []),
        "status": ("st.status", []),
        "stage_entered_at": (stamp("300 * st.stage"), []),
        "created_at": (created, []),
        "updated_at": (stamp("300 * st.stage + 30"), []),
        "psd_description": (f"CASE WHEN st.stage >= 2 THEN {psd} ELSE {empty_obj[0]} END",
                            psd_params + empty_obj[1]),
        "matches": (f"CASE WHEN st.stage >= 2 THEN {matches} ELSE {empty_list[0]} END",
                    matches_params + empty_list[1]),
        **completed,
    }
    return _insert(Job, values, source, sql)


def _warnings_statement(sql: Sql, first_job: int, last_job: int) -> tuple[str, list]:
    from jobs.models import JobWarning

    values = {
        "job_id": ("j.id", []),
        "stage": ("j.stage", []),
        "severity": ("'warning'", []),
        "code": ("'bench'", []),
        "message": ("'A font is missing: Oswald-Bold (substituted)'", []),
        "created_at": ("j.stage_entered_at", []),
    }
    source = f"\nSELECT_FROM jobs_job j WHERE j.id BETWEEN {first_job} AND {last_job} AND j.id % 10 = 0"
    return _insert(JobWarning, values, source, sql)


def _logs_statement(sql: Sql, first_job: int, last_job: int, *, rows: int = len(HISTORY),
                    spacing: int = 20) -> tuple[str, list]:
    """``rows`` audit rows of each job first_job … last_job (HISTORY's, repeated past ten),
    ``spacing`` seconds apart from the job's creation."""
    from jobs.models import JobLog

    def literal(value):
        return "NULL" if value is None else (str(value) if isinstance(value, int) else f"'{value}'")

    steps = ", ".join(f"({k}, {', '.join(literal(v) for v in step)})" for k, step in enumerate(HISTORY))
    empty = sql.json({})
    values = {
        "job_id": ("j.id", []),
        "stage": ("h.stage", []),
        "action": ("h.action", []),
        "actor": ("h.actor", []),
        "from_stage": ("h.from_stage", []),
        "from_status": ("h.from_status", []),
        "to_stage": ("h.to_stage", []),
        "to_status": ("h.to_status", []),
        "message": ("h.action || ' (bench)'", []),
        "details": empty,
        "created_at": (sql.plus_seconds("j.created_at", f"r.n * {spacing}"), []),
    }
    source = f"""{sql.with_} {sql.numbers('r', 0, rows - 1)},
  h(k, action, actor, stage, from_stage, from_status, to_stage, to_status) AS (VALUES {steps})
SELECT_FROM jobs_job j CROSS JOIN r JOIN h ON h.k = r.n % {len(HISTORY)}
  WHERE j.id BETWEEN {first_job} AND {last_job}"""
    return _insert(JobLog, values, source, sql)


def existing_fill() -> dict | None:
    """The fill this database holds (its jobs, pks, the long-log job), or None."""
    from batches.models import Batch

    batch = Batch.objects.filter(name=MARKER).order_by("pk").first()
    return (batch.report or {}).get("bench_fill") if batch else None


def fill(total: int = 1_000_000, *, verbose: bool = True) -> dict:
    """Fill the (migrated) default database with ``total`` jobs; what :func:`existing_fill` returns."""
    from django.db import connection, transaction
    from django.utils import timezone

    from batches.models import Batch
    from jobs.models import Job

    def say(text):
        if verbose:
            print(text, flush=True)

    sql = Sql(connection)
    now = timezone.now().replace(microsecond=0)
    now_epoch = int(now.timestamp())
    started = time.perf_counter()
    batches = -(-total // JOBS_PER_BATCH)
    Batch.objects.bulk_create([
        Batch(name=f"bench-fill-{i}.csv", sha256=f"{i:064x}", status=Batch.Status.PROCESSING,
              row_count=JOBS_PER_BATCH, job_count=JOBS_PER_BATCH, started_at=now - timedelta(days=DAYS - i * DAYS / batches))
        for i in range(batches)
    ], batch_size=500)
    ids = list(Batch.objects.filter(name__startswith="bench-fill-").order_by("pk").values_list("pk", flat=True))
    first_batch = ids[0]
    if len(ids) != batches or ids[-1] - first_batch + 1 != batches:
        raise SystemExit("the fill's batches did not get consecutive ids: fill an empty database")
    first_job = (Job.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    for lo in range(0, total, CHUNK):
        hi = min(lo + CHUNK, total) - 1
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(*_jobs_statement(sql, lo, hi, total, first_batch, now_epoch))
            low, high = _new_range(cursor, first_job)
            cursor.execute(*_warnings_statement(sql, low, high))
            cursor.execute(*_logs_statement(sql, low, high))
        first_job = high + 1
        say(f"  {hi + 1:>9,} jobs, {10 * (hi + 1):>10,} audit rows  ({time.perf_counter() - started:.0f} s)")
    big = (Job.objects.filter(batch_id__gte=first_batch, stage=2, status="awaiting_review", archived=False)
           .order_by("-pk").values_list("pk", "job_id").first())
    if big:
        with connection.cursor() as cursor:
            cursor.execute(*_logs_statement(sql, big[0], big[0], rows=BIG_LOG - len(HISTORY), spacing=1))
    say(f"filled {total:,} jobs in {time.perf_counter() - started:.0f} s; analysing")
    analysed = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if sql.pg else "ANALYZE")
    info = {"jobs": total, "first_batch": first_batch, "big_log_job": big[1] if big else None,
            "big_log_pk": big[0] if big else None, "filled_at": now.isoformat(),
            "fill_seconds": round(analysed - started, 1), "analyse_seconds": round(time.perf_counter() - analysed, 1)}
    Batch.objects.filter(pk=first_batch).update(report={"bench_fill": info})
    say(f"analysed in {info['analyse_seconds']} s")
    return info


def _new_range(cursor, first_job: int) -> tuple[int, int]:
    """The pks of the jobs the last statement added (from ``first_job`` up)."""
    cursor.execute("SELECT MIN(id), MAX(id) FROM jobs_job WHERE id >= %s", [first_job])
    return cursor.fetchone()
