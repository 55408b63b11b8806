"""Job search: the one selector the dashboard, the API's lists and the contact sheet use.

What matches. ``q`` is split on whitespace into words; a job matches when every word is a
substring of its *search text*: job id, client, project, output name and notes joined with
``"\\n"`` (a word holds no whitespace, so it never spans two fields). Case is folded for A–Z
only, on both databases (SQLite's ``lower()``/``LIKE``; PostgreSQL's ``lower()`` under
``COLLATE "C"``): "acme" finds "ACME", "é" does not find "É". Every other character, ``%``,
``_``, ``"``, ``*`` and ``\\`` included, is itself.

How it is found. Words of three characters or more use an index of trigrams, kept in step by
the database itself (migration ``jobs.0011_job_search_index``):

* SQLite: the FTS5 table ``jobs_job_search`` (tokenizer ``trigram``), one row per job (rowid =
  the job's id), filled by triggers on ``jobs_job``. Its folding is Unicode's, wider than ours,
  so its hits are a superset and every word is checked again on the row (``instr``).
* PostgreSQL: a GIN ``gin_trgm_ops`` index (pg_trgm) on the lowered search text, queried with
  ``LIKE '%word%'`` on exactly that expression (the index's hits are rechecked by PostgreSQL).

Words of one or two characters have no trigram: they are checked on the rows the other words'
index hits leave (``instr``/``strpos``), or, alone, on every row of the queryset (a scan, as
before this index: fine for common ones, which fill the first cards fast; a rare one-letter
search over a million jobs takes a second).

Common words. A word in most jobs ("client") makes any index slow when all its hits are
listed. On SQLite the FTS hits are fetched once, at most :data:`INDEX_HITS` of them: when there
are more, the search checks rows in the queryset's own order (the queue index gives the first
cards at once); on PostgreSQL the planner makes that choice from its statistics. Counts of a
search are exact up to :data:`COUNT_CAP` (:func:`capped_stage_counts`, :func:`capped_count`),
then shown as "10,000+".
"""

from __future__ import annotations

import json
import string

from django.db import connections
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from .models import Job, Stage

SEARCH_FIELDS = ("job_id", "client_name", "project_name", "output_name", "notes")
FTS_TABLE = "jobs_job_search"  # SQLite only
TRIGRAM_INDEX = "job_search_trgm"  # PostgreSQL only
MIN_INDEXED = 3  # characters a word needs to use a trigram index
INDEX_HITS = 5_000  # SQLite: more FTS hits than this, and rows are checked in queue order instead
COUNT_CAP = 10_000  # search counts are exact up to this many jobs
MAX_WORDS = 16

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def search_words(q: str) -> list[str]:
    """The distinct words of ``q``, A–Z lowered, in order (NUL characters dropped)."""
    words: list[str] = []
    for word in q.replace("\x00", "").split():
        word = word.translate(_ASCII_LOWER)
        if word not in words:
            words.append(word)
    return words[:MAX_WORDS]


def search_text(job) -> str:
    """The text a job's words are looked for in (what the oracle of the tests scans too)."""
    return "\n".join(getattr(job, name) or "" for name in SEARCH_FIELDS).translate(_ASCII_LOWER)


def text_sql(vendor: str, table: str = Job._meta.db_table) -> str:
    """The lowered search text as SQL: on PostgreSQL, exactly the trigram index's expression."""
    columns = [f'"{table}"."{Job._meta.get_field(name).column}"' for name in SEARCH_FIELDS]
    if vendor == "postgresql":
        return "lower((" + " || E'\\n' || ".join(columns) + ') COLLATE "C")'
    return "lower(" + " || char(10) || ".join(columns) + ")"


def fts_query(words: list[str]) -> str:
    """An FTS5 query matching rows holding every word: each one a quoted string (inner quotes
    doubled), so that no character of a word is FTS5 syntax."""
    return " AND ".join('"' + word.replace('"', '""') + '"' for word in words)


def like_pattern(word: str) -> str:
    """``%word%`` for LIKE with backslash as escape character."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _condition(sql: str, params: list) -> RawSQL:
    return RawSQL(sql, params, output_field=BooleanField())


def fts_hits(words: list[str], *, using: str = "default", limit: int | None = None) -> list[int] | None:
    """SQLite: the ids of jobs whose FTS row holds every word (3 characters or more), or None
    when there are more than ``limit`` (:data:`INDEX_HITS`)."""
    limit = INDEX_HITS if limit is None else limit
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s LIMIT %s",
                       [fts_query(words), limit + 1])
        ids = [row[0] for row in cursor.fetchall()]
    return ids if len(ids) <= limit else None


def search_jobs(qs: QuerySet[Job], q: str) -> QuerySet[Job]:
    """The jobs of ``qs`` whose search text holds every word of ``q`` (see the module)."""
    words = search_words(q)
    if not words:
        return qs
    vendor = connections[qs.db].vendor
    text = text_sql(vendor)
    indexed = [word for word in words if len(word) >= MIN_INDEXED]
    if vendor == "sqlite" and indexed:
        ids = fts_hits(indexed, using=qs.db)
        if ids is not None:
            qs = qs.filter(_condition(f'"{Job._meta.db_table}"."id" IN (SELECT value FROM json_each(%s))',
                                      [json.dumps(ids)]))
    for word in words:
        if vendor == "postgresql" and len(word) >= MIN_INDEXED:
            qs = qs.filter(_condition(f"{text} LIKE %s", [like_pattern(word)]))
        elif vendor == "postgresql":
            qs = qs.filter(_condition(f"strpos({text}, %s) > 0", [word]))
        else:
            qs = qs.filter(_condition(f"instr({text}, %s) > 0", [word]))
    return qs


# --------------------------------------------------------------------------------------------
# Counts of a search: exact up to COUNT_CAP


def capped_stage_counts(qs: QuerySet[Job], *, cap: int | None = None) -> dict[int, tuple[int, bool]]:
    """Jobs of ``qs`` per stage, each as (count, capped): a count above ``cap`` (:data:`COUNT_CAP`)
    is ``cap`` and capped (one query: per stage, a subquery that stops after ``cap + 1`` rows)."""
    cap = COUNT_CAP if cap is None else cap
    parts, params = [], []
    connection = connections[qs.db]
    for stage in Stage.values:
        sql, stage_params = (qs.filter(stage=stage).order_by().values("pk")[: cap + 1]
                             .query.get_compiler(using=qs.db).as_sql())
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS stage_{stage})")
        params.extend(stage_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {stage: (min(n, cap), n > cap) for stage, n in zip(Stage.values, row, strict=True)}


def capped_count(qs: QuerySet[Job], *, cap: int | None = None) -> tuple[int, bool]:
    """How many jobs ``qs`` holds, as (count, capped): above ``cap`` (:data:`COUNT_CAP`), (``cap``, True)."""
    cap = COUNT_CAP if cap is None else cap
    n = qs.order_by().values("pk")[: cap + 1].count()
    return min(n, cap), n > cap
