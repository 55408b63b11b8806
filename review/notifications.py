"""Email digests: the people whose queue got work are told, at most once per interval.

:data:`QUEUES` is the one table of who is told what: the states a job arrives at, whose queue
that is (a group and the permission its work needs) and what they do there.

* **When work arrives** (a move into one of those states from another state), the
  ``stage_changed`` receiver writes, inside the move's transaction, one :class:`Notification`
  per person of the queue: the group's members who have its permission and are active staff
  with an email address (for the producers' queue, the batch's uploader too, on the same
  terms), except the person who made the move. A move that is rolled back tells nobody.
* **Every minute** a django-q2 schedule (``review/migrations/0002``) runs
  :func:`send_due_digests`: each person with notifications whose last digest is older than
  ``AEA_DIGEST_MINUTES`` (or who never had one) gets ONE email listing the jobs that still wait
  in their queues, with absolute links (``AEA_SITE_URL``) to the dashboard's job page and the
  admin review page. ``AEA_DIGEST_MINUTES=0`` turns digests off (nothing is written or sent).
* **No double sends.** A person's :class:`DigestState` is the lock: a run sends only after its
  conditional UPDATE moved ``last_sent_at`` from the value it read to its own time, so of two
  runs at once one sends and the other finds the value changed and skips that person; the
  winner then claims the person's pending notifications (``claimed_at``), sends outside any
  transaction and deletes them. A failed send (SMTP error) hands them back and restores
  ``last_sent_at`` so the next run tries again; claims of a run that died are taken again
  after the task timeout (``Q_CLUSTER["timeout"]``, when django-q2 has killed it anyway).
* **Jobs that left the queue** before the digest goes out (approved, sent back, archived) are
  not listed: the digest is what waits *now*. When nothing is left to list, no email is sent
  and the interval does not start, so the next arrival is told at once. A job that left and
  came back is listed once.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from jobs.models import Job, Stage, Status
from jobs.signals import jobs_moved, stage_changed

from .models import DigestState, Notification

log = logging.getLogger(__name__)

State = tuple[int, str]

# Jobs listed in one email at most; the subject counts them all and the email says how many
# more wait on the dashboard.
DIGEST_LIST_LIMIT = 100


@dataclass(frozen=True)
class Queue:
    key: str  # stored in Notification.queue
    group: str  # the reviewer group (jobs/migrations/0002_groups_and_reaper.py)
    permission: str  # the permission its work needs
    states: frozenset[State]  # a job arriving at one of these is in this queue
    todo: str  # what to do, in the email
    waits_for: str  # the subject: "N jobs wait for your <waits_for>"
    uploader: bool = False  # the batch's uploader is told too


QUEUES: tuple[Queue, ...] = (
    Queue("matching", "Matching reviewers", "jobs.approve_matching",
          frozenset({(Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW)}),
          "review the matching and approve it, or send it back", "review"),
    Queue("preview", "Preview approvers", "jobs.approve_preview",
          frozenset({(Stage.APPROVE_PREVIEW, Status.AWAITING_APPROVAL)}),
          "check the preview and approve it, or send it back", "approval"),
    Queue("sign_off", "Deployers", "jobs.sign_off_deploy",
          frozenset({(Stage.DEPLOY, Status.NEEDS_ATTENTION)}),
          "read the findings, sign them off or send the job back", "sign-off"),
    Queue("attention", "Producers", "jobs.start_job",
          frozenset({(stage, Status.FAILED) for stage in Stage if stage >= Stage.INGEST}
                    | {(stage, Status.NEEDS_ATTENTION) for stage in Stage if Stage.INGEST <= stage < Stage.DEPLOY}),
          "see what went wrong or what the reviewer asked for, fix it and retry", "attention", uploader=True),
)
QUEUE_BY_KEY = {queue.key: queue for queue in QUEUES}
QUEUE_OF_STATE: dict[State, Queue] = {state: queue for queue in QUEUES for state in queue.states}


def digest_interval() -> timedelta | None:
    """``AEA_DIGEST_MINUTES`` as a timedelta; None when digests are off (0)."""
    minutes = settings.AEA_DIGEST_MINUTES
    return timedelta(minutes=minutes) if minutes > 0 else None


# --- When work arrives ----------------------------------------------------------------------


def recipients(queue: Queue, *, uploader_id: int | None = None):
    """The people told about work in ``queue``: its group's members (and ``uploader_id``, for
    a queue with ``uploader``) who have its permission and are active staff with an email."""
    users = get_user_model().objects
    app_label, codename = queue.permission.split(".", 1)
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    people = Q(pk__in=users.filter(groups__name=queue.group).values("pk"))
    if queue.uploader and uploader_id is not None:
        people |= Q(pk=uploader_id)
    granted = Q(is_superuser=True) | Q(user_permissions__in=permission) | Q(groups__permissions__in=permission)
    return users.filter(people, granted, is_active=True, is_staff=True).exclude(email="").distinct()


def notify(*, queue: Queue, job: Job, actor=None) -> int:
    """Record that ``job`` arrived in ``queue`` for each of its people (not ``actor``)."""
    people = recipients(queue, uploader_id=job.batch.uploaded_by_id)
    if actor is not None:
        people = people.exclude(pk=actor.pk)
    now = timezone.now()
    rows = [Notification(user_id=pk, job_id=job.pk, queue=queue.key, created_at=now)
            for pk in people.values_list("pk", flat=True)]
    Notification.objects.bulk_create(rows)
    return len(rows)


@receiver(stage_changed, dispatch_uid="review.notify_queue")
def on_stage_changed(sender, *, job, user, from_state, to_state, **kwargs):
    """Inside the move's transaction: a job that arrived in a queue is recorded for its people."""
    if digest_interval() is None or tuple(from_state) == tuple(to_state):
        return
    queue = QUEUE_OF_STATE.get(tuple(to_state))
    if queue is not None:
        notify(queue=queue, job=job, actor=user)


