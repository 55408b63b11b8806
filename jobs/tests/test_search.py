"""Job search (jobs/search.py) on SQLite (FTS5 trigram table) and PostgreSQL (pg_trgm GIN index).

The oracle is an unindexed scan in Python: a job matches when every word of the query, A–Z
lowered, is a substring of its fields joined with "\\n", A–Z lowered. Run on both databases:
``DATABASE_URL=postgres://…/test_NAME pytest jobs/tests/test_search.py``.
"""

from __future__ import annotations

import random
import string

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from batches.models import Batch
from jobs import search
from jobs.archive import job_archive
from jobs.models import Job
from review.queue_pages import QueueCursor, jobs_in_stage_page
from review.selectors import JobFilters, board_columns, jobs_filtered

SPECIAL = ['"', '""', "*", "OR", "or", "AND", "NOT", "NEAR(", "NEAR(a b)", "-", "%", "_", "%_", "\\", "\\%",
           "'", "a\"b", "^", ":", "(", ")", "{x}", "+", "acme*", '"acme"', "--", "100%", "é", "É", "ß", "ü"]
ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" * 3 + "-_.%\"*()'\\/:éÉüÜßøÆ"


ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)


def oracle(jobs: list[Job], q: str) -> set[int]:
    words = search.search_words(q)
    return {job.pk for job in jobs if all(word in search.search_text(job) for word in words)}


def found(q: str, qs=None) -> set[int]:
    return set(search.search_jobs(qs if qs is not None else Job.objects.all(), q).values_list("pk", flat=True))


def fts_rows() -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid, body FROM {search.FTS_TABLE}")
        return dict(cursor.fetchall())


def assert_index_in_step():
    """SQLite: the FTS table holds exactly each job's fields joined with "\\n", A-Z lowered."""
    if connection.vendor != "sqlite":
        return
    expected = {job.pk: search.search_text(job) for job in Job.objects.all()}
    assert fts_rows() == expected


def random_text(rng: random.Random, low: int, high: int) -> str:
    words = ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 9))) for _ in range(rng.randint(low, high))]
    return " ".join(words)


CLIENTS = ["Acme Corp", "ACME Studios", "Bärenwald GmbH", "Café Noir", "Zeta_Works", "100% Juice", "O'Neil & Sons",
           "North \"Star\"", "OR Partners", "near-field"]


@pytest.fixture
def generated(db):
    rng = random.Random(18)
    batch = Batch.objects.create(name="search.csv", sha256="0" * 64)
    jobs = []
    for n in range(300):
        jobs.append(Job(
            batch=batch, line=n + 2, psd_path="/in/a.psd", aepx_path="/in/a.aepx",
            job_id=f"{rng.choice(['ACME', 'acme', 'Zeta', 'CAFÉ', 'X_1'])}-{rng.randint(2020, 2027)}-{n:06d}",
            client_name=rng.choice(CLIENTS + [""]),
            project_name=random_text(rng, 0, 3),
            output_name=f"{random_text(rng, 1, 2)}.{rng.choice(['aep', 'mp4', 'MOV'])}",
            notes=random_text(rng, 0, 6) if rng.random() < 0.7 else "",
            stage=rng.randint(0, 4), status="pending", archived=rng.random() < 0.1,
        ))
    Job.objects.bulk_create(jobs)
    return list(Job.objects.all()), rng


def generated_queries(jobs: list[Job], rng: random.Random) -> list[str]:
    queries = list(SPECIAL)

    def piece() -> str:
        job = rng.choice(jobs)
        text = getattr(job, rng.choice(search.SEARCH_FIELDS)) or job.job_id
        start = rng.randrange(len(text))
        word = text[start: start + rng.randint(1, 12)].split()
        word = word[0] if word else text.split()[0]
        return "".join(c.swapcase() if rng.random() < 0.3 else c for c in word)

    for _ in range(120):
        queries.append(piece())  # infix (or prefix, when start is 0)
    for _ in range(40):
        job = rng.choice(jobs)
        queries.append(job.job_id[: rng.randint(1, len(job.job_id))])  # prefix as typed
    for _ in range(60):
        queries.append(f"{piece()} {piece()}")  # two words, often from two fields or jobs
    for _ in range(20):
        queries.append(f"{piece()}  {rng.choice(SPECIAL)}\t{piece()}")
    for _ in range(30):
        queries.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 6))))  # mostly no match
    for _ in range(20):
        job = rng.choice(jobs)
        queries.append(job.client_name[-2:] + job.project_name[:2])  # across two fields: no "\n" in it
    return queries


