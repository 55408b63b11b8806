"""Webhooks: a batch's optional URL gets a signed JSON POST on each of its jobs' moves.

The POST body is the audit row as JSON; the header ``X-AEA-Signature: sha256=<hex>`` is the
HMAC-SHA256 of the body under AEA_WEBHOOK_SECRET, so the receiver can check who sent it.
Delivery runs in django-q2 after the commit, is retried with exponential back-off (one
django-q2 schedule per retry) and never blocks or fails the pipeline: failures are logged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import JobLog

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10
BACKOFF_SECONDS = 30  # 30 s, 60 s, 120 s, …


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


def signature(body: bytes) -> str:
    digest = hmac.new(settings.AEA_WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def post(url: str, body: bytes) -> int:
    request = urllib.request.Request(  # noqa: S310 (http/https only: URLField)
        url, data=body, method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "aeautomation-webhook/1",
                 "X-AEA-Signature": signature(body)},
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (http/https only: URLField)
        return response.status


def deliver(log_id: int, attempt: int = 1) -> str:
    """Send the webhook of one audit row; schedule a retry on failure."""
    entry = JobLog.objects.select_related("job__batch").filter(pk=log_id).first()
    if entry is None or not entry.job.batch.webhook_url:
        return "nothing to send"
    url = entry.job.batch.webhook_url
    body = json.dumps(payload(entry), sort_keys=True).encode()
    try:
        status = post(url, body)
        return f"delivered ({status})"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        if attempt >= settings.AEA_WEBHOOK_ATTEMPTS:
            log.warning("webhook for job %s (%s) gave up after %s attempts: %s", entry.job.job_id, entry.action,
                        attempt, reason)
            return f"gave up: {reason}"
        delay = BACKOFF_SECONDS * 2 ** (attempt - 1)
        log.info("webhook for job %s failed (%s); retry %s in %s s", entry.job.job_id, reason, attempt + 1, delay)
        schedule_retry(log_id, attempt + 1, delay)
        return f"retry {attempt + 1} in {delay} s: {reason}"


def schedule_retry(log_id: int, attempt: int, delay: int) -> None:
    from django_q.models import Schedule

    Schedule.objects.create(
        name=f"webhook {log_id} attempt {attempt}",
        func="jobs.tasks.send_webhook",
        args=f"{log_id},{attempt}",
        schedule_type=Schedule.ONCE,
        repeats=1,
        next_run=timezone.now() + timedelta(seconds=delay),
    )