@receiver(jobs_moved, dispatch_uid="review.notify_queue_many")
def on_jobs_moved(sender, *, jobs, user, from_state, to_state, **kwargs):
    """The bulk twin of :func:`on_stage_changed`: the people of each uploader asked once."""
    if digest_interval() is None or tuple(from_state) == tuple(to_state):
        return
    queue = QUEUE_OF_STATE.get(tuple(to_state))
    if queue is None:
        return
    by_uploader: dict = {}
    for job in jobs:
        by_uploader.setdefault(job.batch.uploaded_by_id, []).append(job)
    now = timezone.now()
    rows = []
    for uploader_id, members in by_uploader.items():
        people = recipients(queue, uploader_id=uploader_id)
        if user is not None:
            people = people.exclude(pk=user.pk)
        pks = list(people.values_list("pk", flat=True))
        rows += [Notification(user_id=pk, job_id=job.pk, queue=queue.key, created_at=now)
                 for job in members for pk in pks]
    Notification.objects.bulk_create(rows, batch_size=500)


# --- Sending --------------------------------------------------------------------------------


def _stale_claims(now: datetime) -> datetime:
    """Claims older than this were made by a run that died (django-q2 kills a task at its timeout)."""
    return now - timedelta(seconds=settings.Q_CLUSTER.get("timeout") or 900)


def _pending(now: datetime) -> Q:
    return Q(claimed_at__isnull=True) | Q(claimed_at__lt=_stale_claims(now))


def due_digests(*, now: datetime, interval: timedelta) -> list[tuple[int, datetime | None]]:
    """The people with pending notifications whose last digest is at least ``interval`` old:
    ``(user id, last_sent_at as read)``, the value :func:`send_digest` must find to send."""
    waiting = Notification.objects.filter(_pending(now)).values("user_id")
    users = list(waiting.distinct().values_list("user_id", flat=True))
    if not users:
        return []
    DigestState.objects.bulk_create([DigestState(user_id=pk) for pk in users], ignore_conflicts=True)
    due = Q(last_sent_at__isnull=True) | Q(last_sent_at__lte=now - interval)
    return list(DigestState.objects.filter(due, user_id__in=waiting).order_by("user_id")
                .values_list("user_id", "last_sent_at"))


def send_due_digests(*, now: datetime | None = None) -> dict:
    """Send every due digest (the schedule's task; safe to run twice, also at once)."""
    interval = digest_interval()
    if interval is None:
        return {"disabled": True, "sent": 0}
    now = now or timezone.now()
    connection = mail.get_connection()
    sent = sum(send_digest(user_id=user_id, previous=previous, now=now, connection=connection)
               for user_id, previous in due_digests(now=now, interval=interval))
    return {"sent": sent}


def _restore(user_id: int, *, now: datetime, previous: datetime | None) -> None:
    """Nothing went out: the interval does not start (unless another run moved it since)."""
    DigestState.objects.filter(pk=user_id, last_sent_at=now).update(last_sent_at=previous)


def send_digest(*, user_id: int, previous: datetime | None, now: datetime, connection=None) -> bool:
    """Send ``user_id`` their digest if ``last_sent_at`` is still ``previous``; True if sent."""
    state = DigestState.objects.filter(pk=user_id)
    state = state.filter(last_sent_at__isnull=True) if previous is None else state.filter(last_sent_at=previous)
    with transaction.atomic():
        if not state.update(last_sent_at=now):
            return False  # another run took this person's digest (or sent one since)
        Notification.objects.filter(_pending(now), user_id=user_id).update(claimed_at=now)
    claimed = Notification.objects.filter(user_id=user_id, claimed_at=now)
    rows = list(claimed.select_related("job", "user"))
    user = rows[0].user if rows else None
    items = waiting_items(rows)
    if user is None or not items or not (user.is_active and user.is_staff and user.email):
        claimed.delete()
        _restore(user_id, now=now, previous=previous)
        return False
    try:
        digest_message(user, items, connection=connection).send()
    except (smtplib.SMTPException, OSError):
        log.exception("The email digest to %s could not be sent; the next run tries again.", user.email)
        claimed.update(claimed_at=None)
        _restore(user_id, now=now, previous=previous)
        return False
    claimed.delete()
    return True


