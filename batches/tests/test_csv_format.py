"""Stage 0 validation core: every problem of a batch CSV, with its line and column."""

from __future__ import annotations

import csv
import io
import json
import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batches.csv_format import CsvIssue, CsvLimits, CsvReport, JobRow, parse_batch_csv
from batches.csv_format import inspection as csv_format  # where read_head is looked up (monkeypatched)
from jobs.tests.formats.test_sniff import MINIMAL_AEPX, PNG_BYTES, aep_bytes, psd_bytes

HEADER = "job_id,psd_path,aepx_path,output_name"
FULL_HEADER = "job_id,psd_path,aepx_path,output_name,client_name,project_name,priority,notes"


# --------------------------------------------------------------------------------------------
# Helpers


def make_root(base: Path) -> Path:
    """An input root holding real files, and beside it an ``outside`` folder."""
    root = base / "in"
    (root / "sub").mkdir(parents=True)
    (root / "design.psd").write_bytes(psd_bytes())
    (root / "large.psb").write_bytes(psd_bytes(version=2))
    (root / "template.aepx").write_bytes(MINIMAL_AEPX)
    (root / "binary.aep").write_bytes(aep_bytes())
    (root / "sub" / "nested.psd").write_bytes(psd_bytes())
    outside = base / "outside"
    outside.mkdir()
    (outside / "secret.psd").write_bytes(psd_bytes())
    return root


@pytest.fixture
def root(tmp_path) -> Path:
    return make_root(tmp_path)


def parse(text: str | bytes, root: Path | list[Path], **kwargs) -> CsvReport:
    data = text.encode("utf-8") if isinstance(text, str) else text
    roots = root if isinstance(root, list) else [root]
    return parse_batch_csv(data, input_roots=roots, **kwargs)


def lines(*rows: str, header: str = HEADER) -> str:
    return "".join(line + "\n" for line in (header, *rows))


def row(job_id="J1", psd="design.psd", tpl="template.aepx", out=None) -> str:
    return f"{job_id},{psd},{tpl},{out or job_id + '_final.aep'}"


def where(issues: list[CsvIssue]) -> list[tuple]:
    """``(line, column, code)`` of each issue, in report order."""
    return [(i.line, i.column, i.code) for i in issues]


def only_error(report: CsvReport) -> CsvIssue:
    assert report.rows == [] and not report.ok
    assert len(report.errors) == 1, report.errors
    return report.errors[0]


# --------------------------------------------------------------------------------------------
# A valid file


def test_valid_file_gives_rows_with_resolved_paths_and_kinds(root):
    report = parse(
        lines(
            "J1,design.psd,template.aepx,j1_final.aep,Acme,Spring,HIGH,first",
            "J2,large.psb,binary.aep,j2.AEPX,,,,",
            f"J3,{root / 'sub' / 'nested.psd'},sub/../template.aepx,j3.aep,  Acme  ,,low,"
            '"two\nlines, ""quoted"""',  # a quoted field over two lines, with quotes inside
            header=FULL_HEADER,
        ),
        root,
    )
    assert report.ok and report.errors == [] and report.warnings == []
    assert report.row_count == 3
    real = root.resolve()
    assert report.rows == [
        JobRow(2, "J1", str(real / "design.psd"), str(real / "template.aepx"), "psd", "aepx", "j1_final.aep",
               "Acme", "Spring", "high", "first"),
        JobRow(3, "J2", str(real / "large.psb"), str(real / "binary.aep"), "psb", "aep", "j2.AEPX",
               "", "", "medium", ""),
        JobRow(4, "J3", str(real / "sub" / "nested.psd"), str(real / "template.aepx"), "psd", "aepx", "j3.aep",
               "Acme", "", "low", 'two\nlines, "quoted"'),
    ]


def test_bom_crlf_and_case_insensitive_header_are_accepted(root):
    text = "\ufeffJob_ID , PSD_PATH,aepx_path,Output_Name\r\n" + row() + "\r\n"
    report = parse(text, root)
    assert report.ok and [r.job_id for r in report.rows] == ["J1"]


