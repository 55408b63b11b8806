"""Real django-q2 clusters for tests: `manage.py qcluster` processes on the test database."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection

REPO = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    """A DATABASE_URL for the database this test run uses (the test database)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    if connection.vendor == "postgresql":
        user = db.get("USER") or "postgres"
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or 5432
        auth = f"{user}:{db['PASSWORD']}@" if db.get("PASSWORD") else f"{user}@"
        return f"postgres://{auth}{host}:{port}/{db['NAME']}"
    raise RuntimeError(f"no cluster support for {connection.vendor}")


_cluster_numbers = itertools.count(1)


class Cluster:
    """One `qcluster` process (with its own workers) on the test database.

    It serves the same queue (Q_CLUSTER name) the test process sends tasks to. On PostgreSQL its
    sessions carry an application name of their own (libpq's PGAPPNAME), so that :meth:`kill` can
    wait for the server to finish with them.
    """

    def __init__(self, *, workers: int = 2, env: dict | None = None, log: Path | None = None):
        self.name = f"aea-test-cluster-{os.getpid()}-{next(_cluster_numbers)}"
        self.env = {
            **os.environ,
            "PGAPPNAME": self.name,
            "DATABASE_URL": test_database_url(),
            "Q_SYNC": "0",
            "Q_WORKERS": str(workers),
            "INPUT_ROOTS": os.pathsep.join(str(p) for p in settings.INPUT_ROOTS),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "DEPLOY_ROOT": str(settings.DEPLOY_ROOT),
            "DATA_DIR": str(settings.DATA_DIR),
            "LOG_LEVEL": "INFO",
            **(env or {}),
        }
        self.env.pop("PYTEST_CURRENT_TEST", None)
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> Cluster:
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [sys.executable, str(REPO / "manage.py"), "qcluster"],
            cwd=REPO, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
        return self

    def kill(self) -> None:
        """kill -9 the whole cluster (sentinel, workers, monitor, pusher), and return once nothing
        it started can still change the database.

        On PostgreSQL a server process outlives its killed client for a moment: a COMMIT the
        client had sent is still carried out (a job "at work" at the kill may complete just
        after it). This waits until the server has ended every session of the cluster.
        """
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
            wait_until(lambda: not self.server_sessions(), timeout=30, interval=0.05,
                       what=f"PostgreSQL to end the sessions of the killed cluster {self.name}")

    def server_sessions(self) -> int:
        """How many database sessions of this cluster the server still has (0 on SQLite, whose
        writers are the cluster's own processes)."""
        if connection.vendor != "postgresql":
            return 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [self.name])
            return cursor.fetchone()[0]

    def stop(self, timeout: float = 60) -> None:
        """Stop the cluster as an operator should: SIGTERM to its main process only, which stops
        the pusher, lets the workers finish their tasks and stops the monitor (about two
        seconds); kill -9 the group if it has not stopped after ``timeout`` seconds.

        (A SIGTERM to the whole process group would kill the workers and the pusher at once,
        and the sentinel would then wait for them until its own timeout.)
        """
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def wait_until(predicate: Callable[[], bool], *, timeout: float, interval: float = 0.25, what: str = "") -> None:
    """Poll ``predicate`` until it is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or predicate}")


# --- Reading a cluster's state (fault, race and scale-out tests) ------------------------------


def cluster_alive(cluster: Cluster) -> bool:
    """Whether the cluster's main process is still running (it was neither killed nor died)."""
    return cluster.process is not None and cluster.process.poll() is None


def cluster_log(cluster: Cluster) -> str:
    """What the cluster has logged so far ("" without a log file)."""
    if cluster.log is None or not Path(cluster.log).exists():
        return ""
    return Path(cluster.log).read_text(errors="replace")


def processed_task_names(cluster: Cluster) -> list[str]:
    """Names of the tasks this cluster's monitor reported as processed (from its log)."""
    import re

    return re.findall(r"Processed '[^']*' \(([^)]*)\)", cluster_log(cluster))
