"""A schemathesis run against /api/openapi.json, over a small world of real jobs and batches,
as a superuser and as a staff reviewer: no generated request gets a server error, and every
error answer is the API's JSON ``{"message": …, "code": …}`` (``ErrorOut``), never a page.

Generated path parameters are replaced by ids of the world some of the time (the hooks below),
so requests reach jobs in every stage, not only the 404 of an id nobody has; the bodies of
``approve-stage2`` name the world's placeholders and layers some of the time too.
"""

import json

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is in requirements-dev.txt")

from aeautomation.wsgi import application  # noqa: E402
from conftest import make_user  # noqa: E402
from review.api import api  # noqa: E402
from review.api_schemas import ERROR_CODES  # noqa: E402

from .helpers import build_world  # noqa: E402

# The schema is served to authenticated users only; load the same document from the API object.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api"))
schema.app = application

# Real values of the path and query parameters, by name: filled by the ``world`` fixture before
# the first example is drawn (the hooks read it at draw time).
REAL: dict[str, list] = {}
# Ids no row can have: beyond a signed 64-bit integer (a database error if they reach a query).
OUT_OF_RANGE = [2**63, 99999999999999999999]


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """The generated parameters, or (as often) ones naming objects of the world."""
    choices = {name: REAL.get(name) for name in path_parameters or {}}
    if not any(choices.values()):
        return st.just(path_parameters)
    real = st.fixed_dictionaries({name: st.sampled_from(values) if values else st.just(path_parameters[name])
                                  for name, values in choices.items()})
    return st.one_of(st.just(path_parameters), real)


@schema.hook
def flatmap_query(context, query):
    """The generated query, or the same with the world's batch (the lists' filter)."""
    if not query or "batch" not in query or not REAL.get("batch_id"):
        return st.just(query)
    batches = st.sampled_from(REAL["batch_id"])  # the real one and ids out of range
    return st.one_of(st.just(query), batches.map(lambda batch: {**query, "batch": batch}))


@schema.hook
def flatmap_body(context, body):
    """``approve-stage2``'s generated overrides, or overrides of the world's placeholders."""
    if context.operation is None or not context.operation.path.endswith("/approve-stage2"):
        return st.just(body)
    override = st.fixed_dictionaries({
        "composition": st.sampled_from(["Main", "Other"]),
        "layer_index": st.sampled_from([1, 2, 3]),
        "psd_layer_id": st.sampled_from([None, 1, 2, 3, 99]),
        "fit": st.sampled_from([None, "fit", "fill", "stretch"]),
    })
    return st.one_of(st.just(body), st.lists(override, max_size=3).map(lambda matches: {"matches": matches}))


@pytest.fixture
def wsgi_keeps_test_connection():
    """Calling the WSGI app directly would close the test's connection at the end of each
    request; Django's own test client disconnects that handler too."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(db, make_job):
    world = build_world(make_job)
    jobs = world["jobs"]
    REAL.update(
        job_id=[jobs["W-REVIEW"].job_id, jobs["W-DEPLOY"].job_id, *(job.job_id for job in list(jobs.values())[:5])],
        batch_id=[world["batch"].pk, *OUT_OF_RANGE],
        stage=[0, 1, 2, 3, 4],
    )
    yield world
    REAL.clear()


@pytest.fixture(params=["superuser", "reviewer"])
def token(request, db, django_user_model, wsgi_keeps_test_connection, world):
    """A bearer token of a superuser, or of a staff reviewer (matching and preview, nothing else)."""
    from review.api_auth import api_token_create

    if request.param == "superuser":
        user = make_user(django_user_model, "st", superuser=True)
    else:
        user = make_user(django_user_model, "st", "Matching reviewers", "Preview approvers")
    return api_token_create(user=user, name="schemathesis").raw


def assert_api_answer(case, response):
    """No server error; an error answer is JSON with a message and one of the documented codes."""
    where = case.as_curl_command()
    assert response.status_code < 500, (where, response.text[:500])
    if response.status_code < 400:
        return
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.startswith("application/json"), (where, response.status_code, content_type,
                                                         response.text[:200])
    body = json.loads(response.content)
    assert isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"], (where, body)
    assert body.get("code") in ERROR_CODES, (where, body)
    assert "Traceback" not in body["message"], (where, body)


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_no_server_error_and_every_error_is_json(case, token):
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    assert_api_answer(case, response)