def test_report_to_dict_is_json(root):
    report = parse(
        lines(row() + ",red", row("J2") + ",blue", "J3,absent.psd,template.aepx,x.aep,", header=HEADER + ",colour"),
        root,
    )
    data = json.loads(json.dumps(report.to_dict()))
    assert data["ok"] is False and data["row_count"] == 3 and data["job_count"] == 0
    assert data["errors"] == [
        {"line": 4, "column": "psd_path", "message": data["errors"][0]["message"], "code": "missing",
         "severity": "error"}
    ]
    assert data["warnings"][0] == {
        "line": 1, "column": "colour", "message": "unknown column 'colour' is ignored", "code": "unknown_column",
        "severity": "warning",
    }
    assert str(report.errors[0]) == "line 4, column psd_path: 'absent.psd': not found in the input root"
    assert str(root) not in data["errors"][0]["message"]  # the server's folders are not the uploader's business


# --------------------------------------------------------------------------------------------
# The file as a whole


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\r\n  \n"])
def test_empty_file(root, data):
    issue = only_error(parse(data, root))
    assert (issue.line, issue.column, issue.code) == (None, None, "empty_file")


def test_header_only(root):
    issue = only_error(parse(lines(), root))
    assert (issue.line, issue.column, issue.code) == (None, None, "no_rows")


def test_not_utf8_names_the_line_and_byte_offset(root):
    data = lines(row(), row("J2")).encode() + b"J3,caf\xe9.psd,template.aepx,o.aep\n"
    issue = only_error(parse(data, root))
    offset = data.index(b"\xe9")
    assert (issue.line, issue.column, issue.code) == (4, None, "not_utf8")
    assert f"byte offset {offset}" in issue.message and "0xE9" in issue.message


def test_utf16_is_refused(root):
    issue = only_error(parse(lines(row()).encode("utf-16"), root))
    assert (issue.line, issue.code) == (1, "not_utf8") and "UTF-16" in issue.message


def test_nul_bytes(root):
    data = lines(row()).encode() + b"J2,des\x00ign.psd,template.aepx,o.aep\n"
    issue = only_error(parse(data, root))
    assert (issue.line, issue.column, issue.code) == (3, None, "nul_byte")
    assert f"byte offset {data.index(0)}" in issue.message


def test_random_binary(root):
    report = parse(os.urandom(4096), root)
    assert not report.ok and report.rows == []
    assert report.errors[0].code in {"nul_byte", "not_utf8"}


def test_csv_over_the_size_limit_is_not_read(root):
    data = lines(row()).encode()
    issue = only_error(parse(data, root, limits=CsvLimits(max_csv_bytes=len(data) - 1)))
    assert (issue.line, issue.column, issue.code) == (None, None, "csv_too_large")


@pytest.mark.parametrize(("sep", "name"), [(";", "semicolon"), ("\t", "tab")])
def test_semicolon_or_tab_separated_file_is_refused(root, sep, name):
    text = lines(row(), header=FULL_HEADER).replace(",", sep)
    issue = only_error(parse(text, root))
    assert (issue.line, issue.column, issue.code) == (1, None, "wrong_separator")
    assert issue.message == f"the file looks {name}-separated; export it as comma-separated CSV"


def test_quoted_semicolon_header_is_recognised_too(root):
    text = '"job_id";"psd_path";"aepx_path";"output_name"\nJ1;design.psd;template.aepx;o.aep\n'
    assert only_error(parse(text, root)).code == "wrong_separator"


def test_a_semicolon_inside_a_comma_file_is_just_text(root):
    report = parse(lines(row() + ",a; b", header=HEADER + ",notes"), root)
    assert report.ok and report.rows[0].notes == "a; b"


def test_row_limit_stops_reading_and_is_the_only_error(root):
    calls = []
    text = lines(
        row("J1"), row("J2"), row("J3"),
        row("J4"),  # line 5: over the limit of 3
        row("J5", psd="absent.psd"),
        'J6,"never closed',
    )
    report = parse(
        text,
        root,
        limits=CsvLimits(max_rows=3),
        existing_job_ids=lambda ids: calls.append(ids) or set(),
        progress=lambda done, total: calls.append((done, total)),
    )
    issue = only_error(report)
    assert (issue.line, issue.column, issue.code) == (5, None, "too_many_rows")
    assert "more than 3 jobs" in issue.message
    assert calls == []  # no row was validated, nothing was asked of the database


