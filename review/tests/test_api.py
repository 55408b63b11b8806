"""The JSON API: authentication, permissions, errors, and what each endpoint answers."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from batches.models import Batch
from jobs.models import Job, JobLog, Stage, Status
from review.api_auth import api_token_create

from .helpers import MINIMAL_AEPX, bearer, minimal_psd, populate, stage2_job

HEADER = b"job_id,psd_path,aepx_path,output_name,client_name,project_name,priority\n"


@pytest.fixture
def token_for(db):
    """Bearer-token keyword arguments for a user."""
    return lambda user: bearer(api_token_create(user=user, name="tests").raw)


@pytest.fixture
def inputs(tmp_path, settings):
    """An input root with a (header-only) PSD and template, enough for Stage 0's checks."""
    root = tmp_path / "in"
    root.mkdir()
    (root / "design.psd").write_bytes(minimal_psd())
    (root / "template.aepx").write_bytes(MINIMAL_AEPX)
    settings.INPUT_ROOTS = [root.resolve()]
    return root


def post_json(client, url, body=None, **kwargs):
    return client.post(url, json.dumps(body) if body is not None else "", content_type="application/json", **kwargs)


# --- Every endpoint: 401 anonymous, 403 without permission -----------------------------------

ENDPOINTS = [
    ("post", "/api/batch/upload"),
    ("post", "/api/batch/{batch}/start-processing"),
    ("get", "/api/batch/{batch}"),
    ("get", "/api/job/{job}"),
    ("get", "/api/dashboard/stats"),
    ("get", "/api/jobs/stage/2"),
    ("get", "/api/jobs/{pk}"),
    ("post", "/api/job/{job}/approve-stage2"),
    ("post", "/api/job/{job}/approve-stage3"),
    ("get", "/api/job/{job}/preprocessing-status/1"),
    ("get", "/api/job/{job}/logs"),
    ("post", "/api/job/{job}/send-back"),
    ("post", "/api/job/{job}/sign-off"),
    ("post", "/api/job/{job}/retry"),
]


@pytest.fixture
def target(make_job):
    job = stage2_job(make_job)
    return {"batch": job.batch_id, "job": job.job_id, "pk": job.pk}


@pytest.mark.parametrize("method,path", ENDPOINTS)
def test_anonymous_requests_are_refused_with_401(client, target, method, path):
    response = getattr(client, method)(path.format(**target))
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated" and "Bearer" in response.json()["message"]


@pytest.mark.parametrize("method,path", ENDPOINTS)
def test_a_wrong_token_is_refused_with_401(client, target, method, path):
    response = getattr(client, method)(path.format(**target), **bearer("not-a-token"))
    assert response.status_code == 401


@pytest.mark.parametrize("method,path", ENDPOINTS)
def test_users_without_the_permission_get_403(client, target, outsider, token_for, method, path):
    body = {"reason": "r"} if path.endswith(("send-back", "sign-off")) else {}
    if method == "post":
        response = post_json(client, path.format(**target), body, **token_for(outsider))
    else:
        response = client.get(path.format(**target), **token_for(outsider))
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "forbidden" and "outsider" in response.json()["message"]


def test_schema_and_docs_need_authentication(client, reviewer, token_for):
    assert client.get("/api/openapi.json").status_code == 401
    assert client.get("/api/docs").status_code == 401
    assert client.get("/api/openapi.json", **token_for(reviewer)).status_code == 200


# --- Reading ------------------------------------------------------------------------------


def test_job_detail_has_the_documented_fields(client, reviewer, token_for, make_job):
    job = stage2_job(make_job, client_name="Acme", project_name="Launch", priority="high")
    job.warnings.create(stage=Stage.INGEST, code="footage_missing", message="missing")
    JobLog.objects.create(job=job, stage=1, action="ingested", actor="system", to_stage=2, to_status="awaiting_review")
    job.assets.create(stage=Stage.INGEST, kind="layer_thumbnail", key="1", file="x/thumb.png", sha256="a" * 64, size=3)
    body = client.get(f"/api/job/{job.job_id}", **token_for(reviewer)).json()
    assert body["job_id"] == job.job_id and body["stage"] == 2 and body["status"] == "awaiting_review"
    assert (body["client_name"], body["project_name"], body["priority"]) == ("Acme", "Launch", "high")
    assert body["warnings"][0]["code"] == "footage_missing"
    assert body["logs"][0]["action"] == "ingested"
    assert body["assets"][0]["url"].startswith("/review/asset/")
    assert body["matches"][0]["placeholder"] == "title"
    assert {"preview", "validation", "deploy"} <= body.keys()
    assert body["allowed_actions"] == ["update_matching", "rerun_matching", "approve_matching", "send_back_matching"]


