"""The dashboard in a real browser (Debian's Chromium through Playwright) against a live server.

A producer who also reviews and approves logs in through the admin's login form, uploads a CSV
of real files (a layered PSD and an .aepx written by the project's writers) through the upload
dialog, sees the report, imports it and sees the jobs appear on the board without a reload;
opens a job, approves Stage 2 and Stage 3 from the job page, and sees it reach Stage 4. The
board also refreshes itself (htmx polling), and pauses while a dialog is open.

Tasks run inline (django-q2 sync under pytest): the import request returns after ingestion,
and each approval after the next stage's work. Screenshots go to docs/screenshots/.

Database notes. The live server needs transactional tests, whose teardown empties every table.
What the tests before these left depends on their kind (a flush with or without post_migrate,
or the migrated data put back), so these tests depend on none of it: each makes sure content
types and permissions exist (what post_migrate makes, idempotently) and gives its user the
permissions directly, not through the groups of the data migration. At the end, the module
puts the migrated data back (when the run serialized it) for any transactional test after it.
Playwright's sync API marks an event loop as running in the test's thread, so ORM calls there
need DJANGO_ALLOW_ASYNC_UNSAFE, and the browser is started per test, after the database.
"""

from __future__ import annotations

import io
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from jobs.formats.aepx_writer import CompSpec, FootageLayerSpec, SolidLayerSpec, TextLayerSpec, write_template
from jobs.formats.psd_writer import PixelLayerSpec, TypeLayerSpec, write_psd
from jobs.models import Job, JobLog, Stage, Status

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PERMISSIONS = ("jobs.view_job", "jobs.start_job", "jobs.approve_matching", "jobs.approve_preview",
               "jobs.sign_off_deploy", "batches.view_batch", "batches.upload_batch")
WIDTH, HEIGHT = 800, 500

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Debian's Chromium is not installed at {CHROMIUM} "
                       "(apt-get install chromium)"),
]


@pytest.fixture(scope="module", autouse=True)
def _database_left_as_migrated(django_db_blocker):
    """After the last test's flush, put back the migrated data (when this run serialized it)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM calls beside Playwright's loop
        yield
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection

    contents = getattr(connection, "_test_serialized_contents", None)
    with django_db_blocker.unblock():
        if contents and not Group.objects.exists():
            # The teardown flush ran post_migrate (content types, permissions): empty it first.
            # Keep the sequences (as Django's own teardown flush does): the rows put back keep
            # their ids, so sequences restarted at 1 would hand those ids out again (PostgreSQL:
            # the next Schedule a migration creates collides with the restored id 1).
            call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True, reset_sequences=False)
            connection.creation.deserialize_db_from_string(contents)


@pytest.fixture
def _permissions_exist(live_server):
    """Content types and permissions, whatever the previous test's flush left (idempotent)."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    for app_config in apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0)
        create_permissions(app_config, verbosity=0)


# --- Inputs: a real layered PSD and a real template --------------------------------------------