def test_row_limit_counts_jobs_not_lines(root):
    text = lines(row("J1"), "", row("J2"), 'J3,design.psd,template.aepx,"multi\nline.aep"')
    report = parse(text, root, limits=CsvLimits(max_rows=3))
    assert [i.code for i in report.errors] == ["invalid_output_name"]  # not too_many_rows


# --------------------------------------------------------------------------------------------
# Header


def test_missing_required_columns_each_named_and_rows_still_checked(root):
    text = "job_id,psd_path,priority\nJ1,absent.psd,high\nJ2,design.psd,urgent\n"
    report = parse(text, root)
    assert where(report.errors) == [
        (1, "aepx_path", "missing_column"),
        (1, "output_name", "missing_column"),
        (2, "psd_path", "missing"),
        (3, "priority", "invalid_priority"),
    ]
    assert report.rows == []


def test_duplicate_header_column(root):
    report = parse(lines(row() + ",x", header=HEADER + ",JOB_ID"), root)
    assert where(report.errors) == [(1, "job_id", "duplicate_column")]
    assert "columns 1 and 5" in report.errors[0].message


def test_unknown_and_unnamed_columns_are_warnings(root):
    report = parse(lines(row() + ",blue,", header=HEADER + ",Colour,"), root)
    assert report.ok and len(report.rows) == 1
    assert where(report.warnings) == [(1, "Colour", "unknown_column"), (1, "#6", "unnamed_column")]


# --------------------------------------------------------------------------------------------
# Records and line numbers


def test_line_numbers_count_physical_lines_of_multiline_fields(root):
    text = lines(
        'J1,design.psd,template.aepx,j1.aep,"a\nb\nc"',  # lines 2-4
        "J2,design.psd,template.aepx,j2.aep",  # line 5: no notes field
        "",  # line 6, blank
        'J3,design.psd,template.aepx,j3.aep,"x\r\ny"',  # lines 7-8 (CRLF inside a field)
        "J4,design.psd,template.aepx,bad,",  # line 9
        header=HEADER + ",notes",
    )
    report = parse(text, root)
    assert where(report.errors) == [
        (5, "notes", "missing_fields"),
        (9, "output_name", "invalid_output_name"),
    ]


def test_cr_only_line_endings(root):
    text = HEADER + "\r" + row("J1") + "\r" + "J2,absent.psd,template.aepx,o.aep\r"
    assert where(parse(text, root).errors) == [(3, "psd_path", "missing")]


def test_row_with_extra_fields(root):
    report = parse(lines(row(), row("J2") + ",surplus,more"), root)
    assert where(report.errors) == [(3, "#5", "extra_fields")]
    assert "6 fields but the header has 4 columns" in report.errors[0].message


def test_row_with_too_few_fields_names_the_first_missing_column(root):
    report = parse(lines("J1,design.psd", row("J2")), root)
    assert where(report.errors) == [(2, "aepx_path", "missing_fields")]


def test_field_over_the_size_limit_counts_utf8_bytes(root):
    limits = CsvLimits(max_field_bytes=100)
    ok = parse(lines(row() + "," + "é" * 50, header=HEADER + ",notes"), root, limits=limits)
    assert ok.ok  # 100 bytes
    report = parse(lines(row() + "," + "é" * 50 + "x", header=HEADER + ",notes"), root, limits=limits)
    assert where(report.errors) == [(2, "notes", "field_too_large")]
    assert "101 bytes" in report.errors[0].message


def test_field_over_the_default_limit_in_an_unknown_column(root):
    big = "x" * (64 * 1024 + 1)
    report = parse(lines(row() + "," + big, header=HEADER + ",extra"), root)
    assert where(report.errors) == [(2, "extra", "field_too_large")]


