"""The search index of jobs (jobs/search.py): job id, client, project, output name and notes.

SQLite: an FTS5 table ``jobs_job_search`` (tokenizer ``trigram``, SQLite 3.34 or later), one row
per job (rowid = the job's id) holding its search text A-Z lowered, kept in step by triggers on
``jobs_job`` (insert; update of those columns; delete) and filled from the existing jobs.
PostgreSQL: the pg_trgm extension and a GIN trigram index on the lowered search text (the
columns are NOT NULL, so ``||`` keeps the expression immutable).

The SQL is written out here (not imported from jobs/search.py) so that this migration stays
what it was; ``jobs.tests.test_search`` checks that the selector's expression is the index's.
"""

from django.db import migrations

FIELDS = ("job_id", "client_name", "project_name", "output_name", "notes")


def sqlite_text(row: str) -> str:
    """The search text, A-Z lowered (SQLite's lower() folds ASCII only, as the search does)."""
    return "lower(" + " || char(10) || ".join(f"{row}.{name}" for name in FIELDS) + ")"


SQLITE_CREATE = [
    # Case-sensitive trigrams of the lowered text: a match is exactly "holds the A-Z lowered word"
    # (the tokenizer's own folding would be Unicode's, wider than the search's).
    "CREATE VIRTUAL TABLE IF NOT EXISTS jobs_job_search USING fts5(body, tokenize = 'trigram case_sensitive 1')",
    "CREATE TRIGGER IF NOT EXISTS jobs_job_search_insert AFTER INSERT ON jobs_job BEGIN "
    f"INSERT INTO jobs_job_search(rowid, body) VALUES (new.id, {sqlite_text('new')}); END",
    "CREATE TRIGGER IF NOT EXISTS jobs_job_search_update AFTER UPDATE OF id, "
    + ", ".join(FIELDS) + " ON jobs_job BEGIN "
    "DELETE FROM jobs_job_search WHERE rowid = old.id; "
    f"INSERT INTO jobs_job_search(rowid, body) VALUES (new.id, {sqlite_text('new')}); END",
    "CREATE TRIGGER IF NOT EXISTS jobs_job_search_delete AFTER DELETE ON jobs_job BEGIN "
    "DELETE FROM jobs_job_search WHERE rowid = old.id; END",
]
SQLITE_FILL = [
    "DELETE FROM jobs_job_search",
    f"INSERT INTO jobs_job_search(rowid, body) SELECT id, {sqlite_text('jobs_job')} FROM jobs_job",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS jobs_job_search_insert",
    "DROP TRIGGER IF EXISTS jobs_job_search_update",
    "DROP TRIGGER IF EXISTS jobs_job_search_delete",
    "DROP TABLE IF EXISTS jobs_job_search",
]

PG_TEXT = "lower((" + " || E'\\n' || ".join(FIELDS) + ') COLLATE "C")'
PG_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX IF NOT EXISTS job_search_trgm ON jobs_job USING gin ({PG_TEXT} gin_trgm_ops)",
]
# The extension stays: other objects may use it, and dropping it needs more rights than creating.
PG_DROP = ["DROP INDEX IF EXISTS job_search_trgm"]


def run(statements: dict):
    def operation(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):

    dependencies = [
        ("jobs", "0010_archive_schedule"),
    ]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE_CREATE + SQLITE_FILL, "postgresql": PG_CREATE}),
            run({"sqlite": SQLITE_DROP, "postgresql": PG_DROP}),
            elidable=False,
        ),
    ]
