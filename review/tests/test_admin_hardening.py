"""Issue 15, item 3: odd admin URLs answer 404 or the admin's own refusal, never a 500; the
django-q2 task lists stay read-only for superusers too."""

import pytest

from conftest import make_user


@pytest.fixture
def boss(db, django_user_model):
    return make_user(django_user_model, "boss", superuser=True)


@pytest.mark.parametrize("url", ["/admin/jobs/job/abc/review/", "/admin/jobs/job/1.5/review/",
                                 "/admin/jobs/job/%20/review/", "/admin/jobs/job/abc/change/",
                                 "/admin/jobs/job/999999999999999999999/review/"])
def test_malformed_job_ids_never_give_a_server_error(client, boss, url):
    client.force_login(boss)
    response = client.get(url, follow=True)
    assert response.status_code in (200, 404)
    if response.status_code == 200:  # the admin's own "does not exist" message on its index
        assert response.redirect_chain and b"exist" in response.content


def test_a_job_review_url_with_an_id_still_opens(client, boss, make_job):
    job = make_job()
    client.force_login(boss)
    assert client.get(f"/admin/jobs/job/{job.pk}/review/").status_code == 200


@pytest.mark.parametrize("model", ["success", "failure", "ormq"])
def test_django_q_task_lists_are_read_only_even_for_superusers(client, boss, model):
    client.force_login(boss)
    assert client.get(f"/admin/django_q/{model}/").status_code == 200
    assert client.get(f"/admin/django_q/{model}/add/").status_code == 403
    assert client.post(f"/admin/django_q/{model}/add/", {}).status_code == 403