def test_unclosed_quote_reports_where_it_starts_and_keeps_earlier_errors(root):
    text = lines(row("J1", psd="absent.psd"), row("J2"), 'J3,design.psd,template.aepx,"o.aep', row("J4"))
    report = parse(text, root)
    assert where(report.errors) == [(2, "psd_path", "missing"), (4, "output_name", "unclosed_quote")]


def test_text_after_a_closing_quote(root):
    report = parse(lines('J1,"design".psd,template.aepx,o.aep'), root)
    assert where(report.errors) == [(2, "psd_path", "bad_quoting")]


def test_blank_lines_are_skipped_and_empty_rows_warned(root):
    report = parse(lines("", row("J1"), ",,,", "   ", row("J2")), root)
    assert report.ok and [r.line for r in report.rows] == [3, 6]
    assert where(report.warnings) == [(4, None, "empty_row")]
    assert report.row_count == 2


# --------------------------------------------------------------------------------------------
# job_id


@pytest.mark.parametrize(
    "job_id",
    ["with space", "x" * 65, "caf\u00e9", "a/b", "..", ".", "a,b"],
)
def test_invalid_job_id(root, job_id):
    text = lines(f'"{job_id}",design.psd,template.aepx,o.aep')
    assert where(parse(text, root).errors) == [(2, "job_id", "invalid_job_id")]


def test_longest_and_odd_but_valid_job_ids(root):
    ids = ["x" * 64, "a.b_c-D9", "-", "_", ".a"]
    report = parse(lines(*(row(i, out=f"o{n}.aep") for n, i in enumerate(ids))), root)
    assert report.ok and [r.job_id for r in report.rows] == ids


def test_duplicate_job_ids_name_both_lines(root):
    report = parse(lines(row("J1"), row("J2"), row("J1", out="a.aep"), row("J1", out="b.aep")), root)
    assert where(report.errors) == [(4, "job_id", "duplicate_job_id"), (5, "job_id", "duplicate_job_id")]
    assert "also on line 2" in report.errors[0].message and "'J1'" in report.errors[0].message


def test_job_ids_are_case_sensitive(root):
    assert parse(lines(row("ab"), row("AB")), root).ok


def test_job_id_already_in_the_database_asked_once(root):
    asked: list[set[str]] = []

    def existing(ids: set[str]) -> set[str]:
        asked.append(set(ids))
        return {"J2", "unrelated"}

    report = parse(lines(row("J1"), row("J2"), row("bad id"), row("J3")), root, existing_job_ids=existing)
    assert asked == [{"J1", "J2", "J3"}]
    assert where(report.errors) == [(3, "job_id", "job_id_exists"), (4, "job_id", "invalid_job_id")]
    assert "'J2'" in report.errors[0].message


def test_existing_job_ids_not_called_without_ids(root):
    asked = []
    parse(lines("bad id,design.psd,template.aepx,o.aep"), root, existing_job_ids=asked.append)
    assert asked == []


# --------------------------------------------------------------------------------------------
# Required values, priority, free text


@pytest.mark.parametrize("column", ["job_id", "psd_path", "aepx_path", "output_name"])
def test_empty_required_field(root, column):
    values = {"job_id": "J1", "psd_path": "design.psd", "aepx_path": "template.aepx", "output_name": "o.aep"}
    values[column] = "  "
    report = parse(lines(",".join(values.values())), root)
    assert where(report.errors) == [(2, column, "required")]


@pytest.mark.parametrize(("given", "stored"), [("high", "high"), ("HIGH", "high"), (" Low ", "low"),
                                                ("Medium", "medium"), ("", "medium")])
def test_priority_is_case_insensitive_and_defaults_to_medium(root, given, stored):
    report = parse(lines(row() + f",{given}", header=HEADER + ",priority"), root)
    assert report.rows[0].priority == stored


@pytest.mark.parametrize("value", ["urgent", "1", "hi"])
def test_unknown_priority(root, value):
    report = parse(lines(row() + f",{value}", header=HEADER + ",priority"), root)
    assert where(report.errors) == [(2, "priority", "invalid_priority")]
    assert f"'{value}'" in report.errors[0].message