def test_generated_queries_equal_an_unindexed_scan(generated):
    jobs, rng = generated
    queries = generated_queries(jobs, rng)
    assert len(queries) > 300
    hits = 0
    for q in queries:
        expected = oracle(jobs, q)
        assert found(q) == expected, q
        hits += bool(expected)
    assert hits > 200  # most generated queries find something: the comparison is not vacuous


def test_the_scan_path_for_common_words_gives_the_same_answers(generated, monkeypatch):
    """SQLite checks rows one by one when the FTS has more hits than INDEX_HITS: same results."""
    jobs, rng = generated
    monkeypatch.setattr(search, "INDEX_HITS", 3)
    for q in generated_queries(jobs, rng)[:150]:
        assert found(q) == oracle(jobs, q), q


def test_every_part_of_every_field_finds_the_job(generated):
    jobs, rng = generated
    for job in rng.sample(jobs, 40):
        for name in ("job_id", "client_name", "project_name", "output_name"):
            word = max(getattr(job, name).split() or [""], key=len)
            for start, end in ((0, 3), (1, len(word) - 1), (len(word) - 4, len(word)), (0, len(word))):
                part = word[max(start, 0): end]
                if part:
                    assert job.pk in found(part.translate(ASCII_UPPER)), (name, part)


def test_the_dashboard_and_the_api_search_the_same_way(generated):
    jobs, _ = generated
    active = [job for job in jobs if not job.archived]
    for q in ("acme", "ACME-202", "aep", "cafÉ", "100%", "n", "zz9 zz8"):
        columns = board_columns(JobFilters(q=q), per_stage=500)
        assert sum(column.count for column in columns) == len(oracle(active, q))
        assert {card.id for column in columns for card in column.cards} == oracle(active, q)
        for stage in range(5):
            page = jobs_in_stage_page(stage=stage, filters=JobFilters(q=q), page=1, page_size=500)
            assert {card.id for card in page.results} == oracle([j for j in active if j.stage == stage], q)
        assert set(jobs_filtered(JobFilters(q=q, archived="include")).values_list("pk", flat=True)) == oracle(jobs, q)
        for scope, scoped in (("include", jobs), ("only", [j for j in jobs if j.archived])):
            columns = board_columns(JobFilters(q=q, archived=scope), per_stage=500)
            assert {card.id for column in columns for card in column.cards} == oracle(scoped, q), (q, scope)
            page = jobs_in_stage_page(stage=2, filters=JobFilters(q=q, archived=scope), page=1, page_size=500)
            assert {card.id for card in page.results} == oracle([j for j in scoped if j.stage == 2], q), (q, scope)


