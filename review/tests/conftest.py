"""Fixtures of the review app's tests (the project's conftest.py has the users and make_job)."""

import pytest
from django.test import Client


@pytest.fixture
def csrf_client():
    """A test client that enforces CSRF checks, as a browser's requests meet them."""
    return Client(enforce_csrf_checks=True)