# --- The email ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    job: Job
    queue: Queue


def waiting_items(rows: list[Notification]) -> list[Item]:
    """The claimed notifications' jobs that still wait in their queue, once each, in queue
    order, then as workers take them (priority, then age)."""
    order = {queue.key: n for n, queue in enumerate(QUEUES)}
    seen: set[int] = set()
    items = []
    for row in rows:
        queue = QUEUE_BY_KEY.get(row.queue)
        job = row.job
        if queue is None or job.pk in seen or job.archived or (job.stage, job.status) not in queue.states:
            continue
        seen.add(job.pk)
        items.append(Item(job=job, queue=queue))
    items.sort(key=lambda item: (order[item.queue.key], item.job.priority_rank, item.job.created_at, item.job.pk))
    return items


def site_url(path: str) -> str:
    return settings.AEA_SITE_URL.rstrip("/") + path


def job_links(job: Job) -> tuple[str, str]:
    """The job's dashboard page and admin review page, as absolute URLs."""
    return (site_url(reverse("review:dashboard_job", args=[job.pk])),
            site_url(reverse("admin:jobs_job_review", args=[job.pk])))


def headline(items: list[Item]) -> str:
    """What waits, e.g. "12 jobs wait for your review" ("for you" when in several queues)."""
    count = len(items)
    kinds = {item.queue.key for item in items}
    whom = f"your {items[0].queue.waits_for}" if len(kinds) == 1 else "you"
    return f"{count} job{'s' if count != 1 else ''} wait{'s' if count == 1 else ''} for {whom}"


def digest_subject(items: list[Item]) -> str:
    return f"aeautomation: {headline(items)}"


def _describe(job: Job) -> str:
    parts = [job.client_name or "(no client)", job.project_name or "(no project)",
             f"stage {job.get_stage_display()}, {job.get_status_display().lower()}", f"{job.priority} priority"]
    return " · ".join(parts)


def digest_message(user, items: list[Item], *, connection=None) -> mail.EmailMultiAlternatives:
    """The digest to ``user``: plain text with a simple HTML alternative."""
    shown, hidden = items[:DIGEST_LIST_LIMIT], len(items) - DIGEST_LIST_LIMIT
    dashboard = site_url(reverse("review:dashboard"))
    sections: list[tuple[Queue, list[tuple[Job, str, str]]]] = []
    for item in shown:
        if not sections or sections[-1][0] is not item.queue:
            sections.append((item.queue, []))
        sections[-1][1].append((item.job, *job_links(item.job)))
    minutes = settings.AEA_DIGEST_MINUTES
    footer = (f"You get at most one such email every {minutes} minute{'s' if minutes != 1 else ''}, "
              "listing the jobs that still wait for you when it is sent.")
    more = f"…and {hidden} more: see the dashboard." if hidden > 0 else ""

    lines = [f"Hello {user.get_short_name() or user.get_username()},", "", f"{headline(items)}.", ""]
    for queue, jobs in sections:
        lines += [f"{queue.group}: {queue.todo}", ""]
        for job, dashboard_url, review_url in jobs:
            lines += [f"* {job.job_id}: {_describe(job)}", f"  dashboard: {dashboard_url}",
                      f"  review:    {review_url}", ""]
    if more:
        lines += [more, ""]
    lines += [f"Dashboard: {dashboard}", "", footer]

    html_sections = format_html_join(
        "", "<h3>{}: {}</h3><ul>{}</ul>",
        ((queue.group, queue.todo, format_html_join(
            "", '<li><b>{}</b>: {}<br><a href="{}">dashboard</a> · <a href="{}">review</a></li>',
            ((job.job_id, _describe(job), dashboard_url, review_url) for job, dashboard_url, review_url in jobs)))
         for queue, jobs in sections),
    )
    html = format_html(
        "<html><body><p>Hello {},</p><p>{}.</p>{}{}<p><a href=\"{}\">Dashboard</a></p><p><small>{}</small></p>"
        "</body></html>",
        user.get_short_name() or user.get_username(), headline(items), html_sections,
        format_html("<p>{}</p>", more) if more else "", dashboard, footer,
    )
    message = mail.EmailMultiAlternatives(
        subject=digest_subject(items), body="\n".join(lines), from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email], connection=connection,
    )
    message.attach_alternative(html, "text/html")
    return message
