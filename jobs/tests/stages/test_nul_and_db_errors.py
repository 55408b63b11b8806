"""Files holding NUL characters ingest, and a database error is never shown to a user.

On PostgreSQL a NUL character in a jsonb or text value is refused (``DataError: unsupported
Unicode escape sequence LINE 1: ...``): the readers strip them, and a database error a stage
runs into fails its job with a plain sentence while the exception goes to the log. These run
on SQLite and on PostgreSQL (``DATABASE_URL=postgres://…``); the ``pg`` ones only there.
"""

import json
import logging
import shutil

import pytest
from django.db import DataError
from PIL import Image

from jobs.demo import HEIGHT, WIDTH
from jobs.formats.aepx_writer import CompSpec, FootageLayerSpec, TextLayerSpec, write_template
from jobs.formats.psd_writer import GroupSpec, PixelLayerSpec, TypeLayerSpec, write_psd
from jobs.models import Job, JobLog, JobWarning, ParsedFile, Stage, Status
from jobs.runner import run_stage_work
from jobs.stages import ingest
from jobs.stages.base import Outcome

from ..demo_jobs import import_and_start  # noqa: F401  (the demo fixtures come from conftest)

SQL_ERROR = 'unsupported Unicode escape sequence\nLINE 1: SELECT "jobs_job"."id" FROM "jobs_job" WHERE ...'
LEAKS = ("LINE 1", "SELECT", "unsupported Unicode", "jobs_job", "\\u0000")


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def assert_no_nul(value) -> None:
    assert [s for s in _strings(value) if "\x00" in s] == []


def assert_plain(text: str) -> None:
    assert text.startswith("Stage 1 could not be saved: the database refused the data (DataError).")
    assert not [leak for leak in LEAKS if leak in text], text


@pytest.fixture
def nul_inputs(settings, tmp_path, demo_inputs):
    """An input root with a PSD whose layer names, texts and font hold NUL, the demo template,
    and an .aep template whose composition, layer and footage names hold NUL."""
    root = tmp_path / "inputs"
    folder = root / "nul"
    folder.mkdir(parents=True)
    write_psd(folder / "nul.psd", width=WIDTH, height=HEIGHT, background=(0, 0, 0), layers=[
        GroupSpec("Ti\x00tles", children=[
            TypeLayerSpec("JORDAN\x00 AVERY", font="Futura\x00-Bold", size=72, color=(255, 255, 255), left=80, top=1180),
            TypeLayerSpec("THUNDER vs\x00 ROCKETS", font="Futura-Medium", size=40, left=80, top=1290,
                          name="match\x00up"),
        ]),
        PixelLayerSpec("Team\x00 Logo", Image.new("RGBA", (260, 260), (255, 255, 255, 255)), left=880, top=60),
        PixelLayerSpec("Background", Image.new("RGB", (WIDTH, HEIGHT), (20, 20, 60))),
    ])
    shutil.copy(demo_inputs.template, folder / "gameday-card.aepx")
    write_template(folder / "nul-card.aep", compositions=[CompSpec(name="Game\x00day", width=WIDTH, height=HEIGHT, layers=[
        TextLayerSpec(name="player\x00name", text="PLAYER\x00 NAME", font="Futura\x00-Bold", font_size=72),
        FootageLayerSpec(name="team\x00logo", path="/Volumes/T/lo\x00go.png", width=260, height=260),
    ])])
    settings.INPUT_ROOTS = [root.resolve()]
    return folder


def import_rows(user, rows, django_capture_on_commit_callbacks):
    from batches.services import batch_import, batch_start

    lines = ["job_id,psd_path,aepx_path,output_name,client_name,project_name,priority,notes"]
    lines += [f"{job_id},nul/{psd},nul/{template},{job_id.lower()}.aep,,,high," for job_id, psd, template in rows]
    result = batch_import(data=("\n".join(lines) + "\n").encode(), filename="nul.csv", user=user)
    assert result.ok, result.report.errors
    with django_capture_on_commit_callbacks(execute=True):
        batch_start(batch=result.batch, user=user)


# --------------------------------------------------------------------------------------------
# NUL characters from files