def _gradient() -> Image.Image:
    image = Image.new("RGBA", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    for y in range(HEIGHT):
        draw.line([(0, y), (WIDTH, y)], fill=(20 + y // 4, 40, 120 - y // 8, 255))
    return image


def _product() -> Image.Image:
    image = Image.new("RGBA", (260, 260))
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, 250, 250), fill=(250, 204, 21, 255))
    draw.rectangle((90, 60, 170, 200), fill=(234, 88, 12, 255))
    return image


def write_inputs(folder: Path) -> tuple[Path, Path]:
    """A sale-banner PSD and its After Effects template in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    psd = write_psd(folder / "sale.psd", width=WIDTH, height=HEIGHT, background=(0, 0, 0), layers=[
        TypeLayerSpec("SUMMER SALE", font="ArialMT", size=56, color=(255, 255, 255), left=40, top=40),
        TypeLayerSpec("UP TO 50% OFF", font="ArialMT", size=32, color=(253, 224, 71), left=40, top=130),
        PixelLayerSpec("Product", _product(), left=480, top=160),
        PixelLayerSpec("Background", _gradient()),
    ])
    template = folder / "sale.aepx"
    write_template(template, compositions=[CompSpec(name="Sale Banner", width=WIDTH, height=HEIGHT, layers=[
        TextLayerSpec(name="headline", text="HEADLINE", font="ArialMT", font_size=56, position=(220, 70)),
        TextLayerSpec(name="subline", text="SUBLINE", font="ArialMT", font_size=32, position=(160, 150)),
        # no counterpart in the PSD: the reviewer approves it empty, explicitly
        TextLayerSpec(name="disclaimer", text="Terms apply", font="ArialMT", font_size=14, position=(400, 480)),
        FootageLayerSpec(name="productshot", path="/Volumes/Templates/sale/product.png", width=260, height=260,
                         position=(610, 290)),
        SolidLayerSpec(name="BG Solid", color=(0.1, 0.1, 0.2)),
    ])])
    return psd, template


@pytest.fixture
def inputs(tmp_path, settings):
    """An input root holding the files, and a CSV naming them (paths relative to the root)."""
    root = tmp_path / "in"
    write_inputs(root / "sale")
    settings.INPUT_ROOTS = [root.resolve()]
    csv = tmp_path / "summer.csv"
    csv.write_text(
        "job_id,psd_path,aepx_path,output_name,client_name,project_name,priority\n"
        "WEB-1,sale/sale.psd,sale/sale.aepx,web1_final.aep,Northwind,Summer Sale,high\n"
        "WEB-2,sale/sale.psd,sale/sale.aepx,web2_final.aep,Northwind,Summer Sale,medium\n"
    )
    return csv


@pytest.fixture
def lead(django_user_model, _permissions_exist):
    """A staff member who may upload, start, review, approve and sign off (what the four groups give)."""
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("lead", "lead@example.com", "pw-lead", is_staff=True)
    for name in PERMISSIONS:
        app_label, codename = name.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user


def other_jobs() -> None:
    """Jobs of an earlier batch in every stage, so the board looks like a working day."""
    from batches.models import Batch

    batch = Batch.objects.create(name="week-46.csv", sha256="0" * 64)
    # (No job of it is queued: a queued job would be waiting for a worker, and the one that runs
    # inline here for the uploaded jobs would take it first, as a real worker would.)
    states = [(0, Status.PENDING), (1, Status.PROCESSING), (1, Status.FAILED), (3, Status.AWAITING_APPROVAL),
              (4, Status.NEEDS_ATTENTION), (4, Status.COMPLETED), (4, Status.COMPLETED), (2, Status.NEEDS_ATTENTION)]
    clients = [("Thunder Sports", "Gameday"), ("Comets FC", "Season Launch"), ("Acme Foods", "Menu Special")]
    now = timezone.now()
    for i, (stage, status) in enumerate(states):
        client, project = clients[i % 3]
        job = Job.objects.create(batch=batch, line=i + 2, job_id=f"WK46-{i + 1:03d}", psd_path="/in/x.psd",
                                 aepx_path="/in/x.aepx", output_name=f"wk46_{i}.aep", client_name=client,
                                 project_name=project, priority=("high", "medium", "low")[i % 3], stage=stage,
                                 status=status)
        Job.objects.filter(pk=job.pk).update(stage_entered_at=now - timedelta(minutes=17 * (i + 1)))
        if status == Status.NEEDS_ATTENTION:
            job.warnings.create(stage=stage, code="font_missing", message="A font is missing on the render machines")


# --- The browser ----------------------------------------------------------------------------


@pytest.fixture
def page(live_server):
    from django.db import connections
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=60_000)  # ingestion and previews run inside the requests
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            context = chromium.new_context(viewport={"width": 1400, "height": 900})
            context.set_default_timeout(60_000)
            page = context.new_page()
            refused = []  # what the Content-Security-Policy blocked (Chromium reports it on the console)
            page.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
            yield page
            assert not refused, refused
        finally:
            connections.close_all()
            chromium.close()


def log_in(page, live_server, user) -> None:
    """Open the dashboard: sent to the admin's login form, log in, land on the dashboard."""
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_url("**/admin/login/?next=/dashboard/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pw-" + user.username)
    page.click("#login-form [type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/")


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def state_of(page):
    return page.get_by_test_id("job-state")


def test_upload_review_and_approve_through_the_dashboard(live_server, page, inputs, lead):
    from playwright.sync_api import expect

    other_jobs()
    log_in(page, live_server, lead)
    expect(page.get_by_test_id("count-2")).to_have_text("1")
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads

    # Upload: the dialog follows the background validation and import (htmx polling), then
    # shows the batch imported and started.
    page.get_by_test_id("open-upload").click()
    expect(page.locator("#upload-dialog")).to_be_visible()
    assert page.evaluate("window.dashboardRefreshAllowed()") is False  # polling pauses
    page.get_by_test_id("csv-input").set_input_files(str(inputs))
    page.get_by_test_id("upload-csv").click()
    expect(page.get_by_test_id("upload-done")).to_contain_text("imported: 2 job(s)")
    expect(page.get_by_test_id("upload-done")).to_contain_text("Started 2 job(s)")

    # The board refreshed by itself: both jobs are ingested and wait for matching review.
    card = page.locator('#board [data-job-id="WEB-1"]')
    expect(card).to_be_visible()
    expect(page.locator('[data-stage="2"] [data-job-id="WEB-2"]')).to_be_visible()
    expect(page.get_by_test_id("count-2")).to_have_text("3")
    assert page.evaluate("window.__sameDocument") is True
    page.locator("#upload-dialog [data-close-dialog]").last.click()
    expect(page.locator("#upload-dialog")).to_be_hidden()
    assert page.evaluate("window.dashboardRefreshAllowed()") is True
    screenshot(page, "dashboard.png")

    # The job page: Stage 2, approve the matching as proposed.
    card.click()
    job = Job.objects.get(job_id="WEB-1")
    page.wait_for_url(f"{live_server.url}/dashboard/job/{job.pk}/")
    expect(state_of(page)).to_have_attribute("data-stage", "2")
    expect(page.locator("table.matches")).to_contain_text("SUMMER SALE")
    # Issue 14: beside the table, the selected row's layer outlined on the design, and its placeholder
    # on the template's schematic; a type layer reads as its text, font and size.
    view = page.get_by_test_id("match-view")
    expect(view).to_be_visible()
    expect(page.locator("table.matches").get_by_test_id("layer-text").first).to_contain_text("ArialMT · 56 pt")
    match = next(m for m in job.matches if m["placeholder"] == "productshot")
    page.locator('tr[data-placeholder="productshot"] td').first.click()
    expect(view.locator("[data-mv-placeholder]")).to_have_text("productshot")
    outline = view.get_by_test_id("design-outline")
    expect(outline).to_have_attribute("data-layer-id", str(match["psd_layer_id"]))
    bbox = next(layer["bbox"] for layer in job.psd_description["layers"] if layer["id"] == match["psd_layer_id"])
    psd = job.psd_description
    box = outline.evaluate("""el => { const p = el.offsetParent.getBoundingClientRect(), r = el.getBoundingClientRect();
        return [(r.left - p.left) / p.width, (r.top - p.top) / p.height, (r.right - p.left) / p.width,
                (r.bottom - p.top) / p.height].map(v => 100 * v); }""")
    expected = [100 * bbox[0] / psd["width"], 100 * bbox[1] / psd["height"],
                100 * bbox[2] / psd["width"], 100 * bbox[3] / psd["height"]]
    assert all(abs(a - e) <= 1.0 for a, e in zip(box, expected, strict=True)), (box, expected)
    schematic = view.get_by_test_id("schematic")
    if any(layer["bbox"] for c in job.template_description["compositions"] for layer in c["layers"]
           if c["name"] == match["composition"] and layer["index"] == match["layer_index"]):
        expect(schematic.get_by_test_id("schematic-selected")).to_have_count(1)
    else:
        expect(view.get_by_test_id("position-note")).to_be_visible()
    # What nobody confirmed is named next to the button, and approving it is explicit.
    open_items = page.get_by_test_id("approve-anyway-items")
    expect(open_items).to_contain_text("disclaimer (Sale Banner) stays empty")
    expect(open_items).not_to_contain_text("headline (Sale Banner)")  # SUMMER SALE is a confident match
    expect(page.get_by_test_id("approve-matching")).to_have_count(0)
    page.get_by_test_id("approve-anyway").click()
    expect(page.locator(".messages")).to_contain_text("Matching approved")
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.APPROVE_PREVIEW, Status.AWAITING_APPROVAL), job.last_error
    expect(state_of(page)).to_have_attribute("data-status", "awaiting_approval")
    expect(page.get_by_test_id("comparison")).to_be_visible()
    page.wait_for_function("() => [...document.querySelectorAll('.previews img')]"
                           ".every(img => img.complete && img.naturalWidth > 0)")
    screenshot(page, "job.png")

    # Stage 3: approve the preview with a note; Stage 4's work runs and the job is there.
    page.locator('textarea[name="notes"]').fill("Colours match the print ad.")
    page.get_by_test_id("approve-preview").click()
    expect(page.locator(".messages")).to_contain_text("Preview approved")
    expect(state_of(page)).to_have_attribute("data-stage", "4")
    job.refresh_from_db()
    assert job.stage == Stage.DEPLOY and job.stage3_completed_by == lead
    assert JobLog.objects.get(job=job, action="approve_preview").details == {"notes": "Colours match the print ad."}
    assert job.status in (Status.COMPLETED, Status.NEEDS_ATTENTION), (job.status, job.last_error)


