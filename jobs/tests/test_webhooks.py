"""Webhooks: a Standard Webhooks-signed POST per move to the batch's URL, retried with back-off
through django-q2 schedules that do not outlive the delivery, never following a redirect.

Signatures are checked with ``standardwebhooks``, the specification's reference library, not
with our own code; retries run through django-q2's real scheduler against real local servers.
"""

import base64
import hashlib
import hmac
import json
import re
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from django_q.models import Schedule
from django_q.scheduler import scheduler
from standardwebhooks import Webhook, WebhookVerificationError

from jobs import webhooks
from jobs.models import JobLog, Stage, Status
from jobs.tasks import send_webhook
from jobs.transitions import job_transition


class Recorder(BaseHTTPRequestHandler):
    """Records every request; answers POSTs from its server's ``answers`` (then 204)."""

    def _record(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.server.received.append((self.command, self.headers, self.rfile.read(length)))

    def do_POST(self):
        self._record()
        status, headers = self.server.answers.pop(0) if self.server.answers else (204, {})
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):  # a followed 301/302/303 arrives as a GET
        self._record()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class Server:
    def __init__(self):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
        self.httpd.received, self.httpd.answers = [], []
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/hook"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def received(self) -> list:  # (method, headers, body); header lookups are case-insensitive
        return self.httpd.received

    @property
    def answers(self) -> list:  # (status, headers) for the next POSTs
        return self.httpd.answers

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve():
    servers = []

    def start() -> Server:
        servers.append(Server())
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def receiver(serve):
    return serve()


def verify(settings, headers, body) -> dict:
    """The receiver's check, by the reference library: the parsed payload, or it raises."""
    return Webhook(settings.AEA_WEBHOOK_SECRET).verify(body, dict(headers.items()))


def render_failed(make_job, url, django_capture_on_commit_callbacks, *, execute=True) -> JobLog:
    """A move that queues no stage work (nexrender reported a failed render): its audit row's
    webhook is the only background task, sent as in production (on commit, django-q2)."""
    job = make_job(stage=Stage.DEPLOY, status=Status.COMPLETED)
    job.batch.webhook_url = url
    job.batch.save()
    with django_capture_on_commit_callbacks(execute=execute):
        job_transition(job=job, action="render_failed", message="nexrender: render failed")
    return JobLog.objects.get(job=job, action="render_failed")


def retries_of(log: JobLog):
    return Schedule.objects.filter(func="jobs.tasks.send_webhook", name__startswith=f"webhook {log.pk} attempt ")


def run_due_retries(log: JobLog) -> None:
    """Let the back-off pass for ``log``'s waiting retry, then run django-q2's real scheduler,
    which hands it to a worker (inline: the tests run django-q2 in sync mode)."""
    assert retries_of(log).update(next_run=timezone.now() - timedelta(seconds=1)) == 1
    scheduler()


@pytest.mark.django_db
def test_each_move_posts_a_payload_signed_by_the_standard(make_job, producer, receiver, settings,
                                                          django_capture_on_commit_callbacks):
    job = make_job()
    job.batch.webhook_url = receiver.url
    job.batch.save()
    before = int(time.time())
    with django_capture_on_commit_callbacks(execute=True):
        job_transition(job=job, action="start", user=producer)
    # The start, then the worker's claim and its failure (the job's files do not exist): one POST each.
    assert [json.loads(b)["action"] for _, _, b in receiver.received] == ["start", "claim", "fail"]
    ids = [h["webhook-id"] for _, h, _ in receiver.received]
    assert len(set(ids)) == 3  # one id per audit row
    method, headers, body = receiver.received[0]
    start = JobLog.objects.get(job=job, action="start")
    assert method == "POST" and headers["Content-Type"] == "application/json"
    assert re.fullmatch(rf"msg_{start.pk}_[0-9a-f]{{16}}", headers["webhook-id"])
    assert before <= int(headers["webhook-timestamp"]) <= int(time.time())
    assert headers["webhook-signature"].startswith("v1,") and "X-AEA-Signature" not in headers
    data = verify(settings, headers, body)
    assert data == json.loads(body)
    assert data["job_id"] == job.job_id and data["actor"] == "producer" and data["action"] == "start"
    assert data["from"] == {"stage": 0, "status": "pending"} and data["to"] == {"stage": 1, "status": "queued"}
    assert not Schedule.objects.filter(func="jobs.tasks.send_webhook").exists()