def test_unknown_job_is_404(client, reviewer, token_for):
    response = client.get("/api/job/NOPE", **token_for(reviewer))
    assert response.status_code == 404 and response.json() == {"message": "No job 'NOPE'.", "code": "not_found"}


def test_stage_list_is_paginated_and_bounded(client, reviewer, token_for, make_job, settings):
    batch = Batch.objects.create(name="b.csv", sha256="0" * 64)
    populate(make_job, batch, 28)  # 4 jobs per state → 4 at stage 2
    auth = token_for(reviewer)
    first = client.get("/api/jobs/stage/2?page=1&page_size=3", **auth).json()
    assert (first["count"], first["pages"], len(first["results"])) == (4, 2, 3)
    second = client.get("/api/jobs/stage/2?page=2&page_size=3", **auth).json()
    assert len(second["results"]) == 1
    assert {r["job_id"] for r in first["results"] + second["results"]} == set(
        Job.objects.filter(stage=2).values_list("job_id", flat=True))
    assert client.get("/api/jobs/stage/2?page=9", **auth).json()["results"] == []
    too_big = client.get(f"/api/jobs/stage/2?page_size={settings.API_MAX_PAGE_SIZE + 1}", **auth)
    assert too_big.status_code == 400 and too_big.json()["code"] == "invalid"
    assert "page_size" in too_big.json()["message"]
    assert client.get("/api/jobs/stage/7", **auth).status_code == 400
    assert client.get("/api/jobs/stage/2?page=0", **auth).status_code == 400
    filtered = client.get("/api/jobs/stage/4?status=completed", **auth).json()
    assert filtered["count"] == 4 and {r["status"] for r in filtered["results"]} == {"completed"}


def test_stats(client, reviewer, token_for, make_job):
    batch = Batch.objects.create(name="b.csv", sha256="0" * 64)
    populate(make_job, batch, 14)
    body = client.get("/api/dashboard/stats", **token_for(reviewer)).json()
    assert body["total"] == 14 and body["failed"] == 2 and body["completed_today"] == 2
    assert [s["count"] for s in body["stages"]] == [2, 4, 2, 2, 4]
    assert body["by_status"]["awaiting_review"] == 2
    assert body["stages"][3]["median_seconds"] == 600


def test_preprocessing_status(client, reviewer, token_for, make_job):
    job = make_job(stage=Stage.APPROVE_PREVIEW, status=Status.PROCESSING)
    job.assets.create(stage=Stage.INGEST, kind="layer", key="1", file="x/l.png", sha256="a" * 64, size=3)
    auth = token_for(reviewer)

    def state(stage):
        return client.get(f"/api/job/{job.job_id}/preprocessing-status/{stage}", **auth).json()

    assert state(1)["state"] == "done" and state(1)["assets"][0]["kind"] == "layer"
    assert state(3)["state"] == "processing" and state(3)["assets"] == []
    assert state(4)["state"] == "not_started"
    Job.objects.filter(pk=job.pk).update(status=Status.FAILED, last_error="boom")
    assert state(3)["state"] == "failed" and state(3)["last_error"] == "boom"
    Job.objects.filter(pk=job.pk).update(status=Status.AWAITING_APPROVAL)
    assert state(3)["state"] == "done"
    assert client.get(f"/api/job/{job.job_id}/preprocessing-status/5", **auth).status_code == 400


# --- Batches ------------------------------------------------------------------------------


def test_upload_answers_at_once_with_the_batch_validating_then_it_is_imported(
        client, producer, token_for, inputs, django_capture_on_commit_callbacks):
    csv = HEADER + b"U1,design.psd,template.aepx,u1.aep,Acme,Launch,high\nU2,design.psd,template.aepx,u2.aep,,,\n"
    auth = token_for(producer)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:  # the answer, before the task runs
        response = client.post("/api/batch/upload", {"csv_file": SimpleUploadedFile("u.csv", csv, "text/csv")},
                               **auth)
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["batch_id"] == body["id"] and body["import_state"] == "validating"
    assert body["name"] == "u.csv" and body["uploaded_by"] == "producer" and body["jobs_by_state"]["not_started"] == 0
    batch = Batch.objects.get(pk=body["batch_id"])
    assert batch.uploaded_by == producer and not batch.jobs.exists()
    started = post_json(client, f"/api/batch/{batch.pk}/start-processing", **auth)
    assert started.status_code == 409 and "still being validated" in started.json()["message"]

    for callback in callbacks:  # the commit: the task (inline in the tests) validates and imports
        callback()
    detail = client.get(f"/api/batch/{batch.pk}", **auth).json()
    assert detail["import_state"] == "imported" and detail["rows_validated"] == detail["row_count"] == 2
    assert detail["job_count"] == 2 and detail["status"] == "imported" and detail["imported_at"]
    assert sorted(batch.jobs.values_list("job_id", flat=True)) == ["U1", "U2"]
    assert batch.jobs.filter(status=Status.PENDING).count() == 2  # the API does not start it
    assert JobLog.objects.filter(job__batch=batch, action="imported", actor="producer").count() == 2


