"""Stage 0 through the `import_batch` command: all or nothing, every error with line and column."""

import io
import os
import struct
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from batches.models import Batch
from jobs.models import Job, JobLog, Stage, Status

HEADER = "job_id,psd_path,aepx_path,output_name,client_name,project_name,priority,notes\n"


def minimal_psd(width=4, height=4) -> bytes:
    """A genuine minimal PSD: header, empty sections, raw RGB image data."""
    header = b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, height, width, 8, 3)
    sections = struct.pack(">III", 0, 0, 0)
    return header + sections + struct.pack(">H", 0) + bytes(width * height * 3)


MINIMAL_AEPX = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<AfterEffectsProject xmlns="http://www.adobe.com/products/aftereffects" majorVersion="1" minorVersion="0">'
    b"</AfterEffectsProject>\n"
)


@pytest.fixture
def root(tmp_path, settings):
    root = tmp_path / "in"
    root.mkdir()
    (root / "design.psd").write_bytes(minimal_psd())
    (root / "template.aepx").write_bytes(MINIMAL_AEPX)
    settings.INPUT_ROOTS = [root.resolve()]
    return root


def run(csv_path, user="producer", *extra):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_batch", str(csv_path), "--user", user, *extra, stdout=out, stderr=err)
        code = 0
    except CommandError as exc:
        code = exc.returncode
        err.write(str(exc))
    return code, out.getvalue(), err.getvalue()