def test_client_and_project_names_fit_the_database(root):
    report = parse(lines(row() + "," + "c" * 256 + "," + "p" * 255, header=HEADER + ",client_name,project_name"), root)
    assert where(report.errors) == [(2, "client_name", "too_long")]


# --------------------------------------------------------------------------------------------
# output_name


@pytest.mark.parametrize(
    "name",
    ["final", "final.mov", "final.aep.txt", "out/final.aep", "..\\final.aep", "/abs/final.aep", ".aep", " .aep",
     "a:b.aep", "a*b.aep", "a?b.aep", "a|b.aep", "a<b.aep", "tab\there.aep", "x" * 252 + ".aep"],
)
def test_invalid_output_name(root, name):
    text = lines('J1,design.psd,template.aepx,"' + name.replace('"', '""') + '"')
    assert where(parse(text, root).errors) == [(2, "output_name", "invalid_output_name")]


@pytest.mark.parametrize("name", ["test001_final.aep", "Final.AEPX", "x" * 251 + ".aep", "ünïcode é.aep", "a.b.aep"])
def test_valid_output_name(root, name):
    report = parse(lines(row(out=name)), root)
    assert report.ok and report.rows[0].output_name == name


def test_duplicate_output_name_is_a_warning_ignoring_case(root):
    report = parse(lines(row("J1", out="same.aep"), row("J2", out="other.aep"), row("J3", out="SAME.aep")), root)
    assert report.ok and len(report.rows) == 3
    assert where(report.warnings) == [(4, "output_name", "duplicate_output_name")]
    assert "line 2" in report.warnings[0].message


# --------------------------------------------------------------------------------------------
# Paths


def test_dot_dot_escaping_the_root(root):
    report = parse(lines(row(psd="../outside/secret.psd"), row("J2", psd="sub/../../outside/secret.psd")), root)
    assert where(report.errors) == [(2, "psd_path", "path_escape"), (3, "psd_path", "path_escape")]


def test_dot_dot_within_the_root_is_fine(root):
    report = parse(lines(row(psd="sub/../design.psd")), root)
    assert report.ok and report.rows[0].psd_path == str(root.resolve() / "design.psd")


def test_absolute_paths(root, tmp_path):
    inside = root / "design.psd"
    report = parse(
        lines(
            row("J1", psd=str(inside)),
            row("J2", psd=str(tmp_path / "outside" / "secret.psd")),
            row("J3", psd="/etc/passwd.psd"),
            row("J4", psd=str(root) + "/../outside/secret.psd"),
        ),
        root,
    )
    assert where(report.errors) == [
        (3, "psd_path", "outside_roots"),
        (4, "psd_path", "outside_roots"),
        (5, "psd_path", "path_escape"),
    ]
    assert "outside the input roots" in report.errors[0].message


def test_symlinks_escaping_the_root(root, tmp_path):
    secret = tmp_path / "outside" / "secret.psd"
    os.symlink(secret, root / "link.psd")
    os.symlink(tmp_path / "outside", root / "linkdir")
    os.symlink(tmp_path / "outside" / "gone.psd", root / "dangling-out.psd")
    report = parse(
        lines(
            row("J1", psd="link.psd"),
            row("J2", psd="linkdir/secret.psd"),
            row("J3", psd=str(root / "link.psd")),
            row("J4", psd="dangling-out.psd"),
        ),
        root,
    )
    assert where(report.errors) == [(line, "psd_path", "symlink_escape") for line in (2, 3, 4, 5)]
    assert all(str(tmp_path / "outside") not in e.message for e in report.errors)  # the target is not revealed


def test_symlinks_within_the_roots_are_followed(root, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "shared.psd").write_bytes(psd_bytes())
    os.symlink(root / "design.psd", root / "alias.psd")
    os.symlink(other / "shared.psd", root / "to-other.psd")
    report = parse(lines(row("J1", psd="alias.psd"), row("J2", psd="to-other.psd")), [root, other])
    assert report.ok
    assert [r.psd_path for r in report.rows] == [
        str(root.resolve() / "design.psd"),
        str(other.resolve() / "shared.psd"),
    ]


