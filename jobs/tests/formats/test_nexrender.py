"""Tests of jobs.formats.nexrender.

The jobs are validated by nexrender's own code: jobs/tests/js/validate_nexrender.js runs
``create`` + ``validate`` from ``@nexrender/types/job`` as nexrender-server does on POST. Those
tests are skipped when node or jobs/tests/js/node_modules is missing
(``npm ci --prefix jobs/tests/js``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from jobs.formats.nexrender import (
    FootageAsset,
    TextAsset,
    delivery_path,
    download_name,
    file_url,
    nexrender_job,
    nexrender_priority,
    nexrender_tags,
    render_extension,
    source_uri,
    tag_from_text,
)

JS_DIR = Path(__file__).resolve().parents[1] / "js"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(
    NODE is None or not (JS_DIR / "node_modules" / "@nexrender" / "types").is_dir(),
    reason="needs node and jobs/tests/js/node_modules (run: npm ci --prefix jobs/tests/js)",
)

HOSTILE_TEXT = "\"'); app.quit(); //\n\r\t\x00\u2028\u2029 \U0001F600 \u0645\u0631\u062d\u0628\u0627 </script> */ <!--"


def validate(job: dict, work: Path) -> dict:
    """nexrender's verdict on ``job``: {"valid": bool, "job"|"error": ...}."""
    path = work / "job.json"
    path.write_text(json.dumps(job), encoding="utf-8")
    proc = subprocess.run([NODE, str(JS_DIR / "validate_nexrender.js"), str(path)],
                          capture_output=True, text=True, timeout=120, cwd=JS_DIR)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def sample_job(**kwargs) -> dict:
    footage = [
        FootageAsset("cutout.png", "Z:\\jobs\\exports\\10.png", "Split Screen", 4, scale=(65.2, 65.2)),
        FootageAsset("featuredimage2", "/Volumes/jobs/exports/11 final.png", "Split Screen", 5),
    ]
    texts = [
        TextAsset("player1fullname", "BEN FORMAN", "Split Screen", 1),
        TextAsset("tagline", "GAME DAY", "Main->Nested Logo", 2),
    ]
    defaults = dict(template_src="Z:\\jobs\\out\\test001_final.aep", composition="Main", footage=footage,
                    texts=texts, priority="high", tags=["ACME", "gameday"])
    defaults.update(kwargs)
    return nexrender_job(**defaults)


def test_job_shape():
    job = sample_job(output="Z:\\renders\\test001.mov", output_module="Lossless", render_settings="Best Settings",
                     output_ext="mov")
    assert job["template"] == {
        "src": "file:///Z:/jobs/out/test001_final.aep",
        "composition": "Main",
        "outputModule": "Lossless",
        "settingsTemplate": "Best Settings",
        "outputExt": "mov",
        "name": "test001_final.aep",
    }
    assert job["assets"] == [
        {"type": "image", "src": "file:///Z:/jobs/exports/10.png", "layerName": "cutout.png",
         "composition": "Split Screen", "name": "10.png"},
        {"type": "image", "src": "file:///Volumes/jobs/exports/11%20final.png", "layerIndex": 5,
         "composition": "Split Screen", "name": "11 final.png"},
        {"type": "data", "layerName": "cutout.png", "composition": "Split Screen",
         "property": "Transform.Scale", "value": [65.2, 65.2]},
        {"type": "data", "layerName": "player1fullname", "composition": "Split Screen",
         "property": "Source Text", "value": "BEN FORMAN"},
        {"type": "data", "layerName": "tagline", "composition": "Main->Nested Logo",
         "property": "Source Text", "value": "GAME DAY"},
    ]
    copy = {"module": "@nexrender/action-copy", "output": "Z:\\renders\\test001.mov"}
    assert job["actions"] == {"prerender": [], "postrender": [copy]}
    assert job["priority"] == 100
    assert job["tags"] == "ACME,gameday"
    assert "uid" not in job


