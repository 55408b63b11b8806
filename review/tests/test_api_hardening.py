"""Findings of a security probe: staff-only API, NUL characters, JSON errors everywhere under /api/,
and ``to_stage`` checked against the real stages. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from batches.models import Batch
from jobs.models import Job, JobLog, Stage, Status
from review.api_auth import api_token_create

from .helpers import bearer, stage2_job


@pytest.fixture
def token_for(db):
    """Bearer-token keyword arguments for a user."""
    return lambda user: bearer(api_token_create(user=user, name="tests").raw)


def post_json(client, url, body, **kwargs):
    return client.post(url, json.dumps(body), content_type="application/json", **kwargs)


def assert_api_error(response, status: int, code: str) -> dict:
    """The API's error answer: JSON with exactly a message and a code (plus documented extras)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert body["code"] == code and isinstance(body["message"], str) and body["message"]
    return body


def assert_untouched(job: Job) -> None:
    fresh = Job.objects.get(pk=job.pk)
    assert (fresh.stage, fresh.status) == (job.stage, job.status)
    assert not JobLog.objects.filter(job=job).exists()


# --- 1. Staff only -----------------------------------------------------------------------------


def test_a_valid_token_stops_working_once_its_user_is_no_longer_staff(client, reviewer, token_for):
    auth = token_for(reviewer)
    assert client.get("/api/dashboard/stats", **auth).status_code == 200
    reviewer.is_staff = False
    reviewer.save(update_fields=["is_staff"])
    for path in ("/api/dashboard/stats", "/api/jobs/stage/2", "/api/openapi.json"):
        assert_api_error(client.get(path, **auth), 401, "unauthenticated")
    assert set(client.get("/api/dashboard/stats", **auth).json()) == {"message", "code"}


def test_a_non_staff_token_cannot_act(client, reviewer, token_for, make_job):
    job = stage2_job(make_job)
    auth = token_for(reviewer)
    reviewer.is_staff = False
    reviewer.save(update_fields=["is_staff"])
    assert_api_error(post_json(client, f"/api/job/{job.job_id}/send-back", {"reason": "r"}, **auth),
                     401, "unauthenticated")
    assert_untouched(job)


def test_session_auth_refuses_a_user_who_is_not_staff(client, reviewer, make_job):
    job = stage2_job(make_job)
    reviewer.is_staff = False
    reviewer.save(update_fields=["is_staff"])
    client.force_login(reviewer)
    for path in ("/api/dashboard/stats", f"/api/job/{job.job_id}", "/api/openapi.json", "/api/docs"):
        assert_api_error(client.get(path), 401, "unauthenticated")
    assert_api_error(post_json(client, f"/api/job/{job.job_id}/send-back", {"reason": "r"}), 401, "unauthenticated")
    assert_untouched(job)


def test_session_auth_still_accepts_staff(client, reviewer):
    client.force_login(reviewer)
    assert client.get("/api/dashboard/stats").status_code == 200


# --- 2. NUL characters are refused before any view runs -----------------------------------------


