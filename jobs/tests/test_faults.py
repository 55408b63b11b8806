"""Crash safety under real ``qcluster`` processes (ORM broker).

- kill -9 the whole cluster in the middle of Stage 1 work, ten times over a 100-job batch: every
  job still reaches Stage 2 exactly once, none stays processing, no duplicate assets, audit rows
  or warnings;
- the same in the middle of Stage 3 (preview) work;
- a job whose worker dies every time it is claimed is failed after AEA_MAX_ATTEMPTS claims;
- (PostgreSQL only) the database is stopped in the middle of a run: the cluster survives and
  finishes the batch once the database is back.

Timings are shortened in the clusters' environment (task timeout 20 s, retry 25 s, lease 8 s,
stranded tasks handed out again after 10 s) and the test process runs the reaper itself while it
polls, so recovery takes seconds. test_crash_recovery.py kills a cluster with the defaults.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.db.models import Count
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ

from batches.services import batch_import, batch_start
from jobs.demo import Player, batch_csv, write_demo_inputs, write_player_psd
from jobs.models import Job, JobAsset, JobLog, JobWarning, Stage, Status
from jobs.reaper import reap_expired_leases
from jobs.runner import run_stage_work
from jobs.services import job_approve_matching
from jobs.transitions import TransitionError

from .brokers import redis_queue  # noqa: F401  (fixture)
from .cluster import Cluster, cluster_alive, cluster_log, wait_until

# serialized_rollback: a transactional test flushes the database; this puts back what the
# migrations wrote (the reviewer groups, the reaper schedule) before each test.
pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LEASE_SECONDS = 8
STRANDED_SECONDS = 10
Q_TIMEOUT = 20
Q_RETRY_MARGIN = 5
# High enough that no job of the kill loops can use its attempts up (10 kills, one claim each at
# most, plus the claim that finishes it); the attempt limit has its own test below.
LOOP_MAX_ATTEMPTS = 20
KILLS = 10
JOBS = 100
PSD_VARIANTS = 10
STAGE1_ASSETS_PER_JOB = 14  # 6 layers + 6 thumbnails + flattened + its thumbnail


def fast_env(max_attempts: int) -> dict:
    return {
        "Q_TIMEOUT": str(Q_TIMEOUT),
        "Q_RETRY_MARGIN": str(Q_RETRY_MARGIN),
        "AEA_LEASE_SECONDS": str(LEASE_SECONDS),
        "AEA_STRANDED_SECONDS": str(STRANDED_SECONDS),
        "AEA_MAX_ATTEMPTS": str(max_attempts),
    }


# --- Inputs: distinct PSDs, so that Stage 1 really parses (the parse cache is per content) ----


@pytest.fixture(scope="session")
def variant_inputs(tmp_path_factory):
    """The demo template and PSDs plus player variants: ``PSD_VARIANTS`` distinct PSD files."""
    folder = tmp_path_factory.mktemp("fault-inputs") / "demo"
    inputs = write_demo_inputs(folder)
    names = [p.name for p in inputs.psds]
    for i in range(PSD_VARIANTS - len(names)):
        player = Player(f"v{i}", f"PLAYER NUMBER {i}", f"TEAM {i} vs TEAM {i + 1}", f"SAT {i % 12 + 1}:00 PM",
                        ((40 + 23 * i) % 256, (90 + 57 * i) % 256, (160 + 31 * i) % 256))
        names.append(write_player_psd(folder / f"gameday-v{i}.psd", player).name)
    return folder.parent, names


@pytest.fixture
def fault_root(settings, variant_inputs):
    root, names = variant_inputs
    settings.INPUT_ROOTS = [root.resolve()]
    return names


@pytest.fixture
def broker_queue(monkeypatch, settings):
    """Tasks go to the broker (the clusters); the test's reaper uses the clusters' timings."""
    monkeypatch.setattr(Conf, "SYNC", False)
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False, "timeout": Q_TIMEOUT,
                          "retry": Q_TIMEOUT + Q_RETRY_MARGIN}
    settings.AEA_LEASE_SECONDS = LEASE_SECONDS
    settings.AEA_STRANDED_SECONDS = STRANDED_SECONDS


def import_started_batch(user, psd_names: list[str], *, jobs: int, prefix: str):
    rows = [(f"{prefix}-{i:03d}", psd_names[i % len(psd_names)], "Client", "Proj", "medium") for i in range(jobs)]
    result = batch_import(data=batch_csv(rows, folder="demo").encode(), filename=f"{prefix}.csv", user=user)
    assert result.ok, result.report.errors
    batch_start(batch=result.batch, user=user)
    assert Job.objects.filter(stage=Stage.INGEST, status=Status.QUEUED).count() == jobs
    return result.batch


# --- Driving a batch while killing clusters ------------------------------------------------------


class Driver:
    """Polls the database for the test: runs the reaper (as the schedule would, but every second)
    and, optionally, approves the matching of every job that reaches Stage 2 (as a reviewer)."""

    def __init__(self, *, reviewer=None, fail_fast: bool = True):
        self.reviewer = reviewer
        self.fail_fast = fail_fast  # stop waiting as soon as a job fails (none should)
        self.last_reap = 0.0
        self.reaped = Counter()

    def tick(self) -> None:
        now = time.monotonic()
        if now - self.last_reap >= 1.0:
            self.last_reap = now
            self.reaped.update(reap_expired_leases())
        if self.reviewer is not None:
            for job in Job.objects.filter(stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW):
                try:
                    job_approve_matching(job=job, user=self.reviewer, approve_anyway=True)
                except TransitionError:
                    pass

    def until(self, predicate, *, timeout: float, what: str) -> None:
        def step() -> bool:
            self.tick()
            if self.fail_fast and Job.objects.filter(status=Status.FAILED).exists():
                raise AssertionError(f"a job failed while waiting for {what}: {job_states()}")
            return predicate()

        try:
            wait_until(step, timeout=timeout, interval=0.1, what=what)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; jobs now: {job_states()}") from None


def job_states() -> str:
    """The batch at a glance, for failure messages: counts per (stage, status) and any errors."""
    states = Counter(Job.objects.values_list("stage", "status"))
    errors = list(Job.objects.exclude(last_error="").values_list("job_id", "status", "last_error")[:5])
    return f"{dict(states)} errors: {errors}"


@contextmanager
def running(cluster: Cluster):
    """Start ``cluster``; stop it gracefully (SIGTERM to its main process) afterwards."""
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def count_action(action: str) -> int:
    return JobLog.objects.filter(action=action).count()


def processing_at(stage: int) -> set[int]:
    return set(Job.objects.filter(stage=stage, status=Status.PROCESSING).values_list("pk", flat=True))


def claimed_since(stage: int, started) -> set[int]:
    """Jobs at work at ``stage`` that were claimed after ``started`` (their lease says when)."""
    return set(
        Job.objects.filter(
            stage=stage, status=Status.PROCESSING, lease_expires_at__gt=started + timedelta(seconds=LEASE_SECONDS)
        ).values_list("pk", flat=True)
    )


def kill_loop(*, make_cluster, driver: Driver, stage: int, done_action: str, kills: int, jobs: int,
              after_kill=None) -> list[set[int]]:
    """Start a cluster; ``kills`` times, once the batch has progressed, kill -9 the whole cluster
    while it is working on a job at ``stage``, then start a fresh one (``after_kill()`` is called
    in between, while nothing runs). Returns, per kill, the jobs that were in the middle of their
    work (claimed, lease held) when their cluster died."""
    interrupted: list[set[int]] = []
    started = timezone.now()
    cluster = make_cluster().start()
    try:
        attempts = 0
        while len(interrupted) < kills:
            attempts += 1
            assert attempts <= kills * 3, f"only {len(interrupted)} kills hit a job at work"
            # Kills are spread over the first 60 % of the batch: the rest leaves room for a kill
            # that missed (the job finished just before it) and for a driver slowed by a busy
            # database; with 80 % a fast run could finish the batch before the last kill.
            target = min(jobs - 5, (len(interrupted) + 1) * (jobs * 6 // 10) // kills)
            driver.until(lambda: count_action(done_action) >= target and claimed_since(stage, started),
                         timeout=150, what=f"{target} jobs past stage {stage} and one at work")
            cluster.kill()
            # Frozen now: no worker is left to claim or complete anything.
            hit = claimed_since(stage, started)
            if hit:
                interrupted.append(hit)
            if after_kill is not None:
                after_kill()
            started = timezone.now()
            cluster = make_cluster().start()
        return interrupted
    finally:
        cluster.kill()


# --- Checks -------------------------------------------------------------------------------------


def assert_exactly_once(*, stage: int, done_action: str, gate: tuple[int, str], jobs: int) -> None:
    """Every job is at ``gate``; it completed ``stage`` exactly once; each claim ended once."""
    states = Counter(Job.objects.values_list("stage", "status"))
    assert states == Counter({gate: jobs}), states
    pks = set(Job.objects.values_list("pk", flat=True))
    assert Counter(JobLog.objects.filter(action=done_action).values_list("job_id", flat=True)) == Counter(
        {pk: 1 for pk in pks}
    )
    # Each claim at this stage (into processing) was followed by exactly one way out of it: the
    # completion, a lease-expiry requeue or a failure; claims and ways out alternate.
    for pk in pks:
        claims = list(
            JobLog.objects.filter(job_id=pk, stage=stage, to_status=Status.PROCESSING).values_list("id", flat=True)
        )
        outs = list(
            JobLog.objects.filter(job_id=pk, stage=stage, from_status=Status.PROCESSING).values_list("id", flat=True)
        )
        history = list(JobLog.objects.filter(job_id=pk).values_list("action", flat=True))
        assert len(claims) == len(outs) >= 1, (pk, history)
        assert all(c < o for c, o in zip(claims, outs)), (pk, history)
        assert all(o < c for o, c in zip(outs, claims[1:])), (pk, history)
    # No duplicate warnings; and every job has the same warnings (the inputs have the same
    # structure), so none was lost or doubled by a crash.
    dupes = (
        JobWarning.objects.values("job", "stage", "code", "message").annotate(n=Count("id")).filter(n__gt=1)
    )
    assert not dupes.exists(), list(dupes[:5])
    per_job = {
        pk: Counter(JobWarning.objects.filter(job_id=pk).values_list("stage", "code")) for pk in pks
    }
    assert len({frozenset(c.items()) for c in per_job.values()}) == 1, per_job
    # One audit row per human/system transition that happened once.
    for action in ("imported", "start"):
        assert Counter(JobLog.objects.filter(action=action).values_list("job_id", flat=True)) == Counter(
            {pk: 1 for pk in pks}
        )


def assert_assets_sound(*, stage: int, per_job: int | None = None) -> None:
    """Each job has the same set of (kind, key) assets at ``stage`` (unique by constraint), and
    every file exists with the recorded checksum."""
    pks = list(Job.objects.values_list("pk", flat=True))
    shapes = {
        pk: Counter(JobAsset.objects.filter(job_id=pk, stage=stage).values_list("kind", flat=True)) for pk in pks
    }
    assert len({frozenset(c.items()) for c in shapes.values()}) == 1, shapes
    if per_job is not None:
        assert sum(next(iter(shapes.values())).values()) == per_job
    for name, sha in set(JobAsset.objects.filter(stage=stage).values_list("file", "sha256")):
        path = Path(JobAsset(file=name).file.path)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha, name


def assert_interrupted_jobs_recovered(interrupted: list[set[int]], *, stage: int) -> None:
    """Each job a kill caught at work was taken back by the reaper (lease expired) and redone."""
    for hit in interrupted:
        for pk in hit:
            assert JobLog.objects.filter(job_id=pk, stage=stage, action="requeue").exists(), pk


# --- The tests ----------------------------------------------------------------------------------


def test_kill_nine_mid_stage_1_ten_times_every_job_reaches_review_once(
    fault_root, producer, broker_queue, settings, tmp_path
):
    settings.AEA_MAX_ATTEMPTS = LOOP_MAX_ATTEMPTS
    import_started_batch(producer, fault_root, jobs=JOBS, prefix="K1")
    driver = Driver()

    def make_cluster():
        return Cluster(workers=2, env=fast_env(LOOP_MAX_ATTEMPTS), log=tmp_path / "qcluster.log")

    interrupted = kill_loop(make_cluster=make_cluster, driver=driver, stage=Stage.INGEST,
                            done_action="ingested", kills=KILLS, jobs=JOBS)
    with running(make_cluster()):
        driver.until(lambda: count_action("ingested") == JOBS and not processing_at(Stage.INGEST),
                     timeout=240, what=f"{JOBS} jobs ingested")
        # Late deliveries of tasks the killed clusters had taken (ORM broker: after `retry`) and
        # re-sent ones find nothing to do; wait for the queue to drain so they are checked too.
        driver.until(queue_empty, timeout=120, what="the broker queue to drain")

    assert_exactly_once(stage=Stage.INGEST, done_action="ingested",
                        gate=(Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW), jobs=JOBS)
    assert_assets_sound(stage=Stage.INGEST, per_job=STAGE1_ASSETS_PER_JOB)
    assert_interrupted_jobs_recovered(interrupted, stage=Stage.INGEST)
    # (Each interrupted job has its requeue row; whether this test's reaper or a cluster's
    # scheduled one wrote it is not asserted.)
    assert len(interrupted) == KILLS


def test_kill_nine_mid_stage_3_ten_times_every_job_reaches_approval_once(
    fault_root, producer, reviewer, broker_queue, settings, tmp_path
):
    settings.AEA_MAX_ATTEMPTS = LOOP_MAX_ATTEMPTS
    import_started_batch(producer, fault_root, jobs=JOBS, prefix="K3")
    driver = Driver(reviewer=reviewer)  # approves matching as jobs arrive: Stage 3 is queued

    def make_cluster():
        return Cluster(workers=2, env=fast_env(LOOP_MAX_ATTEMPTS), log=tmp_path / "qcluster.log")

    interrupted = kill_loop(make_cluster=make_cluster, driver=driver, stage=Stage.APPROVE_PREVIEW,
                            done_action="preview_ready", kills=KILLS, jobs=JOBS)
    with running(make_cluster()):
        driver.until(lambda: count_action("preview_ready") == JOBS and not processing_at(Stage.APPROVE_PREVIEW),
                     timeout=240, what=f"{JOBS} previews ready")
        driver.until(queue_empty, timeout=120, what="the broker queue to drain")

    assert_exactly_once(stage=Stage.APPROVE_PREVIEW, done_action="preview_ready",
                        gate=(Stage.APPROVE_PREVIEW, Status.AWAITING_APPROVAL), jobs=JOBS)
    assert Counter(JobLog.objects.filter(action="ingested").values_list("job_id", flat=True)) == Counter(
        {pk: 1 for pk in Job.objects.values_list("pk", flat=True)}
    )
    assert Counter(JobLog.objects.filter(action="approve_matching").values_list("job_id", flat=True)) == Counter(
        {pk: 1 for pk in Job.objects.values_list("pk", flat=True)}
    )
    assert_assets_sound(stage=Stage.INGEST, per_job=STAGE1_ASSETS_PER_JOB)
    assert_assets_sound(stage=Stage.APPROVE_PREVIEW)
    kinds = set(JobAsset.objects.filter(stage=Stage.APPROVE_PREVIEW).values_list("kind", flat=True))
    assert {"script", "preview", "comparison", "preview_thumbnail"} <= kinds
    assert_interrupted_jobs_recovered(interrupted, stage=Stage.APPROVE_PREVIEW)
    assert len(interrupted) == KILLS


@pytest.mark.redis
def test_redis_broker_kill_nine_mid_stage_1_lost_tasks_are_sent_again(fault_root, producer, redis_queue, settings,
                                                                       tmp_path):
    """Redis as the broker: a cluster's pusher takes tasks off the Redis list into its own
    memory, so kill -9 loses them for good (no acknowledgement, no redelivery). The Job row is
    the record of work: the reaper re-sends the task of each job left queued whose task Redis no
    longer holds, and requeues the jobs whose lease expired. Every job still reaches Stage 2
    exactly once."""
    jobs, kills = 40, 3
    settings.AEA_MAX_ATTEMPTS = LOOP_MAX_ATTEMPTS
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": Q_TIMEOUT, "retry": Q_TIMEOUT + Q_RETRY_MARGIN}
    settings.AEA_LEASE_SECONDS = LEASE_SECONDS
    settings.AEA_STRANDED_SECONDS = STRANDED_SECONDS
    import_started_batch(producer, fault_root, jobs=jobs, prefix="R1")
    assert len(redis_queue.task_names()) == jobs  # the batch's tasks went to Redis, not the ORM
    driver = Driver()
    lost: set[int] = set()

    def note_lost_tasks() -> None:
        # Nothing runs now: a job queued at Stage 1 whose task is not on the Redis list had its
        # task in the dead cluster's memory.
        in_redis = set(redis_queue.task_names())
        queued = Job.objects.filter(stage=Stage.INGEST, status=Status.QUEUED).values_list("pk", flat=True)
        lost.update(pk for pk in queued if f"job-{pk}-stage-{Stage.INGEST}" not in in_redis)

    def make_cluster():
        return Cluster(workers=2, env={**fast_env(LOOP_MAX_ATTEMPTS), **redis_queue.cluster_env},
                       log=tmp_path / "qcluster.log")

    interrupted = kill_loop(make_cluster=make_cluster, driver=driver, stage=Stage.INGEST, done_action="ingested",
                            kills=kills, jobs=jobs, after_kill=note_lost_tasks)
    with running(make_cluster()):
        driver.until(lambda: count_action("ingested") == jobs and not processing_at(Stage.INGEST),
                     timeout=240, what=f"{jobs} jobs ingested")
        driver.until(lambda: not redis_queue.task_names(), timeout=60, what="the Redis list to drain")

    assert_exactly_once(stage=Stage.INGEST, done_action="ingested",
                        gate=(Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW), jobs=jobs)
    assert_assets_sound(stage=Stage.INGEST, per_job=STAGE1_ASSETS_PER_JOB)
    assert_interrupted_jobs_recovered(interrupted, stage=Stage.INGEST)
    assert len(interrupted) == kills
    # Nothing but a re-send could bring these to Stage 2 (their only task died with a cluster).
    # Who re-sent them is not asserted: the clusters run the reaper on their own schedule too.
    assert lost, "no kill caught a task in a cluster's memory: the test proved nothing about Redis"
    assert not OrmQ.objects.exists()


def queue_empty() -> bool:
    return not OrmQ.objects.exists()


def test_job_whose_worker_dies_every_time_fails_after_max_attempts(fault_root, producer, broker_queue, settings,
                                                                    tmp_path):
    """A "poison" job: its worker is killed each time it is claimed (as an OOM kill would). The
    attempt counter on the job, not django-q2's (which a killed worker never updates), stops it."""
    max_attempts = 3
    settings.AEA_MAX_ATTEMPTS = max_attempts
    import_started_batch(producer, fault_root[:3], jobs=3, prefix="P")
    poison = Job.objects.get(job_id="P-000")
    driver = Driver(fail_fast=False)

    def make_cluster():
        # One worker: when the poison job is at work, nothing else is, so each kill hits it alone.
        return Cluster(workers=1, env=fast_env(max_attempts), log=tmp_path / "qcluster.log")

    kills = 0
    cluster = make_cluster().start()
    try:
        while True:
            def claimed_again_or_failed() -> bool:
                job = Job.objects.get(pk=poison.pk)
                claims = JobLog.objects.filter(job=poison, action="claim").count()
                return job.status == Status.FAILED or (job.status == Status.PROCESSING and claims > kills)

            driver.until(claimed_again_or_failed, timeout=120, what="the poison job claimed again (or failed)")
            if Job.objects.filter(pk=poison.pk, status=Status.FAILED).exists():
                break
            cluster.kill()
            kills += 1
            assert kills <= max_attempts, "the job was claimed more often than its attempt budget"
            cluster = make_cluster().start()
        others = Job.objects.exclude(pk=poison.pk)
        driver.until(lambda: not others.filter(status__in=[Status.QUEUED, Status.PROCESSING]).exists(),
                     timeout=120, what="the other jobs ingested")
        assert set(others.values_list("status", flat=True)) == {Status.AWAITING_REVIEW}, list(
            others.values_list("job_id", "status", "last_error"))
    finally:
        cluster.kill()

    poison.refresh_from_db()
    assert kills == max_attempts
    assert (poison.stage, poison.status) == (Stage.INGEST, Status.FAILED)
    assert poison.attempts == max_attempts
    assert f"Gave up after {max_attempts} attempts" in poison.last_error
    actions = Counter(JobLog.objects.filter(job=poison).values_list("action", flat=True))
    assert actions["claim"] == max_attempts and actions["requeue"] == max_attempts - 1 and actions["fail"] == 1
    assert list(JobWarning.objects.filter(job=poison).values_list("code", flat=True)) == ["stage_failed"]
    assert not JobAsset.objects.filter(job=poison).exists()