def test_invalid_upload_ends_invalid_with_its_report_and_no_jobs(
        client, producer, token_for, inputs, django_capture_on_commit_callbacks):
    csv = HEADER + b"U1,nothere.psd,template.aepx,u1.aep,,,\nU1,design.psd,template.aepx,u2.aep,,,urgent\n"
    auth = token_for(producer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/batch/upload", {"csv_file": SimpleUploadedFile("u.csv", csv, "text/csv")},
                               **auth)
    assert response.status_code == 202
    detail = client.get(f"/api/batch/{response.json()['batch_id']}", **auth).json()
    assert detail["import_state"] == "invalid" and detail["job_count"] == 0
    where = {(e["line"], e["column"]) for e in detail["report"]["errors"]}
    assert (2, "psd_path") in where and (3, "job_id") in where and (3, "priority") in where
    assert not Job.objects.exists()
    started = post_json(client, f"/api/batch/{detail['id']}/start-processing", **auth)
    assert started.status_code == 409 and "invalid" in started.json()["message"]


def test_a_file_that_is_not_a_batch_csv_is_400_at_once_and_writes_nothing(client, producer, token_for, inputs):
    csv = b"job_id;psd_path;aepx_path;output_name\nU1;design.psd;template.aepx;u1.aep\n"
    response = client.post("/api/batch/upload", {"csv_file": SimpleUploadedFile("u.csv", csv, "text/csv")},
                           **token_for(producer))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "semicolon" in body["message"]
    assert body["report"]["errors"][0]["line"] == 1
    assert not Batch.objects.exists()


def test_upload_without_a_file_is_400(client, producer, token_for):
    response = client.post("/api/batch/upload", {}, **token_for(producer))
    assert response.status_code == 400 and "csv_file" in response.json()["message"]


def test_start_processing_and_batch_detail(client, producer, token_for, make_job, django_capture_on_commit_callbacks):
    job = make_job()
    auth = token_for(producer)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(f"/api/batch/{job.batch_id}/start-processing", **auth)
    assert response.json() == {"batch_id": job.batch_id, "started": 1, "skipped": 0}
    detail = client.get(f"/api/batch/{job.batch_id}", **auth).json()
    assert detail["status"] == "processing" and detail["jobs_by_stage"] == {"1": 1}
    assert detail["jobs_by_status"] == {"queued": 1}
    assert client.get("/api/batch/999999", **auth).status_code == 404


# --- Acting ---------------------------------------------------------------------------------


def test_approve_stage2_twice_is_409(client, reviewer, token_for, make_job, django_capture_on_commit_callbacks):
    job = stage2_job(make_job)
    auth = token_for(reviewer)
    with django_capture_on_commit_callbacks(execute=False):
        first = post_json(client, f"/api/job/{job.job_id}/approve-stage2", None, **auth)
        second = post_json(client, f"/api/job/{job.job_id}/approve-stage2", None, **auth)
    # The API approves what nobody confirmed too, and names it in its answer.
    assert first.status_code == 200 and first.json() == {
        "job_id": job.job_id, "stage": 3, "status": "queued",
        "approved_anyway": ["photo (Main) → Photo at confidence 0.40"],
    }
    assert second.status_code == 409
    assert second.json()["code"] == "conflict" and "not possible now" in second.json()["message"]


