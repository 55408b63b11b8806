"""Webhooks: a batch's optional URL gets a signed JSON POST on each of its jobs' moves.

The POST body is the audit row as JSON, signed the Standard Webhooks way
(https://www.standardwebhooks.com/), so any of its verifiers can check who sent it:

- ``webhook-id``: ``msg_<audit row id>_<16 hex digits>``, one per audit row and the same on
  every attempt (the receiver's idempotency key);
- ``webhook-timestamp``: this attempt's Unix time in whole seconds;
- ``webhook-signature``: ``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``, keyed with
  the bytes that AEA_WEBHOOK_SECRET (``whsec_<base64>``) encodes.

Delivery runs in django-q2 after the commit and never blocks or fails the pipeline. Only a 2xx
answer is a delivery; a redirect is a failure, never followed; 410 Gone ends the delivery at
once. A failed attempt is retried with exponential back-off, up to AEA_WEBHOOK_ATTEMPTS in all:
each retry is a ONCE schedule with ``repeats=-1``, which django-q2's scheduler deletes in the
transaction that hands its task to the broker, and a delivery that ends (delivered or given up)
deletes any retry of it still waiting, so no schedule of a finished delivery is left behind.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import logging
import time
import urllib.error
import urllib.request
from datetime import UTC, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule

from .models import JobLog

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10
BACKOFF_SECONDS = 30  # 30 s, 60 s, 120 s, …
TASK = "jobs.tasks.send_webhook"


def payload(entry: JobLog) -> dict:
    job = entry.job
    return {
        "event": "job.stage_changed",
        "job_id": job.job_id,
        "batch_id": job.batch_id,
        "action": entry.action,
        "actor": entry.actor,
        "from": {"stage": entry.from_stage, "status": entry.from_status},
        "to": {"stage": entry.to_stage, "status": entry.to_status},
        "message": entry.message,
        "at": entry.created_at.isoformat(),
    }


def message_id(entry: JobLog) -> str:
    """The audit row's ``webhook-id``: its primary key, then a digest of what the row was when
    written (it never changes), so that two databases' rows with the same key get different ids."""
    origin = f"{entry.pk}|{entry.job_id}|{entry.created_at.astimezone(UTC).isoformat()}"
    return f"msg_{entry.pk}_{hashlib.sha256(origin.encode()).hexdigest()[:16]}"


def hmac_key(secret: str) -> bytes:
    """The HMAC key a ``whsec_<base64>`` secret stands for (settings checked its form)."""
    encoded = secret.removeprefix("whsec_")
    return base64.b64decode(encoded + "=" * (-len(encoded) % 4))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: ``v1,`` and the base64 HMAC-SHA256 of id.timestamp.body."""
    signed = msg_id.encode() + b"." + str(timestamp).encode() + b"." + body
    digest = hmac.new(hmac_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(msg_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        "User-Agent": "aeautomation-webhook/2",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(settings.AEA_WEBHOOK_SECRET, msg_id, timestamp, body),
    }


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A 3xx answer stays an answer: urllib then raises it as an HTTPError instead of following it."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_RefuseRedirects)


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST ``body``; the 2xx status, or urllib's HTTPError for any other answer (3xx included)."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 (http/https only: URLField)
    with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
        return response.status


def failure(exc: Exception) -> tuple[str, bool]:
    """What went wrong, in a sentence, and whether another attempt may go better."""
    if isinstance(exc, urllib.error.HTTPError):
        exc.close()
        if 300 <= exc.code < 400:
            location = exc.headers.get("Location") or "(no Location)"
            return f"HTTP {exc.code} redirect to {location}, not followed", True
        return f"HTTP {exc.code} {exc.reason}", exc.code != 410  # Gone: the receiver wants no more
    return str(getattr(exc, "reason", exc)), True


def deliver(log_id: int, attempt: int = 1) -> str:
    """Send the webhook of one audit row (attempt ``attempt``); schedule the next on failure.

    Safe to run twice: the receiver sees the same ``webhook-id`` again, a failure schedules the
    next attempt only if no retry of it or a later one is waiting, and an ending removes them.
    """
    entry = JobLog.objects.select_related("job__batch").filter(pk=log_id).first()
    if entry is None or not entry.job.batch.webhook_url:
        forget_retries(log_id)
        return "nothing to send"
    url = entry.job.batch.webhook_url
    body = json.dumps(payload(entry), sort_keys=True, separators=(",", ":")).encode()
    try:
        status = post(url, body, signed_headers(message_id(entry), body))
    except (OSError, ValueError, http.client.HTTPException) as exc:  # URLError, HTTPError, timeouts
        reason, may_retry = failure(exc)
    else:
        forget_retries(log_id)
        return f"delivered ({status})"
    job_id = entry.job.job_id
    if not may_retry or attempt >= settings.AEA_WEBHOOK_ATTEMPTS:
        log.warning("webhook for job %s (%s) to %s gave up after %s attempt(s): %s", job_id, entry.action, url,
                    attempt, reason)
        forget_retries(log_id)
        return f"gave up after {attempt} attempt(s): {reason}"
    delay = BACKOFF_SECONDS * 2 ** (attempt - 1)
    if not schedule_retry(log_id, attempt + 1, delay):
        log.info("webhook for job %s failed (%s); a retry is already waiting", job_id, reason)
        return f"failed: {reason}; a retry is already waiting"
    log.info("webhook for job %s (%s) to %s failed (%s); retry %s in %s s", job_id, entry.action, url, reason,
             attempt + 1, delay)
    return f"retry {attempt + 1} in {delay} s: {reason}"


def _retry_name(log_id: int, attempt: int) -> str:
    return f"webhook {log_id} attempt {attempt}"


def _retries(log_id: int):
    # The trailing space: "webhook 1 attempt " is no prefix of "webhook 12 attempt 2".
    return Schedule.objects.filter(func=TASK, name__startswith=f"webhook {log_id} attempt ")


def schedule_retry(log_id: int, attempt: int, delay: int) -> bool:
    """Schedule attempt ``attempt`` in ``delay`` seconds, unless a retry of it or a later one is
    already waiting (the same attempt run twice). The audit row's lock makes the check and the
    insert one step on PostgreSQL; SQLite's IMMEDIATE transactions are one writer at a time."""
    with transaction.atomic():
        list(JobLog.objects.select_for_update().filter(pk=log_id).values_list("pk", flat=True))
        waiting = [name.rsplit(" ", 1)[-1] for name in _retries(log_id).values_list("name", flat=True)]
        if any(n.isdigit() and int(n) >= attempt for n in waiting):
            return False
        Schedule.objects.create(
            name=_retry_name(log_id, attempt),
            func=TASK,
            args=f"{log_id},{attempt}",
            schedule_type=Schedule.ONCE,
            repeats=-1,  # a ONCE schedule with repeats < 0 is deleted when it runs (django_q.scheduler)
            next_run=timezone.now() + timedelta(seconds=delay),
        )
    return True


def forget_retries(log_id: int) -> None:
    """The delivery has ended: a retry of it still waiting would only send it again."""
    _retries(log_id).delete()