def test_footage_precedes_every_data_asset_for_the_same_layer():
    job = sample_job(footage=[FootageAsset("a.png", "/x/a.png", "C", 1, scale=(50, 50))],
                     texts=[TextAsset("a.png", "also text", "C", 1)])
    targets = [(a["type"], a.get("layerName", a.get("layerIndex")), a["composition"]) for a in job["assets"]]
    assert targets == [("image", "a.png", "C"), ("data", "a.png", "C"), ("data", "a.png", "C")]


def test_tuples_are_accepted_in_field_order():
    job = nexrender_job(template_src="/t.aep", composition="Main", footage=[("bg.jpg", "/x/bg.jpg", "Main")],
                        texts=[("title", "Hello", "Main")], priority=None)
    assert [a["type"] for a in job["assets"]] == ["image", "data"]
    assert job["priority"] == 50


@pytest.mark.parametrize(
    ("value", "expected"), [("high", 100), ("Medium", 50), (" low ", 0), ("", 50), (None, 50), (7, 7)]
)
def test_priority(value, expected):
    assert nexrender_priority(value) == expected


@pytest.mark.parametrize("value", ["urgent", True, 1.5])
def test_bad_priority(value):
    with pytest.raises(ValueError, match="priority must be"):
        nexrender_priority(value)


def test_tags():
    assert nexrender_tags(["a1", "B2", "a1"]) == "a1,B2"
    assert tag_from_text("ACME Corp. \u00c9t\u00e9 2024!") == "ACMECorpt2024"
    for bad in (["two words"], ["a,b"], [""], ["\u00e9t\u00e9"]):
        with pytest.raises(ValueError, match="alphanumeric"):
            nexrender_tags(bad)


@pytest.mark.parametrize(
    ("path", "url"),
    [
        ("/Volumes/jobs/a b#1?.png", "file:///Volumes/jobs/a%20b%231%3F.png"),
        ("/srv/\u00fc\U0001F600.png", "file:///srv/%C3%BC%F0%9F%98%80.png"),
        ("C:\\jobs\\a b.png", "file:///C:/jobs/a%20b.png"),
        ("d:/jobs/x.png", "file:///d:/jobs/x.png"),
        ("\\\\render01\\share\\x y.png", "file://render01/share/x%20y.png"),
    ],
)
def test_file_url(path, url):
    assert file_url(path) == url


def test_urls_pass_through_and_relative_paths_are_refused():
    for url in ("https://cdn.example.com/a.png?x=1", "s3://bucket/a.png", "data:text/plain,hi", "file:///x.png"):
        assert source_uri(url) == url
    with pytest.raises(ValueError, match="absolute"):
        source_uri("exports/a.png")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"footage": [FootageAsset("featuredimage", "/x.png", "C")]}, "no file extension and no layer_index"),
        ({"footage": [FootageAsset("a.png", "/x.png", "C", type="sound")]}, "footage type"),
        ({"footage": [FootageAsset("a.png", "/x.png", "")]}, "composition"),
        ({"texts": [TextAsset("t", None, "C")]}, "text value"),
        ({"texts": [TextAsset("", "x", "C")]}, "layer_name or a layer_index"),
        ({"texts": [TextAsset("t", "x", "C", 0)]}, "positive integer"),
        ({"actions": {"postrender": [{"output": "x"}]}}, "needs a module"),
        ({"actions": {"midrender": []}}, "unknown action stage"),
        ({"composition": ""}, "composition"),
    ],
)
def test_bad_input_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sample_job(**kwargs)


# --------------------------------------------------------------------------------------------
# Delivery: outputExt, the post-render copy, download names (see test_nexrender_core.py for the
# same jobs run through @nexrender/core itself)