def test_late_task_of_a_stage_the_job_has_left_does_not_touch_it(make_job, broker_queue):
    """At-least-once delivery: a Stage 1 task delivered again (the ORM broker after `retry`, or
    re-sent by the reaper) may arrive when the job already waits at Stage 3 for its own task. It
    must not claim the job's Stage 3 work: no audit rows, no attempt used, no extra task."""
    job = make_job(stage=Stage.APPROVE_PREVIEW, status=Status.QUEUED)
    assert run_stage_work(job_pk=job.pk, stage=Stage.INGEST) == "skipped"
    job.refresh_from_db()
    assert (job.stage, job.status, job.attempts) == (Stage.APPROVE_PREVIEW, Status.QUEUED, 0)
    assert not JobLog.objects.filter(job=job).exists()
    assert not OrmQ.objects.exists()


@pytest.mark.pg
def test_kill_returns_once_the_server_has_ended_the_killed_clusters_sessions(broker_queue, tmp_path):
    """The kill loops read "what was at work" right after a kill; on PostgreSQL that is only
    frozen once the server has ended the dead cluster's sessions (a COMMIT in flight still
    lands). The cluster's sessions are found by their application name."""
    cluster = Cluster(workers=2, env=fast_env(LOOP_MAX_ATTEMPTS), log=tmp_path / "qcluster.log").start()
    try:
        wait_until(lambda: cluster.server_sessions() >= 1, timeout=60, interval=0.1,
                   what="the cluster's sessions (its processes poll the broker)")
    finally:
        cluster.kill()
    assert cluster.server_sessions() == 0


