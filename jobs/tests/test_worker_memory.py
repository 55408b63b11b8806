"""Worker memory settings: each runs in a child Python process (they change the process)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from .cluster import REPO


def run_child(code: str) -> dict:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_address_space_cap_turns_a_runaway_allocation_into_memory_error():
    out = run_child("""
        import json, resource
        from jobs.worker_memory import cap_address_space
        first = cap_address_space(512)
        again = cap_address_space(1024)  # never raises a cap already lower
        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        try:
            bytearray(1024 * 1024 * 1024)
            outcome = "allocated"
        except MemoryError:
            outcome = "MemoryError"
        print(json.dumps({"first": first, "again": again, "soft_mb": soft // 2**20, "outcome": outcome}))
    """)
    assert out == {"first": True, "again": False, "soft_mb": 512, "outcome": "MemoryError"}


def test_zero_means_no_cap():
    out = run_child("""
        import json, resource
        from jobs.worker_memory import cap_address_space
        before = resource.getrlimit(resource.RLIMIT_AS)
        print(json.dumps({"set": cap_address_space(0), "same": resource.getrlimit(resource.RLIMIT_AS) == before}))
    """)
    assert out == {"set": False, "same": True}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt: Linux only")
def test_kept_heap_stops_refaulting_image_buffers():
    """Allocate and free a 48 MB buffer 40 times (a float composite of a 2,000 px layer is that
    big): glibc's defaults map such a buffer afresh each time (above its 32 MB ceiling for
    the dynamic mmap threshold) and every round faults its pages in again; with the heap kept,
    almost none do."""
    code = """
        import json, resource, sys
        from jobs.worker_memory import keep_freed_heap
        tuned = keep_freed_heap(int(sys.argv[1]))
        def faults():
            return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        start = faults()
        for _ in range(40):
            buffer = bytearray(48 * 1024 * 1024)  # zero-filled: every page is touched
            del buffer
        print(json.dumps({"tuned": tuned, "faults": faults() - start}))
    """

    def child(keep_mb: int) -> dict:
        result = subprocess.run([sys.executable, "-c", textwrap.dedent(code), str(keep_mb)], cwd=REPO,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])

    default, kept = child(0), child(256)
    assert default["tuned"] is False and kept["tuned"] is True
    pages_per_round = 48 * 1024 * 1024 // 4096
    assert default["faults"] > 30 * pages_per_round, default
    assert kept["faults"] < 5 * pages_per_round, kept


@pytest.mark.django_db
def test_inline_task_leaves_the_calling_process_alone():
    """Sync mode runs django-q2's worker loop in this very process (and sends post_spawn): the
    cap must not land on it. (It did once, and Chromium, started later by the browser tests,
    died at launch under the 4 GB cap.)"""
    import resource

    from django_q.conf import Conf
    from django_q.tasks import async_task, result

    assert Conf.SYNC
    before = resource.getrlimit(resource.RLIMIT_AS)
    task_id = async_task("math.floor", 2.5)
    assert result(task_id) == 2  # it ran, inline
    assert resource.getrlimit(resource.RLIMIT_AS) == before


@pytest.mark.cluster
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_real_worker_runs_tasks_under_the_configured_cap(monkeypatch, settings, tmp_path):
    """A `qcluster` worker applies AEA_WORKER_MAX_MEMORY_MB before its first task (post_spawn)."""
    import resource

    from django_q.conf import Conf
    from django_q.models import Task
    from django_q.tasks import async_task

    from .cluster import Cluster, wait_until

    monkeypatch.setattr(Conf, "SYNC", False)
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    task_id = async_task("resource.getrlimit", resource.RLIMIT_AS, task_name="worker-rlimit")
    with Cluster(workers=1, env={"AEA_WORKER_MAX_MEMORY_MB": "3000"}, log=tmp_path / "qcluster.log"):
        wait_until(lambda: Task.objects.filter(id=task_id).exists(), timeout=60, what="the task's result")
    task = Task.objects.get(id=task_id)
    assert task.success, task.result
    assert task.result[0] == 3000 * 1024 * 1024