@pytest.mark.parametrize(
    ("module", "ext", "expected"),
    [("Lossless", None, "mov"), ("Lossless", ".mov", "mov"), ("Lossless", "MOV", "mov"),
     ("H.264 - Match Render Settings - 15 Mbps", None, "mp4"), ("TIFF Sequence with Alpha", None, "tif"),
     ("My ProRes", None, None), ("My ProRes", ".mxf", "mxf"), (None, "avi", "avi"), (None, None, None)],
)
def test_render_extension_follows_the_output_module(module, ext, expected):
    assert render_extension(module, ext) == expected


@pytest.mark.parametrize(
    ("module", "ext", "message"),
    [("Lossless", "mp4", "renders .mov files, not .mp4"), (None, "m.ov", "1 to 5 letters"),
     (None, "", "1 to 5 letters"), (None, 4, "must be a string")],
)
def test_bad_render_extensions_are_refused(module, ext, message):
    with pytest.raises(ValueError, match=message):
        render_extension(module, ext)


def test_the_output_module_sets_output_ext():
    job = nexrender_job(template_src="/t.aep", composition="Main", output_module="Lossless")
    assert job["template"]["outputExt"] == "mov"
    job = nexrender_job(template_src="/t.aep", composition="Main", output_module="My ProRes")
    assert "outputExt" not in job["template"]  # unknown module: nexrender guesses, as before


def test_deliver_to_copies_the_render_under_the_output_name_after_every_other_postrender_action():
    encode = {"module": "@nexrender/action-encode", "preset": "mp4"}
    job = nexrender_job(template_src="/t.aep", composition="Main", output_module="Lossless",
                        deliver_to="/Volumes/renders/batch-3", output_name="test001_final.aep",
                        actions={"postrender": [encode]})
    assert job["actions"]["postrender"] == [
        encode, {"module": "@nexrender/action-copy", "output": "/Volumes/renders/batch-3/test001_final.mov"}]
    assert job["template"]["outputExt"] == "mov"


@pytest.mark.parametrize(
    ("folder", "name", "ext", "expected"),
    [("Z:\\renders\\batch-3", "test001_final.aep", "mov", "Z:\\renders\\batch-3\\test001_final.mov"),
     ("Z:\\", "a.b.aep", "mp4", "Z:\\a.b.mp4"),
     ("\\\\render01\\share", "x", "mov", "\\\\render01\\share\\x.mov"),
     ("/srv/renders/", "x y.aepx", "mov", "/srv/renders/x y.mov"),
     ("/", "x", "mov", "/x.mov"),
     (Path("/srv/r"), "x.aep", "mov", "/srv/r/x.mov")],
)
def test_delivery_path(folder, name, ext, expected):
    assert delivery_path(folder, name, ext) == expected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"deliver_to": "renders", "output_name": "x.aep"}, "not an absolute path"),
        ({"output": "renders/x.mov"}, "not an absolute path"),
        ({"output": "s3://bucket/x.mov"}, "is a URL"),
        ({"deliver_to": "/r", "output_name": "a/b.aep"}, "file name"),
        ({"deliver_to": "/r", "output_name": ".aep"}, "no name before"),
        ({"deliver_to": "/r"}, "output_name must be a non-empty string"),
        ({"output_name": "x.aep"}, "needs deliver_to"),
        ({"deliver_to": "/r", "output": "/r/x.mov", "output_name": "x"}, "not both"),
        ({"output": "/r/x.mp4"}, "does not end in .mov"),
        ({"deliver_to": "/r", "output_name": "x", "output_module": "My ProRes"}, "give output_ext"),
        ({"deliver_to": "/r", "output_name": "x", "output_module": "TIFF Sequence with Alpha"}, "image sequence"),
        ({"output": "/r/x.png", "output_module": None, "output_ext": "png"}, "image sequence"),
        ({"actions": {"prerender": [{"module": "@nexrender/action-copy", "output": "/r/x.mov"}]}},
         "only as a postrender"),
        ({"actions": {"postrender": [{"module": "@nexrender/action-copy", "output": "x.mov"}]}},
         "not an absolute path"),
    ],
)
def test_deliveries_that_would_lose_the_render_are_refused(kwargs, message):
    values = {"template_src": "/t.aep", "composition": "Main", "output_module": "Lossless", **kwargs}
    with pytest.raises(ValueError, match=message):
        nexrender_job(**values)


