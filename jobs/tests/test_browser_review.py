"""The review page in a real browser (Debian's Chromium through Playwright) against a live server.

Issue 4: a reviewer logs in through the admin's login form, corrects one match, approves; the
job moves to Stage 3, the audit log records who changed what, and the next job on the same
template gets the learned match. Issue 5: at Stage 3 the page shows the preview, the comparison
and the script, and an approver approves the preview from the page; the job reaches Stage 4.
A user without the permission is refused.

Tasks run inline (django-q2 sync under pytest), so the next stage's work has already run when
the response to an approval arrives. Screenshots go to docs/screenshots/.

Database notes. The live server needs transactional tests, whose teardown empties every table;
the reviewer groups come from a data migration, so each test restores the migrated data
(``serialized_rollback``) and the module restores it once more when it ends, for the
transactional tests that follow. Playwright's sync API marks an event loop as running in the
test's thread, where Django then hands out other connection objects (async-context storage)
and refuses ORM calls unless DJANGO_ALLOW_ASYNC_UNSAFE is set; so the browser is started per
test, after the database is set up, and stopped before it is flushed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from jobs.models import Job, JobLog, LearnedMapping, Stage, Status
from jobs.services import job_approve_matching

from .demo_jobs import import_and_start

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

AVERY = ("J-1", "gameday-avery.psd", "Thunder", "Week 1", "high")
CHEN = ("J-2", "gameday-chen.psd", "Comets", "Week 1", "medium")
HIDDEN_LAYER = "old cutout (unused)"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Debian's Chromium is not installed at {CHROMIUM} "
                       "(apt-get install chromium, or `make browser` as root)"),
]


@pytest.fixture(scope="module", autouse=True)
def _database_left_as_migrated(django_db_blocker):
    """After the last test's flush, put back the migrated data (groups, permissions, the
    reaper's schedule) that transactional tests in later modules expect."""
    with pytest.MonkeyPatch.context() as mp:
        # The ORM calls made in the test's thread while Playwright's loop is marked running.
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield
    from django.contrib.auth.models import Group
    from django.db import connection

    contents = getattr(connection, "_test_serialized_contents", None)
    with django_db_blocker.unblock():
        if contents and not Group.objects.exists():
            connection.creation.deserialize_db_from_string(contents)


@pytest.fixture
def browser(live_server):
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            connections.close_all()  # the connections the test body opened beside the loop
            chromium.close()


@pytest.fixture
def new_page(browser):
    """A factory of pages, each in its own browser context (its own cookies: one user each)."""

    refused = []  # what the Content-Security-Policy blocked (Chromium reports it on the console)

    def factory():
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(30_000)
        page = context.new_page()
        page.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
        return page

    yield factory
    assert not refused, refused


def review_url(live_server, job: Job) -> str:
    return live_server.url + reverse("admin:jobs_job_review", args=[job.pk])


def login(page, live_server, user, next_url: str) -> None:
    """Log in through the admin's real login form and land on ``next_url``."""
    page.goto(f"{live_server.url}/admin/login/?next={next_url.removeprefix(live_server.url)}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pw-" + user.username)
    page.click("#login-form [type=submit]")
    page.wait_for_url(next_url)


def start_job(producer, row, capture) -> Job:
    """Import one CSV row and start it; with tasks inline it is at Stage 2 on return."""
    result = import_and_start(producer, [row], capture)
    job = Job.objects.get(batch=result.batch)
    assert (job.stage, job.status) == (Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW), job.last_error
    return job


def match_of(job: Job, placeholder: str) -> dict:
    return next(m for m in job.matches if m["placeholder"] == placeholder)


def layer_id(job: Job, name: str) -> int:
    return next(layer["id"] for layer in job.psd_description["layers"] if layer["name"] == name)


def choose_layer(page, placeholder: str, layer: int, label: str):
    """Pick a PSD layer for ``placeholder`` in the matching table; return the row."""
    from playwright.sync_api import expect

    row = page.locator(f'tr[data-placeholder="{placeholder}"]')
    select = row.locator('select[name$="_layer"]')
    assert select.select_option(value=str(layer)) == [str(layer)]
    expect(select.locator("option:checked")).to_contain_text(label)
    return row


