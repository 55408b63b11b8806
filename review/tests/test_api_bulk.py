"""The bulk endpoints of the JSON API (review/api_bulk.py)."""

from __future__ import annotations

import json

import pytest

from jobs.models import Job, JobLog, Stage, Status
from review.api_auth import api_token_create

from .helpers import MATCHES, PSD_DESCRIPTION, bearer

CONFIRMED = [{**m, "confirmed": True} for m in MATCHES]


@pytest.fixture
def token_for(db):
    return lambda user: bearer(api_token_create(user=user, name="tests").raw)


def post_json(client, url, body, **kwargs):
    return client.post(url, json.dumps(body), content_type="application/json", **kwargs)


def test_bulk_approval_of_matching_reports_done_and_skipped(client, reviewer, make_job, token_for):
    good = make_job(stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW, job_id="OK",
                    psd_description=PSD_DESCRIPTION, matches=CONFIRMED)
    make_job(stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW, job_id="LOW",
             psd_description=PSD_DESCRIPTION, matches=MATCHES)
    make_job(stage=Stage.APPROVE_PREVIEW, status=Status.AWAITING_APPROVAL, job_id="LATER")
    response = post_json(client, "/api/jobs/bulk/approve-stage2", {"job_ids": ["OK", "LOW", "LATER", "NOPE", "OK"]},
                         **token_for(reviewer))
    assert response.status_code == 200, response.content
    assert response.json() == {"done": ["OK"], "skipped": [
        {"job_id": "NOPE", "reason": "no such job"},
        {"job_id": "LOW", "reason": "1 low-confidence match(es) to confirm: photo"},
        {"job_id": "LATER", "reason": "at stage 3 (awaiting approval): 'Matching approved' is not possible now"},
    ]}
    assert JobLog.objects.get(action="approve_matching").user == reviewer
    assert Job.objects.get(pk=good.pk).stage == Stage.APPROVE_PREVIEW


def test_bulk_preview_approval_and_send_back_check_the_permission_and_the_reason(
    client, reviewer, approver, make_job, token_for
):
    for i in range(3):
        make_job(stage=Stage.APPROVE_PREVIEW, status=Status.AWAITING_APPROVAL, job_id=f"P{i}")
    assert post_json(client, "/api/jobs/bulk/approve-stage3", {"job_ids": ["P0"]},
                     **token_for(reviewer)).status_code == 403
    refused = post_json(client, "/api/jobs/bulk/send-back", {"job_ids": ["P0"], "stage": 3, "reason": "x"},
                        **token_for(reviewer))
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert post_json(client, "/api/jobs/bulk/send-back", {"job_ids": ["P0"], "stage": 3, "reason": ""},
                     **token_for(approver)).status_code == 400
    assert post_json(client, "/api/jobs/bulk/approve-stage3", {"job_ids": []},
                     **token_for(approver)).status_code == 400
    done = post_json(client, "/api/jobs/bulk/approve-stage3", {"job_ids": ["P0", "P1"]}, **token_for(approver))
    assert done.json() == {"done": ["P0", "P1"], "skipped": []}
    back = post_json(client, "/api/jobs/bulk/send-back", {"job_ids": ["P1", "P2"], "stage": 3, "reason": "Fonts"},
                     **token_for(approver))
    assert back.json() == {"done": ["P2"], "skipped": [
        {"job_id": "P1", "reason": "at stage 4 (queued): 'Sent back to matching' is not possible now"}]}
    assert JobLog.objects.get(action="send_back_preview").details["reason"] == "Fonts"