def test_an_output_folder_or_extensionless_output_is_kept_as_given():
    job = nexrender_job(template_src="/t.aep", composition="Main", output_module="Lossless", output="Z:\\renders")
    assert job["actions"]["postrender"] == [{"module": "@nexrender/action-copy", "output": "Z:\\renders"}]


def test_downloads_get_unique_flat_names():
    job = nexrender_job(
        template_src="https://cdn.example.com/t/result.aep?sig=1", composition="Main",
        footage=[FootageAsset("a.png", "/x/10.png", "C"), FootageAsset("b.png", "/y/10.PNG", "C"),
                 FootageAsset("c.png", "data:image/png;base64,AAAA", "C"),
                 FootageAsset("d.png", "https://cdn.example.com/img/", "C")],
        texts=[TextAsset("t", "x", "C")],
        scripts=["/bundle/populate.jsx", "/other/populate.jsx", "/q/nexrender-x.jsx"],
    )
    assert job["template"]["name"] == "asset-result.aep"  # clear of nexrender's result.<ext>
    names = [a.get("name") for a in job["assets"]]
    assert names == ["10.png", "10-2.PNG", "asset-4", "asset-5", None, "populate.jsx", "populate-2.jsx",
                     "asset-nexrender-x.jsx"]
    assert download_name("file:///Z:/a%20b/c%23d.png") == "c#d.png"


@needs_node
def test_jobs_pass_nexrender_validation(tmp_path):
    job = sample_job(output="/renders/x.mov", actions={"prerender": [{"module": "@nexrender/action-encode",
                                                                      "preset": "mp4"}]},
                     scripts=["/jobs/extra.jsx"], continue_on_missing=True, uid="job-0001")
    verdict = validate(job, tmp_path)
    assert verdict["valid"], verdict.get("error")
    created = verdict["job"]
    assert created["uid"] == "job-0001" and created["state"] == "queued"
    assert created["assets"] == job["assets"] and created["template"] == job["template"]
    assert created["priority"] == 100 and created["tags"] == "ACME,gameday"


@needs_node
def test_a_delivered_job_passes_nexrender_validation(tmp_path):
    job = sample_job(output_module="Lossless", deliver_to="Z:\\renders", output_name="test001_final.aep",
                     scripts=["Z:\\bundle\\populate.jsx"])
    verdict = validate(job, tmp_path)
    assert verdict["valid"], verdict.get("error")
    assert verdict["job"]["actions"]["postrender"][-1]["output"] == "Z:\\renders\\test001_final.mov"


@needs_node
def test_a_minimal_job_passes_too(tmp_path):
    job = nexrender_job(template_src="/t.aep", composition="Main")
    verdict = validate(job, tmp_path)
    assert verdict["valid"], verdict.get("error")
    assert verdict["job"]["priority"] == 50 and verdict["job"]["assets"] == []


@needs_node
def test_the_validator_is_real(tmp_path):
    job = sample_job()
    del job["template"]["composition"]
    assert validate(job, tmp_path) == {"valid": False, "error": "job must have template.composition defined"}
    job = sample_job()
    del job["assets"][3]["property"]
    assert validate(job, tmp_path)["valid"] is False


@needs_node
def test_hostile_text_survives_validation_unchanged(tmp_path):
    job = sample_job(texts=[TextAsset(HOSTILE_TEXT, HOSTILE_TEXT, HOSTILE_TEXT, 3)])
    verdict = validate(job, tmp_path)
    assert verdict["valid"], verdict.get("error")
    text_asset = verdict["job"]["assets"][-1]
    assert text_asset["value"] == HOSTILE_TEXT
    assert text_asset["layerName"] == HOSTILE_TEXT and text_asset["composition"] == HOSTILE_TEXT
