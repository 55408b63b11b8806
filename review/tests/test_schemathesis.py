"""A schemathesis run against /api/openapi.json: no generated request gets a server error."""

import pytest
from hypothesis import HealthCheck, settings

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is in requirements-dev.txt")

from aeautomation.wsgi import application  # noqa: E402
from review.api import api  # noqa: E402

# The schema is served to authenticated users only; load the same document from the API object.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api"))
schema.app = application


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
def token(db, django_user_model, wsgi_keeps_test_connection):
    from review.api_auth import api_token_create

    boss = django_user_model.objects.create_superuser("st", "st@example.com", "pw")
    return api_token_create(user=boss, name="schemathesis").raw


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_no_server_error(case, token):
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    assert response.status_code < 500, (case.as_curl_command(), response.text[:500])