def test_the_board_refreshes_itself(live_server, page, lead, settings):
    from playwright.sync_api import expect

    settings.DASHBOARD_REFRESH_SECONDS = 1
    log_in(page, live_server, lead)
    expect(page.get_by_test_id("count-0")).to_have_text("0")
    other_jobs()  # written while the page is open
    expect(page.locator('#board [data-job-id="WK46-001"]')).to_be_visible()
    expect(page.get_by_test_id("count-4")).to_have_text("3")
    expect(page.get_by_test_id("stat-failed")).to_have_text("1")


def wait_until(page, condition, *, seconds: float, step_ms: int = 100) -> float:
    """Seconds until ``condition()`` held (checked every ``step_ms``); fails after ``seconds``."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < seconds, f"not within {seconds} s"
        page.wait_for_timeout(step_ms)
    return time.monotonic() - start


def board_shot(page) -> Image.Image:
    return Image.open(io.BytesIO(page.locator("#board").screenshot())).convert("RGB")


def before_and_after(before: Image.Image, after: Image.Image, captions: tuple[str, str], name: str) -> None:
    """The two board pictures one above the other, each under its caption, as one PNG."""
    bar = 40
    width = max(before.width, after.width)
    sheet = Image.new("RGB", (width, 2 * bar + before.height + after.height), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=18)
    top = 0
    for picture, caption in zip((before, after), captions, strict=True):
        draw.rectangle((0, top, width, top + bar - 1), fill=(30, 41, 59))
        draw.text((14, top + 10), caption, fill=(255, 255, 255), font=font)
        sheet.paste(picture, (0, top + bar))
        top += bar + picture.height
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    sheet.save(SCREENSHOTS / name)


def test_the_board_follows_moves_live_and_polls_conditionally(live_server, page, lead, settings, monkeypatch):
    """At the default interval, moves made elsewhere reach the open board within 5 s without a
    navigation; while nothing changes each poll is answered 304 (htmx itself sees the 304, as
    its If-None-Match came from the page) and the board is not replaced; a hidden tab does not
    poll, and polls at once when shown again."""
    from playwright.sync_api import expect

    from jobs.services import job_send_back
    from review import dashboard

    assert settings.DASHBOARD_REFRESH_SECONDS <= 4  # the default: changes show within 5 s
    interval = settings.DASHBOARD_REFRESH_SECONDS
    monkeypatch.setattr(dashboard, "SETTLE_SECONDS", 2)  # not 10 s: the test waits for it below
    # The clock's minute (a new ETag once a minute) is not what is tested here: a minute turning
    # during the test would answer one idle poll in full.
    monkeypatch.setattr(dashboard, "ETAG_PERIOD_SECONDS", 10**9)
    other_jobs()  # no audit rows: nothing is settling when the page opens
    log_in(page, live_server, lead)
    polls = []  # (status the server sent, If-None-Match the browser sent) of each board poll
    page.on("requestfinished", lambda request: polls.append((request.response().status,
                                                            request.headers.get("if-none-match")))
            if "/dashboard/board/" in request.url else None)
    page.evaluate("""() => { window.__sameDocument = true; window.__seen = [];
        document.body.addEventListener("htmx:afterRequest", e => window.__seen.push(e.detail.xhr.status));
        document.getElementById("board").__original = true; }""")
    etag = page.locator("#board").get_attribute("data-etag")
    expect(page.get_by_test_id("count-2")).to_have_text("1")
    expect(page.get_by_test_id("count-3")).to_have_text("1")
    expect(page.get_by_test_id("count-4")).to_have_text("3")

    # Nothing changes: the polls are 304s, htmx sees them as such and swaps nothing.
    wait_until(page, lambda: len(polls) >= 2, seconds=3 * interval)
    assert polls == [(304, etag)] * len(polls), polls
    assert set(page.evaluate("window.__seen")) == {304}
    assert page.evaluate("document.getElementById('board').__original") is True
    before = board_shot(page)

    # Two jobs move (sent back to matching, through the services), as other people would do.
    stage3 = Job.objects.get(job_id="WK46-004")
    stage4 = Job.objects.get(job_id="WK46-005")
    job_send_back(job=stage3, user=lead, reason="The logo is cut off")
    job_send_back(job=stage4, user=lead, reason="The font needs replacing", to_stage=Stage.REVIEW_MATCHING)
    moved_at = time.monotonic()
    expect(page.get_by_test_id("count-2")).to_have_text("3", timeout=5_000)
    expect(page.get_by_test_id("count-3")).to_have_text("0", timeout=500)
    expect(page.get_by_test_id("count-4")).to_have_text("2", timeout=500)
    expect(page.locator('[data-stage="2"] [data-job-id="WK46-004"]')).to_be_visible(timeout=500)
    expect(page.locator('[data-stage="2"] [data-job-id="WK46-005"]')).to_be_visible(timeout=500)
    assert time.monotonic() - moved_at < 5
    assert page.evaluate("window.__sameDocument") is True  # no navigation: the board was swapped
    assert page.evaluate("document.getElementById('board').__original") is None
    assert 200 in page.evaluate("window.__seen")
    before_and_after(before, board_shot(page), (
        "Before: WK46-004 awaits preview approval, WK46-005 needs attention at Stage 4",
        "Seconds later, no reload: both were sent back to matching elsewhere; counts and cards follow",
    ), "dashboard-live.png")

    # Settled again: polls go back to 304s and this board stays.
    wait_until(page, lambda: polls[-1][0] == 304, seconds=dashboard.SETTLE_SECONDS + 3 * interval)
    page.evaluate("document.getElementById('board').__kept = true")
    settled = len(polls)
    wait_until(page, lambda: len(polls) >= settled + 2, seconds=3 * interval)
    assert {status for status, _ in polls[settled:]} == {304}, polls
    assert page.evaluate("document.getElementById('board').__kept") is True

    # A hidden tab does not poll; shown again, it polls at once (not at the next tick).
    page.evaluate("""() => { Object.defineProperty(document, "visibilityState", {configurable: true,
        get: () => "hidden"}); document.dispatchEvent(new Event("visibilitychange")); }""")
    page.wait_for_timeout(500)  # a poll already under way ends
    hidden = len(polls)
    page.wait_for_timeout(int(2.5 * interval * 1000))
    assert len(polls) == hidden, polls[hidden:]
    page.evaluate("""() => { delete document.visibilityState;
        document.dispatchEvent(new Event("visibilitychange")); }""")
    assert page.evaluate("document.visibilityState") == "visible"
    assert wait_until(page, lambda: len(polls) > hidden, seconds=1.0) < 1.0
    assert polls[-1][0] == 304


def test_the_upload_dialog_follows_a_background_import_to_its_report(live_server, page, inputs, lead, monkeypatch):
    """With the task left to a worker (not run inline), the dialog shows the progress and polls
    it (htmx, under the page's Content-Security-Policy) until the worker found the CSV invalid."""
    from django_q.conf import Conf
    from playwright.sync_api import expect

    from batches.models import Batch
    from batches.tasks import import_uploaded_batch

    monkeypatch.setattr(Conf, "SYNC", False)  # the upload's task waits in the broker for a worker
    bad = inputs.parent / "bad.csv"
    bad.write_text(inputs.read_text().replace("sale/sale.psd,sale/sale.aepx,web2", "sale/gone.psd,sale/sale.aepx,web2"))
    log_in(page, live_server, lead)
    page.get_by_test_id("open-upload").click()
    page.get_by_test_id("csv-input").set_input_files(str(bad))
    page.get_by_test_id("upload-csv").click()
    expect(page.get_by_test_id("upload-progress")).to_contain_text("validating")
    batch = Batch.objects.get(name="bad.csv")
    assert batch.import_state == Batch.ImportState.VALIDATING
    screenshot(page, "upload-progress.png")

    assert import_uploaded_batch(batch.pk) == Batch.ImportState.INVALID  # the worker
    report = page.get_by_test_id("upload-report")
    expect(report).to_contain_text("2 row(s), 1 error(s)")
    expect(report.locator("tr.issue-error")).to_contain_text("3psd_path")
    expect(report).to_contain_text("nothing was imported")
    expect(page.get_by_test_id("upload-progress")).to_have_count(0)  # the polling stopped with it
    assert not Batch.objects.get(pk=batch.pk).jobs.exists()
