"""Keeps SQLite's search index (migration ``jobs.0011_job_search_index``) alive after migrations.

SQLite cannot alter most column definitions in place: Django's schema editor then remakes
``jobs_job`` (a new table, the rows copied, the old table dropped, the new one renamed), and
dropping the old table drops its triggers, so the FTS table would silently stop following the
jobs. After every ``migrate`` (``post_migrate``), :func:`ensure_sqlite_triggers` creates any
missing trigger again and, when one was missing, fills the FTS table afresh from the jobs.
PostgreSQL needs nothing: its index is on the table and is rebuilt with it.
"""

from __future__ import annotations

import importlib

from django.db import connections

TRIGGERS = ("jobs_job_search_insert", "jobs_job_search_update", "jobs_job_search_delete")


def ensure_sqlite_triggers(using: str = "default") -> bool:
    """Create the FTS triggers that are missing and refill the index; whether any was missing.
    Nothing happens before the migration made the FTS table, nor on other databases."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    migration = importlib.import_module("jobs.migrations.0011_job_search_index")
    with connection.cursor() as cursor:
        cursor.execute("SELECT type, name FROM sqlite_master WHERE name IN (%s, %s, %s, %s)",
                       ["jobs_job_search", *TRIGGERS])
        present = {name for _, name in cursor.fetchall()}
        if "jobs_job_search" not in present or present.issuperset(TRIGGERS):
            return False
        for sql in migration.SQLITE_CREATE + migration.SQLITE_FILL:
            cursor.execute(sql)
    return True


def after_migrate(sender, using: str = "default", **kwargs) -> None:
    ensure_sqlite_triggers(using)
