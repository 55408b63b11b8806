"""Webhooks: a signed POST per move to the batch's URL, retried with back-off, never blocking."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django_q.models import Schedule

from jobs.models import JobLog, Stage, Status
from jobs.transitions import job_transition


class Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.headers, body))  # case-insensitive lookups
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", Receiver.received
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_each_move_posts_a_signed_payload(make_job, producer, receiver, settings, django_capture_on_commit_callbacks):
    url, received = receiver
    job = make_job()
    job.batch.webhook_url = url
    job.batch.save()
    with django_capture_on_commit_callbacks(execute=True):
        job_transition(job=job, action="start", user=producer)
    # The start, then the worker's claim and its failure (the job's files do not exist): one POST each.
    assert [json.loads(b)["action"] for _, b in received] == ["start", "claim", "fail"]
    headers, body = next((h, b) for h, b in received if json.loads(b)["action"] == "start")
    expected = hmac.new(settings.AEA_WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-AEA-Signature"] == f"sha256={expected}"
    data = json.loads(body)
    assert data["job_id"] == job.job_id and data["actor"] == "producer"
    assert data["from"] == {"stage": 0, "status": "pending"} and data["to"] == {"stage": 1, "status": "queued"}


@pytest.mark.django_db
def test_a_failing_url_is_retried_later_and_never_blocks_the_move(make_job, producer, django_capture_on_commit_callbacks):
    job = make_job()
    job.batch.webhook_url = "http://127.0.0.1:9/unreachable"  # discard port: connection refused
    job.batch.save()
    with django_capture_on_commit_callbacks(execute=True):
        fresh = job_transition(job=job, action="start", user=producer)
    assert (fresh.stage, fresh.status) == (Stage.INGEST, Status.QUEUED)
    log = JobLog.objects.get(job=job, action="start")
    retry = Schedule.objects.get(name=f"webhook {log.pk} attempt 2")
    assert retry.func == "jobs.tasks.send_webhook" and retry.schedule_type == Schedule.ONCE


@pytest.mark.django_db
def test_no_url_no_webhook(make_job, producer, django_capture_on_commit_callbacks):
    job = make_job()
    with django_capture_on_commit_callbacks() as callbacks:
        job_transition(job=job, action="start", user=producer)
    assert len(callbacks) == 1
