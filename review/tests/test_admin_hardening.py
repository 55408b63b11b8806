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


# --------------------------------------------------------------------------------------------
# Issue 15, item 1: the Job change form writes only what it may change


def _change_form(client, job):
    page = client.get(f"/admin/jobs/job/{job.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    # the inlines' management forms, as the page renders them
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})
    return page, data


def test_csv_fields_are_read_only_once_the_job_left_stage_0(client, boss, make_job):
    job = make_job(stage=2, status="awaiting_review", output_name="out.aep")
    client.force_login(boss)
    page, data = _change_form(client, job)
    assert "output_name" not in page.context["adminform"].form.fields
    data["output_name"] = "../../x.aep"
    client.post(f"/admin/jobs/job/{job.pk}/change/", data)
    job.refresh_from_db()
    assert job.output_name == "out.aep"


def test_a_pending_job_takes_only_a_valid_output_name(client, boss, make_job):
    job = make_job(output_name="out.aep")
    client.force_login(boss)
    _page, data = _change_form(client, job)
    data["output_name"] = "../../x.aep"
    response = client.post(f"/admin/jobs/job/{job.pk}/change/", data)
    assert response.status_code == 200 and b"must be a plain file name" in response.content
    job.refresh_from_db()
    assert job.output_name == "out.aep"
    data["output_name"] = "renamed.aep"
    data["priority"] = "high"
    assert client.post(f"/admin/jobs/job/{job.pk}/change/", data).status_code == 302
    job.refresh_from_db()
    assert (job.output_name, job.priority, job.priority_rank) == ("renamed.aep", "high", 0)


def test_an_admin_save_does_not_undo_a_move_made_since_the_page_opened(client, boss, make_job):
    from jobs.models import Job

    job = make_job(output_name="out.aep")
    client.force_login(boss)
    _page, data = _change_form(client, job)
    # meanwhile the job moves on and gains matches
    Job.objects.filter(pk=job.pk).update(stage=1, status="queued", matches=[{"placeholder": "x"}])
    data["notes"] = "late note"
    client.post(f"/admin/jobs/job/{job.pk}/change/", data)
    job.refresh_from_db()
    assert (job.stage, job.status, job.matches) == (1, "queued", [{"placeholder": "x"}])
