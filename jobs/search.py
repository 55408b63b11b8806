"""Job search: the one selector the dashboard, the API's lists and the contact sheet use.

What matches. ``q`` is split on whitespace into words; a job matches when every word is a
substring of its *search text*: job id, client, project, output name and notes joined with
``"\\n"`` (a word holds no whitespace, so it never spans two fields). Case is folded for A–Z
only, on both databases (SQLite's ``lower()``/``LIKE``; PostgreSQL's ``lower()`` under
``COLLATE "C"``): "acme" finds "ACME", "é" does not find "É". Every other character, ``%``,
``_``, ``"``, ``*`` and ``\\`` included, is itself.

How it is found. Words of three characters or more use an index of trigrams, kept in step by
the database itself (migration ``jobs.0011_job_search_index``):

* SQLite: the FTS5 table ``jobs_job_search`` (tokenizer ``trigram case_sensitive 1``), one row
  per job (rowid = the job's id) holding its search text A–Z lowered, filled by triggers on
  ``jobs_job``: its hits are exactly the jobs holding the (lowered) words.
* PostgreSQL: a GIN ``gin_trgm_ops`` index (pg_trgm) on the lowered search text, queried with
  ``LIKE '%word%'`` on exactly that expression (the index's hits are rechecked by PostgreSQL).

Words of one or two characters have no trigram: they are checked on the rows the other words'
index hits leave (``instr``/``strpos``), or, alone, on every row of the queryset (a scan, as
before this index: fine for common ones, which fill the first cards fast; a rare one-letter
search over a million jobs takes a second).

Common words. A word in most jobs ("client") makes any index slow when all its hits are
listed. :func:`search_queue` (the board and the API's lists) reads at most :data:`COUNT_CAP` + 1
matches once, by id (their stage and queue position only): with no more, the counts are exact
and the cards come from that pass; with more, each stage's count is what that pass found, a
lower bound marked ``capped`` (the board shows "1,234+", the API ``count_exact: false``), and each
stage's cards are read in queue order (the queue index), where common matches come at once. A
search of short words only counts up to :data:`SHORT_COUNT_CAP` (its pass reads rows one by one).
On SQLite the FTS hits are fetched once per request, at most :data:`INDEX_HITS` + 1.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import BigIntegerField, BooleanField, Func, QuerySet
from django.db.models.expressions import RawSQL

from .models import Job

SEARCH_FIELDS = ("job_id", "client_name", "project_name", "output_name", "notes")
FTS_TABLE = "jobs_job_search"  # SQLite only
TRIGRAM_INDEX = "job_search_trgm"  # PostgreSQL only
MIN_INDEXED = 3  # characters a word needs to use a trigram index
INDEX_HITS = 5_000  # SQLite: more FTS hits than this, and rows are checked in queue order instead
COUNT_CAP = 5_000  # search counts are exact up to this many jobs
# ... or this many, for a search of only words shorter than MIN_INDEXED: no index narrows those,
# so the one pass checks jobs row by row until it has this many matches (5,000 of a common
# two-letter word: 70-90 ms of an API page at a million jobs).
SHORT_COUNT_CAP = 1_000

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def search_words(q: str) -> list[str]:
    """The distinct words of ``q``, A–Z lowered, in order (NUL characters dropped)."""
    words: list[str] = []
    for word in q.replace("\x00", "").split():
        word = word.translate(_ASCII_LOWER)
        if word not in words:
            words.append(word)
    return words


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


def fts_hits(words: list[str], *, using: str = "default", limit: int | None = None) -> list[int]:
    """SQLite: the ids of (at most ``limit`` + 1, :data:`INDEX_HITS`) jobs whose FTS row holds
    every word (3 characters or more): more than ``limit`` means "too many to list"."""
    limit = INDEX_HITS if limit is None else limit
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s LIMIT %s",
                       [fts_query(words), limit + 1])
        return [row[0] for row in cursor.fetchall()]


def _ids_in(ids: list[int]) -> RawSQL:
    """``id IN (…)`` with the ids written out (integers read from the FTS table): SQLite then
    knows how many there are and looks each up by its rowid."""
    listed = ", ".join(str(int(pk)) for pk in ids) or "NULL"
    return _condition(f'"{Job._meta.db_table}"."id" IN ({listed})', [])


def _in_fts(words: list[str]) -> RawSQL:
    """SQLite: ``id IN`` the FTS hits of ``words`` (3 characters or more), however many, as a
    subquery: SQLite reads them once and looks each job up by its rowid."""
    return _condition(f'"{Job._meta.db_table}"."id" IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)',
                      [fts_query(words)])


def _probe(qs: QuerySet[Job], words: list[str]) -> list[int] | None:
    """SQLite: the FTS hits of the long words (at most INDEX_HITS + 1); None elsewhere."""
    indexed = [word for word in words if len(word) >= MIN_INDEXED]
    if connections[qs.db].vendor != "sqlite" or not indexed:
        return None
    return fts_hits(indexed, using=qs.db)


def _searched(qs: QuerySet[Job], words: list[str], hits: list[int] | None) -> QuerySet[Job]:
    """``qs`` with every word checked; restricted to ``hits`` (SQLite's FTS hits) when given."""
    vendor = connections[qs.db].vendor
    text = text_sql(vendor)
    if hits is not None:
        qs = qs.filter(_ids_in(hits))
    for word in words:
        if hits is not None and len(word) >= MIN_INDEXED:
            continue  # SQLite's FTS hits hold it (the table's text is lowered as the words are)
        if vendor == "postgresql" and len(word) >= MIN_INDEXED:
            qs = qs.filter(_condition(f"{text} LIKE %s", [like_pattern(word)]))
        elif vendor == "postgresql":
            qs = qs.filter(_condition(f"strpos({text}, %s) > 0", [word]))
        else:
            qs = qs.filter(_condition(f"instr({text}, %s) > 0", [word]))
    return qs


def search_jobs(qs: QuerySet[Job], q: str) -> QuerySet[Job]:
    """The jobs of ``qs`` whose search text holds every word of ``q`` (see the module)."""
    words = search_words(q)
    if not words:
        return qs
    hits = _probe(qs, words)
    return _searched(qs, words, hits if hits is not None and len(hits) <= INDEX_HITS else None)


class SortableTime(Func):
    """A timestamp as a value that sorts as it does and costs nothing to load, for ordering
    thousands of rows in Python: SQLite's stored text as it is; on PostgreSQL whole microseconds
    since 1970 (EXTRACT(EPOCH …) is exact, numeric, from PostgreSQL 14), not a timestamptz,
    which psycopg would make into a datetime (5,000 of them: 20 ms of a 35 ms search)."""

    arity = 1
    output_field = BigIntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return compiler.compile(self.source_expressions[0])

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(EXTRACT(EPOCH FROM {sql}) * 1000000 AS bigint)", params


def _raw_rows(qs: QuerySet) -> list[tuple]:
    """The rows of ``qs`` as the database driver gives them (SQLite: timestamps as their text,
    which sorts as they do), without the ORM's conversions (thousands of rows per search)."""
    sql, params = qs.query.get_compiler(using=qs.db).as_sql()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass
class StageHits:
    """A stage's share of a search: how many (exact unless ``capped``: then at least that
    many), and the ids of the requested slice, in queue order."""

    count: int
    capped: bool
    ids: list[int] = field(default_factory=list)


QUEUE_KEY = ("priority_rank", "created_at", "id")


def search_queue(base: QuerySet[Job], q: str, *, stages: list[int], offset: int = 0,
                 limit: int, archived: bool | None = None) -> dict[int, StageHits]:
    """The search ``q`` within ``base``, per stage of ``stages``: its count and the ids of its
    jobs ``offset`` to ``offset + limit`` in queue order (the board: offset 0, the first cards;
    the API: a page).

    One pass over at most COUNT_CAP + 1 matching jobs of any stage (SHORT_COUNT_CAP + 1 for a
    search of short words only; id, stage and queue order only; on SQLite, looked up by id from
    the FTS hits): when there are no more, counts are exact and the slices come from that pass
    (one query; two on SQLite with the FTS probe). When there are more, each stage's count is
    what that pass found (at least the slice), marked capped, and each stage's slice is read in
    queue order, where such common matches come soon (one more query per stage).

    ``archived`` (False: active jobs, True: archived ones) scopes a ``base`` that is not scoped
    yet; None: ``base`` is used as it is. Given, PostgreSQL's pass says "not archived" as
    ``archived IS NOT TRUE``, which the partial indexes' ``NOT archived`` does not cover: its
    planner otherwise ANDs the trigram bitmap with a bitmap of every active job
    (job_active_state), 131 ms of a search with 39,000 matches among a million jobs (32 ms
    without). The stages' reads keep ``archived = false`` and walk the job_active_queue index.
    """
    words = search_words(q)
    if not words:
        raise ValueError("search_queue needs a search")
    # No condition on the stage in the pass: SQLite, without statistics, would read every row of
    # the stages by their index instead of looking up the FTS hits by id.
    qs = base if archived is None else base.filter(archived=archived)
    pass_qs = qs
    if archived is False and connections[qs.db].vendor == "postgresql":
        pass_qs = base.filter(_condition(f'"{Job._meta.db_table}"."archived" IS NOT TRUE', []))
    hits = _probe(qs, words)
    overflow = hits is not None and len(hits) > INDEX_HITS
    searched = _searched(qs, words, None if overflow else hits)
    short = [word for word in words if len(word) < MIN_INDEXED]
    indexed = [word for word in words if word not in short]
    complete = True  # whether the pass can see every match (then its count is exact unless capped)
    if overflow and short:
        # More long-word hits than can be listed, but the short words may leave few of them: they
        # are checked on all the long words' hits (a subquery), not on every job (a rare short word
        # beside a common long one: 1.5 s → 55 ms at a million jobs).
        sample = _searched(qs, short, None).filter(_in_fts(indexed))
    elif overflow:
        sample, complete = _searched(qs, words, hits[: COUNT_CAP + 1]), False
    else:
        sample = searched if pass_qs is qs else _searched(pass_qs, words, hits)
    cap = COUNT_CAP if indexed else min(COUNT_CAP, SHORT_COUNT_CAP)
    rows = _raw_rows(sample.order_by().annotate(queued_at=SortableTime("created_at"))
                     .values_list("id", "stage", "priority_rank", "queued_at")[: cap + 1])
    capped = not complete or len(rows) > cap
    by_stage: dict[int, list[tuple]] = {stage: [] for stage in stages}
    for pk, stage, rank, created in rows:
        if stage in by_stage:
            by_stage[stage].append((rank, created, pk))
    result = {}
    for stage in stages:
        if capped:
            ids = list(searched.filter(stage=stage).order_by(*QUEUE_KEY)
                       .values_list("id", flat=True)[offset: offset + limit])
        else:
            ids = [pk for _, _, pk in sorted(by_stage[stage])[offset: offset + limit]]
        result[stage] = StageHits(count=max(len(by_stage[stage]), offset + len(ids) if capped else 0),
                                  capped=capped, ids=ids)
    return result
