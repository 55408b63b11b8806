"""Email digests (review/notifications.py), with Django's locmem email backend (``mailoutbox``).

Jobs reach the queues through real moves (``job_transition``, or the demo batch's real
ingestion); the task is the function the schedule runs. The clock is moved by editing the
stored ``last_sent_at``, never by sleeping.
"""

from __future__ import annotations

import re
import socket
import threading
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import F
from django.urls import resolve
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.models import Schedule

from batches.models import Batch
from conftest import make_user
from jobs.models import Job, Stage, Status
from jobs.tests.demo_jobs import ROWS, demo_inputs, import_and_start, input_root  # noqa: F401 (fixtures)
from jobs.transitions import job_transition
from review import notifications
from review.models import DigestState, Notification
from review.tasks import send_digests

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
URL = re.compile(r"https?://\S+")


@pytest.fixture(autouse=True)
def _digests(settings):
    settings.EMAIL_BACKEND = LOCMEM
    settings.AEA_DIGEST_MINUTES = 15
    settings.AEA_SITE_URL = "http://127.0.0.1:8000"


@pytest.fixture
def reviewer2(db, django_user_model):
    return make_user(django_user_model, "reviewer2", "Matching reviewers")


def arrive_at_stage_2(make_job, count: int, **fields) -> list[Job]:
    """``count`` jobs ingested by a worker: (1, processing) → (2, awaiting_review)."""
    jobs = []
    for _ in range(count):
        job = make_job(stage=Stage.INGEST, status=Status.PROCESSING, **fields)
        jobs.append(job_transition(job=job, action="ingested"))
    return jobs


def to(mailoutbox, user) -> list:
    return [message for message in mailoutbox if message.to == [user.email]]


def earlier(minutes: float) -> None:
    """Move the clock forward by ``minutes``: every stored last digest is that much older."""
    DigestState.objects.update(last_sent_at=F("last_sent_at") - timedelta(minutes=minutes))


def html_of(message) -> str:
    (html, mimetype), = message.alternatives
    assert mimetype == "text/html"
    return html


# --- One digest per person, listing the jobs --------------------------------------------------


@pytest.mark.django_db
def test_jobs_arriving_at_stage_2_give_each_reviewer_one_digest_listing_them_all(
    make_job, reviewer, reviewer2, approver, producer, deployer, mailoutbox
):
    jobs = arrive_at_stage_2(make_job, 3, client_name="Thunder", project_name="Week 1")
    assert send_digests() == {"sent": 2}
    assert sorted(m.to[0] for m in mailoutbox) == sorted([reviewer.email, reviewer2.email])
    for user in (reviewer, reviewer2):
        (message,) = to(mailoutbox, user)
        assert message.subject == "aeautomation: 3 jobs wait for your review"
        assert message.from_email
        for job in jobs:
            assert job.job_id in message.body and job.job_id in html_of(message)
            assert f"/dashboard/job/{job.pk}/" in message.body
            assert f"/admin/jobs/job/{job.pk}/review/" in message.body
        assert "Thunder" in message.body and "Week 1" in message.body
        assert "2 · Review matching" in message.body
        assert "Matching reviewers: review the matching and approve it" in message.body
    assert Notification.objects.count() == 0  # all told


@pytest.mark.django_db
def test_the_demo_batch_tells_the_reviewers_once_ingestion_is_done(
    input_root, producer, reviewer, django_capture_on_commit_callbacks, mailoutbox  # noqa: F811 (fixture)
):
    import_and_start(producer, ROWS, django_capture_on_commit_callbacks)
    assert set(Job.objects.values_list("stage", "status")) == {(Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW)}
    send_digests()
    (message,) = mailoutbox
    assert message.to == [reviewer.email]
    assert message.subject == "aeautomation: 3 jobs wait for your review"
    for job_id, _psd, client, project, _priority in ROWS:
        assert f"{job_id}: {client} · {project}" in message.body
    # highest priority first, as the workers and the board order them
    assert message.body.index("J-1") < message.body.index("J-2") < message.body.index("J-3")