def test_root_given_through_a_symlink(root, tmp_path):
    os.symlink(root, tmp_path / "root-link")
    linked = tmp_path / "root-link"
    report = parse(lines(row(psd=str(linked / "design.psd"))), linked)
    assert report.ok and report.rows[0].psd_path == str(root.resolve() / "design.psd")


def test_roots_are_tried_in_order(root, tmp_path):
    second = tmp_path / "second"
    second.mkdir()
    (second / "only-here.psd").write_bytes(psd_bytes())
    (second / "design.psd").write_bytes(psd_bytes(width=9))
    report = parse(lines(row("J1", psd="only-here.psd"), row("J2", psd="design.psd")), [root, second])
    assert [r.psd_path for r in report.rows] == [str(second.resolve() / "only-here.psd"),
                                                 str(root.resolve() / "design.psd")]


def test_missing_file(root, tmp_path):
    os.symlink(root / "gone.psd", root / "dangling-in.psd")
    report = parse(lines(row("J1", psd="absent.psd"), row("J2", psd="dangling-in.psd"),
                         row("J3", psd="sub\\nested.psd")), root)
    assert where(report.errors) == [(2, "psd_path", "missing"), (3, "psd_path", "missing"), (4, "psd_path", "missing")]
    assert str(root) not in report.errors[0].message and "input root" in report.errors[0].message
    assert "use / between folders" in report.errors[2].message


def test_missing_absolute_path_inside_a_root(root):
    report = parse(lines(row(psd=str(root / "absent.psd"))), root)
    assert where(report.errors) == [(2, "psd_path", "missing")]
    assert report.errors[0].message.endswith("absent.psd': not found")


def test_first_line_that_is_not_a_header(root):
    report = parse(lines(row("J2"), header=row("J1")), root)
    assert [(i.line, i.column, i.code) for i in report.errors] == [
        (1, name, "missing_column") for name in ("job_id", "psd_path", "aepx_path", "output_name")
    ]
    assert "line 1 must be the header" in report.errors[0].message
    assert [w.code for w in report.warnings] == ["unknown_column"] * 4


def test_messages_escape_control_characters(root):
    report = parse(lines('J1,"design\n.psd",template.aepx,o.aep'), root)
    assert where(report.errors) == [(2, "psd_path", "missing")]
    assert "'design\\n.psd'" in report.errors[0].message and "\n" not in report.errors[0].message