def test_an_approval_makes_the_same_few_queries(client, reviewer, token_for, make_job,
                                                django_capture_on_commit_callbacks):
    """An approval's round trips, each of which costs a remote database's latency: the token, the
    user's permissions (one query: aeautomation/auth_backends.py), the job, the move's locked
    read, its guarded UPDATE and re-read, the audit row, the warnings, the batch's status (a
    count read from its index and a conditional UPDATE); in a test, a savepoint and its release around the
    move; then, after the commit, the task. Not the audit row again: the answer takes it from the
    move."""
    auth = token_for(reviewer)
    jobs = [stage2_job(make_job) for _ in range(2)]
    with django_capture_on_commit_callbacks(execute=False):
        post_json(client, f"/api/job/{jobs[0].job_id}/approve-stage2", None, **auth)  # the token's last_used written
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=False) as after:
        response = post_json(client, f"/api/job/{jobs[1].job_id}/approve-stage2", None, **auth)
    assert response.status_code == 200 and response.json()["approved_anyway"], response.content
    sql = [query["sql"] for query in queries]
    assert len(sql) == 12 and len(after) == 1, "\n".join(sql)
    assert sum("FOR UPDATE" in q for q in sql if connection.vendor == "postgresql") <= 1
    assert not any("jobs_joblog" in q and q.startswith("SELECT") for q in sql), "the audit row read back"


def test_approve_stage2_with_overrides_applies_them(client, reviewer, token_for, make_job,
                                                     django_capture_on_commit_callbacks):
    job = stage2_job(make_job)
    body = {"matches": [{"composition": "Main", "layer_index": 2, "psd_layer_id": 3, "fit": "fill"}]}
    with django_capture_on_commit_callbacks(execute=False):
        response = post_json(client, f"/api/job/{job.job_id}/approve-stage2", body, **token_for(reviewer))
    assert response.status_code == 200
    job.refresh_from_db()
    photo = next(m for m in job.matches if m["placeholder"] == "photo")
    assert (photo["psd_layer_id"], photo["fit"], photo["confirmed"]) == (3, "fill", True)


@pytest.mark.parametrize("body,fragment", [
    ({"matches": [{"composition": "Main", "layer_index": 9, "psd_layer_id": 1}]}, "no placeholder"),
    ({"matches": [{"composition": "Main", "layer_index": 2, "psd_layer_id": 99}]}, "no layer with id 99"),
    ({"matches": [{"composition": "Main", "layer_index": 2, "psd_layer_id": 1}]}, "no exported image"),
    ({"matches": [{"composition": "Main", "layer_index": 1, "psd_layer_id": 3}]}, "cannot fill text"),
    ({"matches": [{"composition": "Main", "layer_index": 2, "psd_layer_id": 3, "fit": "zoom"}]}, "fit"),
    ({"matches": [{"composition": "Main", "layer_index": 2, "psd_layer_id": 3}] * 2}, "named twice"),
    ({"matches": "all"}, "matches"),
])
def test_approve_stage2_bad_input_is_400_with_a_message(client, reviewer, token_for, make_job, body, fragment):
    job = stage2_job(make_job)
    response = post_json(client, f"/api/job/{job.job_id}/approve-stage2", body, **token_for(reviewer))
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid" and fragment in response.json()["message"]
    job.refresh_from_db()
    assert job.stage == Stage.REVIEW_MATCHING


def test_malformed_json_is_400(client, reviewer, token_for, make_job):
    job = stage2_job(make_job)
    response = client.post(f"/api/job/{job.job_id}/approve-stage2", "{not json", content_type="application/json",
                           **token_for(reviewer))
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_user_id_in_the_body_is_ignored(client, reviewer, approver, token_for, make_job,
                                        django_capture_on_commit_callbacks):
    job = stage2_job(make_job)
    with django_capture_on_commit_callbacks(execute=False):
        response = post_json(client, f"/api/job/{job.job_id}/approve-stage2", {"user_id": approver.pk},
                             **token_for(reviewer))
    assert response.status_code == 200
    job.refresh_from_db()
    assert job.stage2_completed_by == reviewer
    assert JobLog.objects.get(job=job, action="approve_matching").actor == "reviewer"


def test_approve_stage3_records_the_notes(client, approver, token_for, make_job, django_capture_on_commit_callbacks):
    job = make_job(stage=Stage.APPROVE_PREVIEW, status=Status.AWAITING_APPROVAL)
    with django_capture_on_commit_callbacks(execute=False):
        response = post_json(client, f"/api/job/{job.job_id}/approve-stage3", {"approval_notes": "looks right"},
                             **token_for(approver))
    assert response.json() == {"job_id": job.job_id, "stage": 4, "status": "queued"}
    log = JobLog.objects.get(job=job, action="approve_preview")
    assert log.details == {"notes": "looks right"} and log.user == approver
    again = post_json(client, f"/api/job/{job.job_id}/approve-stage3", {}, **token_for(approver))
    assert again.status_code == 409


def test_reviewer_cannot_approve_a_preview(client, reviewer, token_for, make_job):
    job = make_job(stage=Stage.APPROVE_PREVIEW, status=Status.AWAITING_APPROVAL)
    assert post_json(client, f"/api/job/{job.job_id}/approve-stage3", {}, **token_for(reviewer)).status_code == 403