@pytest.mark.django_db
def test_more_work_within_the_interval_waits_for_the_interval(make_job, reviewer, mailoutbox):
    first = arrive_at_stage_2(make_job, 2)
    send_digests()
    assert len(mailoutbox) == 1
    more = arrive_at_stage_2(make_job, 2)
    send_digests()
    assert len(mailoutbox) == 1  # 0 minutes later
    earlier(14)
    send_digests()
    assert len(mailoutbox) == 1  # 14 minutes later
    earlier(1)
    send_digests()
    assert len(mailoutbox) == 2  # 15 minutes later: the second digest, with the new work only
    second = mailoutbox[1]
    assert second.subject == "aeautomation: 2 jobs wait for your review"
    assert all(job.job_id in second.body for job in more)
    assert not any(job.job_id in second.body for job in first)
    earlier(60)
    send_digests()
    assert len(mailoutbox) == 2  # nothing new, nothing sent


@pytest.mark.django_db
def test_the_interval_is_the_setting(make_job, reviewer, settings, mailoutbox):
    settings.AEA_DIGEST_MINUTES = 60
    arrive_at_stage_2(make_job, 1)
    send_digests()
    arrive_at_stage_2(make_job, 1)
    earlier(59)
    send_digests()
    assert len(mailoutbox) == 1
    earlier(1)
    send_digests()
    assert len(mailoutbox) == 2
    assert mailoutbox[1].subject == "aeautomation: 1 job waits for your review"
    assert "at most one such email every 60 minutes" in mailoutbox[1].body


@pytest.mark.django_db
def test_zero_minutes_turns_digests_off(make_job, reviewer, settings, mailoutbox):
    settings.AEA_DIGEST_MINUTES = 0
    arrive_at_stage_2(make_job, 2)
    assert Notification.objects.count() == 0
    assert send_digests() == {"disabled": True, "sent": 0}
    assert mailoutbox == []


@pytest.mark.django_db
def test_a_long_digest_lists_the_first_jobs_and_counts_the_rest(make_job, reviewer, monkeypatch, mailoutbox):
    monkeypatch.setattr(notifications, "DIGEST_LIST_LIMIT", 2)
    jobs = arrive_at_stage_2(make_job, 3)
    send_digests()
    (message,) = mailoutbox
    assert message.subject == "aeautomation: 3 jobs wait for your review"
    assert [job.job_id in message.body for job in jobs] == [True, True, False]
    assert "…and 1 more: see the dashboard." in message.body
    assert Notification.objects.count() == 0  # the rest are on the dashboard; not told again


# --- Never twice --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_task_run_twice_sends_once(make_job, reviewer, reviewer2, mailoutbox):
    arrive_at_stage_2(make_job, 2)
    assert send_digests() == {"sent": 2}
    assert send_digests() == {"sent": 0}
    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_a_run_that_read_the_due_digests_before_another_sent_them_sends_nothing(make_job, reviewer, mailoutbox):
    """Two runs at once, interleaved by hand: both read who is due, one sends, then the other."""
    arrive_at_stage_2(make_job, 2)
    now = timezone.now()
    stale = notifications.due_digests(now=now, interval=notifications.digest_interval())
    assert stale == [(reviewer.pk, None)]
    assert send_digests() == {"sent": 1}
    arrive_at_stage_2(make_job, 1)  # new work meanwhile: still within the interval
    for user_id, previous in stale:
        assert notifications.send_digest(user_id=user_id, previous=previous, now=now) is False
    assert len(mailoutbox) == 1
    assert Notification.objects.filter(claimed_at__isnull=True).count() == 1  # kept for the next digest


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_at_the_same_moment_send_each_digest_once(make_job, reviewer, reviewer2, mailoutbox):
    rounds = 5
    for n in range(rounds):
        arrive_at_stage_2(make_job, 2)
        barrier = threading.Barrier(2)
        results: list = [None, None]

        def run(i):
            try:
                barrier.wait(timeout=30)
                results[i] = send_digests()
            except BaseException as exc:  # noqa: BLE001  (reported to the test)
                results[i] = exc
            finally:
                connection.close()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(isinstance(result, BaseException) for result in results), results
        assert sum(result["sent"] for result in results) == 2, (n, results)
        assert len(mailoutbox) == 2 * (n + 1)
        earlier(15)
    for user in (reviewer, reviewer2):
        assert len(to(mailoutbox, user)) == rounds
        assert all(message.subject == "aeautomation: 2 jobs wait for your review" for message in to(mailoutbox, user))