def test_directory_instead_of_a_file(root):
    (root / "folder.psd").mkdir()
    (root / "folder.aepx").mkdir()
    report = parse(lines(row(psd="folder.psd", tpl="folder.aepx")), root)
    assert where(report.errors) == [(2, "psd_path", "is_directory"), (2, "aepx_path", "is_directory")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_instead_of_a_file(root):
    os.mkfifo(root / "pipe.psd")
    assert where(parse(lines(row(psd="pipe.psd")), root).errors) == [(2, "psd_path", "not_a_file")]


def test_file_over_the_size_limit(root):
    (root / "big.psd").write_bytes(psd_bytes(width=40, height=40))
    size = (root / "big.psd").stat().st_size
    assert size > 2 * (root / "template.aepx").stat().st_size
    report = parse(lines(row(psd="big.psd")), root, limits=CsvLimits(max_file_bytes=size - 1))
    assert where(report.errors) == [(2, "psd_path", "file_too_large")]
    assert "the limit is" in report.errors[0].message
    assert parse(lines(row(psd="big.psd")), root, limits=CsvLimits(max_file_bytes=size)).ok


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(root):
    (root / "locked.psd").write_bytes(psd_bytes())
    (root / "locked.psd").chmod(0)
    assert where(parse(lines(row(psd="locked.psd")), root).errors) == [(2, "psd_path", "unreadable")]


def test_png_renamed_psd_is_not_a_photoshop_file(root):
    (root / "fake.psd").write_bytes(PNG_BYTES)
    report = parse(lines(row(psd="fake.psd")), root)
    assert where(report.errors) == [(2, "psd_path", "wrong_content")]
    assert report.errors[0].message == "'fake.psd' is not a Photoshop file: its content is a PNG image"


def test_photoshop_file_as_template(root):
    (root / "really-a-psd.aepx").write_bytes(psd_bytes())
    report = parse(lines(row("J1", tpl="really-a-psd.aepx"), row("J2", tpl="design.psd")), root)
    assert where(report.errors) == [(2, "aepx_path", "wrong_content"), (3, "aepx_path", "bad_extension")]
    assert "is not an After Effects template: its content is a Photoshop document (PSD)" in report.errors[0].message
    assert report.errors[1].message == "'design.psd' must end with .aep or .aepx"


@pytest.mark.parametrize("name", ["design.png", "design", "design.psd.bak", "template.xml"])
def test_path_extension_is_checked(root, name):
    report = parse(lines(row(psd=name)), root)
    assert where(report.errors) == [(2, "psd_path", "bad_extension")]


def test_extension_must_agree_with_the_content(root):
    (root / "big.psd").write_bytes(psd_bytes(version=2))
    (root / "xml.aep").write_bytes(MINIMAL_AEPX)
    (root / "UPPER.PSD").write_bytes(psd_bytes())
    report = parse(lines(row("J1", psd="big.psd"), row("J2", tpl="xml.aep"), row("J3", psd="UPPER.PSD")), root)
    assert where(report.errors) == [(2, "psd_path", "extension_mismatch"), (3, "aepx_path", "extension_mismatch")]
    assert "give it the .psb extension" in report.errors[0].message


def test_each_distinct_path_is_sniffed_once(root, monkeypatch):
    reads: list[Path] = []
    real = csv_format.read_head
    monkeypatch.setattr(csv_format, "read_head", lambda path: reads.append(path) or real(path))
    text = lines(*(row(f"J{i}", psd=("design.psd", "large.psb", "sub/../design.psd")[i % 3]) for i in range(300)))
    report = parse(text, root)
    assert report.ok and len(report.rows) == 300
    assert sorted(p.name for p in reads) == ["design.psd", "large.psb", "template.aepx"]


# --------------------------------------------------------------------------------------------
# Reporting


def test_all_errors_are_reported_in_line_order(root):
    (root / "fake.psd").write_bytes(PNG_BYTES)
    text = lines(
        "J1,design.psd,template.aepx,ok.aep,urgent",
        "bad id,fake.psd,template.aepx,o.aep,",
        "J1,../x.psd,design.psd,no-extension,low",
        "J4,design.psd,template.aepx",
        "J5,design.psd,template.aepx,o5.aep,high,extra",
        header=HEADER + ",priority",
    )
    report = parse(text, root, existing_job_ids=lambda ids: {"J5"})
    assert where(report.errors) == [
        (2, "priority", "invalid_priority"),
        (3, "job_id", "invalid_job_id"),
        (3, "psd_path", "wrong_content"),
        (4, "job_id", "duplicate_job_id"),
        (4, "psd_path", "path_escape"),
        (4, "aepx_path", "bad_extension"),
        (4, "output_name", "invalid_output_name"),
        (5, "output_name", "missing_fields"),
        (6, "#6", "extra_fields"),
    ]


def test_issue_lists_are_capped(root):
    text = lines(*(row(f"J{i}", psd="absent.psd", tpl="absent.aepx") for i in range(10)))
    report = parse(text, root, limits=CsvLimits(max_issues=5))
    assert len(report.errors) == 6
    assert report.errors[-1].code == "too_many_issues" and "15 more error(s)" in report.errors[-1].message


def test_progress_is_reported_every_500_rows(root):
    calls = []
    parse(lines(*(row(f"J{i}") for i in range(1200))), root, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 1200), (500, 1200), (1000, 1200), (1200, 1200)]


def test_input_roots_are_required():
    with pytest.raises(ValueError):
        parse_batch_csv(b"", input_roots=[])