@pytest.mark.parametrize("index_hits", [10_000, 3])
def test_counts_are_capped(generated, monkeypatch, index_hits):
    """Past COUNT_CAP matches, each stage's count is a lower bound (capped) and its cards are
    still the first in queue order; below it, counts are exact."""
    jobs, _ = generated
    monkeypatch.setattr(search, "INDEX_HITS", index_hits)
    active = [job for job in jobs if not job.archived]
    for q, cap in (("a", 5), ("acme", 5), ("acme", 10_000), ("ZETA 1", 5)):
        monkeypatch.setattr(search, "COUNT_CAP", cap)
        matching = oracle(active, q)
        queue = list(Job.objects.filter(pk__in=matching).order_by("priority_rank", "created_at", "id"))
        columns = board_columns(JobFilters(q=q), per_stage=3)
        for column in columns:
            in_stage = [job.pk for job in queue if job.stage == column.stage]
            assert [card.id for card in column.cards] == in_stage[:3], (q, cap)
            if index_hits == 10_000:  # (SQLite, more FTS hits than INDEX_HITS: capped too)
                assert column.capped == (len(matching) > cap), (q, cap)
            if column.capped:
                assert len(column.cards) <= column.count <= len(in_stage)
            else:
                assert column.count == len(in_stage)
        page = jobs_in_stage_page(stage=2, filters=JobFilters(q=q), page=2, page_size=2)
        assert [card.id for card in page.results] == [job.pk for job in queue if job.stage == 2][2:4]
        assert page.count_exact is not columns[2].capped


def test_short_words_beside_a_common_long_one_are_checked_on_its_hits(generated, monkeypatch):
    """SQLite: more FTS hits of the long words than can be listed (INDEX_HITS), and a short
    word beside them: the pass checks the short word on all of the long words' hits, so its
    counts are exact and its cards complete (not capped, as when the hits are cut short)."""
    jobs, _ = generated
    monkeypatch.setattr(search, "INDEX_HITS", 3)
    active = [job for job in jobs if not job.archived]
    for q in ("acme 1", "zeta 1", "acme zz9"):
        matching = oracle(active, q)
        if connection.vendor == "sqlite":
            assert len(search.fts_hits([q.split()[0]], limit=3)) > 3, q  # the long word overflows
        columns = board_columns(JobFilters(q=q), per_stage=500)
        assert not any(column.capped for column in columns), q
        assert sum(column.count for column in columns) == len(matching), q
        assert {card.id for column in columns for card in column.cards} == matching, q


def test_a_search_of_short_words_only_counts_to_its_own_cap(generated, monkeypatch):
    """No index narrows a search of one- and two-character words: its one pass stops at
    SHORT_COUNT_CAP matches (checked row by row), a search with a longer word at COUNT_CAP."""
    jobs, _ = generated
    active = [job for job in jobs if not job.archived]
    monkeypatch.setattr(search, "SHORT_COUNT_CAP", 3)
    for q in ("a", "ac me"):
        matching = oracle(active, q)
        assert len(matching) > 3, q
        columns = board_columns(JobFilters(q=q), per_stage=500)
        assert all(column.capped for column in columns), q
        assert {card.id for column in columns for card in column.cards} == matching, q  # the cards are all there
    columns = board_columns(JobFilters(q="acme"), per_stage=500)
    assert len(oracle(active, "acme")) > 3
    assert not any(column.capped for column in columns)
    assert sum(column.count for column in columns) == len(oracle(active, "acme"))


def test_a_search_pages_on_with_cursors(generated):
    """The API's cursor (``next``) walks a search's matches of a stage in queue order, each once,
    the same whether the first page came from the search's one pass or by page number."""
    jobs, _ = generated
    active = [job for job in jobs if not job.archived]
    for q in ("acme", "a", "ZETA 1"):
        expected = [job.pk for job in sorted((j for j in active if j.stage == 2 and j.pk in oracle(active, q)),
                                             key=lambda j: (j.priority_rank, j.created_at, j.pk))]
        seen, page = [], jobs_in_stage_page(stage=2, filters=JobFilters(q=q), page=1, page_size=3)
        while True:
            seen += [card.id for card in page.results]
            if page.next_cursor is None:
                break
            cursor = QueueCursor.decode(page.next_cursor, stage=2)
            page = jobs_in_stage_page(stage=2, filters=JobFilters(q=q), page_size=3, cursor=cursor)
            assert page.page is None and page.count == len(expected)
        assert seen == expected, q


