"""The OpenAPI document at /api/openapi.json: valid OpenAPI 3, listing every endpoint."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from review.api_auth import api_token_create

from .helpers import bearer

PATHS = {
    "/api/batch/upload": "post",
    "/api/batch/{batch_id}/start-processing": "post",
    "/api/batch/{batch_id}": "get",
    "/api/job/{job_id}": "get",
    "/api/dashboard/stats": "get",
    "/api/jobs/stage/{stage}": "get",
    "/api/job/{job_id}/approve-stage2": "post",
    "/api/job/{job_id}/approve-stage3": "post",
    "/api/job/{job_id}/preprocessing-status/{stage}": "get",
    "/api/job/{job_id}/logs": "get",
    "/api/job/{job_id}/send-back": "post",
    "/api/job/{job_id}/sign-off": "post",
    "/api/job/{job_id}/retry": "post",
}


@pytest.fixture
def schema(client, reviewer):
    response = client.get("/api/openapi.json", **bearer(api_token_create(user=reviewer).raw))
    assert response.status_code == 200
    return response.json()


def test_schema_is_valid_openapi(schema):
    validate(schema)  # raises OpenAPIValidationError when it is not
    assert schema["openapi"].startswith("3.")


def test_schema_lists_every_endpoint_with_its_errors_and_auth(schema):
    for path, method in PATHS.items():
        operation = schema["paths"][path][method]
        assert {"401", "403"} <= operation["responses"].keys(), path
        assert {"BearerTokenAuth", "SessionCsrfAuth"} <= {name for s in operation["security"] for name in s}
    for path in [p for p, m in PATHS.items() if p.startswith("/api/job/{job_id}/") and m == "post"]:
        assert "409" in schema["paths"][path]["post"]["responses"], path
    error = schema["components"]["schemas"]["ErrorOut"]
    assert set(error["required"]) == {"message", "code"}
    approve = schema["paths"]["/api/job/{job_id}/approve-stage2"]["post"]
    body = approve["requestBody"]["content"]["application/json"]["schema"]
    assert "ApproveMatchingIn" in str(body)
    upload = schema["paths"]["/api/batch/upload"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload


def test_error_codes_are_documented_and_match_the_codes_answered(schema):
    from aeautomation.middleware import API_ERROR_CODES
    from review.api import HTTP_CODES
    from review.api_schemas import ERROR_CODES

    code = schema["components"]["schemas"]["ErrorOut"]["properties"]["code"]
    assert set(code["enum"]) == set(ERROR_CODES) == set(API_ERROR_CODES.values()) | set(HTTP_CODES.values())
    for name in ERROR_CODES:
        assert f"`{name}`" in code["description"]


def test_send_back_to_stage_is_the_stages_a_job_can_go_back_to(schema):
    from typing import get_args

    from jobs.services import SEND_BACK_ACTIONS
    from review.api_schemas import SendBackStage

    stages = {to_stage for _stage, to_stage in SEND_BACK_ACTIONS if to_stage is not None}
    assert set(get_args(SendBackStage)) == stages
    to_stage = schema["components"]["schemas"]["SendBackIn"]["properties"]["to_stage"]
    assert {"enum": [2, 3], "type": "integer"} in to_stage["anyOf"]