@pytest.mark.django_db
def test_the_verifier_refuses_a_tampered_body_an_unsigned_timestamp_an_old_message_and_another_secret(
        make_job, receiver, settings, django_capture_on_commit_callbacks):
    render_failed(make_job, receiver.url, django_capture_on_commit_callbacks)
    [(_, headers, body)] = receiver.received
    headers = {name.lower(): value for name, value in headers.items()}
    verify(settings, headers, body)  # as sent: valid

    def refused(headers, body, secret=settings.AEA_WEBHOOK_SECRET) -> str:
        with pytest.raises(WebhookVerificationError) as caught:
            Webhook(secret).verify(body, headers)
        return str(caught.value)

    assert refused(headers, body.replace(b"render failed", b"render worked")) == "No matching signature found"
    assert refused(headers, body + b" ") == "No matching signature found"
    assert refused({**headers, "webhook-id": headers["webhook-id"] + "0"}, body) == "No matching signature found"
    # The timestamp is signed: moving it, even within the tolerance, breaks the signature...
    ts = int(headers["webhook-timestamp"])
    assert refused({**headers, "webhook-timestamp": str(ts - 60)}, body) == "No matching signature found"
    # ...and a message correctly signed ten minutes ago is refused as a replay.
    old = webhooks.signed_headers(headers["webhook-id"], body, timestamp=ts - 600)
    assert refused(old, body) == "Message timestamp too old"
    other = "whsec_" + "A" * 43 + "="  # 32 zero bytes
    assert refused(headers, body, secret=other) == "No matching signature found"


def test_the_signature_is_the_specifications_computation(settings):
    # Written from the specification's text: the content signed is "{msg_id}.{timestamp}.{payload}",
    # the key the bytes that the whsec_ secret's base64 encodes, the value "v1," and base64 HMAC-SHA256.
    key = bytes(range(32))
    settings.AEA_WEBHOOK_SECRET = "whsec_" + base64.b64encode(key).decode()
    now = int(time.time())
    body = b'{"type":"job.stage_changed","data":{"id":1}}'
    headers = webhooks.signed_headers("msg_7_0123456789abcdef", body, timestamp=now)
    expected = hmac.new(key, b"msg_7_0123456789abcdef." + str(now).encode() + b"." + body, hashlib.sha256).digest()
    assert headers["webhook-timestamp"] == str(now)
    assert headers["webhook-signature"] == "v1," + base64.b64encode(expected).decode()
    assert verify(settings, headers, body)["type"] == "job.stage_changed"


@pytest.mark.django_db
def test_a_failed_delivery_is_retried_with_the_same_id_and_leaves_no_schedule_once_delivered(
        make_job, receiver, settings, django_capture_on_commit_callbacks):
    receiver.answers.extend([(500, {}), (503, {})])  # then 204
    log = render_failed(make_job, receiver.url, django_capture_on_commit_callbacks)
    [retry] = retries_of(log)  # attempt 1 failed (500) on commit
    assert retry.name == f"webhook {log.pk} attempt 2" and retry.args == f"{log.pk},2"
    assert retry.schedule_type == Schedule.ONCE and retry.repeats == -1
    assert timezone.now() + timedelta(seconds=25) < retry.next_run <= timezone.now() + timedelta(seconds=30)
    run_due_retries(log)  # attempt 2: 503
    [retry] = retries_of(log)
    assert retry.name == f"webhook {log.pk} attempt 3"
    assert retry.next_run > timezone.now() + timedelta(seconds=55)  # back-off doubles
    run_due_retries(log)  # attempt 3: 204
    assert len(receiver.received) == 3
    assert len({h["webhook-id"] for _, h, _ in receiver.received}) == 1
    assert len({b for _, _, b in receiver.received}) == 1
    for _, headers, body in receiver.received:
        assert verify(settings, headers, body)["action"] == "render_failed"
    assert not Schedule.objects.filter(func="jobs.tasks.send_webhook").exists()
    # The scheduler's other schedules (the reaper, the deploy refresh) are still there.
    assert Schedule.objects.filter(func="jobs.tasks.reap").exists()


@pytest.mark.django_db
def test_giving_up_leaves_no_schedule(make_job, receiver, settings, django_capture_on_commit_callbacks, caplog):
    settings.AEA_WEBHOOK_ATTEMPTS = 3
    receiver.answers.extend([(500, {})] * 10)
    log = render_failed(make_job, receiver.url, django_capture_on_commit_callbacks)
    run_due_retries(log)
    run_due_retries(log)
    assert len(receiver.received) == 3
    assert len({h["webhook-id"] for _, h, _ in receiver.received}) == 1
    assert not Schedule.objects.filter(func="jobs.tasks.send_webhook").exists()
    assert "gave up after 3 attempt(s): HTTP 500" in caplog.text
    assert send_webhook(log.pk, 3).startswith("gave up after 3 attempt(s)")  # run again: still nothing left
    assert not retries_of(log).exists()


