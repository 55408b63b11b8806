"""The dashboard's pages through Django's test client: access, board, filters, upload, job page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from batches.models import Batch
from jobs.models import Job, JobLog, Stage, Status

from .helpers import MINIMAL_AEPX, PSD_DESCRIPTION, minimal_psd, populate, stage2_job


@pytest.fixture
def batch(db):
    return Batch.objects.create(name="board.csv", sha256="0" * 64)


def test_anonymous_is_sent_to_the_admin_login(client, db):
    response = client.get(reverse("review:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_view_permission_is_refused(client, outsider):
    client.force_login(outsider)
    assert client.get(reverse("review:dashboard")).status_code == 403
    assert client.get(reverse("review:dashboard_board")).status_code == 403


def test_non_staff_user_is_sent_to_login(client, django_user_model):
    user = django_user_model.objects.create_user("plain", password="pw-plain")
    user.user_permissions.add(Permission.objects.get(codename="view_job"))
    client.force_login(user)
    assert client.get(reverse("review:dashboard")).status_code == 302


def test_board_shows_five_columns_counts_cards_and_statistics(client, reviewer, make_job, batch, settings):
    settings.DASHBOARD_REFRESH_SECONDS = 7
    populate(make_job, batch, 14)
    client.force_login(reviewer)
    response = client.get(reverse("review:dashboard"))
    assert response.status_code == 200
    columns = response.context["columns"]
    assert [c.stage for c in columns] == [0, 1, 2, 3, 4]
    assert sum(c.count for c in columns) == 14
    assert columns[4].count == 4  # two needing attention, two completed
    html = response.content.decode()
    assert 'data-job-id="P0000"' in html
    assert reverse("review:dashboard_job", args=[Job.objects.get(job_id="P0000").pk]) in html
    assert 'hx-trigger="every 7s, board-refresh from:body, poll-now from:body"' in html
    assert 'data-poll="paused-by-dialogs"' in html
    stats = response.context["stats"]
    assert stats.failed == 2 and stats.completed_today == 2
    # waiting for a person: stage 0 pending, awaiting review/approval, needs attention
    assert stats.waiting_for_human == 2 + 2 + 2 + 2
    assert stats.median_seconds[Stage.REVIEW_MATCHING] == 600  # stage 1 → 2 completions 10 min apart
    assert "htmx.min.js" in html and "dashboard.css" in html


def test_cards_are_ordered_by_priority_then_age_and_bounded(client, reviewer, make_job, batch, settings):
    settings.DASHBOARD_CARDS_PER_STAGE = 3
    for i, priority in enumerate(["low", "medium", "high", "low", "high"]):
        stage2_job(make_job, batch=batch, job_id=f"S{i}", priority=priority)
    client.force_login(reviewer)
    column = client.get(reverse("review:dashboard")).context["columns"][Stage.REVIEW_MATCHING]
    assert [card.job_id for card in column.cards] == ["S2", "S4", "S1"]
    assert column.count == 5 and column.more == 2


def test_search_and_filters_narrow_the_columns(client, reviewer, make_job, batch):
    populate(make_job, batch, 14)
    other = Batch.objects.create(name="other.csv", sha256="1" * 64)
    stage2_job(make_job, batch=other, job_id="OTHER-1", client_name="Acme", project_name="Launch")
    client.force_login(reviewer)
    url = reverse("review:dashboard")

    def total(**params):
        return sum(c.count for c in client.get(url, params).context["columns"])

    assert total(q="other-") == 1
    assert total(q="launch") == 1
    assert total(batch=other.pk) == 1
    assert total(status="failed") == 2
    assert total(priority="high") == 5
    assert total(client="Client 1") == 4
    assert total(status="nonsense") == 15  # unknown values are ignored, not an error
    board = client.get(reverse("review:dashboard_board"), {"q": "other-"})
    assert board.status_code == 200 and 'hx-get="/dashboard/board/?q=other-"' in board.content.decode()


def upload_csv(client, csv: bytes, name="b.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("review:dashboard_upload"), {"csv_file": SimpleUploadedFile(name, csv, "text/csv")},
                       HTTP_HX_REQUEST="true")


def test_upload_answers_with_its_progress_then_the_dialog_shows_it_imported_and_started(
        client, producer, tmp_path, settings, django_capture_on_commit_callbacks):
    root = tmp_path.resolve()
    settings.INPUT_ROOTS = [root]
    (root / "d.psd").write_bytes(minimal_psd())
    (root / "t.aepx").write_bytes(MINIMAL_AEPX)
    producer.user_permissions.add(Permission.objects.get(codename="start_job"))
    client.force_login(producer)
    csv = (b"job_id,psd_path,aepx_path,output_name,client_name\nD1,d.psd,t.aepx,d1.aep,Acme\n"
           b"D2,d.psd,t.aepx,d2.aep,Acme,extra\n")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = upload_csv(client, csv.replace(b",extra", b""))
    html = response.content.decode()
    batch = Batch.objects.get()
    progress_url = reverse("review:dashboard_upload_progress", args=[batch.pk])
    assert response.status_code == 200 and 'data-testid="upload-progress"' in html
    assert f'hx-get="{progress_url}"' in html and 'hx-trigger="every 1s"' in html and "validating" in html
    assert client.get(progress_url).content.decode().count('data-testid="upload-progress"') == 1  # still going

    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:  # the commit sends the task; it runs inline here
            callback()
    done = client.get(progress_url, HTTP_HX_REQUEST="true")
    html = done.content.decode()
    assert 'data-testid="upload-done"' in html and "hx-trigger" not in html.split("upload-done")[1].split("</div>")[0]
    assert "imported: 2 job(s)" in html and "Started 2 job(s)" in html
    assert 'hx-swap-oob="true"' in html and f"#{batch.pk} · b.csv" in html and done["HX-Trigger"] == "board-refresh"
    assert Job.objects.filter(batch=batch).exclude(status=Status.PENDING).count() == 2


def test_an_invalid_upload_shows_its_report_with_line_and_column_and_imports_nothing(
        client, producer, tmp_path, settings, django_capture_on_commit_callbacks):
    settings.INPUT_ROOTS = [tmp_path.resolve()]
    client.force_login(producer)
    csv = b"job_id,psd_path,aepx_path,output_name\nA1,missing.psd,missing.aepx,a.aep\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = upload_csv(client, csv)
    assert response.status_code == 200
    batch = Batch.objects.get()
    html = client.get(reverse("review:dashboard_upload_progress", args=[batch.pk])).content.decode()
    assert "<td>2</td><td>psd_path</td>" in html and "<td>2</td><td>aepx_path</td>" in html
    assert "nothing was imported" in html and "hx-trigger" not in html
    assert batch.import_state == Batch.ImportState.INVALID and not Job.objects.exists()


def test_a_file_that_is_not_a_batch_csv_is_refused_at_once(client, producer):
    client.force_login(producer)
    html = upload_csv(client, b"job_id,client_name\nJ-1,Caf\xe9\n").content.decode()
    assert 'data-testid="upload-report"' in html and "not UTF-8" in html
    assert not Batch.objects.exists()


def test_upload_needs_the_upload_permission(client, reviewer, producer):
    client.force_login(reviewer)
    assert client.post(reverse("review:dashboard_upload")).status_code == 403
    batch = Batch.objects.create(name="x.csv", sha256="0" * 64, uploaded_by=producer)
    assert client.get(reverse("review:dashboard_upload_progress", args=[batch.pk])).status_code == 403


def test_upload_without_a_file_says_so(client, producer):
    client.force_login(producer)
    response = client.post(reverse("review:dashboard_upload"))
    assert "Choose a CSV file first." in response.content.decode()


def test_job_page_shows_fields_warnings_log_matches_and_allowed_actions(client, reviewer, make_job):
    job = stage2_job(make_job, client_name="Acme", project_name="Launch")
    job.warnings.create(stage=Stage.INGEST, code="footage_missing", message="The footage is missing")
    client.force_login(reviewer)
    response = client.get(reverse("review:dashboard_job", args=[job.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Acme" in html and "footage_missing" in html and "HEADLINE" in html
    # The low-confidence photo match is named, and approving it as it stands is explicit.
    assert 'data-testid="approve-anyway"' in html and 'data-testid="send-back"' in html
    assert 'data-testid="approve-matching"' not in html
    assert "photo (Main) → Photo at confidence 0.40" in html
    assert 'data-testid="approve-preview"' not in html
    assert reverse("admin:jobs_job_review", args=[job.pk]) in html
    assert response.context["low_count"] == 1


def test_job_page_tells_a_user_without_permission_who_may_act(client, approver, make_job):
    job = stage2_job(make_job)
    client.force_login(approver)
    html = client.get(reverse("review:dashboard_job", args=[job.pk])).content.decode()
    assert 'data-testid="approve-matching"' not in html and "Matching reviewers" in html


def test_approving_from_the_job_page_calls_the_service_as_the_user(
    client, reviewer, make_job, django_capture_on_commit_callbacks
):
    job = stage2_job(make_job)
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("review:dashboard_job_action", args=[job.pk]), {"action": "approve_anyway"})
    assert response.status_code == 302 and response["Location"] == reverse("review:dashboard_job", args=[job.pk])
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.APPROVE_PREVIEW, Status.QUEUED)
    log = JobLog.objects.get(job=job, action="approve_matching")
    assert log.user == reviewer and log.details["approved_anyway"] == ["photo (Main) → Photo at confidence 0.40"]
    # The approval confirmed every match it approved: Stage 4 will not ask again.
    assert all(m["confirmed"] for m in job.matches if m["psd_layer_id"] is not None)


def test_a_plain_approval_names_what_nobody_confirmed_and_changes_nothing(client, reviewer, make_job):
    job = stage2_job(make_job)
    client.force_login(reviewer)
    response = client.post(reverse("review:dashboard_job_action", args=[job.pk]), {"action": "approve_matching"},
                           follow=True)
    assert "would accept 1 item(s) nobody confirmed: photo (Main) → Photo at confidence 0.40" in (
        response.content.decode())
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW)
    assert not JobLog.objects.filter(job=job, action="approve_matching").exists()


def test_refused_action_shows_the_reason_and_changes_nothing(client, approver, make_job):
    job = stage2_job(make_job)
    client.force_login(approver)
    response = client.post(reverse("review:dashboard_job_action", args=[job.pk]), {"action": "approve_matching"},
                           follow=True)
    assert "lacks the permission" in response.content.decode()
    job.refresh_from_db()
    assert job.stage == Stage.REVIEW_MATCHING


def test_send_back_without_reason_is_refused(client, reviewer, make_job):
    job = stage2_job(make_job)
    client.force_login(reviewer)
    response = client.post(reverse("review:dashboard_job_action", args=[job.pk]),
                           {"action": "send_back", "reason": "  "}, follow=True)
    assert "needs a reason" in response.content.decode()
    job.refresh_from_db()
    assert job.status == Status.AWAITING_REVIEW


def test_sign_off_and_send_back_from_stage_4(client, deployer, make_job, django_capture_on_commit_callbacks):
    job = make_job(stage=Stage.DEPLOY, status=Status.NEEDS_ATTENTION, psd_description={"width": 1, "height": 1})
    client.force_login(deployer)
    html = client.get(reverse("review:dashboard_job", args=[job.pk])).content.decode()
    assert 'data-testid="sign-off"' in html and 'name="to_stage"' in html
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("review:dashboard_job_action", args=[job.pk]),
                    {"action": "send_back", "reason": "wrong photo", "to_stage": "2"})
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW)


def test_job_page_shows_text_layers_as_text_font_and_size_with_the_matching_view(client, reviewer, make_job):
    """Issue 14: a type layer's row reads as its text, font and size; the design and the template
    schematic beside the table get their boxes from the json_script block."""
    psd = {**PSD_DESCRIPTION, "layers": [
        {**PSD_DESCRIPTION["layers"][0], "text": "Big launch " * 10, "font": "Futura-Bold", "font_size": 48.0},
        *PSD_DESCRIPTION["layers"][1:],
    ]}
    job = stage2_job(make_job, psd_description=psd, template_description={"source": "t.aepx", "compositions": [
        {"name": "Main", "width": 1920, "height": 1080,
         "layers": [{"index": 1, "name": "title", "type": "text", "bbox": None},
                    {"index": 2, "name": "photo", "type": "footage", "bbox": [0, 0, 960, 1080]}]}]})
    client.force_login(reviewer)
    response = client.get(reverse("review:dashboard_job", args=[job.pk]))
    html = response.content.decode()
    assert "“Big launch Big launch Big launch Big launch Big launch Big…” · Futura-Bold · 48 pt" in html
    assert 'data-testid="layer-text"' in html and 'data-testid="match-view"' in html
    assert 'data-composition="Main" data-layer-index="2" data-psd-layer="2"' in html
    geometry = response.context["geometry"]
    assert geometry["psd"]["layers"]["2"]["bbox"] == [0, 50, 400, 300]
    assert geometry["compositions"]["Main"]["layers"][1]["bbox"] == [0, 0, 960, 1080]
    assert 'id="match-geometry"' in html and "review/matching.js" in html


def test_cards_escape_what_people_typed_and_link_to_the_job(client, reviewer, make_job, batch):
    """The cards are written in Python (review/templatetags/dashboard_tags.job_card): every value
    from the CSV is escaped, and each card links to its own job's page."""
    risky = make_job(2, Status.AWAITING_REVIEW, batch=batch, job_id='A&B"<i>', client_name="<script>x</script>",
                     project_name="Tom & Jerry")
    plain = make_job(4, Status.COMPLETED, batch=batch, job_id="PLAIN-1")
    client.force_login(reviewer)
    html = client.get(reverse("review:dashboard")).content.decode()
    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt; · Tom &amp; Jerry" in html
    assert 'data-job-id="A&amp;B&quot;&lt;i&gt;"' in html and "<i>" not in html
    for job in (risky, plain):
        assert f'href="{reverse("review:dashboard_job", args=[job.pk])}"' in html
    assert 'class="card status-awaiting_review prio-medium needs-human"' in html
