"""The Stage 3 contact sheet and the review pages' keyboard shortcuts in real Chromium.

An approver opens the contact sheet from the board's Stage 3 column, filters it to one client,
selects all 20 previews (real PNG stills, served permission-checked), approves them in one go and
reads exactly what was done. Then, on a job page of another client, the keyboard: ``?`` lists the
shortcuts, ``j``/``k`` move along the queue, ``s`` goes to the send-back reason (where typing
``a`` types, and approves nothing), ``Shift+A`` approves and opens the next job, ``a`` approves.

Fixtures and database notes: review/tests/test_browser_dashboard.py. Tasks only go to the
broker table here (the jobs are made directly at Stage 3: there is no real work to run).
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django_q.conf import Conf
from PIL import Image, ImageDraw

from batches.models import Batch
from jobs.models import Job, JobAsset, JobLog, Stage, Status

from .test_browser_dashboard import (  # noqa: F401  (fixtures, registered by import)
    _database_left_as_migrated,
    _permissions_exist,
    lead,
    log_in,
    page,
    screenshot,
    state_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHEET_JOBS = 20


def still(i: int) -> bytes:
    """A small, distinct preview still (what Stage 3 stores as the preview's thumbnail)."""
    image = Image.new("RGB", (320, 200), (30 + (i * 37) % 200, 60 + (i * 53) % 160, 140 + (i * 29) % 110))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 120, 300, 180), fill=(255, 255, 255))
    draw.text((30, 135), f"SUMMER SALE · banner {i + 1}", fill=(20, 20, 20))
    draw.ellipse((220, 20, 300, 100), fill=(250, 204, 21))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def awaiting_preview(batch, job_id: str, client: str, i: int, priority: str = "medium") -> Job:
    job = Job.objects.create(batch=batch, line=i + 2, job_id=job_id, psd_path="/in/sale.psd",
                             aepx_path="/in/sale.aepx", output_name=f"{job_id}.aep", client_name=client,
                             project_name="Summer Sale", priority=priority, stage=Stage.APPROVE_PREVIEW,
                             status=Status.AWAITING_APPROVAL)
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=60 - i))
    data = still(i)
    name = default_storage.save(f"previews/{job_id}.png", ContentFile(data))
    JobAsset.objects.create(job=job, stage=Stage.APPROVE_PREVIEW, kind="preview_thumbnail", key="", file=name,
                            sha256=f"{i:064d}", size=len(data))
    return job


@pytest.fixture
def queue_only(monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", False)  # approvals queue Stage 4; nothing runs it here


def test_contact_sheet_approves_twenty_previews_and_the_keyboard_works(live_server, page, lead, queue_only):
    from playwright.sync_api import expect

    batch = Batch.objects.create(name="summer-banners.csv", sha256="0" * 64)
    for i in range(SHEET_JOBS):
        awaiting_preview(batch, f"SUM-{i + 1:03d}", "Northwind", i)
    others = [awaiting_preview(batch, f"ACME-{i + 1}", "Acme Foods", SHEET_JOBS + i) for i in range(3)]

    log_in(page, live_server, lead)
    expect(page.get_by_test_id("count-3")).to_have_text(str(SHEET_JOBS + 3))
    page.get_by_test_id("contact-sheet-link").click()
    page.wait_for_url("**/dashboard/contact-sheet/")
    expect(page.get_by_test_id("sheet-count")).to_have_text(str(SHEET_JOBS + 3))
    page.get_by_label("Client", exact=True).fill("Northwind")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/dashboard/contact-sheet/?*client=Northwind*")
    expect(page.get_by_test_id("sheet-count")).to_have_text(str(SHEET_JOBS))
    stills = page.get_by_test_id("still")
    expect(stills).to_have_count(SHEET_JOBS)
    for img in stills.all():  # every still really loaded (served by review:asset)
        img.scroll_into_view_if_needed()
        expect(img).to_have_js_property("complete", True)
        assert img.evaluate("el => el.naturalWidth") == 320

    page.get_by_test_id("select-all").check()
    expect(page.get_by_test_id("selected-count")).to_have_text(f"{SHEET_JOBS} selected")
    page.get_by_test_id("pick").nth(3).uncheck()
    expect(page.get_by_test_id("selected-count")).to_have_text(f"{SHEET_JOBS - 1} selected")
    page.get_by_test_id("pick").nth(3).check()
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "contact-sheet.png")
    page.get_by_test_id("approve-selected").click()  # no reason needed to approve
    expect(page.locator(".msg-success")).to_contain_text(f"Approved the preview of {SHEET_JOBS} job(s): SUM-001")
    expect(page.locator(".msg-warning")).to_have_count(0)
    expect(page.get_by_test_id("sheet-empty")).to_be_visible()
    approved = Job.objects.filter(client_name="Northwind")
    assert set(approved.values_list("stage", "status")) == {(Stage.DEPLOY, Status.QUEUED)}
    assert JobLog.objects.filter(action="approve_preview", user=lead).count() == SHEET_JOBS

    # The keyboard, on the job page of the first Acme job (queue order: oldest first).
    first, second, third = others
    page.goto(f"{live_server.url}/dashboard/job/{first.pk}/")
    expect(page.get_by_test_id("shortcut-hint")).to_be_visible()
    expect(page.get_by_test_id("shortcut-list")).to_be_hidden()
    page.keyboard.press("?")
    expect(page.get_by_test_id("shortcut-list")).to_be_visible()
    expect(page.get_by_test_id("shortcut-list")).to_contain_text("Approve, then open the next job")
    page.keyboard.press("j")
    page.wait_for_url(f"**/dashboard/job/{second.pk}/")
    page.keyboard.press("k")
    page.wait_for_url(f"**/dashboard/job/{first.pk}/")
    page.keyboard.press("s")
    reason = page.locator('[data-shortcut="reason"]')
    expect(reason).to_be_focused()
    page.keyboard.type("a A j")  # typed into the field: no shortcut fires
    expect(reason).to_have_value("a A j")
    assert page.url.endswith(f"/dashboard/job/{first.pk}/")
    page.keyboard.press("Escape")
    page.keyboard.press("Shift+A")  # approve and next
    page.wait_for_url(f"**/dashboard/job/{second.pk}/")
    expect(page.locator(".msg-success")).to_contain_text("Preview approved")
    page.keyboard.press("a")  # approve, stay
    expect(state_of(page)).to_have_attribute("data-stage", "4")
    assert Job.objects.get(pk=first.pk).stage == Stage.DEPLOY
    assert Job.objects.get(pk=third.pk).stage == Stage.APPROVE_PREVIEW