@pytest.mark.django_db
def test_a_psd_and_templates_with_nul_characters_ingest_and_reach_stage_2(
    nul_inputs, producer, django_capture_on_commit_callbacks
):
    import_rows(producer, [("NUL-1", "nul.psd", "gameday-card.aepx"), ("NUL-2", "nul.psd", "nul-card.aep")],
                django_capture_on_commit_callbacks)
    jobs = {job.job_id: job for job in Job.objects.all()}
    for job in jobs.values():
        assert (job.stage, job.status, job.last_error) == (Stage.REVIEW_MATCHING, Status.AWAITING_REVIEW, "")
        assert_no_nul([job.psd_description, job.template_description, job.matches])
        assert list(JobLog.objects.filter(job=job).values_list("action", flat=True)) == [
            "imported", "start", "claim", "ingested"]
        assert_no_nul(list(JobWarning.objects.filter(job=job).values_list("message", "details")))

    names = {layer["name"]: layer for layer in jobs["NUL-1"].psd_description["layers"]}
    assert set(names) == {"Titles", "JORDAN AVERY", "matchup", "Team Logo", "Background"}
    assert names["JORDAN AVERY"]["text"] == "JORDAN AVERY" and names["JORDAN AVERY"]["font"] == "Futura-Bold"
    assert names["matchup"]["path"] == "Titles/matchup"
    chosen = {m["placeholder"]: m["psd_layer"] for m in jobs["NUL-1"].matches}
    assert chosen["player1fullname"] == "JORDAN AVERY" and chosen["teamlogo"] == "Team Logo"

    template = jobs["NUL-2"].template_description
    assert [c["name"] for c in template["compositions"]] == ["Gameday"]
    assert [layer["name"] for layer in template["compositions"][0]["layers"]] == ["playername", "teamlogo"]
    assert template["footage"][0]["path"] == "/Volumes/T/logo.png" and template["fonts"] == ["Futura-Bold"]

    # The parsed-file cache holds the clean descriptions, read back as they were stored.
    assert ParsedFile.objects.filter(reader="psd").count() == 1
    for entry in ParsedFile.objects.all():
        assert_no_nul(entry.description)
        assert "\\u0000" not in json.dumps(entry.description)


# --------------------------------------------------------------------------------------------
# Database errors


@pytest.fixture
def queued_job(make_job):
    return make_job(stage=Stage.INGEST, status=Status.QUEUED, job_id="DB-1")


def assert_failed_plainly(job: Job, caplog) -> None:
    job.refresh_from_db()
    assert (job.stage, job.status) == (Stage.INGEST, Status.FAILED)
    assert_plain(job.last_error)
    fail = JobLog.objects.get(job=job, action="fail")
    assert fail.message == job.last_error
    assert not [leak for leak in LEAKS if leak in json.dumps(fail.details)]
    warning = JobWarning.objects.get(job=job, code="stage_failed")
    assert warning.message == job.last_error and warning.severity == JobWarning.Severity.ERROR
    # The full exception, SQL and all, is in the log.
    logged = [r for r in caplog.records if r.name == "jobs.runner" and r.levelno == logging.ERROR]
    assert logged and logged[-1].exc_info is not None
    assert isinstance(logged[-1].exc_info[1], DataError)


@pytest.mark.django_db
def test_a_database_error_in_stage_work_is_shown_as_a_plain_sentence(queued_job, monkeypatch, caplog):
    def refused(job):
        raise DataError(SQL_ERROR)

    monkeypatch.setattr(ingest, "ingest_job", refused)
    with caplog.at_level(logging.ERROR, logger="jobs.runner"):
        assert run_stage_work(job_pk=queued_job.pk, stage=Stage.INGEST) == "failed"
    assert_failed_plainly(queued_job, caplog)
    assert "LINE 1: SELECT" in caplog.text


@pytest.mark.django_db
def test_a_database_error_storing_stage_results_is_shown_as_a_plain_sentence(queued_job, monkeypatch, caplog):
    def store(job):
        raise DataError(SQL_ERROR)

    monkeypatch.setattr(ingest, "ingest_job", lambda job: Outcome(action="ingested", store=store, message="Read."))
    with caplog.at_level(logging.ERROR, logger="jobs.runner"):
        assert run_stage_work(job_pk=queued_job.pk, stage=Stage.INGEST) == "failed"
    assert_failed_plainly(queued_job, caplog)
    assert not JobLog.objects.filter(job=queued_job, action="ingested").exists()  # rolled back with the move


@pytest.mark.pg
@pytest.mark.django_db
def test_postgresql_refusing_a_nul_in_stage_results_is_shown_as_a_plain_sentence(queued_job, monkeypatch, caplog):
    """The real refusal: PostgreSQL's jsonb takes no NUL (the readers never produce one now)."""
    monkeypatch.setattr(ingest, "ingest_job", lambda job: Outcome(
        action="ingested", fields={"psd_description": {"layers": [{"name": "Na\x00me"}]}}, message="Read."))
    with caplog.at_level(logging.ERROR, logger="jobs.runner"):
        assert run_stage_work(job_pk=queued_job.pk, stage=Stage.INGEST) == "failed"
    assert_failed_plainly(queued_job, caplog)
    assert "unsupported Unicode escape sequence" in caplog.text
    queued_job.refresh_from_db()
    assert queued_job.psd_description in (None, {})


@pytest.mark.django_db
def test_a_nul_quoted_in_a_failure_reason_does_not_stop_the_job_failing(queued_job, monkeypatch):
    from jobs.stages.base import StageWorkError

    def bad(job):
        raise StageWorkError("layer 'Na\x00me' cannot be read")

    monkeypatch.setattr(ingest, "ingest_job", bad)
    assert run_stage_work(job_pk=queued_job.pk, stage=Stage.INGEST) == "failed"
    queued_job.refresh_from_db()
    assert queued_job.status == Status.FAILED and queued_job.last_error == "layer 'Name' cannot be read"
