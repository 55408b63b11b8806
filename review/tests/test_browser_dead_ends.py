"""No dead ends in a real browser (Debian's Chromium through Playwright, issue 16 item 3).

A producer opens a job a reviewer sent back, reads the reason at the top of the page, points the
job at the corrected PSD and resubmits it: Stage 1 runs again (inline, django-q2 sync) and the job
waits for matching review with the new file, its job id kept. A deployer opens a Stage 4 job
holding an error: no "Sign off and deploy", but what to do instead. Fixtures, the database notes
and the screenshot helper are those of ``test_browser_dashboard``.
"""

from __future__ import annotations

import pytest

from jobs.models import Job, JobLog, JobWarning, Stage, Status
from jobs.services import job_send_back

from .test_browser_dashboard import (  # noqa: F401  (fixtures)
    CHROMIUM,
    _database_left_as_migrated,
    _permissions_exist,
    log_in,
    page,
    screenshot,
    state_of,
    write_inputs,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Debian's Chromium is not installed at {CHROMIUM}"),
]

REASON = "The PSD is last year's design (2025 prices). Use the 2026 file from the client's folder."


def staff(django_user_model, name: str, *perms: str):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user(name, f"{name}@example.com", "pw-" + name, is_staff=True)
    for perm in ("jobs.view_job", "batches.view_batch", *perms):
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user


@pytest.fixture
def roots(tmp_path, settings):
    root = tmp_path / "in"
    write_inputs(root / "sale")
    write_inputs(root / "sale-2026")  # the corrected design
    settings.INPUT_ROOTS = [root.resolve(), (tmp_path / "uploads").resolve()]
    settings.AEA_UPLOAD_ROOT = tmp_path / "uploads"
    return root.resolve()


def test_a_producer_corrects_and_resubmits_a_sent_back_job(live_server, page, roots, django_user_model,
                                                           _permissions_exist):
    from playwright.sync_api import expect

    from batches.models import Batch

    producer = staff(django_user_model, "producer", "jobs.start_job", "jobs.archive_job", "batches.upload_batch")
    reviewer = staff(django_user_model, "reviewer", "jobs.approve_matching")
    batch = Batch.objects.create(name="summer.csv", sha256="0" * 64)
    job = Job.objects.create(batch=batch, line=2, job_id="WEB-7", psd_path=str(roots / "sale" / "sale.psd"),
                             aepx_path=str(roots / "sale" / "sale.aepx"), output_name="web7_final.aep",
                             client_name="Northwind", project_name="Summer Sale",
                             stage=Stage.REVIEW_MATCHING, status=Status.AWAITING_REVIEW)
    job_send_back(job=job, user=reviewer, reason=REASON)

    log_in(page, live_server, producer)
    page.goto(f"{live_server.url}/dashboard/job/{job.pk}/")
    expect(state_of(page)).to_have_attribute("data-status", "needs_attention")
    banner = page.get_by_test_id("send-back-reason")
    expect(banner).to_contain_text("Sent back from stage 2 by reviewer")
    expect(banner).to_contain_text("2025 prices")
    # The reason is at the top: above the actions and the job's fields, not only in the audit log.
    assert banner.bounding_box()["y"] < page.locator("#h-fields").bounding_box()["y"]
    psd = page.get_by_test_id("resubmit-psd-path")
    expect(psd).to_have_value(str(roots / "sale" / "sale.psd"))
    psd.fill("sale-2026/sale.psd")
    page.locator('[data-testid="resubmit-form"] textarea[name="reason"]').fill("The client's 2026 design.")
    screenshot(page, "resubmit.png")

    page.get_by_test_id("resubmit").click()
    expect(page.locator(".messages")).to_contain_text("Resubmitted with the corrected PSD")
    # Stage 1 ran again on the new file: the job waits for matching review, with its job id.
    expect(state_of(page)).to_have_attribute("data-stage", "2")
    expect(state_of(page)).to_have_attribute("data-status", "awaiting_review")
    expect(page.get_by_test_id("send-back-reason")).to_have_count(0)  # it moved on
    job.refresh_from_db()
    assert (job.job_id, job.psd_path) == ("WEB-7", str(roots / "sale-2026" / "sale.psd"))
    assert job.matches, job.last_error
    log = JobLog.objects.get(job=job, action="resubmit")
    assert log.user == producer
    assert log.details["paths"]["psd_path"] == {"from": str(roots / "sale" / "sale.psd"),
                                                "to": str(roots / "sale-2026" / "sale.psd")}


def test_a_stage_4_job_with_an_error_offers_no_sign_off(live_server, page, django_user_model, _permissions_exist):
    from playwright.sync_api import expect

    from batches.models import Batch

    deployer = staff(django_user_model, "deployer", "jobs.sign_off_deploy", "jobs.start_job")
    batch = Batch.objects.create(name="summer.csv", sha256="0" * 64)
    job = Job.objects.create(batch=batch, line=2, job_id="WEB-9", psd_path="/in/sale.psd", aepx_path="/in/sale.aepx",
                             output_name="web9_final.aep", client_name="Northwind", project_name="Summer Sale",
                             stage=Stage.DEPLOY, status=Status.NEEDS_ATTENTION)
    JobWarning.objects.create(job=job, stage=Stage.DEPLOY, severity="error", code="font-missing",
                              message="Layer 'headline' uses font Oswald-Bold, which the render machines lack")
    JobWarning.objects.create(job=job, stage=Stage.DEPLOY, severity="warning", code="upscale",
                              message="Product is scaled to 130 %")

    log_in(page, live_server, deployer)
    page.goto(f"{live_server.url}/dashboard/job/{job.pk}/")
    expect(state_of(page)).to_have_attribute("data-stage", "4")
    blocked = page.get_by_test_id("sign-off-blocked")
    expect(blocked).to_contain_text("Sign-off is not possible: this job has errors")
    expect(blocked).to_contain_text("Install the font on the render machines")
    expect(page.get_by_test_id("sign-off")).to_have_count(0)
    expect(page.get_by_text("Sign off and deploy")).to_have_count(0)
    expect(page.get_by_test_id("send-back")).to_be_visible()  # what it offers instead
    expect(page.get_by_test_id("retry")).to_be_visible()
    screenshot(page, "sign-off-errors.png")
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.DEPLOY, Status.NEEDS_ATTENTION)