# --- PostgreSQL stopped in the middle of a run ---------------------------------------------------


class PostgresServer:
    """The machine's PostgreSQL cluster, stopped and started with pg_ctlcluster (as root)."""

    def __init__(self):
        self.version = sorted(os.listdir("/etc/postgresql"))[-1]
        db = connections["default"].settings_dict
        self.conninfo = dict(host=db.get("HOST") or "127.0.0.1", port=int(db.get("PORT") or 5432),
                             user=db.get("USER") or "postgres", dbname=db["NAME"])

    def _ctl(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", self.version, "main", *args],
            capture_output=True, text=True, timeout=120,
        )

    def stop(self) -> None:
        result = self._ctl("stop", "-m", "fast")
        assert result.returncode == 0, result.stderr

    def start(self) -> None:
        self._ctl("start")  # exits 2 when already running: accepting connections is what counts

    def accepts(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(connect_timeout=2, **self.conninfo) as conn:
                conn.execute("SELECT 1")
            return True
        except psycopg.Error:
            return False


@pytest.fixture
def postgres_server():
    """Yields the server; ALWAYS restarts it and waits until it accepts connections afterwards,
    and drops this process's (now broken) connections, whatever the test did."""
    if shutil.which("pg_ctlcluster") is None or not Path("/etc/postgresql").is_dir() or os.geteuid() != 0:
        pytest.skip("needs the machine's PostgreSQL cluster and root (pg_ctlcluster)")
    server = PostgresServer()
    assert server.accepts()
    try:
        yield server
    finally:
        try:
            if not server.accepts():
                server.start()
                wait_until(server.accepts, timeout=180, interval=0.5, what="PostgreSQL to accept connections")
        finally:
            connections.close_all()


@pytest.mark.pg
def test_database_stopped_mid_run_workers_survive_and_finish(fault_root, producer, broker_queue, settings,
                                                             tmp_path, postgres_server):
    """PostgreSQL is stopped (fast: sessions cut) three times while jobs are at work, and started
    again: the same cluster, with the same worker processes, finishes the batch; no job fails
    because of the outage (work interrupted by it is left to the lease and the reaper)."""
    jobs, outages = 40, 3
    settings.AEA_MAX_ATTEMPTS = LOOP_MAX_ATTEMPTS
    import_started_batch(producer, fault_root, jobs=jobs, prefix="DB")
    driver = Driver()
    with running(Cluster(workers=2, env=fast_env(LOOP_MAX_ATTEMPTS), log=tmp_path / "qcluster.log")) as cluster:
        for outage in range(outages):
            target = 3 + outage * 4
            driver.until(lambda: count_action("ingested") >= target and processing_at(Stage.INGEST),
                         timeout=120, what=f"{target} jobs ingested and one at work")
            connections.close_all()
            before = len(cluster_log(cluster))
            postgres_server.stop()
            try:
                assert not postgres_server.accepts()
                # The cluster notices: its pusher cannot reach the broker's table.
                wait_until(lambda: "Failed to pull task from broker" in cluster_log(cluster)[before:],
                           timeout=60, what="the cluster to notice the database is gone")
                assert cluster_alive(cluster)
            finally:
                postgres_server.start()
                wait_until(postgres_server.accepts, timeout=180, interval=0.5, what="PostgreSQL back")
                connections.close_all()
        driver.until(lambda: count_action("ingested") == jobs and not processing_at(Stage.INGEST),
                     timeout=240, what=f"{jobs} jobs ingested after the outages")
        driver.until(queue_empty, timeout=120, what="the broker queue to drain")
        assert cluster_alive(cluster), "the cluster died with the database"
        log = cluster_log(cluster)

    # The workers lived through it (the sentinel restarts a pusher or monitor that gives up
    # while the database is away; no worker process had to be replaced).
    assert "reincarnated worker" not in log
    assert_exactly_once(stage=Stage.INGEST, done_action="ingested",
                        gate=(Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW), jobs=jobs)
    assert_assets_sound(stage=Stage.INGEST, per_job=STAGE1_ASSETS_PER_JOB)
    assert django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
