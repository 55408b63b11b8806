"""Jobs per (stage, status, archived), kept by the database: counts that do not grow with the table.

The table ``jobs_jobstatecount`` (:class:`~jobs.models.JobStateCount`) is written by triggers on
``jobs_job`` only, so every write counts, whichever code makes it: ``save()``, ``bulk_create``,
``queryset.update`` (bulk moves, the archive schedule), deletes (the admin, cascades), raw
SQL and PostgreSQL's ``COPY`` (the CSV import, :func:`jobs.bulk.insert_many`). The jobs per
state are the sum of ``n`` over a state's rows (:func:`state_counts`).

- **PostgreSQL**: a delta table. Statement-level triggers (transition tables) append one row
  per state a statement changed, ``n`` its net change (+ jobs in, - jobs out; none when a
  statement moves nothing, e.g. a lease renewal): concurrent transactions append rows, never
  update a shared one, so they never wait on each other. :func:`compact` (every minute, the
  schedule "aeautomation: compact job state counts" of migration 0012) collapses each state's
  rows into one, in one statement that deletes what it reads: rows appended meanwhile by
  transactions not yet committed are left for the next run. A ``TRUNCATE`` of the jobs (the
  tests' flush) empties the counts too.
- **SQLite**: one row per state (a unique index), updated in place by row-level triggers
  (``INSERT … ON CONFLICT DO UPDATE``): SQLite has a single writer, so there is no contention
  to avoid, and reads stay at the 80 states at most.

The table is not managed by Django (``managed = False``): migration 0012 creates it, its
triggers and its first rows, and the tests' flush leaves it alone (the triggers keep it right).
SQLite drops a table's triggers when a migration rebuilds the table (an altered column), so a
``post_migrate`` receiver (:func:`ensure_installed`) puts them back, and recounts, when missing.
"""

from __future__ import annotations

from django.db import connection as default_connection
from django.db import transaction
from django.db.models import Sum

from .models import JobStateCount

TABLE = "jobs_jobstatecount"
JOBS = "jobs_job"
KEY = "stage, status, archived"
SQLITE_TRIGGERS = ("jobs_job_counts_insert", "jobs_job_counts_update", "jobs_job_counts_delete")
PG_TRIGGERS = ("jobs_job_counts_insert", "jobs_job_counts_update", "jobs_job_counts_delete",
               "jobs_job_counts_truncate")
PG_FUNCTIONS = ("jobs_job_counts_insert", "jobs_job_counts_update", "jobs_job_counts_delete",
                "jobs_job_counts_truncate")


def _upsert(prefix: str, delta: int) -> str:
    return (f"INSERT INTO {TABLE} ({KEY}, n) VALUES ({prefix}.stage, {prefix}.status, {prefix}.archived, {delta}) "
            f"ON CONFLICT ({KEY}) DO UPDATE SET n = n + ({delta});")


SQLITE_INSTALL = [
    f"CREATE UNIQUE INDEX IF NOT EXISTS jobstatecount_state ON {TABLE} ({KEY})",
    f"CREATE TRIGGER IF NOT EXISTS jobs_job_counts_insert AFTER INSERT ON {JOBS} FOR EACH ROW "
    f"BEGIN {_upsert('NEW', 1)} END",
    f"CREATE TRIGGER IF NOT EXISTS jobs_job_counts_delete AFTER DELETE ON {JOBS} FOR EACH ROW "
    f"BEGIN {_upsert('OLD', -1)} END",
    f"CREATE TRIGGER IF NOT EXISTS jobs_job_counts_update AFTER UPDATE OF {KEY} ON {JOBS} FOR EACH ROW "
    "WHEN OLD.stage IS NOT NEW.stage OR OLD.status IS NOT NEW.status OR OLD.archived IS NOT NEW.archived "
    f"BEGIN {_upsert('OLD', -1)} {_upsert('NEW', 1)} END",
]
SQLITE_UNINSTALL = [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS] + [
    "DROP INDEX IF EXISTS jobstatecount_state"]