def test_send_back_needs_a_reason_and_the_stage_permission(client, reviewer, approver, token_for, make_job):
    job = stage2_job(make_job)
    url = f"/api/job/{job.job_id}/send-back"
    assert post_json(client, url, {}, **token_for(reviewer)).status_code == 400
    blank = post_json(client, url, {"reason": " "}, **token_for(reviewer))
    assert blank.status_code == 400 and "needs a reason" in blank.json()["message"]
    assert post_json(client, url, {"reason": "wrong PSD"}, **token_for(approver)).status_code == 403
    done = post_json(client, url, {"reason": "wrong PSD"}, **token_for(reviewer))
    assert done.json() == {"job_id": job.job_id, "stage": 2, "status": "needs_attention"}
    twice = post_json(client, url, {"reason": "wrong PSD"}, **token_for(reviewer))
    assert twice.status_code == 409 and twice.json()["code"] == "conflict"


def test_send_back_from_stage_4_to_preview(client, deployer, token_for, make_job, django_capture_on_commit_callbacks):
    job = make_job(stage=Stage.DEPLOY, status=Status.NEEDS_ATTENTION)
    with django_capture_on_commit_callbacks(execute=False):
        response = post_json(client, f"/api/job/{job.job_id}/send-back", {"reason": "redo", "to_stage": 3},
                             **token_for(deployer))
    assert response.json()["stage"] == 3
    job.refresh_from_db()
    assert job.stage == 3
    # At Stage 3 a send-back is the preview approvers' move: the deployer may not make it.
    again = post_json(client, f"/api/job/{job.job_id}/send-back", {"reason": "x"}, **token_for(deployer))
    assert again.status_code == 403 and "approve_preview" in again.json()["message"]


def test_sign_off_and_retry(client, deployer, token_for, make_job, django_capture_on_commit_callbacks):
    job = make_job(stage=Stage.DEPLOY, status=Status.NEEDS_ATTENTION)
    auth = token_for(deployer)
    assert post_json(client, f"/api/job/{job.job_id}/sign-off", {"reason": ""}, **auth).status_code == 400
    with django_capture_on_commit_callbacks(execute=False):
        signed = post_json(client, f"/api/job/{job.job_id}/sign-off", {"reason": "client accepts"}, **auth)
    assert signed.json() == {"job_id": job.job_id, "stage": 4, "status": "queued"}
    assert post_json(client, f"/api/job/{job.job_id}/retry", None, **auth).status_code == 409
    Job.objects.filter(pk=job.pk).update(status=Status.FAILED)
    with django_capture_on_commit_callbacks(execute=False):
        retried = post_json(client, f"/api/job/{job.job_id}/retry", None, **auth)
    assert retried.json()["status"] == "queued"


# --- Session authentication (the dashboard's own fetches) -------------------------------------


def test_session_get_works_and_session_post_needs_csrf(csrf_client, reviewer, make_job,
                                                       django_capture_on_commit_callbacks):
    job = stage2_job(make_job)
    csrf_client.force_login(reviewer)
    assert csrf_client.get(f"/api/job/{job.job_id}").status_code == 200
    refused = post_json(csrf_client, f"/api/job/{job.job_id}/approve-stage2")
    assert refused.status_code == 403 and "CSRF" in refused.json()["message"]
    token = csrf_client.get("/dashboard/").context["csrf_token"]
    with django_capture_on_commit_callbacks(execute=False):
        accepted = post_json(csrf_client, f"/api/job/{job.job_id}/approve-stage2", HTTP_X_CSRFTOKEN=str(token))
    assert accepted.status_code == 200


def test_bearer_posts_need_no_csrf(reviewer, make_job, django_capture_on_commit_callbacks):
    job = stage2_job(make_job)
    client = Client(enforce_csrf_checks=True)
    raw = api_token_create(user=reviewer).raw
    with django_capture_on_commit_callbacks(execute=False):
        response = post_json(client, f"/api/job/{job.job_id}/approve-stage2", **bearer(raw))
    assert response.status_code == 200


@pytest.mark.django_db
def test_multipart_without_a_boundary_is_a_400_not_a_500(producer):
    """Found by a schemathesis run against /api/openapi.json."""
    raw = api_token_create(user=producer, name="st").raw
    response = Client().generic("POST", "/api/batch/upload", b"--x\r\nhello\r\n", content_type="multipart/form-data",
                                **bearer(raw))
    assert response.status_code == 400
    assert "multipart" in response.json()["message"]
    assert Batch.objects.count() == 0