def write_csv(tmp_path, text: str | bytes, name="batch.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def rows(*lines):
    return HEADER + "".join(line + "\n" for line in lines)


def good_row(job_id="J1", psd="design.psd", tpl="template.aepx", priority="high"):
    return f"{job_id},{psd},{tpl},{job_id}_final.aep,Acme,Spring,{priority},note"


def nothing_written():
    return Batch.objects.count() == 0 and Job.objects.count() == 0 and JobLog.objects.count() == 0


@pytest.mark.django_db
def test_valid_csv_creates_one_batch_and_its_jobs_then_refuses_duplicates(tmp_path, root, producer):
    csv_path = write_csv(tmp_path, rows(good_row("J1"), good_row("J2", priority="")))
    code, out, err = run(csv_path)
    assert code == 0, err
    assert "Imported batch" in out
    batch = Batch.objects.get()
    assert batch.uploaded_by == producer and batch.job_count == 2
    assert Path(batch.csv_file.path).read_bytes() == csv_path.read_bytes()
    jobs = {job.job_id: job for job in Job.objects.all()}
    assert jobs["J1"].priority == "high" and jobs["J2"].priority == "medium"
    assert jobs["J1"].psd_path == str((root / "design.psd").resolve())
    assert all((j.stage, j.status) == (Stage.VALIDATE, Status.PENDING) for j in jobs.values())
    assert JobLog.objects.filter(action="imported", user=producer).count() == 2

    code, out, err = run(csv_path)
    assert code == 1
    assert "J1" in err and "already" in err.lower()
    assert Batch.objects.count() == 1 and Job.objects.count() == 2


@pytest.mark.django_db
def test_start_queues_every_job(tmp_path, root, producer, django_capture_on_commit_callbacks):
    csv_path = write_csv(tmp_path, rows(good_row("J1"), good_row("J2")))
    with django_capture_on_commit_callbacks() as callbacks:
        code, out, err = run(csv_path, "producer", "--start")
    assert code == 0, err
    assert "Queued 2 job(s)" in out
    assert set(Job.objects.values_list("stage", "status")) == {(Stage.INGEST, Status.QUEUED)}
    assert len(callbacks) == 2


@pytest.mark.django_db
def test_dry_run_writes_nothing(tmp_path, root, producer):
    code, out, _ = run(write_csv(tmp_path, rows(good_row())), "producer", "--dry-run")
    assert code == 0 and "Dry run" in out
    assert nothing_written()


@pytest.mark.django_db
def test_usage_errors_exit_2(tmp_path, root, producer):
    assert run(write_csv(tmp_path, rows(good_row())), "nobody")[0] == 2
    assert run(tmp_path / "absent.csv")[0] == 2
    assert nothing_written()


def escape_symlink(tmp_path, root):
    outside = tmp_path / "outside.psd"
    outside.write_bytes(minimal_psd())
    os.symlink(outside, root / "link.psd")
    return "link.psd"


def png_as_psd(tmp_path, root):
    from PIL import Image

    Image.new("RGB", (4, 4)).save(root / "fake.psd", format="PNG")
    return "fake.psd"


# Each case: the CSV text (or a callable making files and returning the psd path), and what the
# error must name: the line and the column (None where the problem has no line).
INVALID = {
    "empty file": (b"", None, None),
    "header only": (HEADER, None, None),
    "missing required column": ("job_id,psd_path,output_name\nJ1,design.psd,o.aep\n", 1, "aepx_path"),
    "unknown priority": (rows(good_row(priority="urgent")), 2, "priority"),
    "duplicate job ids in the file": (rows(good_row("J1"), good_row("J1")), 3, "job_id"),
    "dot-dot path": (rows(good_row(psd="../outside.psd")), 2, "psd_path"),
    "absolute path outside the roots": (rows(good_row(psd="/etc/passwd")), 2, "psd_path"),
    "missing file": (rows(good_row(psd="absent.psd")), 2, "psd_path"),
    "not utf-8": (HEADER.encode() + b"J1,design.psd,template.aepx,o.aep,Caf\xe9,,,\n", 2, None),
    "random binary": (bytes(range(256)) * 8, None, None),
    "extra fields": (rows(good_row() + ",surplus"), 2, None),
    "field over the size limit": (rows(good_row().replace("note", "n" * (64 * 1024 + 1))), 2, "notes"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_csv_exits_1_names_line_and_column_and_writes_nothing(case, tmp_path, root, producer):
    text, line, column = INVALID[case]
    code, out, err = run(write_csv(tmp_path, text))
    assert code == 1, (out, err)
    if line is not None:
        assert f"\n{line:>4}" in "\n" + err or f" {line} " in err, err
    if column is not None:
        assert column in err
    assert nothing_written()


@pytest.mark.django_db
@pytest.mark.parametrize("make", [escape_symlink, png_as_psd])
def test_escaping_symlink_and_renamed_png_are_refused(make, tmp_path, root, producer):
    psd = make(tmp_path, root)
    code, _, err = run(write_csv(tmp_path, rows(good_row(psd=psd))))
    assert code == 1 and "psd_path" in err
    assert nothing_written()


@pytest.mark.django_db
def test_job_id_already_in_the_database(tmp_path, root, producer, make_job):
    make_job(job_id="J1")
    jobs_before = Job.objects.count()
    code, _, err = run(write_csv(tmp_path, rows(good_row("J1"))))
    assert code == 1 and "job_id" in err
    assert Job.objects.count() == jobs_before and Batch.objects.count() == 1  # make_job's own batch only


@pytest.mark.django_db
def test_row_limit(tmp_path, root, producer, settings):
    settings.AEA_MAX_ROWS = 3
    code, _, err = run(write_csv(tmp_path, rows(*(good_row(f"J{i}") for i in range(5)))))
    assert code == 1 and "3" in err
    assert nothing_written()


@pytest.mark.django_db
@pytest.mark.parametrize("sep", [";", "\t"])
def test_semicolon_or_tab_separated_is_refused_with_a_message_saying_so(sep, tmp_path, root, producer):
    text = rows(good_row()).replace(",", sep)
    code, _, err = run(write_csv(tmp_path, text))
    assert code == 1
    assert ("semicolon" if sep == ";" else "tab") in err.lower()
    assert nothing_written()


@pytest.mark.django_db
def test_import_queries_do_not_grow_with_rows(tmp_path, root, producer, django_assert_max_num_queries):
    from batches.services import batch_import

    small = rows(*(good_row(f"S{i}") for i in range(2))).encode()
    large = rows(*(good_row(f"L{i}") for i in range(25))).encode()
    huge = rows(*(good_row(f"H{i}") for i in range(1000))).encode()
    # Queries are per import, not per row: 2 and 25 rows cost the same.
    with django_assert_max_num_queries(8) as small_ctx:
        assert batch_import(data=small, filename="small.csv", user=producer).ok
    with django_assert_max_num_queries(8) as large_ctx:
        assert batch_import(data=large, filename="large.csv", user=producer).ok
    assert len(large_ctx.captured_queries) == len(small_ctx.captured_queries)
    # A thousand rows: jobs and audit rows go in one statement each; only the duplicate-id check
    # is chunked (900 ids per query, below SQLite's parameter limit).
    with django_assert_max_num_queries(len(small_ctx.captured_queries) + 1):
        assert batch_import(data=huge, filename="huge.csv", user=producer).ok
