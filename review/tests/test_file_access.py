"""Stored files reach only active staff with the permission, through one view (issue 15, item 5).

MEDIA_ROOT is never served as is (not with DEBUG=1 either); the admin's links, the dashboard's
and the API's asset URLs all go through ``review:asset`` / ``review:batch_csv``, which accept the
session of a staff user and a bearer token of an active staff user alike.
"""

from __future__ import annotations

import importlib
import re

import pytest
from django.urls import clear_url_caches, reverse

from jobs.models import Job, JobAsset
from jobs.tests.demo_jobs import ROWS, demo_inputs, import_and_start, input_root  # noqa: F401 (fixtures)
from review.api_auth import api_token_create, api_token_revoke

from .helpers import bearer


@pytest.fixture
def ingested(input_root, producer, django_capture_on_commit_callbacks):  # noqa: F811 (fixture)
    """One demo job through Stage 1 (inline: Q_SYNC in the test settings): real stored files."""
    result = import_and_start(producer, ROWS[:1], django_capture_on_commit_callbacks)
    job = Job.objects.get()
    assert job.assets.filter(kind="layer").exists(), job.last_error
    return result.batch, job


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.django_db
def test_media_root_is_not_served_even_with_debug(ingested, client, settings, django_user_model):
    _, job = ingested
    asset = job.assets.filter(kind="layer").first()
    settings.DEBUG = True
    import aeautomation.urls

    importlib.reload(aeautomation.urls)  # the URLconf as a DEBUG=1 process builds it
    clear_url_caches()
    try:
        for user in (None, django_user_model.objects.create_superuser("boss", "b@example.com", "pw")):
            if user is not None:
                client.force_login(user)
            assert client.get(f"/{settings.MEDIA_URL}{asset.file.name}").status_code == 404
    finally:
        settings.DEBUG = False
        importlib.reload(aeautomation.urls)
        clear_url_caches()


@pytest.mark.django_db
def test_the_asset_view_checks_who_asks(ingested, client, reviewer, outsider, django_user_model):
    _, job = ingested
    asset = job.assets.filter(kind="layer").first()
    url = reverse("review:asset", args=[asset.pk])

    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("admin:login"))

    client.force_login(django_user_model.objects.create_user("visitor", "v@example.com", "pw"))  # not staff
    assert client.get(url).status_code == 302
    client.force_login(outsider)  # staff, no permission on jobs: not even told the file exists
    assert client.get(url).status_code == 404

    client.force_login(reviewer)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert f'filename="{job.job_id}_layer_{asset.key}.png"' in response["Content-Disposition"]
    with asset.file.open("rb") as fh:
        assert body(response) == fh.read()


@pytest.mark.django_db
def test_a_token_client_downloads_the_api_asset_urls(ingested, client, reviewer, django_user_model):
    _, job = ingested
    token = api_token_create(user=reviewer).raw
    detail = client.get(f"/api/job/{job.job_id}", **bearer(token))
    assert detail.status_code == 200
    urls = [a["url"] for a in detail.json()["assets"]]
    assert urls, detail.json()
    for url in urls[:5]:
        response = client.get(url, **bearer(token))
        assert response.status_code == 200, (url, response.status_code)
        asset = JobAsset.objects.get(pk=int(url.rstrip("/").rsplit("/", 1)[1]))
        with asset.file.open("rb") as fh:
            assert body(response) == fh.read()
        assert response["Content-Disposition"].startswith("inline; filename=")

    refused = client.get(urls[0], **bearer("not-a-token"))
    assert refused.status_code == 401 and refused.json()["code"] == "unauthenticated"
    reviewer.is_staff = False
    reviewer.save(update_fields=["is_staff"])
    assert client.get(urls[0], **bearer(token)).status_code == 401
    reviewer.is_staff = True
    reviewer.save(update_fields=["is_staff"])
    api_token_revoke(token=reviewer.api_tokens.get())
    assert client.get(urls[0], **bearer(token)).status_code == 401


@pytest.mark.django_db
def test_every_file_link_of_the_admin_pages_opens(ingested, admin_client):
    batch, job = ingested
    links = []
    asset = job.assets.filter(kind="script").first() or job.assets.first()
    for page in (reverse("admin:jobs_job_change", args=[job.pk]), reverse("admin:batches_batch_change", args=[batch.pk]),
                 reverse("admin:jobs_jobasset_change", args=[asset.pk])):
        html = admin_client.get(page).content.decode()
        assert "/media/" not in html, page
        links += re.findall(r'href="(/review/(?:asset|batch)/[^"]+)"', html)
    assert any("/csv/" in link for link in links) and len(links) > 5, links
    for link in links:
        response = admin_client.get(link)
        assert response.status_code == 200, link
    csv = admin_client.get(reverse("review:batch_csv", args=[batch.pk]))
    assert csv["Content-Type"].startswith("text/csv")
    assert body(csv).startswith(b"job_id") or b"J-1" in body(csv)