def test_the_index_follows_every_kind_of_write(generated, admin_user):
    jobs, _ = generated
    assert_index_in_step()
    job = next(j for j in jobs if not j.archived)
    job.notes = "Quokka sighting near the harbour"
    job.save()
    assert found("QUOKKA") == {job.pk} and found("harbour quok") == {job.pk}
    Job.objects.filter(pk=job.pk).update(client_name="Wombat Ltd", notes="")
    assert found("quokka") == set() and found("wombat") == {job.pk}
    batch = job.batch
    new = Job.objects.bulk_create([
        Job(batch=batch, line=900 + n, job_id=f"BULK-{n}", psd_path="p", aepx_path="a", output_name=f"numbat_{n}.aep")
        for n in range(3)
    ])
    assert found("numbat_") == {j.pk for j in new}
    Job.objects.filter(pk=new[0].pk).delete()
    assert found("numbat_") == {j.pk for j in new[1:]}
    Job.objects.filter(pk__in=[j.pk for j in new[1:]]).update(output_name="plain.aep")
    assert found("numbat") == set()
    job_archive(job=job, user=admin_user, reason="done")
    assert jobs_filtered(JobFilters(q="wombat")).count() == 0
    assert list(jobs_filtered(JobFilters(q="wombat", archived="only")).values_list("pk", flat=True)) == [job.pk]
    assert_index_in_step()


def test_the_search_uses_the_index(generated):
    if connection.vendor == "sqlite":
        with CaptureQueriesContext(connection) as queries:
            found("acme-2026")
        fts = [query["sql"] for query in queries if "MATCH" in query["sql"]]
        assert len(fts) == 1
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN SELECT rowid FROM {search.FTS_TABLE} WHERE {search.FTS_TABLE} "
                           "MATCH %s", [search.fts_query(["acme-2026"])])
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "VIRTUAL TABLE INDEX" in plan
    else:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
        plan = search.search_jobs(Job.objects.order_by(), "acme-2026 zeta").explain()
        assert search.TRIGRAM_INDEX in plan and "Bitmap Index Scan" in plan, plan


def test_a_searched_stage_page_asks_the_index_once(generated):
    """SQLite: the API's stage list with ``q`` asks the FTS table once (in the search's one pass),
    not also while building a queryset that a first page never reads."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL's trigram index is used inside the one query")
    jobs, _ = generated
    matching = oracle(jobs, "acme")
    expected = [job.pk for job in sorted((j for j in jobs if not j.archived and j.stage == 2 and j.pk in matching),
                                         key=lambda j: (j.priority_rank, j.created_at, j.pk))][:5]
    with CaptureQueriesContext(connection) as queries:
        page = jobs_in_stage_page(stage=2, filters=JobFilters(q="acme"), page=1, page_size=5)
    assert [card.id for card in page.results] == expected
    assert len([query for query in queries if "MATCH" in query["sql"]]) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migrating_backwards_and_forwards(make_job):
    job = make_job(client_name="Platypus Pictures")
    call_command("migrate", "jobs", "0010", verbosity=0)
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        if connection.vendor == "sqlite":
            assert search.FTS_TABLE not in tables
        else:
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [search.TRIGRAM_INDEX])
            assert cursor.fetchone() is None
    later = make_job(client_name="Platypus Two")  # written while there was no index
    call_command("migrate", "jobs", verbosity=0)
    assert found("platypus") == {job.pk, later.pk}
    assert_index_in_step()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_table_remade_by_a_migration_gets_its_triggers_back(make_job):
    """SQLite remakes jobs_job to alter a column, which drops its triggers: post_migrate restores them."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL's index lives with the table")
    job = make_job(notes="Echidna")
    field = Job._meta.get_field("notes")
    with connection.schema_editor() as editor:  # what an AlterField on SQLite does
        editor._remake_table(Job, alter_fields=[(field, field)])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'jobs_job_search%%'")
        assert cursor.fetchone()[0] == 0
    Job.objects.filter(pk=job.pk).update(notes="Bilby")  # not seen by the index meanwhile
    call_command("migrate", "jobs", verbosity=0)
    assert found("bilby") == {job.pk} and found("echidna") == set()
    assert_index_in_step()