def test_no_django_import():
    import subprocess
    import sys

    code = (
        "import sys, batches.csv_format\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'PIL')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"


def test_ten_thousand_rows_over_two_files_validate_quickly(root):
    text = lines(
        *(f"JOB{i:05d},design.psd,template.aepx,out{i}.aep,Client {i % 7},\"Project, {i}\",high,\"n \"\"{i}\"\"\""
          for i in range(10_000)),
        header=FULL_HEADER,
    )
    start = time.perf_counter()
    report = parse(text, root, existing_job_ids=lambda ids: set())
    elapsed = time.perf_counter() - start
    assert report.ok and len(report.rows) == 10_000
    assert elapsed < 2.0, f"{elapsed:.2f} s"  # typically ~0.2 s; the budget is < 1 s


# --------------------------------------------------------------------------------------------
# Properties


@pytest.fixture(scope="module")
def shared_root(tmp_path_factory) -> Path:
    return make_root(tmp_path_factory.mktemp("prop"))


PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(data=st.binary(max_size=2048))
def test_arbitrary_bytes_always_give_a_report(shared_root, data):
    report = parse_batch_csv(data, input_roots=[shared_root])
    assert isinstance(report, CsvReport)
    assert report.ok == (report.errors == [])
    if not report.ok:
        assert report.rows == []
    json.dumps(report.to_dict())


csv_text = st.lists(
    st.sampled_from(list(',"\n\r ;\tJ1.psdaex/é') + ["design.psd", "template.aepx", "o.aep", "..", "\nJ2,"]),
    max_size=120,
).map("".join)


@PROPERTY_SETTINGS
@given(body=csv_text)
def test_arbitrary_csv_like_text_always_gives_a_consistent_report(shared_root, body):
    report = parse_batch_csv((FULL_HEADER + "\n" + body).encode(), input_roots=[shared_root])
    assert report.ok == (report.errors == [])
    if report.ok:
        assert report.rows and len(report.rows) == report.row_count
    else:
        assert report.rows == []
    for issue in report.errors + report.warnings:
        assert issue.line is None or issue.line >= 1
        assert issue.severity in ("error", "warning")


free_text = st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00\r"), max_size=40)
valid_row = st.fixed_dictionaries(
    {
        "psd": st.sampled_from(["design.psd", "large.psb", "sub/nested.psd", "./design.psd"]),
        "tpl": st.sampled_from(["template.aepx", "binary.aep"]),
        "stem": st.from_regex(r"[A-Za-z0-9 _().-]{1,30}", fullmatch=True).filter(lambda s: s.strip(" .")),
        "ext": st.sampled_from([".aep", ".aepx", ".AEP"]),
        "client": free_text,
        "project": free_text,
        "priority": st.sampled_from(["high", "Medium", "LOW", ""]),
        "notes": free_text,
    }
)


@PROPERTY_SETTINGS
@given(
    rows=st.lists(valid_row, min_size=1, max_size=15),
    ids=st.lists(st.from_regex(r"[A-Za-z0-9._-]{1,64}", fullmatch=True).filter(lambda s: s.strip(".")),
                 min_size=15, max_size=15, unique=True),
    newline=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
)
def test_valid_rows_round_trip(shared_root, rows, ids, newline, bom):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(FULL_HEADER.split(","))
    for n, (job_id, r) in enumerate(zip(ids, rows)):
        name = f"{r['stem']}{n}{r['ext']}"
        writer.writerow([job_id, r["psd"], r["tpl"], name, r["client"], r["project"], r["priority"], r["notes"]])
    data = ("\ufeff" if bom else "").encode() + buffer.getvalue().encode()

    report = parse_batch_csv(data, input_roots=[shared_root])
    assert report.ok, report.errors
    real = shared_root.resolve()
    expected, line = [], 2
    for n, (job_id, r) in enumerate(zip(ids, rows)):
        name = f"{r['stem']}{n}{r['ext']}".strip()
        kinds = {".psb": "psb"}.get(Path(r["psd"]).suffix, "psd"), Path(r["tpl"]).suffix[1:]
        expected.append(JobRow(line, job_id, str((real / r["psd"]).resolve()), str(real / r["tpl"]), *kinds,
                               name, r["client"].strip(), r["project"].strip(),
                               r["priority"].lower() or "medium", r["notes"].strip()))
        line += 1 + sum(field.count("\n") for field in (r["client"], r["project"], r["notes"]))
    assert report.rows == expected
