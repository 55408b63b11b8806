"""``manage.py match_layers --psd P --template T [--json] [--threshold X]`` on description
JSON: the interchange JSON, the readable table, the threshold, and one-line errors."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

PSD = {
    "source": "test-photoshop-doc.psd", "width": 1200, "height": 1500,
    "layers": [
        {"id": 6, "name": "EMMA LOUISE", "kind": "type", "bbox": [74, 508, 328, 547], "visible": True, "text": "EMMA LOUISE"},
        {"id": 5, "name": "ELOISE GRACE", "kind": "type", "bbox": [73, 387, 335, 426], "visible": True, "text": "ELOISE GRACE"},
        {"id": 4, "name": "BEN FORMAN", "kind": "type", "bbox": [72, 269, 316, 307], "visible": True, "text": "BEN FORMAN"},
        {"id": 3, "name": "cutout", "kind": "smartobject", "bbox": [515, 20, 1167, 1500], "visible": True, "text": None},
        {"id": 1, "name": "Background", "kind": "pixel", "bbox": [0, 0, 1200, 1500], "visible": True, "text": None},
    ],
}
TEMPLATE = {
    "compositions": [{
        "name": "Split Screen", "width": 1200, "height": 1500,
        "layers": [
            {"index": 1, "name": "player1fullname", "type": "text", "bbox": None, "text": "PLAYER NAME"},
            {"index": 2, "name": "player2fullname", "type": "text", "bbox": None, "text": "PLAYER NAME"},
            {"index": 3, "name": "player3fullname", "type": "text", "bbox": None, "text": "PLAYER NAME"},
            {"index": 4, "name": "featuredimage1", "type": "footage", "bbox": None,
             "source": {"name": "cutout.png", "width": 1200, "height": 1500}},
            {"index": 5, "name": "logo", "type": "footage", "bbox": None, "source": None},
            {"index": 6, "name": "Null 1", "type": "null"},
        ],
    }],
}


def write(path: Path, data) -> str:
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return str(path)


@pytest.fixture
def files(tmp_path) -> tuple[str, str]:
    return write(tmp_path / "poster.json", PSD), write(tmp_path / "gameday.json", TEMPLATE)


def run(*args: str) -> str:
    out = StringIO()
    call_command("match_layers", *args, stdout=out)
    return out.getvalue()


def test_json_output_follows_the_interchange_format(files):
    psd, template = files
    data = json.loads(run("--psd", psd, "--template", template, "--json"))
    assert set(data) == {"matches", "unmatched_psd_layers"}
    by_index = {m["layer_index"]: m for m in data["matches"]}
    assert sorted(by_index) == [1, 2, 3, 4, 5]  # one entry per placeholder; the null is none
    assert [by_index[i]["psd_layer_id"] for i in (1, 2, 3, 4)] == [4, 5, 6, 3]
    first = by_index[1]
    for key in ("composition", "layer_index", "placeholder", "psd_layer_id", "psd_layer", "confidence", "reason"):
        assert key in first
    assert first["psd_layer"] == "BEN FORMAN" and first["composition"] == "Split Screen"
    assert "reading order 1 of 3" in first["reason"]
    assert by_index[5]["psd_layer_id"] is None and by_index[5]["reason"] == "no good candidate"
    assert by_index[5]["confidence"] == 0.0
    assert data["unmatched_psd_layers"] == [1]


def test_table_output_flags_what_needs_review(files):
    psd, template = files
    text = run("--psd", psd, "--template", template)
    lines = text.splitlines()
    assert lines[0].split() == ["composition", "placeholder", "→", "PSD", "layer", "confidence", "flag", "reason"]
    row = next(line for line in lines if "player1fullname" in line)
    assert "BEN FORMAN (id 4)" in row and "REVIEW" not in row and "reading order 1 of 3" in row
    logo = next(line for line in lines if "  logo  " in line)
    assert "REVIEW" in logo and "—" in logo
    assert "unused PSD layers: Background (id 1)" in text


def test_threshold_changes_what_is_flagged(files):
    psd, template = files
    assert "REVIEW" in next(l for l in run("--psd", psd, "--template", template, "--threshold", "1").splitlines()
                            if "player1fullname" in l)
    assert "5 placeholder(s), 0 below the review threshold 0" in run(
        "--psd", psd, "--template", template, "--threshold", "0")
    with pytest.raises(CommandError, match="between 0 and 1"):
        run("--psd", psd, "--template", template, "--threshold", "1.5")


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "bad JSON"),
        ("[1, 2]", "not a PSD description"),
        (json.dumps({"width": 0, "height": 10, "layers": []}), "'width' must be a positive number"),
        (json.dumps({"width": 10, "height": 10, "layers": [{"id": "x", "name": "a", "kind": "type"}]}),
         "layer 1: 'id' must be an integer"),
        (json.dumps({"width": 10, "height": 10, "layers": [{"id": 1, "name": "a", "kind": "type", "bbox": [1, 2]}]}),
         "bbox must be"),
    ],
)
def test_bad_psd_descriptions_fail_with_one_line(tmp_path, files, content, message):
    _, template = files
    bad = write(tmp_path / "bad.json", content)
    with pytest.raises(CommandError) as error:
        run("--psd", bad, "--template", template)
    assert message in str(error.value)
    assert "\n" not in str(error.value) and "bad.json" in str(error.value)
    assert error.value.returncode == 1


@pytest.mark.parametrize(
    "content, message",
    [
        (json.dumps({"layers": []}), "not a template description"),
        (json.dumps({"compositions": [{"name": "A", "width": 10, "height": 10,
                                        "layers": [{"index": "1", "name": "t", "type": "text"}]}]}),
         "'index' must be an integer"),
        (json.dumps({"compositions": [{"name": "A", "width": 10}]}), "'height' must be a positive number"),
    ],
)
def test_bad_template_descriptions_fail_with_one_line(tmp_path, files, content, message):
    psd, _ = files
    bad = write(tmp_path / "bad.json", content)
    with pytest.raises(CommandError, match=message) as error:
        run("--psd", psd, "--template", bad)
    assert error.value.returncode == 1


def test_a_missing_file_fails_with_one_line(tmp_path, files):
    _, template = files
    with pytest.raises(CommandError, match="no such file"):
        run("--psd", str(tmp_path / "nowhere.json"), "--template", template)


def test_a_bad_psd_file_fails_through_the_reader(tmp_path, files):
    _, template = files
    junk = tmp_path / "junk.psd"
    junk.write_bytes(b"this is not a photoshop file")
    with pytest.raises(CommandError) as error:
        run("--psd", str(junk), "--template", template)
    assert "\n" not in str(error.value)
