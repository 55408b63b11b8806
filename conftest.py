"""Shared test fixtures: users in the reviewer groups, jobs in any state, paths of real data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent
SHARED_FIXTURES = Path(os.environ.get("AEA_SHARED_FIXTURES", REPO_ROOT.parent / "shared" / "fixtures"))


def _django_loaded(config) -> bool:
    return config.pluginmanager.hasplugin("django")


def pytest_collection_modifyitems(config, items):
    if not _django_loaded(config):  # `pytest -p no:django` on the plain-Python format tests
        return
    from django.conf import settings

    on_pg = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: run with DATABASE_URL=postgres://… (make test-pg)")
    for item in items:
        if "pg" in item.keywords and not on_pg:
            item.add_marker(skip_pg)


@pytest.fixture
def shared_fixtures() -> Path:
    if not SHARED_FIXTURES.is_dir():
        pytest.skip(f"real After Effects/Photoshop fixtures not found at {SHARED_FIXTURES} (../shared/fixtures)")
    return SHARED_FIXTURES


@pytest.fixture(autouse=True)
def _media_and_roots(request, tmp_path_factory):
    """Each test writes media and deploy bundles under its own temporary folder."""
    if not _django_loaded(request.config):
        return
    settings = request.getfixturevalue("settings")
    base = tmp_path_factory.mktemp("media")
    settings.MEDIA_ROOT = str(base / "media")
    settings.DEPLOY_ROOT = base / "deploy"


def make_user(django_user_model, username: str, *groups: str, superuser: bool = False, staff: bool = True):
    from django.contrib.auth.models import Group

    if superuser:
        return django_user_model.objects.create_superuser(username, f"{username}@example.com", "pw-" + username)
    user = django_user_model.objects.create_user(username, f"{username}@example.com", "pw-" + username, is_staff=staff)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user


@pytest.fixture
def producer(db, django_user_model):
    return make_user(django_user_model, "producer", "Producers")


@pytest.fixture
def reviewer(db, django_user_model):
    return make_user(django_user_model, "reviewer", "Matching reviewers")


@pytest.fixture
def approver(db, django_user_model):
    return make_user(django_user_model, "approver", "Preview approvers")


@pytest.fixture
def deployer(db, django_user_model):
    return make_user(django_user_model, "deployer", "Deployers")


@pytest.fixture
def outsider(db, django_user_model):
    return make_user(django_user_model, "outsider")


@pytest.fixture
def make_job(db):
    """Create a job (and its batch) directly in the given stage and status, for state tests."""
    from batches.models import Batch
    from jobs.models import Job

    counter = {"n": 0}

    def factory(stage: int = 0, status: str = "pending", **fields) -> Job:
        counter["n"] += 1
        batch = fields.pop("batch", None) or Batch.objects.create(name="t.csv", sha256="0" * 64)
        defaults = dict(
            line=counter["n"] + 1,
            job_id=f"JOB{counter['n']:04d}",
            psd_path="/in/design.psd",
            aepx_path="/in/template.aepx",
            output_name="out.aep",
        )
        defaults.update(fields)
        return Job.objects.create(batch=batch, stage=stage, status=status, **defaults)

    return factory
