"""Migration 0014: a batch's jobs by one index, job_batch_state (batch, status, archived), which
replaces the foreign key's own index and gets planner statistics where the others have them."""

import pytest
from django.core.management import call_command
from django.db import connection

from jobs.models import Job


def indexes_leading_with_batch() -> list[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Job._meta.db_table)
    return sorted(name for name, info in constraints.items()
                  if info["index"] and not info["primary_key"] and info["columns"][:1] == ["batch_id"])


def sqlite_stats(index: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return []
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE idx = %s", [index])
        return cursor.fetchall()


@pytest.mark.django_db
def test_one_index_leads_with_the_batch():
    assert indexes_leading_with_batch() == ["job_batch_state"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migrating_back_and_forth_keeps_one_index_and_its_statistics(make_job):
    for _ in range(3):
        make_job()
    call_command("migrate", "jobs", "0013", verbosity=0)
    assert indexes_leading_with_batch() not in ([], ["job_batch_state"])  # the foreign key's own is back
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the planner has statistics for every index
    call_command("migrate", "jobs", verbosity=0)
    assert indexes_leading_with_batch() == ["job_batch_state"]
    if connection.vendor == "sqlite":
        # Without them for the new index, SQLite's planner takes it for a very selective one.
        assert sqlite_stats("job_batch_state"), "the new index has no statistics"