@pytest.mark.django_db
def test_a_failed_send_is_tried_again_by_the_next_run(make_job, reviewer, settings, mailoutbox):
    with socket.socket() as s:  # a port nobody listens on: the SMTP connection is refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    arrive_at_stage_2(make_job, 2)
    assert send_digests() == {"sent": 0}
    assert Notification.objects.filter(claimed_at__isnull=True).count() == 2  # handed back
    assert DigestState.objects.get(user=reviewer).last_sent_at is None  # the interval did not start
    settings.EMAIL_BACKEND = LOCMEM
    assert send_digests() == {"sent": 1}
    assert mailoutbox[0].subject == "aeautomation: 2 jobs wait for your review"


@pytest.mark.django_db
def test_claims_of_a_run_that_died_are_taken_again_after_the_task_timeout(make_job, reviewer, settings, mailoutbox):
    arrive_at_stage_2(make_job, 1)
    died_at = timezone.now() - timedelta(minutes=30)
    Notification.objects.update(claimed_at=died_at)  # a run claimed them, then its worker was killed
    DigestState.objects.create(user=reviewer, last_sent_at=died_at)
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 3600}
    send_digests()
    assert mailoutbox == []  # within the task timeout: that run may still be sending
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 900}
    send_digests()
    assert len(mailoutbox) == 1


# --- Who is told ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_user_without_email_or_inactive_gets_nothing(make_job, reviewer, django_user_model, outsider, mailoutbox):
    no_email = make_user(django_user_model, "noemail", "Matching reviewers")
    no_email.email = ""
    no_email.save()
    inactive = make_user(django_user_model, "inactive", "Matching reviewers")
    inactive.is_active = False
    inactive.save()
    not_staff = make_user(django_user_model, "notstaff", "Matching reviewers", staff=False)
    leaving = make_user(django_user_model, "leaving", "Matching reviewers")
    arrive_at_stage_2(make_job, 2)
    assert set(Notification.objects.values_list("user__username", flat=True)) == {"reviewer", "leaving"}
    leaving.is_active = False  # deactivated before the digest went out
    leaving.save()
    send_digests()
    assert [m.to for m in mailoutbox] == [[reviewer.email]]
    for user in (no_email, inactive, not_staff, leaving, outsider):
        assert to(mailoutbox, user) == []
    assert Notification.objects.count() == 0


@pytest.mark.django_db
def test_each_queue_tells_its_group(make_job, reviewer, approver, deployer, producer, django_user_model, mailoutbox):
    uploader = make_user(django_user_model, "uploader")
    uploader.user_permissions.add(Permission.objects.get(content_type__app_label="jobs", codename="start_job"))
    batch = Batch.objects.create(name="monday.csv", sha256="1" * 64, uploaded_by=uploader)
    preview = job_transition(job=make_job(stage=Stage.APPROVE_PREVIEW, status=Status.PROCESSING, batch=batch),
                             action="preview_ready")
    blocked = job_transition(job=make_job(stage=Stage.DEPLOY, status=Status.PROCESSING, batch=batch),
                             action="deploy_blocked")
    failed = job_transition(job=make_job(stage=Stage.INGEST, status=Status.PROCESSING, batch=batch), action="fail")
    sent_back = job_transition(job=make_job(stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW, batch=batch),
                               action="send_back_matching", user=reviewer, reason="wrong photo")
    send_digests()
    (to_approver,) = to(mailoutbox, approver)
    assert to_approver.subject == "aeautomation: 1 job waits for your approval"
    assert preview.job_id in to_approver.body
    (to_deployer,) = to(mailoutbox, deployer)
    assert to_deployer.subject == "aeautomation: 1 job waits for your sign-off"
    assert blocked.job_id in to_deployer.body
    for user in (producer, uploader):  # the producers, and the batch's uploader
        (message,) = to(mailoutbox, user)
        assert message.subject == "aeautomation: 2 jobs wait for your attention"
        assert failed.job_id in message.body and sent_back.job_id in message.body
    assert to(mailoutbox, reviewer) == []  # the send-back was the reviewer's own move


