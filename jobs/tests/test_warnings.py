"""Warnings that matter: nothing about what the job replaces, severities from one table, repeats
grouped, and the warnings of redone stages cleared by the move that sends the job back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template.loader import render_to_string

from batches.services import batch_import, batch_start
from jobs.demo import batch_csv, write_template_file
from jobs.models import Job, JobLog, JobWarning, Stage, Status
from jobs.selectors import job_detail_queryset, job_warning_groups
from jobs.services import (
    MatchChange,
    job_approve_matching,
    job_approve_preview,
    job_retry,
    job_send_back,
    job_update_matching,
)
from jobs.transitions import CLEARED, MOVES, job_transition
from jobs.warning_codes import CODES, ERROR, INFO, WARNING, markdown_table, severity_of

from .demo_jobs import ROWS, import_and_start

REPO = Path(__file__).resolve().parents[2]
PLACEHOLDER_FOOTAGE = ("logo-placeholder.png", "player-placeholder.png")


def open_warnings(job, stage=None):
    rows = JobWarning.objects.filter(job=job, resolved_at__isnull=True)
    return rows.filter(stage=stage) if stage is not None else rows


def match_key(job, placeholder):
    m = next(m for m in job.matches if m["placeholder"] == placeholder)
    return (m["composition"], m["layer_index"]), m["psd_layer_id"]


@pytest.fixture
def ingested(input_root, producer, django_capture_on_commit_callbacks):
    import_and_start(producer, ROWS[:1], django_capture_on_commit_callbacks)
    return Job.objects.get()


@pytest.fixture
def at_stage_3(ingested, reviewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job_approve_matching(job=ingested, user=reviewer, approve_anyway=True)
    job = Job.objects.get(pk=ingested.pk)
    assert (job.stage, job.status) == (Stage.APPROVE_PREVIEW, Status.AWAITING_APPROVAL), job.last_error
    return job


# --------------------------------------------------------------------------------------------
# 1. Nothing about a template layer the job replaces


@pytest.mark.django_db
def test_the_demo_job_reports_nothing_about_the_placeholders_it_replaces(ingested):
    job = ingested
    replaced = {m["placeholder"] for m in job.matches if m["psd_layer_id"] is not None}
    assert replaced == {"player1fullname", "matchup", "gametime", "teamlogo", "featuredimage"}
    stage1 = list(JobWarning.objects.filter(job=job, stage=Stage.INGEST))
    for warning in stage1:
        for name in (*replaced, *PLACEHOLDER_FOOTAGE):
            assert name not in warning.message, warning.message
    # What is left is information: the hidden leftover layer the job does not use.
    assert [(w.code, w.severity) for w in stage1] == [("psd_layer_hidden", INFO)]
    assert "old cutout" in stage1[0].message


@pytest.mark.django_db
def test_the_demo_job_has_no_warning_or_error_up_to_its_deploy(at_stage_3, approver, django_capture_on_commit_callbacks):
    job = at_stage_3
    assert not open_warnings(job).exclude(severity=INFO).exists(), list(open_warnings(job).values("code", "severity"))
    # The preview drew the texts with a substitute font: information, the render keeps the template's.
    assert set(open_warnings(job, Stage.APPROVE_PREVIEW).values_list("code", "severity")) == {("font_fallback", INFO)}
    with django_capture_on_commit_callbacks(execute=True):
        job_approve_preview(job=job, user=approver)
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.DEPLOY, Status.COMPLETED), job.validation
    # Stage 4's footage rule says nothing about the placeholders' own footage either.
    assert not [f for f in job.validation["findings"] if f["rule"] == "footage-missing"], job.validation["findings"]


@pytest.mark.django_db
def test_a_placeholder_the_matching_stops_replacing_gets_its_footage_reported_and_dropped_again(ingested, reviewer):
    key, layer_id = match_key(ingested, "teamlogo")
    job_update_matching(job=ingested, user=reviewer, changes={key: MatchChange(None)})
    found = {w.code: w for w in open_warnings(ingested, Stage.INGEST)}
    assert found["footage_missing"].severity == WARNING
    assert "logo-placeholder.png" in found["footage_missing"].message
    assert "player-placeholder.png" not in found["footage_missing"].message  # still replaced
    assert found["placeholder_unfilled"].severity == WARNING and "teamlogo" in found["placeholder_unfilled"].message

    job = Job.objects.get(pk=ingested.pk)
    job_update_matching(job=job, user=reviewer, changes={key: MatchChange(layer_id)})
    codes = set(open_warnings(job, Stage.INGEST).values_list("code", flat=True))
    assert codes == {"psd_layer_hidden"}


@pytest.mark.django_db
def test_fonts_are_checked_where_the_render_uses_them(input_root, producer, settings, django_capture_on_commit_callbacks):
    settings.AEA_FONTS = ["Futura-Medium"]
    import_and_start(producer, ROWS[:1], django_capture_on_commit_callbacks)
    job = Job.objects.get()
    fonts = open_warnings(job, Stage.INGEST).filter(code="font_not_available")
    assert [(w.severity, w.details["font"]) for w in fonts] == [(WARNING, "Futura-Bold")]
    assert "player1fullname" in fonts[0].message


# --------------------------------------------------------------------------------------------
# 3. A move that sends the job back clears the warnings of the stages it redoes


def test_every_move_that_sends_a_job_back_redoes_its_target():
    redo = {name for name, move in MOVES.items() if move.redo}
    assert redo == {"send_back_preview", "send_back_to_matching", "send_back_to_preview", "retry", "resubmit"}
    for name, move in MOVES.items():
        for source in move.sources:
            if move.target(source)[0] < source[0]:
                assert move.redo, name


@pytest.mark.django_db
def test_send_back_from_stage_3_clears_its_warnings_for_the_record(
    at_stage_3, approver, reviewer, django_capture_on_commit_callbacks
):
    job = at_stage_3
    stage3 = set(open_warnings(job, Stage.APPROVE_PREVIEW).values_list("pk", flat=True))
    stage1 = set(open_warnings(job, Stage.INGEST).values_list("pk", flat=True))
    assert stage3 and stage1
    job_send_back(job=job, user=approver, reason="wrong photo")
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW)

    cleared = JobWarning.objects.filter(pk__in=stage3)
    assert all(w.resolved_at and w.resolved_by == approver and w.resolution == f"{CLEARED}2" for w in cleared)
    assert cleared.first().resolution == "cleared: job sent back to stage 2"
    assert set(open_warnings(job, Stage.INGEST).values_list("pk", flat=True)) == stage1  # Stage 1 is not redone
    log = JobLog.objects.get(job=job, action="send_back_preview")
    assert log.details["warnings_cleared"] == len(stage3)

    # What the pages and the API read shows the open warnings only.
    shown = job_detail_queryset().get(pk=job.pk)
    assert {w.pk for w in shown.warnings.all()} == stage1
    assert [g.stage for g in job_warning_groups(shown)] == [Stage.INGEST]
    assert {w.pk for w in job_detail_queryset(include_resolved_warnings=True).get(pk=job.pk).warnings.all()} >= stage3
    assert {g.stage for g in job_warning_groups(job, include_resolved=True)} == {Stage.INGEST, Stage.APPROVE_PREVIEW}

    # Stage 3's work, run again, stores what still applies; the cleared rows stay as they were.
    with django_capture_on_commit_callbacks(execute=True):
        job_approve_matching(job=job, user=reviewer, approve_anyway=True)
    job.refresh_from_db()
    again = open_warnings(job, Stage.APPROVE_PREVIEW)
    assert again.count() == len(stage3) and not set(again.values_list("pk", flat=True)) & stage3
    assert JobWarning.objects.filter(pk__in=stage3, resolved_at__isnull=False).count() == len(stage3)


@pytest.mark.django_db
def test_send_back_from_stage_4_does_not_count_as_a_sign_off(
    input_root, producer, reviewer, approver, deployer, django_capture_on_commit_callbacks
):
    write_template_file(input_root / "demo" / "gameday-card-caps.aepx", all_caps=True)
    csv = batch_csv([("CAPS-1", "gameday-avery.psd", "", "", "high")], folder="demo")
    result = batch_import(data=csv.replace("gameday-card.aepx", "gameday-card-caps.aepx").encode(),
                          filename="caps.csv", user=producer)
    with django_capture_on_commit_callbacks(execute=True):
        batch_start(batch=result.batch, user=producer)
    job = Job.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        job_approve_matching(job=job, user=reviewer, approve_anyway=True)
    with django_capture_on_commit_callbacks(execute=True):
        job_approve_preview(job=job, user=approver)
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.DEPLOY, Status.NEEDS_ATTENTION), job.validation
    caps = list(open_warnings(job, Stage.DEPLOY).filter(code="all-caps-text"))
    assert caps and all(w.severity == WARNING for w in caps)

    with django_capture_on_commit_callbacks(execute=True):
        job_send_back(job=job, user=deployer, reason="try the other style", to_stage=Stage.APPROVE_PREVIEW)
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.APPROVE_PREVIEW, Status.AWAITING_APPROVAL), job.last_error
    assert JobWarning.objects.get(pk=caps[0].pk).resolution == "cleared: job sent back to stage 3"
    assert not open_warnings(job, Stage.DEPLOY).exists()

    with django_capture_on_commit_callbacks(execute=True):
        job_approve_preview(job=job, user=approver)
    job.refresh_from_db()
    # The finding still applies: stored open again, and the job waits for a sign-off again.
    assert (job.stage, job.status) == (Stage.DEPLOY, Status.NEEDS_ATTENTION), job.validation
    assert open_warnings(job, Stage.DEPLOY).filter(code="all-caps-text").count() == len(caps)


@pytest.mark.django_db
def test_a_retry_clears_the_failure_it_retries(input_root, producer, deployer, django_capture_on_commit_callbacks):
    broken = input_root / "demo" / "broken.psd"
    good = (input_root / "demo" / "gameday-avery.psd").read_bytes()
    broken.write_bytes(good[: len(good) // 3])
    try:
        import_and_start(producer, [("BAD-1", "broken.psd", "", "", "high")], django_capture_on_commit_callbacks)
        job = Job.objects.get()
        first = JobWarning.objects.get(job=job, code="stage_failed")
        assert (first.stage, first.severity, first.resolved_at) == (Stage.INGEST, ERROR, None)
        with django_capture_on_commit_callbacks(execute=True):
            job_retry(job=job, user=deployer)
    finally:
        broken.unlink()
    first.refresh_from_db()
    assert first.resolved_by == deployer and first.resolution == "cleared: job sent back to stage 1"
    assert open_warnings(job).filter(code="stage_failed").count() == 1  # the retry's own failure


# --------------------------------------------------------------------------------------------
# 2. Repeats grouped by code with a count, errors first


@pytest.mark.django_db
def test_warning_groups_count_repeats_and_put_errors_first(make_job, django_assert_num_queries):
    job = make_job(stage=Stage.APPROVE_PREVIEW, status=Status.AWAITING_APPROVAL)
    rows = [
        (Stage.INGEST, INFO, "psd_layer_hidden", "PSD layer a is hidden and fills no placeholder."),
        (Stage.APPROVE_PREVIEW, INFO, "font_fallback", "title: drawn with a fallback font"),
        (Stage.APPROVE_PREVIEW, WARNING, "text_overflow", "title: the text runs beyond its box"),
        (Stage.APPROVE_PREVIEW, INFO, "font_fallback", "name: drawn with a fallback font"),
        (Stage.APPROVE_PREVIEW, ERROR, "missing_image", "photo: no image was exported"),
        (Stage.APPROVE_PREVIEW, INFO, "text_overflow", "credit: the text runs beyond its box"),
        (Stage.APPROVE_PREVIEW, INFO, "font_fallback", "date: drawn with a fallback font"),
        (Stage.INGEST, WARNING, "footage_missing", "Template footage bg.png is missing here"),
    ]
    for stage, severity, code, message in rows:
        JobWarning.objects.create(job=job, stage=stage, severity=severity, code=code, message=message)
    JobWarning.objects.create(job=job, stage=Stage.APPROVE_PREVIEW, severity=ERROR, code="image_missing",
                              message="gone", resolved_at=job.created_at, resolution="cleared: job sent back to stage 2")

    shown = job_detail_queryset().get(pk=job.pk)
    with django_assert_num_queries(0):  # the page's prefetch is enough
        groups = job_warning_groups(shown)
    assert [(g.severity, g.stage, g.code, g.count) for g in groups] == [
        (ERROR, Stage.APPROVE_PREVIEW, "missing_image", 1),
        (WARNING, Stage.INGEST, "footage_missing", 1),
        (WARNING, Stage.APPROVE_PREVIEW, "text_overflow", 1),
        (INFO, Stage.INGEST, "psd_layer_hidden", 1),
        (INFO, Stage.APPROVE_PREVIEW, "font_fallback", 3),
        (INFO, Stage.APPROVE_PREVIEW, "text_overflow", 1),
    ]
    fallback = groups[4]
    assert fallback.message == "title: drawn with a fallback font"
    assert fallback.messages == ["title: drawn with a fallback font", "name: drawn with a fallback font",
                                 "date: drawn with a fallback font"]
    assert "substitute font" in fallback.meaning and "`" not in fallback.meaning
    assert [g.code for g in job_warning_groups(job, stage=Stage.INGEST)] == ["footage_missing", "psd_layer_hidden"]
    assert [g.code for g in job_warning_groups(job, min_severity=WARNING)] == [
        "missing_image", "footage_missing", "text_overflow"]
    assert "image_missing" in {g.code for g in job_warning_groups(job, include_resolved=True)}

    html = render_to_string("review/_warnings.html", {"warning_groups": groups})
    assert html.count('data-code="') == 6
    assert re.search(r'data-code="font_fallback" data-severity="info" data-count="3"', html)
    assert "×3" in html and html.count("×") == 1
    assert html.count("<details>") == 6 and "name: drawn with a fallback font" in html
    assert html.index("missing_image") < html.index("footage_missing") < html.index("psd_layer_hidden")
    assert 'class="wg-badge wg-error">error<' in html
    assert "No warnings." in render_to_string("review/_warnings.html", {"warning_groups": []})


# --------------------------------------------------------------------------------------------
# 4. One table of codes and severities: the code, the docs and what the stages emit agree


def test_docs_list_every_code_with_its_severities_and_meaning():
    text = (REPO / "docs" / "warnings.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- codes:start -->\n(.*?)\n<!-- codes:end -->", text, re.S)
    assert block, "docs/warnings.md lost its table markers"
    assert block.group(1).strip() == markdown_table(), "regenerate the table: python -m jobs.warning_codes"
    listed = set(re.findall(r"^\| `([^`]+)` \|", block.group(1), re.M))
    assert listed == set(CODES)


# Where each code is emitted: (files, pattern of the code's literal).
EMITTERS = [
    ("jobs/stages/checks.py", r'warn\(\s*"([a-z_-]+)"'),
    ("jobs/formats/preview/*.py", r'(?:warn|_not_derivable)\(\s*(?:layer,\s*)?"([a-z_]+)"'),
    ("jobs/formats/preview/*.py", r'PreviewWarning\(\s*"([a-z_]+)"'),
    ("jobs/formats/render_plan/*.py", r'(?:PlanNote|note)\(\s*"([a-z_]+)"'),
    ("jobs/formats/template_rules/registry.py", r'Rule\("([a-z-]+)"'),
    ("jobs/runner.py", r'code="([a-z_]+)"'),
    ("jobs/stages/deploy.py", r'code="([a-z_]+)"'),
    ("jobs/stages/motion.py", r'^FAILED = "([a-z_]+)"'),
]


def emitted_codes() -> set[str]:
    found = set()
    for pattern, literal in EMITTERS:
        for path in REPO.glob(pattern):
            found |= set(re.findall(literal, path.read_text(encoding="utf-8"), re.M))
    return found


def test_every_code_the_stages_emit_is_in_the_table_and_nothing_else():
    emitted = emitted_codes()
    assert {"footage_missing", "font_fallback", "placement_not_derivable", "footage-missing", "stage_failed",
            "render_failed"} <= emitted  # the patterns still find the emitters
    assert emitted - set(CODES) == set(), "add these codes to jobs/warning_codes.py"
    assert set(CODES) - emitted == set(), "these codes are no longer emitted"


def test_the_table_decides_single_severities_and_checks_graded_ones():
    assert severity_of("font_fallback", WARNING) == INFO  # one severity: the table's
    assert severity_of("text_overflow", INFO) == INFO  # graded: the finder's case is kept
    assert severity_of("text_overflow", ERROR) == WARNING  # …when it is one of the code's
    assert severity_of("upscale", ERROR) == ERROR and severity_of("upscale", WARNING) == WARNING
    assert severity_of("not-a-code", INFO) == INFO
    for entry in CODES.values():
        assert entry.severity == entry.cases[0][0] and entry.meaning()


@pytest.mark.django_db
def test_a_sign_off_does_not_survive_a_send_back(make_job, deployer):
    """A Stage 4 sign-off was given for the findings of what is no longer there once the job
    goes back to redo its preview or matching (a retry of the deploy itself keeps it)."""
    signed = {"signed_off": {"by": "deployer", "reason": "caps are the brand"}, "target": "folder"}
    for action in ("send_back_to_preview", "send_back_to_matching"):
        job = make_job(stage=Stage.DEPLOY, status=Status.NEEDS_ATTENTION, deploy=signed)
        job = job_transition(job=job, action=action, user=deployer, reason="other style")
        assert job.deploy == {"target": "folder"}, action
