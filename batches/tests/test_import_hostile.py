"""Hostile CSVs through ``batch_import``: never an exception, and all or nothing.

Property tests (hypothesis, derandomized so every run draws the same examples): arbitrary
bytes; CSV-shaped text with hostile fields (path traversal, absolute paths, symbolic links
leaving the input root, NUL, formula cells, huge fields, right-to-left text and emoji, CR/LF
mixes, quotes); oversize files; hostile upload names. For each example:

- ``batch_import`` returns an ``ImportResult`` and raises nothing;
- either the report is ok and everything was written (one Batch, one Job and one JobLog per
  row, the CSV file stored, each job's paths inside the input root), or nothing at all was
  (Batch, Job and JobLog counts unchanged, no file under ``MEDIA_ROOT``);
- where the example is known to be valid (or known to be hostile) the outcome is that one.

Each example runs in ``transaction.atomic()`` rolled back at its end, and removes the files it
stored, so every example starts from the same empty database and media folder.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from batches.csv_format import JOB_ID_RE, CsvReport
from batches.models import Batch
from batches.services import ImportResult, batch_import
from jobs.models import Job, JobLog

COLUMNS = ("job_id", "psd_path", "aepx_path", "output_name", "client_name", "project_name", "priority", "notes")
REQUIRED = COLUMNS[:4]
MAX_FIELD_BYTES = 2048  # AEA_MAX_FIELD_BYTES in these tests: huge fields stay cheap to generate

FAST = hsettings(
    deadline=None,
    derandomize=True,
    max_examples=120,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
)
FEWER = hsettings(FAST, max_examples=60)


def minimal_psd(version: int = 1, width: int = 4, height: int = 4) -> bytes:
    """A genuine minimal PSD (version 2: PSB): header, empty sections, raw RGB image data."""
    header = b"8BPS" + struct.pack(">H6xHIIHH", version, 3, height, width, 8, 3)
    lengths = struct.pack(">I", 0) * 2 + (struct.pack(">Q", 0) if version == 2 else struct.pack(">I", 0))
    return header + lengths + struct.pack(">H", 0) + bytes(width * height * 3)


MINIMAL_AEPX = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<AfterEffectsProject xmlns="http://www.adobe.com/products/aftereffects" majorVersion="1" minorVersion="0">'
    b"</AfterEffectsProject>\n"
)
MINIMAL_AEP = b"RIFX" + struct.pack(">I", 4) + b"Egg!"


@pytest.fixture
def world(tmp_path, settings):
    """An input root with good files and traps, a folder outside it, and the settings."""
    root = tmp_path / "in"
    outside = tmp_path / "outside"
    (root / "sub").mkdir(parents=True)
    outside.mkdir()
    (root / "design.psd").write_bytes(minimal_psd())
    (root / "large.psb").write_bytes(minimal_psd(version=2))
    (root / "sub" / "nested.psd").write_bytes(minimal_psd())
    (root / "template.aepx").write_bytes(MINIMAL_AEPX)
    (root / "template.aep").write_bytes(MINIMAL_AEP)
    (root / "dir.psd").mkdir()
    (root / "fake.psd").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    (outside / "evil.psd").write_bytes(minimal_psd())
    (outside / "evil.aepx").write_bytes(MINIMAL_AEPX)
    os.symlink(root / "design.psd", root / "link_in.psd")
    os.symlink(outside / "evil.psd", root / "link_out.psd")
    os.symlink(outside / "evil.aepx", root / "link_out.aepx")
    os.symlink(outside, root / "linkdir")
    os.symlink(root / "loop.psd", root / "loop.psd")
    os.symlink(root / "gone.psd", root / "dangling.psd")
    settings.INPUT_ROOTS = [root.resolve()]
    settings.AEA_MAX_FIELD_BYTES = MAX_FIELD_BYTES
    return {"root": root.resolve(), "outside": outside.resolve(), "settings": settings}


def place(value: str, world) -> str:
    return value.replace("{root}", str(world["root"])).replace("{outside}", str(world["outside"]))


def resolved(value: str, world) -> str:
    """Where a CSV path leads: relative to the root, links followed."""
    path = place(value.strip(), world)
    return os.path.realpath(path if os.path.isabs(path) else world["root"] / path)


# --------------------------------------------------------------------------------------------
# Importing one example, and the invariants every import must keep


def _counts() -> tuple[int, int, int]:
    return Batch.objects.count(), Job.objects.count(), JobLog.objects.count()


def _media_files() -> set[Path]:
    media = Path(django_settings.MEDIA_ROOT)
    return {path for path in media.rglob("*") if path.is_file() or path.is_symlink()} if media.exists() else set()


def attempt(data: bytes, world, *, filename: str = "batch.csv", inspect=None) -> ImportResult:
    """Import ``data``, check all-or-nothing, run ``inspect(result)`` on what was written, then
    roll the database back and remove the stored files."""
    before, files_before = _counts(), _media_files()
    try:
        with transaction.atomic():
            result = batch_import(data=data, filename=filename)  # must not raise, whatever the input
            assert isinstance(result, ImportResult) and isinstance(result.report, CsvReport)
            json.dumps(result.report.to_dict(), allow_nan=False)
            after, new_files = _counts(), _media_files() - files_before
            if result.ok:
                _check_everything_written(result, data, world, before, after, new_files)
            else:
                assert result.report.errors and result.report.rows == [] and result.batch is None
                assert all(str(issue) and issue.code for issue in result.report.errors)
                assert after == before, f"an invalid CSV wrote rows: {before} -> {after}"
                assert not new_files, f"an invalid CSV wrote files: {sorted(new_files)}"
            if inspect is not None:
                inspect(result)
            transaction.set_rollback(True)
    finally:
        for path in _media_files() - files_before:
            path.unlink()
    assert _counts() == before
    return result


def _check_everything_written(result, data, world, before, after, new_files) -> None:
    rows = result.report.rows
    assert rows, "ok without a single job"
    assert after == (before[0] + 1, before[1] + len(rows), before[2] + len(rows)), (before, after)
    batch = result.batch
    assert batch.pk and batch.job_count == len(rows) == batch.jobs.count()
    assert sorted(result.job_ids) == sorted(row.job_id for row in rows)
    stored = Path(batch.csv_file.path)
    assert new_files == {stored} and stored.read_bytes() == data
    root = world["root"]
    for job in batch.jobs.all():
        assert JOB_ID_RE.fullmatch(job.job_id)
        assert job.logs.filter(action="imported").count() == 1
        for path in (job.psd_path, job.aepx_path):
            assert Path(os.path.realpath(path)).is_relative_to(root), f"{path!r} is outside the input root"
            assert Path(path).is_file()


# --------------------------------------------------------------------------------------------
# Writing CSVs


def quote(value: str) -> str:
    if any(char in value for char in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def render(header: list[str], rows: list[list[str]], endings: list[str] | None = None, bom: bool = False) -> bytes:
    endings = endings or ["\n"]
    lines = [",".join(quote(v) for v in row) + endings[k % len(endings)] for k, row in enumerate([header, *rows])]
    return (b"\xef\xbb\xbf" if bom else b"") + "".join(lines).encode("utf-8")


def normalised(value: str) -> str:
    """What the importer stores for a field: line breaks as LF, surrounding whitespace removed."""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def start_lines(rows: list[list[str]]) -> list[int]:
    """The line each data row starts on (the header is line 1; quoted line breaks count)."""
    lines, line = [], 2
    for row in rows:
        lines.append(line)
        line += 1 + sum(normalised_breaks(v) for v in row)
    return lines


def normalised_breaks(value: str) -> int:
    return value.replace("\r\n", "\n").replace("\r", "\n").count("\n")


# --------------------------------------------------------------------------------------------
# Strategies

TEXT = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
HOSTILE_TEXT = [
    "=cmd|' /C calc'!A0", "=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
    "\u202eevil\u202c", "مرحبا بالعالم", "🎬🎥🍿" * 20, "e\u0301\u0301\u0301", "\ufeffbom", "a\r\nb\rc\nd",
    'say "hi", then ""leave""', '"', '""', ",", ",,,", "   ", "\\", "%s%n", "<script>alert(1)</script>",
    "'; DROP TABLE batches_batch; --", "../../etc/passwd", "C:\\Windows\\System32", "\u2028\u2029", "\x1b[31mred",
]
free_text = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(TEXT, max_size=120))
GOOD_PSD = ["design.psd", "sub/nested.psd", "large.psb", "link_in.psd", "./design.psd", "sub/../design.psd",
            " design.psd ", "{root}/design.psd", "{root}/sub/../large.psb"]
GOOD_TEMPLATE = ["template.aepx", "template.aep", "{root}/template.aepx", "sub/../template.aep", "./template.aepx"]
GOOD_OUTPUT = ["final.aep", "J1 final.aepx", "Émilie final.AEP", "🎬 promo.aepx", "\u202eevil.aep", "名前.aep",
               "a" * 250 + ".aep", "x.y.z.aepx", "..name.aep"]
#: Paths in the psd_path column the importer must refuse: they leave the root (traversal,
#: absolute, symbolic links), are not files, not Photoshop files, or do not exist.
REFUSED_PSD = [
    "../design.psd", "../outside/evil.psd", "../../../../../../etc/passwd", "/etc/passwd", "/etc/hosts.psd",
    "{outside}/evil.psd", "{root}/../outside/evil.psd", "{root}/linkdir/evil.psd", "link_out.psd", "linkdir/evil.psd",
    "sub/../../outside/evil.psd", "sub/../../in/../outside/evil.psd", "loop.psd", "dangling.psd", "dir.psd",
    "fake.psd", "missing.psd", "template.aepx", "design", "design.png", "..", ".", "/", "{root}", "~/design.psd",
    "%2e%2e/outside/evil.psd", "..\\outside\\evil.psd", "file://{root}/design.psd", "design.psd\u200b", "DESIGN.PSD",
    "large.psd", "design.psd/.", "{outside}/../in/../outside/evil.psd",
]
REFUSED_TEMPLATE = ["../outside/evil.aepx", "{outside}/evil.aepx", "link_out.aepx", "linkdir/evil.aepx",
                    "design.psd", "template.psd", "/dev/null", "{root}/../outside/evil.aepx"]

job_ids = st.from_regex(r"[A-Za-z0-9._-]{1,64}", fullmatch=True).filter(lambda s: s.strip("."))
output_names = st.one_of(
    st.sampled_from(GOOD_OUTPUT),
    st.from_regex(r"[A-Za-z0-9_-][A-Za-z0-9 _.-]{0,40}\.(aep|aepx|AEP|Aepx)", fullmatch=True),
)


@st.composite
def valid_batches(draw, columns=None):
    """A header (any order, any case, optional columns maybe left out) and rows that are all
    valid: the expected jobs are known."""
    optional = [c for c in COLUMNS[4:] if draw(st.booleans())]
    columns = columns or draw(st.permutations(list(REQUIRED) + optional))
    header = [draw(st.sampled_from([c, c.upper(), f" {c} ", c.title()])) for c in columns]
    ids = draw(st.lists(job_ids, min_size=1, max_size=6, unique=True))
    rows = []
    for job_id in ids:
        value = {
            "job_id": job_id,
            "psd_path": draw(st.sampled_from(GOOD_PSD)),
            "aepx_path": draw(st.sampled_from(GOOD_TEMPLATE)),
            "output_name": draw(output_names),
            "client_name": draw(free_text),
            "project_name": draw(free_text),
            "priority": draw(st.sampled_from(["high", "HIGH", "Medium", "low", "", " low "])),
            "notes": draw(st.one_of(free_text, st.text(TEXT, max_size=400))),
        }
        rows.append([value[c] for c in columns])
    endings = draw(st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=1, max_size=3))
    return list(columns), header, rows, endings, draw(st.booleans())


# --------------------------------------------------------------------------------------------
# Properties


@pytest.mark.django_db
@FAST
@given(data=st.binary(max_size=3000))
@example(data=b"")
@example(data=b"\x00" * 10)
@example(data=b"\xff\xfe" + "job_id,psd_path".encode("utf-16-le"))
@example(data=bytes(range(256)) * 4)
def test_arbitrary_bytes_never_raise_and_write_nothing_unless_valid(world, data):
    attempt(data, world)


@pytest.mark.django_db
@FAST
@given(batch=valid_batches())
def test_valid_csvs_with_hostile_free_text_import_every_row_verbatim(world, batch):
    """Formula cells, RTL, emoji, quotes and CR/LF mixes in free-text columns are data: every
    row is imported, and stored exactly (line breaks as LF, surrounding whitespace removed)."""
    columns, header, rows, endings, bom = batch
    data = render(header, rows, endings, bom)
    expected = {row[columns.index("job_id")]: dict(zip(columns, row)) for row in rows}

    def inspect(result):
        assert result.ok, [str(e) for e in result.report.errors]
        for job in result.batch.jobs.all():
            want = expected[job.job_id]
            for column in ("output_name", "client_name", "project_name", "notes"):
                assert getattr(job, column) == (normalised(want[column]) if column in want else ""), column
            assert job.priority == (normalised(want.get("priority", "")).lower() or "medium")
            assert job.psd_path == resolved(want["psd_path"], world)
            assert job.aepx_path == resolved(want["aepx_path"], world)

    attempt(place(data.decode("utf-8"), world).encode("utf-8"), world, inspect=inspect)


@pytest.mark.django_db
@FAST
@given(batch=valid_batches(columns=list(COLUMNS)), data=st.data())
def test_one_hostile_path_refuses_the_whole_batch(world, batch, data):
    """Traversal, absolute paths outside the root, links leaving it, non-files, wrong content:
    refused on that line and column, and no other row is imported either."""
    columns, header, rows, _, _ = batch
    row = data.draw(st.integers(0, len(rows) - 1))
    column = data.draw(st.sampled_from(["psd_path", "aepx_path"]))
    pool = REFUSED_PSD if column == "psd_path" else REFUSED_TEMPLATE
    rows[row][columns.index(column)] = place(data.draw(st.sampled_from(pool)), world)
    csv = place(render(header, rows).decode("utf-8"), world).encode("utf-8")
    result = attempt(csv, world)
    assert not result.ok
    line = start_lines(rows)[row]
    assert any(e.line == line and e.column == column for e in result.report.errors), [
        (e.line, e.column, e.message) for e in result.report.errors]


@pytest.mark.django_db
@FAST
@given(
    parts=st.lists(st.sampled_from(["..", ".", "", "sub", "in", "outside", "linkdir", "link_out.psd", "link_in.psd",
                                    "design.psd", "evil.psd", "nested.psd", "loop.psd"]), min_size=1, max_size=7),
    absolute=st.sampled_from(["", "{root}/", "{outside}/", "/"]),
    separator=st.sampled_from(["/", "/", "\\", "//"]),
)
@example(parts=["..", "outside", "evil.psd"], absolute="", separator="/")
@example(parts=["linkdir", "evil.psd"], absolute="{root}/", separator="/")
@example(parts=["sub", "..", "..", "outside", "evil.psd"], absolute="", separator="/")
def test_paths_that_resolve_outside_the_root_are_refused(world, parts, absolute, separator):
    """Whatever the mix of ``..``, symbolic links and absolute prefixes: a path whose target
    (links followed) is outside the input root is never imported."""
    value = place(absolute, world) + separator.join(parts)
    if not value.strip() or value != value.strip() or "," in value:
        return
    rows = [["P1", value, "template.aepx", "p.aep"]]
    target = Path(resolved(value, world))
    result = attempt(render(list(REQUIRED), rows), world)
    if not target.is_relative_to(world["root"]):
        assert not result.ok
        assert any(e.line == 2 and e.column == "psd_path" for e in result.report.errors)
    elif result.ok:
        assert result.report.rows[0].psd_path == str(target)


@pytest.mark.parametrize("value, code", [
    ("link_out.psd", "symlink_escape"),
    ("linkdir/evil.psd", "symlink_escape"),
    ("{root}/linkdir/evil.psd", "symlink_escape"),
    ("{root}/link_out.psd", "symlink_escape"),
    ("../outside/evil.psd", "path_escape"),
    ("sub/../../outside/evil.psd", "path_escape"),
    ("{root}/../outside/evil.psd", "path_escape"),
    ("{outside}/evil.psd", "outside_roots"),
    ("loop.psd", "unresolvable"),
])
@pytest.mark.django_db
def test_symlinks_and_traversal_escaping_the_root_are_refused_and_nothing_is_written(world, value, code):
    result = attempt(render(list(REQUIRED), [["J1", place(value, world), "template.aepx", "o.aep"]]), world)
    assert not result.ok
    assert [(e.line, e.column, e.code) for e in result.report.errors] == [(2, "psd_path", code)]


@pytest.mark.django_db
def test_a_symlink_staying_inside_the_root_is_followed(world):
    def inspect(result):
        assert result.ok and result.batch.jobs.get().psd_path == str(world["root"] / "design.psd")

    attempt(render(list(REQUIRED), [["J1", "link_in.psd", "template.aepx", "o.aep"]]), world, inspect=inspect)


@pytest.mark.django_db
@FEWER
@given(batch=valid_batches(columns=list(COLUMNS)), data=st.data())
def test_a_nul_anywhere_refuses_the_file(world, batch, data):
    columns, header, rows, _, _ = batch
    row = data.draw(st.integers(0, len(rows) - 1))
    column = data.draw(st.integers(0, len(columns) - 1))
    rows[row][column] = data.draw(st.sampled_from(["\x00", "design.psd\x00.png", "a\x00b", "\x00" * 100]))
    result = attempt(place(render(header, rows).decode("utf-8"), world).encode("utf-8"), world)
    assert [e.code for e in result.report.errors] == ["nul_byte"]


@pytest.mark.django_db
@FEWER
@given(size=st.integers(MAX_FIELD_BYTES - 8, MAX_FIELD_BYTES + 8), column=st.sampled_from(["notes", "job_id", "psd_path"]),
       char=st.sampled_from(["x", "é", "🎬"]))
def test_huge_fields_are_refused_at_the_limit(world, size, column, char):
    """A field over AEA_MAX_FIELD_BYTES (UTF-8 bytes) is refused on its line and column; a
    notes field at the limit is imported."""
    value = char * (size // len(char.encode()))
    row = {"job_id": "J1", "psd_path": "design.psd", "aepx_path": "template.aepx", "output_name": "o.aep",
           "client_name": "", "project_name": "", "priority": "", "notes": "n"}
    row[column] = value
    result = attempt(render(list(COLUMNS), [[row[c] for c in COLUMNS]]), world)
    if len(value.encode()) > MAX_FIELD_BYTES:
        assert (2, column, "field_too_large") in [(e.line, e.column, e.code) for e in result.report.errors]
    elif column == "notes":
        assert result.ok


@pytest.mark.django_db
@FEWER
@given(batch=valid_batches(), delta=st.integers(-3, 3), pad=st.integers(0, 3000))
def test_a_csv_over_aea_csv_max_bytes_is_refused_with_a_clear_error(world, batch, delta, pad):
    columns, header, rows, endings, bom = batch
    data = place((render(header, rows, endings, bom) + b"\n" * pad).decode("utf-8"), world).encode("utf-8")
    world["settings"].AEA_CSV_MAX_BYTES = len(data) + delta
    result = attempt(data, world)
    if delta < 0:
        assert [(e.line, e.column, e.code) for e in result.report.errors] == [(None, None, "csv_too_large")]
        message = result.report.errors[0].message
        limit = len(data) + delta
        assert "the limit is" in message, message
        assert (f"the limit is {limit} bytes" if limit < 1024 else f"the limit is {limit / 1024:.1f} KB") in message, message
    else:
        assert result.ok, [str(e) for e in result.report.errors]


@pytest.mark.django_db
@FEWER
@given(junk=st.binary(min_size=1, max_size=2000))
def test_oversize_is_checked_before_anything_else(world, junk):
    """Whatever is in it (NUL, UTF-16, invalid UTF-8), a file over the limit is refused for
    its size alone."""
    world["settings"].AEA_CSV_MAX_BYTES = len(junk) - 1
    result = attempt(junk, world)
    assert [e.code for e in result.report.errors] == ["csv_too_large"]


CSV_CELLS = st.one_of(
    st.sampled_from(GOOD_PSD + GOOD_TEMPLATE + GOOD_OUTPUT + REFUSED_PSD + REFUSED_TEMPLATE + HOSTILE_TEXT),
    st.sampled_from(list(COLUMNS) + ["", "JOB_ID", "unknown", "high"]),
    job_ids,
    st.text(TEXT, max_size=60),
    st.text(st.sampled_from(',"\r\n x\u202e🎬'), max_size=30),
)


@st.composite
def csv_shaped(draw):
    """Anything CSV-looking: shuffled, repeated, missing or unknown columns, ragged rows,
    cells quoted, raw or with a lone quote, mixed line endings, a BOM, blank lines."""
    header = draw(st.lists(st.sampled_from(list(COLUMNS) + ["JOB_ID", " notes ", "", "extra", "psd_path;aepx_path"]),
                           min_size=1, max_size=10))
    if draw(st.booleans()):
        header = list(COLUMNS)
    rows = draw(st.lists(st.lists(CSV_CELLS, min_size=0, max_size=len(header) + 1), max_size=6))
    out = []
    for row in [header, *rows]:
        cells = []
        for value in row:
            style = draw(st.sampled_from(["quoted", "quoted", "raw", "lone-quote"]))
            cells.append(quote(value) if style == "quoted" else ('"' + value if style == "lone-quote" else value))
        out.append(",".join(cells) + draw(st.sampled_from(["\n", "\r\n", "\r", "\n\n", ""])))
    text = "".join(out)
    return (draw(st.sampled_from([b"", b"\xef\xbb\xbf"])) + text.encode("utf-8")), text


@pytest.mark.django_db
@FAST
@given(doc=csv_shaped())
def test_csv_shaped_garbage_never_raises_and_is_all_or_nothing(world, doc):
    data, _ = doc
    attempt(place(data.decode("utf-8", "surrogateescape"), world).encode("utf-8", "surrogateescape"), world)


@pytest.mark.django_db
@FEWER
@given(filename=st.text(TEXT, max_size=300))
@example(filename="x" * 250 + ".csv")
@example(filename="é" * 200 + ".csv")
@example(filename="../../etc/passwd")
@example(filename="")
@example(filename="..")
def test_any_upload_name_imports_or_refuses_but_never_raises(world, filename):
    """The upload's name is user input too (the API passes ``csv_file.name``)."""
    data = render(list(REQUIRED), [["J1", "design.psd", "template.aepx", "o.aep"]])

    def inspect(result):
        if result.ok:
            assert result.batch.name == (Path(filename).name[:255] or "batch.csv")
            assert Path(result.batch.csv_file.path).is_relative_to(Path(django_settings.MEDIA_ROOT).resolve())

    attempt(data, world, filename=filename, inspect=inspect)
