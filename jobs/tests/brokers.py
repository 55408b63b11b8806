"""The Redis broker for tests: a queue of its own on the machine's Redis, for this process and
for the clusters the test starts; skipped with the reason when Redis cannot be reached."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import pytest
from django_q.conf import Conf
from django_q.signing import SignedPackage

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@dataclass
class RedisQueue:
    url: str
    name: str  # the django-q2 cluster name: its queue is the Redis list django_q:<name>:q
    client: object

    @property
    def list_key(self) -> str:
        return f"django_q:{self.name}:q"

    @property
    def cluster_env(self) -> dict:
        """Environment for a `qcluster` serving this queue."""
        return {"Q_BROKER": "redis", "REDIS_URL": self.url, "Q_NAME": self.name}

    def task_names(self) -> list[str]:
        return [SignedPackage.loads(p).get("name") for p in self.client.lrange(self.list_key, 0, -1)]


@pytest.fixture
def redis_queue(monkeypatch, settings):
    """This process sends tasks to a fresh Redis list (a cluster name of its own); the keys are
    deleted afterwards."""
    import redis

    client = redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(f"needs Redis at {REDIS_URL} (TEST_REDIS_URL): {exc}")
    name = f"aea-test-{uuid.uuid4().hex[:12]}"
    queue = RedisQueue(url=REDIS_URL, name=name, client=client)
    cluster = {k: v for k, v in settings.Q_CLUSTER.items() if k != "orm"}
    settings.Q_CLUSTER = {**cluster, "name": name, "redis": REDIS_URL, "sync": False,
                          "broker_class": "jobs.broker.ReapingRedis"}
    monkeypatch.setattr(Conf, "BROKER_CLASS", "jobs.broker.ReapingRedis")
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", REDIS_URL)
    monkeypatch.setattr(Conf, "PREFIX", name)
    monkeypatch.setattr(Conf, "CLUSTER_NAME", name)
    try:
        yield queue
    finally:
        keys = list(client.scan_iter(match=f"django_q:{name}:*"))
        if keys:
            client.delete(*keys)
        client.close()