def screenshot(page, name: str) -> None:
    """A full-page screenshot into docs/screenshots/. The viewport is first made as tall as the
    page, so that the admin's sticky navigation sidebar is drawn in place, not mid-page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.set_viewport_size({"width": width, "height": page.evaluate("document.documentElement.scrollHeight")})
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
    page.set_viewport_size({"width": width, "height": 1000})


def approve_matching(page, live_server, job: Job) -> None:
    from playwright.sync_api import expect

    page.get_by_role("button", name="Approve matching").click()
    page.wait_for_url(review_url(live_server, job))
    expect(page.locator(".messagelist")).to_contain_text("Matching approved")


def test_reviewer_corrects_a_match_approves_and_the_next_job_learns_it(
    live_server, new_page, input_root, producer, reviewer, approver, django_capture_on_commit_callbacks
):
    """Issue 4. The correction gives `featuredimage` the PSD's "Background" layer: a visible
    layer, so Stage 3 can build the preview (hidden layers have no exported image and are not offered)."""
    from playwright.sync_api import expect

    job = start_job(producer, AVERY, django_capture_on_commit_callbacks)
    before = match_of(job, "featuredimage")
    assert before["psd_layer"] == "Player Cutout"
    chosen_before = {m["placeholder"]: m["psd_layer_id"] for m in job.matches}
    background = layer_id(job, "Background")
    assert not LearnedMapping.objects.exists()

    page = new_page()
    login(page, live_server, reviewer, review_url(live_server, job))
    expect(page.get_by_test_id("job-state")).to_contain_text("Stage 2")
    expect(page.locator('tr[data-placeholder="featuredimage"] select[name$="_layer"]')).to_have_value(
        str(before["psd_layer_id"])
    )
    row = choose_layer(page, "featuredimage", background, "Background")
    # The thumbnail beside the select follows the choice, and the new one loads.
    thumb = row.locator("img.thumb")
    expect(thumb).to_be_visible()
    checked = row.locator('select[name$="_layer"] option:checked')
    assert thumb.get_attribute("src") == checked.get_attribute("data-thumb")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    screenshot(page, "review-matching.png")

    approve_matching(page, live_server, job)
    state = page.get_by_test_id("job-state")
    expect(state).to_contain_text("Stage 3")
    expect(state).to_contain_text("Awaiting approval")

    # The database: Stage 3's work ran inline; the change is recorded with its author.
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.APPROVE_PREVIEW, Status.AWAITING_APPROVAL), job.last_error
    assert job.stage2_completed_by == reviewer and job.stage2_completed_at is not None
    after = match_of(job, "featuredimage")
    assert (after["psd_layer_id"], after["psd_layer"]) == (background, "Background")
    assert after["reason"] == "chosen by a reviewer" and after["confirmed"]
    assert {m["placeholder"]: m["psd_layer_id"] for m in job.matches} == {**chosen_before, "featuredimage": background}
    log = JobLog.objects.get(job=job, action="approve_matching")
    assert log.user == reviewer and log.actor == reviewer.username
    assert (log.from_stage, log.to_stage) == (Stage.REVIEW_MATCHING, Stage.APPROVE_PREVIEW)
    changes = log.details["changes"]
    assert len(changes) == 1, changes  # only the one select was changed
    assert changes[0]["placeholder"] == "featuredimage"
    assert (changes[0]["from"], changes[0]["to"]) == (before["psd_layer_id"], background)
    approval_row = page.get_by_test_id("audit-log").locator("tbody tr", has_text="approve_matching")
    expect(approval_row).to_have_count(1)
    expect(approval_row).to_contain_text(reviewer.username)

    # Nothing is learned on the Stage 2 click; once the preview is approved, the choice is
    # remembered for the template, with this job as its evidence...
    assert not LearnedMapping.objects.exists()
    from jobs.services import job_approve_preview

    with django_capture_on_commit_callbacks(execute=True):
        job_approve_preview(job=Job.objects.get(pk=job.pk), user=approver)
    learned = LearnedMapping.objects.get(template_sha256=job.template_sha256, placeholder="featuredimage")
    assert learned.active and learned.created_by == approver and learned.source_job_id == job.pk
    assert list(learned.evidence.values_list("job_id", flat=True)) == [job.pk]
    assert (learned.composition, learned.psd_kind) == ("Gameday Card", "pixel")

    # ...and the next job on the same template (another player's PSD) gets it.
    nxt = start_job(producer, CHEN, django_capture_on_commit_callbacks)
    assert nxt.template_sha256 == job.template_sha256 and nxt.psd_sha256 != job.psd_sha256
    nxt_background = layer_id(nxt, "Background")
    learned_match = match_of(nxt, "featuredimage")
    assert (learned_match["psd_layer_id"], learned_match["psd_layer"]) == (nxt_background, "Background"), learned_match
    assert learned_match["reason"].startswith("learned from 1 approved job")

    page.goto(review_url(live_server, nxt))
    expect(state).to_contain_text("Stage 2")
    nxt_row = page.locator('tr[data-placeholder="featuredimage"]')
    expect(nxt_row.locator('select[name$="_layer"]')).to_have_value(str(nxt_background))
    expect(nxt_row.locator('select[name$="_layer"] option:checked')).to_contain_text("Background")
    expect(nxt_row.locator("td").last).to_contain_text("learned from 1 approved job")


def test_preview_is_shown_and_an_approver_approves_it_to_stage_4(
    live_server, new_page, input_root, producer, reviewer, approver, django_capture_on_commit_callbacks
):
    """Issue 5, browser part."""
    from playwright.sync_api import expect

    job = start_job(producer, AVERY, django_capture_on_commit_callbacks)
    job_approve_matching(job=job, user=reviewer)  # autocommit here: Stage 3's work runs at commit
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.APPROVE_PREVIEW, Status.AWAITING_APPROVAL), job.last_error

    page = new_page()
    login(page, live_server, approver, review_url(live_server, job))
    expect(page.get_by_test_id("job-state")).to_contain_text("Stage 3")
    expect(page.get_by_test_id("job-state")).to_contain_text("Awaiting approval")
    comparison = page.get_by_test_id("comparison")
    previews = page.get_by_test_id("preview")
    expect(comparison).to_have_count(1)
    expect(previews).to_have_count(len(job.template_description["compositions"]))
    for image in (comparison, *previews.all()):
        image.scroll_into_view_if_needed()
        expect(image).to_be_visible()
        page.wait_for_function("img => img.complete", arg=image.element_handle())
        assert image.evaluate("img => img.naturalWidth") > 0, f"{image.get_attribute('src')} did not load"
    # The comparison is design | preview side by side; the preview has the composition's size.
    assert comparison.evaluate("img => img.naturalWidth > img.naturalHeight")
    assert previews.first.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [1200, 1500]
    script = page.get_by_test_id("script")
    expect(script).to_be_visible()
    expect(script).to_contain_text("app.open")
    screenshot(page, "review-preview.png")

    page.locator('textarea[name="notes"]').fill("Looks right, ship it")
    page.get_by_role("button", name="Approve preview").click()
    page.wait_for_url(review_url(live_server, job))
    expect(page.locator(".messagelist")).to_contain_text("Preview approved")
    expect(page.get_by_test_id("job-state")).to_contain_text("Stage 4")

    job.refresh_from_db()
    assert job.stage == Stage.DEPLOY, (job.stage, job.status, job.last_error)
    assert job.stage3_completed_by == approver
    log = JobLog.objects.get(job=job, action="approve_preview")
    assert log.user == approver and log.details["notes"] == "Looks right, ship it"
    assert (log.from_stage, log.to_stage) == (Stage.APPROVE_PREVIEW, Stage.DEPLOY)
    approval_row = page.get_by_test_id("audit-log").locator("tbody tr", has_text="approve_preview")
    expect(approval_row).to_contain_text(approver.username)


def test_user_without_the_permission_sees_a_refusal_and_no_approve_button(
    live_server, new_page, input_root, producer, approver, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Permission
    from playwright.sync_api import expect

    approver.user_permissions.add(Permission.objects.get(codename="view_job", content_type__app_label="jobs"))
    assert not approver.has_perm("jobs.approve_matching")
    job = start_job(producer, AVERY, django_capture_on_commit_callbacks)

    page = new_page()
    login(page, live_server, approver, review_url(live_server, job))
    expect(page.get_by_test_id("job-state")).to_contain_text("Stage 2")
    refusal = page.get_by_test_id("refusal")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text("needs the")
    expect(refusal).to_contain_text("Matching reviewers")
    # The matching is shown read-only, and there is nothing to approve it with.
    expect(page.locator('tr[data-placeholder="featuredimage"]')).to_be_visible()
    expect(page.locator('tr[data-placeholder="featuredimage"] select[name$="_layer"]')).to_be_disabled()
    expect(page.get_by_role("button", name="Approve matching")).to_have_count(0)
    expect(page.locator('button[value="approve_matching"]')).to_have_count(0)

    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW)
    assert not JobLog.objects.filter(job=job, action="approve_matching").exists()


def outline_percentages(page, selector: str) -> list[float]:
    """An element's box as percentages (left, top, right, bottom) of its offset parent's box."""
    return page.locator(selector).evaluate(
        """el => { const p = el.offsetParent.getBoundingClientRect(), r = el.getBoundingClientRect();
                   return [(r.left - p.left) / p.width, (r.top - p.top) / p.height,
                           (r.right - p.left) / p.width, (r.bottom - p.top) / p.height].map(v => 100 * v); }"""
    )


def bbox_percentages(bbox, width: int, height: int) -> list[float]:
    return [100 * bbox[0] / width, 100 * bbox[1] / height, 100 * bbox[2] / width, 100 * bbox[3] / height]


def assert_within_one_percent(actual: list[float], expected: list[float]) -> None:
    assert all(abs(a - e) <= 1.0 for a, e in zip(actual, expected, strict=True)), (actual, expected)


def test_review_page_shows_the_design_and_the_template_box_of_the_selected_row(
    live_server, new_page, input_root, producer, reviewer, django_capture_on_commit_callbacks
):
    """Issue 14, item 5: the selected row's PSD layer is outlined on the flattened design, and its
    placeholder is highlighted on a schematic of the template composition; changing the select
    moves the outline. Text placeholders without a recorded position say so."""
    from playwright.sync_api import expect

    job = start_job(producer, AVERY, django_capture_on_commit_callbacks)
    psd = job.psd_description
    boxes = {layer["id"]: layer["bbox"] for layer in psd["layers"]}
    match = match_of(job, "featuredimage")
    comp = next(c for c in job.template_description["compositions"] if c["name"] == match["composition"])
    placeholder = next(layer for layer in comp["layers"] if layer["index"] == match["layer_index"])

    page = new_page()
    page.set_viewport_size({"width": 1600, "height": 1000})  # the table and the view side by side
    login(page, live_server, reviewer, review_url(live_server, job))
    view = page.get_by_test_id("match-view")
    expect(view).to_be_visible()
    design = view.get_by_test_id("design-image")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=design.element_handle())
    # The first row is selected by default: a text placeholder whose position is not recorded.
    first = job.matches[0]
    expect(page.locator("tr[data-match-row]").first).to_have_class(re_class("mv-row-selected"))
    expect(view.locator("[data-mv-placeholder]")).to_have_text(first["placeholder"])
    expect(view.get_by_test_id("position-note")).to_be_visible()
    expect(view.get_by_test_id("position-note")).to_contain_text("position not recorded")
    # The text layers read as their text, font and size.
    text_layer = next(layer for layer in psd["layers"] if layer["id"] == first["psd_layer_id"])
    expect(page.locator(f'tr[data-placeholder="{first["placeholder"]}"]').get_by_test_id("layer-text")).to_have_text(
        f"“{text_layer['text']}” · {text_layer['font']} · {text_layer['font_size']:g} pt"
    )

    row = page.locator('tr[data-placeholder="featuredimage"]')
    row.locator("td").first.click()
    expect(row).to_have_class(re_class("mv-row-selected"))
    expect(view.locator("[data-mv-placeholder]")).to_have_text("featuredimage")
    outline = view.get_by_test_id("design-outline")
    expect(outline).to_be_visible()
    expect(outline).to_have_attribute("data-layer-id", str(match["psd_layer_id"]))
    assert_within_one_percent(outline_percentages(page, '[data-testid="design-outline"]'),
                              bbox_percentages(boxes[match["psd_layer_id"]], psd["width"], psd["height"]))
    # The schematic: the composition's aspect ratio, every known box faint, the placeholder's highlighted.
    schematic = view.get_by_test_id("schematic")
    ratio = schematic.evaluate("el => el.clientWidth / el.clientHeight")
    assert abs(ratio - comp["width"] / comp["height"]) < 0.02, ratio
    expect(schematic.locator(".mv-layer")).to_have_count(sum(1 for layer in comp["layers"] if layer["bbox"]))
    if placeholder["bbox"]:
        highlighted = schematic.get_by_test_id("schematic-selected")
        expect(highlighted).to_have_count(1)
        expect(highlighted).to_have_attribute("data-layer-index", str(match["layer_index"]))
        assert_within_one_percent(outline_percentages(page, '[data-testid="schematic-selected"]'),
                                  bbox_percentages(placeholder["bbox"], comp["width"], comp["height"]))
        expect(view.get_by_test_id("position-note")).to_be_hidden()
    else:
        expect(view.get_by_test_id("position-note")).to_be_visible()

    # Another layer for the placeholder: the outline moves to that layer's box.
    background = layer_id(job, "Background")
    assert boxes[background] != boxes[match["psd_layer_id"]]
    choose_layer(page, "featuredimage", background, "Background")
    expect(outline).to_have_attribute("data-layer-id", str(background))
    assert_within_one_percent(outline_percentages(page, '[data-testid="design-outline"]'),
                              bbox_percentages(boxes[background], psd["width"], psd["height"]))
    # Back to the cutout for the screenshot: the outline is most telling on a part of the design.
    choose_layer(page, "featuredimage", match["psd_layer_id"], match["psd_layer"])
    assert_within_one_percent(outline_percentages(page, '[data-testid="design-outline"]'),
                              bbox_percentages(boxes[match["psd_layer_id"]], psd["width"], psd["height"]))
    screenshot(page, "review-schematic.png")


def re_class(name: str):
    import re

    return re.compile(rf"(^|\s){re.escape(name)}(\s|$)")