@pytest.mark.parametrize("query", ["q=%00", "client=%00", "q=a%00b", "%00=x"])
def test_a_nul_in_the_dashboards_query_string_is_a_plain_400(client, reviewer, query):
    client.force_login(reviewer)
    response = client.get(f"/dashboard/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert "NUL" in response.content.decode()


def test_a_nul_in_a_form_field_is_a_plain_400(client, reviewer):
    response = client.post("/admin/login/", "username=a%00b&password=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "NUL" in response.content.decode()


@pytest.mark.parametrize("path", ["/dashboard/", "/admin/", "/api/dashboard/stats"])
def test_a_nul_in_a_cookie_is_a_400(db, path):
    """The session cookie is looked up in the database, before any authentication."""
    client = Client()
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"
    response = client.get(path)
    assert response.status_code == 400 and "NUL" in response.content.decode()
    if path.startswith("/api/"):
        assert_api_error(response, 400, "invalid")


@pytest.mark.parametrize("path", ["/api/jobs/stage/2?q=%00", "/api/jobs/stage/2?client=%00", "/api/job/%00",
                                  "/api/job/a%00b/preprocessing-status/1"])
def test_a_nul_in_an_api_path_or_query_is_a_json_400(client, reviewer, token_for, path):
    body = assert_api_error(client.get(path, **token_for(reviewer)), 400, "invalid")
    assert "NUL" in body["message"]


def test_a_nul_in_a_json_body_is_a_json_400_and_nothing_changes(client, reviewer, token_for, make_job):
    job = stage2_job(make_job)
    url = f"/api/job/{job.job_id}/send-back"
    assert_api_error(post_json(client, url, {"reason": "a\u0000b"}, **token_for(reviewer)), 400, "invalid")
    assert_api_error(post_json(client, url, {"reason": "r", "a\u0000": 1}, **token_for(reviewer)), 400, "invalid")
    # django-ninja reads any body as JSON, whatever its content type says.
    plain = client.post(url, json.dumps({"reason": "a\u0000b"}), content_type="text/plain", **token_for(reviewer))
    assert_api_error(plain, 400, "invalid")
    assert_untouched(job)


def test_nested_nul_in_approve_stage2_is_refused(client, reviewer, token_for, make_job):
    job = stage2_job(make_job)
    body = {"matches": [{"composition": "Ma\u0000in", "layer_index": 1, "psd_layer_id": 1}]}
    assert_api_error(post_json(client, f"/api/job/{job.job_id}/approve-stage2", body, **token_for(reviewer)),
                     400, "invalid")
    assert_untouched(job)


def test_a_nul_is_refused_before_authentication(client):
    """Even an anonymous caller meets the 400, not a database error."""
    assert_api_error(client.get("/api/job/%00"), 400, "invalid")


def test_ordinary_requests_still_pass(client, reviewer, token_for, make_job):
    job = stage2_job(make_job)
    auth = token_for(reviewer)
    assert client.get("/api/jobs/stage/2?q=0&client=x", **auth).status_code == 200
    done = post_json(client, f"/api/job/{job.job_id}/send-back", {"reason": "a\\u0000b is only text"}, **auth)
    assert done.status_code == 200 and done.json()["status"] == "needs_attention"


# --- 3. Every API error is JSON -----------------------------------------------------------------


def test_too_many_query_fields_is_a_json_400(client, reviewer, token_for, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    query = "&".join(f"f{i}=1" for i in range(10))
    assert_api_error(client.get(f"/api/jobs/stage/2?{query}", **token_for(reviewer)), 400, "invalid")


def test_too_many_form_fields_is_a_json_400(client, reviewer, token_for, make_job, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    job = stage2_job(make_job)
    urlencoded = client.post(f"/api/job/{job.job_id}/retry", "&".join(f"f{i}=1" for i in range(10)),
                             content_type="application/x-www-form-urlencoded", **token_for(reviewer))
    assert_api_error(urlencoded, 400, "invalid")


def test_too_many_fields_in_an_upload_is_a_json_400(client, producer, token_for, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    fields = {f"f{i}": "1" for i in range(10)}
    csv = SimpleUploadedFile("b.csv", b"job_id\n", content_type="text/csv")
    assert_api_error(client.post("/api/batch/upload", {"csv_file": csv, **fields}, **token_for(producer)),
                     400, "invalid")
    assert not Batch.objects.exists()


def test_too_many_files_in_an_upload_is_a_json_400(client, producer, token_for, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 1
    files = [SimpleUploadedFile(f"b{i}.csv", b"job_id\n", content_type="text/csv") for i in range(3)]
    body = assert_api_error(client.post("/api/batch/upload", {"csv_file": files}, **token_for(producer)),
                            400, "invalid")
    assert "files" in body["message"]
    assert not Batch.objects.exists()


def test_an_oversize_json_body_is_a_json_413(client, reviewer, token_for, make_job, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    job = stage2_job(make_job)
    response = post_json(client, f"/api/job/{job.job_id}/send-back", {"reason": "x" * 5000}, **token_for(reviewer))
    body = assert_api_error(response, 413, "too_large")
    assert "1000" in body["message"]
    assert_untouched(job)


def test_an_oversize_form_field_in_an_upload_is_a_json_413(client, producer, token_for, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    csv = SimpleUploadedFile("b.csv", b"job_id\n", content_type="text/csv")
    response = client.post("/api/batch/upload", {"csv_file": csv, "note": "x" * 5000}, **token_for(producer))
    assert_api_error(response, 413, "too_large")


def test_limits_outside_the_api_stay_djangos_plain_400(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    response = client.get("/admin/login/?" + "&".join(f"f{i}=1" for i in range(10)))
    assert response.status_code == 400 and not response["Content-Type"].startswith("application/json")


def test_an_unhandled_error_in_an_endpoint_is_a_generic_json_500(reviewer, token_for, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("relation review_secret does not exist")

    monkeypatch.setattr("review.selectors.pipeline_stats", broken)
    client = Client(raise_request_exception=False)
    response = client.get("/api/dashboard/stats", **token_for(reviewer))
    body = assert_api_error(response, 500, "server_error")
    assert set(body) == {"message", "code"} and "review_secret" not in response.content.decode()


def test_an_unhandled_error_outside_the_endpoints_is_a_generic_json_500(reviewer, token_for, monkeypatch):
    """The schema view is a plain Django view (not run by django-ninja's operation)."""

    def broken(raw):
        raise RuntimeError("connection to server at 10.0.0.5 failed")

    monkeypatch.setattr("review.api.user_for_token", broken)
    client = Client(raise_request_exception=False)
    response = client.get("/api/openapi.json", HTTP_AUTHORIZATION="Bearer x")
    assert_api_error(response, 500, "server_error")
    assert "10.0.0.5" not in response.content.decode()


def test_an_unhandled_error_still_reaches_djangos_error_signal(reviewer, token_for, monkeypatch):
    """The test client re-raises what Django reports through got_request_exception (so would Sentry)."""

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("review.selectors.pipeline_stats", broken)
    with pytest.raises(RuntimeError, match="boom"):
        Client().get("/api/dashboard/stats", **token_for(reviewer))


def test_an_unknown_api_address_is_a_json_404(client, reviewer, token_for):
    assert_api_error(client.get("/api/no-such-endpoint", **token_for(reviewer)), 404, "not_found")


def test_a_wrong_method_is_a_json_405(client, reviewer, token_for):
    response = client.get("/api/job/X/retry", **token_for(reviewer))
    assert_api_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "POST"


# --- 4. to_stage is one of the stages a job can be sent back to ---------------------------------


@pytest.mark.parametrize("to_stage", [99999999999999999999, -1, 0, 1, 4, 5, True, 2.5, "two", [2]])
def test_send_back_refuses_a_to_stage_that_is_not_2_or_3(client, reviewer, deployer, token_for, make_job, to_stage):
    at_review = stage2_job(make_job)
    at_deploy = make_job(stage=Stage.DEPLOY, status=Status.NEEDS_ATTENTION)
    for job, user in ((at_review, reviewer), (at_deploy, deployer)):
        response = post_json(client, f"/api/job/{job.job_id}/send-back", {"reason": "r", "to_stage": to_stage},
                             **token_for(user))
        body = assert_api_error(response, 400, "invalid")
        assert "to_stage" in body["message"]
        assert_untouched(job)


def test_the_to_stage_message_names_the_allowed_stages(client, deployer, token_for, make_job):
    job = make_job(stage=Stage.DEPLOY, status=Status.NEEDS_ATTENTION)
    response = post_json(client, f"/api/job/{job.job_id}/send-back", {"reason": "r", "to_stage": 99999999999999999999},
                         **token_for(deployer))
    message = assert_api_error(response, 400, "invalid")["message"]
    assert "2" in message and "3" in message and "99999999999999999999" not in message


def test_send_back_with_a_valid_to_stage_still_works(client, deployer, token_for, make_job,
                                                     django_capture_on_commit_callbacks):
    job = make_job(stage=Stage.DEPLOY, status=Status.NEEDS_ATTENTION)
    with django_capture_on_commit_callbacks(execute=False):
        response = post_json(client, f"/api/job/{job.job_id}/send-back", {"reason": "redo", "to_stage": 2},
                             **token_for(deployer))
    assert response.status_code == 200 and response.json()["stage"] == 2