@pytest.mark.django_db
def test_the_person_who_made_the_move_is_not_told(make_job, approver, reviewer, mailoutbox):
    approver.groups.add(reviewer.groups.get())  # an approver who also reviews matching
    job = make_job(stage=Stage.APPROVE_PREVIEW, status=Status.AWAITING_APPROVAL)
    job_transition(job=job, action="send_back_preview", user=approver, reason="logo is off")
    send_digests()
    assert [m.to for m in mailoutbox] == [[reviewer.email]]


@pytest.mark.django_db
def test_work_in_two_queues_comes_in_one_digest(make_job, reviewer, approver, mailoutbox):
    reviewer.groups.add(approver.groups.get())
    arrive_at_stage_2(make_job, 1)
    job_transition(job=make_job(stage=Stage.APPROVE_PREVIEW, status=Status.PROCESSING), action="preview_ready")
    send_digests()
    (message,) = to(mailoutbox, reviewer)
    assert message.subject == "aeautomation: 2 jobs wait for you"
    assert message.body.index("Matching reviewers:") < message.body.index("Preview approvers:")


@pytest.mark.django_db
def test_a_job_that_left_the_queue_before_the_digest_is_not_listed(make_job, reviewer, reviewer2, mailoutbox):
    stays, approved, archived = arrive_at_stage_2(make_job, 3)
    job_transition(job=approved, action="approve_matching", user=reviewer2)
    Job.objects.filter(pk=archived.pk).update(archived=True)
    send_digests()
    (message,) = to(mailoutbox, reviewer)
    assert stays.job_id in message.body
    assert approved.job_id not in message.body and archived.job_id not in message.body
    assert message.subject == "aeautomation: 1 job waits for your review"


@pytest.mark.django_db
def test_nothing_left_to_list_sends_nothing_and_does_not_start_the_interval(make_job, reviewer, reviewer2, mailoutbox):
    (job,) = arrive_at_stage_2(make_job, 1)
    job_transition(job=job, action="approve_matching", user=reviewer2)
    send_digests()
    assert to(mailoutbox, reviewer) == []
    assert DigestState.objects.get(user=reviewer).last_sent_at is None
    arrive_at_stage_2(make_job, 1)
    send_digests()  # told at once: no digest was sent before
    assert len(to(mailoutbox, reviewer)) == 1


@pytest.mark.django_db
def test_a_move_within_the_queue_is_not_new_work(make_job, reviewer, reviewer2):
    (job,) = arrive_at_stage_2(make_job, 1)
    assert Notification.objects.count() == 2
    job_transition(job=job, action="update_matching", user=reviewer2)
    assert Notification.objects.count() == 2


# --- Links ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("site", ["http://127.0.0.1:8000", "https://aea.example.com/"])
def test_links_are_absolute_and_open_the_job(site, make_job, reviewer, client, settings, mailoutbox):
    settings.AEA_SITE_URL = site
    (job,) = arrive_at_stage_2(make_job, 1)
    send_digests()
    (message,) = mailoutbox
    links = URL.findall(message.body)
    assert set(re.findall(r'href="([^"]+)"', html_of(message))) == set(links)
    base = site.rstrip("/")
    assert f"{base}/dashboard/job/{job.pk}/" in links
    assert f"{base}/admin/jobs/job/{job.pk}/review/" in links
    client.force_login(reviewer)
    for link in links:
        assert link.startswith(base + "/"), link
        path = urlsplit(link).path
        resolve(path)
        assert client.get(path).status_code == 200, link


# --- The schedule ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_migration_schedules_the_task_every_minute(make_job, reviewer, mailoutbox):
    schedule = Schedule.objects.get(name="aeautomation: send email digests")
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (Schedule.MINUTES, 1, -1)
    arrive_at_stage_2(make_job, 1)
    assert import_string(schedule.func)() == {"sent": 1}
    assert len(mailoutbox) == 1