@pytest.mark.django_db
def test_the_same_attempt_run_twice_waits_with_one_retry_and_a_delivery_removes_it(
        make_job, receiver, settings, django_capture_on_commit_callbacks):
    log = render_failed(make_job, receiver.url, django_capture_on_commit_callbacks, execute=False)
    receiver.answers.extend([(500, {}), (500, {})])
    assert send_webhook(log.pk, 1).startswith("retry 2 in 30 s: HTTP 500")
    assert send_webhook(log.pk, 1).endswith("a retry is already waiting")
    assert [r.name for r in retries_of(log)] == [f"webhook {log.pk} attempt 2"]
    # A duplicate of attempt 1 that gets through ends the delivery: the waiting retry goes.
    assert send_webhook(log.pk, 1) == "delivered (204)"
    assert not retries_of(log).exists()
    assert len({h["webhook-id"] for _, h, _ in receiver.received}) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_a_failed_delivery_and_is_never_followed(status, make_job, serve, settings,
                                                               django_capture_on_commit_callbacks, caplog):
    settings.AEA_WEBHOOK_ATTEMPTS = 1
    hook, target = serve(), serve()
    hook.answers.append((status, {"Location": target.url}))
    log = render_failed(make_job, hook.url, django_capture_on_commit_callbacks, execute=False)
    result = send_webhook(log.pk)
    assert result == f"gave up after 1 attempt(s): HTTP {status} redirect to {target.url}, not followed"
    assert f"redirect to {target.url}" in caplog.text
    assert len(hook.received) == 1 and target.received == []
    assert not retries_of(log).exists()


@pytest.mark.django_db
def test_a_redirect_is_retried_like_any_failure(make_job, serve, django_capture_on_commit_callbacks):
    hook, target = serve(), serve()
    hook.answers.append((302, {"Location": target.url}))
    log = render_failed(make_job, hook.url, django_capture_on_commit_callbacks)
    [retry] = retries_of(log)
    assert retry.name == f"webhook {log.pk} attempt 2"
    run_due_retries(log)  # the batch's URL answers 204 now
    assert len(hook.received) == 2 and target.received == []
    assert not retries_of(log).exists()


@pytest.mark.django_db
def test_gone_ends_the_delivery_at_once(make_job, receiver, django_capture_on_commit_callbacks):
    receiver.answers.append((410, {}))
    log = render_failed(make_job, receiver.url, django_capture_on_commit_callbacks, execute=False)
    assert send_webhook(log.pk) == "gave up after 1 attempt(s): HTTP 410 Gone"
    assert not retries_of(log).exists()


@pytest.mark.django_db
def test_a_failing_url_is_retried_later_and_never_blocks_the_move(make_job, producer, django_capture_on_commit_callbacks):
    job = make_job()
    job.batch.webhook_url = "http://127.0.0.1:9/unreachable"  # discard port: connection refused
    job.batch.save()
    with django_capture_on_commit_callbacks(execute=True):
        fresh = job_transition(job=job, action="start", user=producer)
    assert (fresh.stage, fresh.status) == (Stage.INGEST, Status.QUEUED)
    log = JobLog.objects.get(job=job, action="start")
    [retry] = retries_of(log)
    assert retry.func == "jobs.tasks.send_webhook" and retry.schedule_type == Schedule.ONCE


@pytest.mark.django_db
def test_a_url_removed_meanwhile_ends_the_delivery(make_job, receiver, django_capture_on_commit_callbacks):
    receiver.answers.append((500, {}))
    log = render_failed(make_job, receiver.url, django_capture_on_commit_callbacks)
    assert retries_of(log).exists()
    log.job.batch.webhook_url = ""
    log.job.batch.save()
    run_due_retries(log)
    assert len(receiver.received) == 1 and not retries_of(log).exists()


@pytest.mark.django_db
def test_no_url_no_webhook(make_job, producer, django_capture_on_commit_callbacks):
    job = make_job()
    with django_capture_on_commit_callbacks() as callbacks:
        job_transition(job=job, action="start", user=producer)
    assert len(callbacks) == 1