def _pg_function(name: str, body: str) -> str:
    return (f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {body} RETURN NULL; END $$")


PG_INSTALL = [
    _pg_function("jobs_job_counts_insert",
                 f"INSERT INTO {TABLE} ({KEY}, n) SELECT {KEY}, COUNT(*) FROM new_rows GROUP BY {KEY};"),
    _pg_function("jobs_job_counts_delete",
                 f"INSERT INTO {TABLE} ({KEY}, n) SELECT {KEY}, -COUNT(*) FROM old_rows GROUP BY {KEY};"),
    # An UPDATE of any column fires it (PostgreSQL allows no column list with transition
    # tables); a statement that moves no job between states nets zero and appends nothing.
    _pg_function("jobs_job_counts_update",
                 f"INSERT INTO {TABLE} ({KEY}, n) SELECT {KEY}, SUM(d) FROM ("
                 f"SELECT {KEY}, 1 AS d FROM new_rows UNION ALL SELECT {KEY}, -1 AS d FROM old_rows) AS moved "
                 f"GROUP BY {KEY} HAVING SUM(d) <> 0;"),
    _pg_function("jobs_job_counts_truncate", f"DELETE FROM {TABLE};"),
    f"CREATE TRIGGER jobs_job_counts_insert AFTER INSERT ON {JOBS} REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION jobs_job_counts_insert()",
    f"CREATE TRIGGER jobs_job_counts_delete AFTER DELETE ON {JOBS} REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION jobs_job_counts_delete()",
    f"CREATE TRIGGER jobs_job_counts_update AFTER UPDATE ON {JOBS} REFERENCING OLD TABLE AS old_rows "
    "NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION jobs_job_counts_update()",
    f"CREATE TRIGGER jobs_job_counts_truncate AFTER TRUNCATE ON {JOBS} "
    "FOR EACH STATEMENT EXECUTE FUNCTION jobs_job_counts_truncate()",
]
PG_UNINSTALL = [f"DROP TRIGGER IF EXISTS {name} ON {JOBS}" for name in PG_TRIGGERS] + [
    f"DROP FUNCTION IF EXISTS {name}()" for name in PG_FUNCTIONS]


def _execute(connection, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def install(connection=default_connection) -> None:
    """Create the triggers (the table exists: migration 0012) and count the jobs there are."""
    with transaction.atomic(using=connection.alias):
        _execute(connection, PG_INSTALL if connection.vendor == "postgresql" else SQLITE_INSTALL)
        recount(connection)


def uninstall(connection=default_connection) -> None:
    """Drop the triggers (and SQLite's index of the table)."""
    _execute(connection, PG_UNINSTALL if connection.vendor == "postgresql" else SQLITE_UNINSTALL)


def installed_triggers(connection=default_connection) -> set[str]:
    """The names of this module's triggers present on ``jobs_job``."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [JOBS])
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [JOBS])
        return {name for (name,) in cursor.fetchall()}


def ensure_installed(connection=default_connection) -> bool:
    """Put the triggers back and recount when any is missing (SQLite drops them with a rebuilt
    table); whether it had to. A no-op when the table does not exist (not migrated yet)."""
    expected = PG_TRIGGERS if connection.vendor == "postgresql" else SQLITE_TRIGGERS
    if TABLE not in connection.introspection.table_names():
        return False
    if set(expected) <= installed_triggers(connection):
        return False
    install(connection)
    return True


def recount(connection=default_connection) -> None:
    """Replace the counts with a GROUP BY of the jobs (the jobs' writers wait meanwhile on
    PostgreSQL: SHARE lock). Run inside a transaction."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {JOBS} IN SHARE MODE")
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(f"INSERT INTO {TABLE} ({KEY}, n) SELECT {KEY}, COUNT(*) FROM {JOBS} GROUP BY {KEY}")


def compact(connection=default_connection) -> int:
    """Collapse each state's rows into one (PostgreSQL; on SQLite, drop the states at zero);
    the rows removed. One statement: it deletes the rows it sees and inserts their sums, so
    rows appended meanwhile (by transactions not committed yet) stay for the next run, and two
    runs at once count each row once."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(f"DELETE FROM {TABLE} WHERE n = 0")
            return cursor.rowcount
        cursor.execute(
            f"WITH stale AS (SELECT {KEY} FROM {TABLE} GROUP BY {KEY} HAVING COUNT(*) > 1 OR SUM(n) = 0), "
            f"moved AS (DELETE FROM {TABLE} t USING stale s WHERE (t.stage, t.status, t.archived) = "
            f"(s.stage, s.status, s.archived) RETURNING t.stage, t.status, t.archived, t.n), "
            f"summed AS (INSERT INTO {TABLE} ({KEY}, n) SELECT {KEY}, SUM(n) FROM moved GROUP BY {KEY} "
            f"HAVING SUM(n) <> 0 RETURNING 1) "
            "SELECT (SELECT COUNT(*) FROM moved) - (SELECT COUNT(*) FROM summed)"
        )
        return cursor.fetchone()[0]


def state_counts(*, archived: bool | None = False) -> dict[tuple[int, str], int]:
    """Jobs per (stage, status): active ones (``archived`` False), archived ones (True) or all
    (None). One query over at most one row per state (plus PostgreSQL's deltas since the last
    :func:`compact`), whatever the number of jobs."""
    qs = JobStateCount.objects.all()
    if archived is not None:
        qs = qs.filter(archived=archived)
    rows = qs.values_list("stage", "status").annotate(total=Sum("n")).order_by()
    return {(stage, status): total for stage, status, total in rows if total}


def counts_drift(connection=default_connection) -> dict[tuple[int, str, bool], tuple[int, int]]:
    """States whose kept count differs from a real GROUP BY of the jobs: ``{state: (kept,
    real)}``; empty when they agree (for tests and checks: it reads every job)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {KEY}, SUM(n) FROM {TABLE} GROUP BY {KEY}")
        kept = {(stage, status, bool(archived)): n for stage, status, archived, n in cursor.fetchall()}
        cursor.execute(f"SELECT {KEY}, COUNT(*) FROM {JOBS} GROUP BY {KEY}")
        real = {(stage, status, bool(archived)): n for stage, status, archived, n in cursor.fetchall()}
    return {key: (kept.get(key, 0), real.get(key, 0)) for key in kept.keys() | real.keys()
            if kept.get(key, 0) != real.get(key, 0)}
