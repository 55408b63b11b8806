"""Tests of jobs.formats.template_rules: every rule on a case that triggers it and one that does not.

Each test starts from one clean job (a composition with a text and an image placeholder, both
filled from the PSD; real image files in tmp_path) and changes the one thing its rule looks at.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from jobs.formats.descriptions import (
    Composition,
    Footage,
    Match,
    PsdDocument,
    PsdLayer,
    TemplateDocument,
    TemplateLayer,
)
from jobs.formats.limits import Limits
from jobs.formats.template_rules import (
    RULES,
    Finding,
    Fix,
    ValidationContext,
    ValidationReport,
    apply_fixes,
    name_problems,
    relinked,
    render_html,
    validate,
)

COMP = "Main"
TEXT_BOX = (100, 100, 1100, 300)
IMAGE_BOX = (0, 0, 400, 300)

# --------------------------------------------------------------------------------------------
# Builders


def png(path: Path, size: tuple[int, int]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (200, 30, 30)).save(path, format="PNG")
    return path


def text_metrics(**changes) -> dict:
    """A preview metrics entry for the text placeholder, as preview.py writes it."""
    entry = {
        "index": 1,
        "name": "title",
        "placeholder": True,
        "text": "Hello",
        "font": "Arial-BoldMT",
        "fallback_font": False,
        "box": list(TEXT_BOX),
        "box_source": "template",
        "text_size": [300, 80],
        "overflow_ratio": 0.4,
        "fits": True,
        "wrapped_size": [300, 80],
        "fits_wrapped": True,
    }
    entry.update(changes)
    return entry


def image_metrics(**changes) -> dict:
    entry = {
        "index": 2,
        "name": "photo",
        "psd_layer_id": 8,
        "psd_layer": "portrait",
        "fit": "fit",
        "box": list(IMAGE_BOX),
        "box_source": "template",
        "source_size": [400, 300],
        "scale": 1.0,
        "scale_x": 1.0,
        "scale_y": 1.0,
    }
    entry.update(changes)
    return entry


def metrics(texts=None, images=None) -> dict:
    return {
        "main_composition": COMP,
        "compositions": [
            {
                "name": COMP,
                "width": 1920,
                "height": 1080,
                "texts": [text_metrics()] if texts is None else texts,
                "images": [image_metrics()] if images is None else images,
                "unmatched": [],
            }
        ],
    }


def photo_footage(tmp_path: Path, **changes) -> Footage:
    path = png(tmp_path / "template" / "photo.png", (400, 300))
    footage = Footage(id=30, name="photo.png", path=str(path), width=400, height=300, missing=False)
    return replace(footage, **changes)


def layers(tmp_path: Path) -> tuple[TemplateLayer, ...]:
    return (
        TemplateLayer(1, "title", "text", text="PLAYER", font="Arial-BoldMT", bbox=TEXT_BOX, placeholder=True),
        TemplateLayer(2, "photo", "footage", source=photo_footage(tmp_path), bbox=IMAGE_BOX, placeholder=True),
        TemplateLayer(3, "bg", "solid", source=Footage(id=40, name="bg", kind="solid")),
    )


def template(tmp_path: Path, comp_layers=None, *, extra=(), footage=None, **comp_changes) -> TemplateDocument:
    comp_layers = layers(tmp_path) if comp_layers is None else comp_layers
    comp = Composition(id=10, name=COMP, width=1920, height=1080, layers=tuple(comp_layers), renderer="ADBE Escher")
    comp = replace(comp, **comp_changes)
    items = [layer.source for layer in comp_layers if layer.source is not None and layer.source.kind == "file"]
    return TemplateDocument(
        source="job.aepx",
        compositions=(comp, *extra),
        footage=tuple(items if footage is None else footage),
        fonts=("Arial-BoldMT",),
    )


PSD = PsdDocument(
    source="design.psd",
    width=1200,
    height=1500,
    layers=(
        PsdLayer(7, "Hello", "type", text="Hello", font="Futura-Medium", font_size=36.0, bbox=(10, 10, 300, 60)),
        PsdLayer(8, "portrait", "pixel", bbox=(0, 0, 400, 300)),
    ),
)

MATCHES = (
    Match(COMP, 1, "title", 7, "Hello", 0.9, "text layer", placeholder_type="text"),
    Match(COMP, 2, "photo", 8, "portrait", 0.9, "image layer", placeholder_type="footage"),
)


@pytest.fixture
def clean(tmp_path) -> ValidationContext:
    """A job every rule accepts."""
    replacement = png(tmp_path / "input" / "portrait.png", (400, 300))
    return ValidationContext(
        template=template(tmp_path),
        psd=PSD,
        matches=MATCHES,
        preview_metrics=metrics(),
        review_threshold=0.6,
        render_fonts=frozenset({"Arial-BoldMT", "Futura-Medium"}),
        input_roots=(tmp_path / "input",),
        replacement_files={(COMP, 2): str(replacement)},
        output_name="job001_final.aep",
    )


def found(ctx: ValidationContext, rule: str) -> list[Finding]:
    return [f for f in validate(ctx).findings if f.rule == rule]


def only(ctx: ValidationContext, rule: str) -> Finding:
    findings = found(ctx, rule)
    assert len(findings) == 1, findings
    return findings[0]


def with_layer(ctx: ValidationContext, tmp_path: Path, index: int, **changes) -> ValidationContext:
    """The context with one layer of the main composition changed."""
    new_layers = tuple(replace(layer, **changes) if layer.index == index else layer for layer in layers(tmp_path))
    return replace(ctx, template=template(tmp_path, new_layers))


# --------------------------------------------------------------------------------------------
# The clean job, the report and the registry


def test_clean_job_has_no_findings_and_skips_nothing(clean):
    report = validate(clean)
    assert report.findings == ()
    assert report.skipped == ()
    assert report.ok
    assert report.to_dict() == {
        "ok": True,
        "counts": {"error": 0, "warning": 0, "info": 0},
        "findings": [],
        "skipped": [],
    }


def test_every_rule_has_an_id_and_a_docstring():
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    assert {
        "footage-missing", "font-missing", "render-comp-missing", "layer-named-like-comp",
        "duplicate-target-names", "footage-no-extension", "placeholder-unfilled",
        "low-confidence-unconfirmed", "text-overflow", "upscale", "aspect-mismatch",
        "layered-footage-left", "all-caps-text", "renderer-not-classic", "unsafe-name", "file-limits",
    } <= set(ids)
    assert all(rule.description for rule in RULES)


def test_rules_without_their_input_are_reported_as_skipped(clean):
    report = validate(replace(clean, render_fonts=None, preview_metrics={}))
    assert {s.rule for s in report.skipped} == {"font-missing", "text-overflow", "upscale"}
    assert all(s.reason for s in report.skipped)
    assert report.findings == ()


def test_report_orders_by_severity_and_serialises(clean, tmp_path):
    ctx = replace(
        clean,
        matches=(replace(MATCHES[0], confidence=0.3), MATCHES[1]),
        preview_metrics=metrics(images=[image_metrics(scale=1.5, scale_x=1.5, scale_y=1.5)]),
        template=template(tmp_path, renderer="ADBE Calder"),
    )
    report = validate(ctx)
    assert [f.severity for f in report.findings] == ["error", "warning", "warning"]
    assert not report.ok
    assert [f.rule for f in report.errors] == ["low-confidence-unconfirmed"]
    assert {f.rule for f in report.warnings} == {"upscale", "renderer-not-classic"}
    data = json.loads(json.dumps(report.to_dict()))
    assert data["counts"] == {"error": 1, "warning": 2, "info": 0}
    assert data["findings"][0]["layer_index"] == 1


def test_finding_refuses_an_unknown_severity():
    with pytest.raises(ValueError):
        Finding("x", "fatal", "message")


# --------------------------------------------------------------------------------------------
# footage-missing and its relink fix


def missing_photo_template(tmp_path: Path, old: str = "/Volumes/Work/shoot/photo.png") -> TemplateDocument:
    source = photo_footage(tmp_path, path=old, missing=True)
    comp_layers = (
        TemplateLayer(1, "title", "text", font="Arial-BoldMT", bbox=TEXT_BOX, placeholder=True),
        TemplateLayer(2, "photo", "footage", source=source, bbox=IMAGE_BOX, placeholder=False),
    )
    return template(tmp_path, comp_layers)


def missing_photo(ctx: ValidationContext, tmp_path: Path, old: str = "/Volumes/Work/shoot/photo.png", **changes):
    """The clean job, but layer 2 keeps its template footage, whose file is missing."""
    new = missing_photo_template(tmp_path, old)
    return replace(ctx, template=new, replacement_files={}, matches=MATCHES[:1], **changes)


def test_footage_missing_with_one_candidate_offers_a_relink_that_applies(clean, tmp_path):
    candidate = png(tmp_path / "input" / "shoot" / "photo.png", (400, 300))
    ctx = missing_photo(clean, tmp_path)
    finding = only(ctx, "footage-missing")
    assert finding.severity == "error"
    assert (finding.composition, finding.layer_index, finding.layer) == (COMP, 2, "photo")
    assert "/Volumes/Work/shoot/photo.png" in finding.message
    assert finding.fix == Fix("relink", 30, "photo.png", "/Volumes/Work/shoot/photo.png", str(candidate))

    report = validate(ctx)
    applied = apply_fixes(report, ctx.template)
    assert [a.fix for a in applied] == [finding.fix]
    assert applied[0].after.path == str(candidate) and applied[0].after.missing is False
    fixed = relinked(ctx.template, applied)
    assert fixed.footage[0].path == str(candidate)
    assert fixed.compositions[0].layer(2).source.path == str(candidate)
    assert ctx.template.footage[0].path == "/Volumes/Work/shoot/photo.png"  # the input is untouched
    assert found(replace(ctx, template=fixed), "footage-missing") == []


def test_footage_missing_with_a_windows_path_finds_the_file_by_name(clean, tmp_path):
    candidate = png(tmp_path / "input" / "photo.png", (400, 300))
    ctx = missing_photo(clean, tmp_path, r"C:\Shoots\photo.png")
    assert only(ctx, "footage-missing").fix.new_path == str(candidate)


def test_footage_missing_with_two_candidates_offers_no_fix(clean, tmp_path):
    png(tmp_path / "input" / "a" / "photo.png", (400, 300))
    png(tmp_path / "input" / "b" / "photo.png", (400, 300))
    ctx = missing_photo(clean, tmp_path)
    finding = only(ctx, "footage-missing")
    assert finding.fix is None
    assert finding.details["candidate_count"] == 2
    assert apply_fixes(validate(ctx), ctx.template) == []


def test_footage_missing_search_is_bounded(clean, tmp_path):
    for i in range(5):
        (tmp_path / "input").mkdir(exist_ok=True)
        (tmp_path / "input" / f"other{i}.txt").write_text("x")
    png(tmp_path / "input" / "zz" / "photo.png", (400, 300))
    ctx = missing_photo(clean, tmp_path, scan_limit=3)
    finding = only(ctx, "footage-missing")
    assert finding.details["search_truncated"] is True
    assert finding.fix is None


def test_footage_missing_does_not_follow_symlinks_out_of_the_roots(clean, tmp_path):
    outside = png(tmp_path / "elsewhere" / "photo.png", (400, 300))
    (tmp_path / "input").mkdir(exist_ok=True)
    os.symlink(outside.parent, tmp_path / "input" / "linked-dir")
    os.symlink(outside, tmp_path / "input" / "photo.png")
    ctx = missing_photo(clean, tmp_path)
    finding = only(ctx, "footage-missing")
    assert finding.details["candidate_count"] == 0
    assert finding.fix is None


def test_footage_missing_is_not_reported_when_every_layer_using_it_is_replaced(clean, tmp_path):
    source = photo_footage(tmp_path, path="/gone/photo.png", missing=True)
    ctx = with_layer(clean, tmp_path, 2, source=source)
    ctx = replace(ctx, template=replace(ctx.template, footage=(source,)))
    assert found(ctx, "footage-missing") == []


def test_footage_missing_is_info_when_only_a_disabled_kept_layer_uses_it(clean, tmp_path):
    source = photo_footage(tmp_path, path="/gone/photo.png", missing=True)
    ctx = with_layer(clean, tmp_path, 2, source=source, enabled=False)
    ctx = replace(ctx, template=replace(ctx.template, footage=(source,)), replacement_files={}, matches=MATCHES[:1])
    assert only(ctx, "footage-missing").severity == "info"


def test_footage_missing_nobody_uses_is_info(clean, tmp_path):
    source = photo_footage(tmp_path, id=31, name="unused.png", path="/gone/unused.png", missing=True)
    ctx = replace(clean, template=replace(clean.template, footage=(*clean.template.footage, source)))
    assert only(ctx, "footage-missing").severity == "info"


def test_footage_present_is_not_reported(clean):
    assert found(clean, "footage-missing") == []


def test_apply_fixes_skips_a_fix_whose_footage_changed(clean, tmp_path):
    png(tmp_path / "input" / "photo.png", (400, 300))
    ctx = missing_photo(clean, tmp_path)
    report = validate(ctx)
    other = missing_photo_template(tmp_path, "/somewhere/else/photo.png")
    assert apply_fixes(report, other) == []


# --------------------------------------------------------------------------------------------
# font-missing


def test_font_missing_names_the_postscript_name_and_the_layer(clean):
    finding = only(replace(clean, render_fonts=frozenset({"Futura-Medium"})), "font-missing")
    assert finding.severity == "error"
    assert "'Arial-BoldMT'" in finding.message and "'title'" in finding.message
    assert finding.details["font"] == "Arial-BoldMT"


def test_font_missing_for_the_psd_text_is_info(clean):
    finding = only(replace(clean, render_fonts=frozenset({"Arial-BoldMT"})), "font-missing")
    assert finding.severity == "info"
    assert finding.details == {"font": "Futura-Medium", "source": "psd", "psd_layer_id": 7}


def test_font_missing_only_in_the_project_font_list_is_info(clean, tmp_path):
    ctx = replace(clean, template=replace(clean.template, fonts=("Arial-BoldMT", "OldFont-Regular")))
    finding = only(ctx, "font-missing")
    assert (finding.severity, finding.details["font"]) == ("info", "OldFont-Regular")


def test_font_names_compare_case_insensitively(clean):
    assert found(replace(clean, render_fonts=frozenset({"arial-boldmt", "FUTURA-MEDIUM"})), "font-missing") == []


# --------------------------------------------------------------------------------------------
# render-comp-missing, match-target-missing


def test_render_comp_missing(clean):
    finding = only(replace(clean, render_compositions=("Main", "Final Render")), "render-comp-missing")
    assert finding.severity == "error"
    assert finding.composition == "Final Render"
    assert finding.details["available"] == ["Main"]


def test_render_comp_ambiguous_name(clean, tmp_path):
    twin = Composition(id=11, name=COMP, width=100, height=100)
    ctx = replace(clean, template=template(tmp_path, extra=(twin,)))
    assert "ambiguous" in only(ctx, "render-comp-missing").message


def test_nothing_to_render(clean):
    ctx = replace(clean, matches=(), replacement_files={})
    assert "No composition would render" in only(ctx, "render-comp-missing").message


def test_render_comp_present(clean):
    assert found(replace(clean, render_compositions=("Main",)), "render-comp-missing") == []


def test_match_target_missing(clean):
    ctx = replace(clean, matches=(*MATCHES, Match(COMP, 9, "ghost", 7, "Hello", 0.9, "x", placeholder_type="text")))
    assert only(ctx, "match-target-missing").layer_index == 9
    ctx = replace(clean, matches=(replace(MATCHES[0], psd_layer_id=99), MATCHES[1]))
    assert only(ctx, "match-target-missing").details == {"psd_layer_id": 99}


def test_match_targets_present(clean):
    assert found(clean, "match-target-missing") == []


# --------------------------------------------------------------------------------------------
# layer-named-like-comp, duplicate-target-names


def test_layer_named_like_comp(clean, tmp_path):
    lower = Composition(id=11, name="lower third", width=1920, height=200)
    ctx = with_layer(clean, tmp_path, 1, name="lower third")
    ctx = replace(ctx, template=replace(ctx.template, compositions=(*ctx.template.compositions, lower)))
    finding = only(ctx, "layer-named-like-comp")
    assert (finding.severity, finding.layer_index, finding.layer) == ("error", 1, "lower third")


def test_layer_named_like_comp_ignores_untargeted_layers(clean, tmp_path):
    bg = Composition(id=11, name="bg", width=1920, height=1080)  # layer 3 "bg" is not targeted
    ctx = replace(clean, template=template(tmp_path, extra=(bg,)))
    assert found(ctx, "layer-named-like-comp") == []


def test_duplicate_target_names(clean, tmp_path):
    ctx = with_layer(clean, tmp_path, 2, name="title")
    finding = only(ctx, "duplicate-target-names")
    assert finding.severity == "error"
    assert finding.details == {"indexes": [1, 2], "targeted": [1, 2]}


def test_target_shadowed_by_a_layer_above_it(clean, tmp_path):
    ctx = with_layer(clean, tmp_path, 1, name="photo", placeholder=False)
    ctx = replace(ctx, matches=(MATCHES[1],))
    assert only(ctx, "duplicate-target-names").details == {"indexes": [1, 2], "targeted": [2]}


def test_duplicate_name_below_the_target_is_harmless(clean, tmp_path):
    ctx = with_layer(clean, tmp_path, 3, name="title")  # the untargeted "bg" solid, below layer 1
    assert found(ctx, "duplicate-target-names") == []


# --------------------------------------------------------------------------------------------
# footage-no-extension, unsafe-name, replacement-missing, file-limits


def test_footage_no_extension(clean, tmp_path):
    bare = png(tmp_path / "input" / "portrait_png", (400, 300))
    finding = only(replace(clean, replacement_files={(COMP, 2): str(bare)}), "footage-no-extension")
    assert (finding.severity, finding.layer_index) == ("error", 2)
    assert "'portrait_png'" in finding.message


def test_footage_with_an_extension_passes(clean):
    assert found(clean, "footage-no-extension") == []


@pytest.mark.parametrize(
    "name",
    ["a/b.aep", "a\\b.aep", "tab\there.aep", "what?.aep", 'quote".aep', "a:b.aep", "pipe|.aep",
     ".hidden.aep", "trailing.aep ", "trailing.", "CON", "con.aep", "LPT9.txt", "x" * 252 + ".aep", ""],
)
def test_unsafe_output_names(clean, name):
    finding = only(replace(clean, output_name=name), "unsafe-name")
    assert finding.severity == "error"
    assert finding.details["problems"]


@pytest.mark.parametrize("name", ["job001_final.aep", "Jöb 2 – final.aep", "CONSOLE.aep", "com10.aep"])
def test_safe_output_names(clean, name):
    assert name_problems(name) == []
    assert found(replace(clean, output_name=name), "unsafe-name") == []


def test_unsafe_replacement_file_name(clean, tmp_path):
    bad = png(tmp_path / "input" / "portrait?.png", (400, 300))
    finding = only(replace(clean, replacement_files={(COMP, 2): str(bad)}), "unsafe-name")
    assert finding.layer_index == 2 and "portrait?.png" in finding.message


def test_replacement_missing(clean, tmp_path):
    ctx = replace(clean, replacement_files={(COMP, 2): str(tmp_path / "input" / "nope.png")})
    assert only(ctx, "replacement-missing").severity == "error"
    assert found(clean, "replacement-missing") == []


def test_relative_replacement_is_found_in_the_input_roots(clean, tmp_path):
    assert found(replace(clean, replacement_files={(COMP, 2): "portrait.png"}), "replacement-missing") == []
    png(tmp_path / "outside.png", (400, 300))
    escaping = replace(clean, replacement_files={(COMP, 2): "../outside.png"})
    assert only(escaping, "replacement-missing").severity == "error"


def test_file_limits_bytes_and_dimensions(clean, tmp_path):
    big = png(tmp_path / "input" / "big.png", (400, 300))
    size = big.stat().st_size
    ctx = replace(clean, replacement_files={(COMP, 2): str(big)})
    finding = only(replace(ctx, limits=Limits(max_file_bytes=size - 1)), "file-limits")
    assert finding.severity == "error" and str(size) in finding.message
    assert "400x300" in only(replace(ctx, limits=Limits(max_dimension=399)), "file-limits").message
    assert "120000 pixels" in only(replace(ctx, limits=Limits(max_pixels=100_000)), "file-limits").message


def test_file_within_limits(clean):
    limits = Limits(max_file_bytes=10**6, max_dimension=400, max_pixels=120_000)  # exactly at the limits
    assert found(replace(clean, limits=limits), "file-limits") == []


# --------------------------------------------------------------------------------------------
# placeholder-unfilled, low-confidence-unconfirmed


def test_placeholder_unfilled(clean):
    ctx = replace(clean, matches=(replace(MATCHES[0], psd_layer_id=None, psd_layer=None), MATCHES[1]))
    finding = only(ctx, "placeholder-unfilled")
    assert (finding.severity, finding.layer_index, finding.layer) == ("warning", 1, "title")


def test_disabled_placeholder_unfilled_is_info(clean, tmp_path):
    ctx = with_layer(clean, tmp_path, 1, enabled=False)
    ctx = replace(ctx, matches=(MATCHES[1],))
    assert only(ctx, "placeholder-unfilled").severity == "info"


def test_placeholder_outside_the_render_compositions_is_not_reported(clean, tmp_path):
    placeholder = TemplateLayer(1, "t", "text", placeholder=True)
    other = Composition(id=11, name="Alt", width=10, height=10, layers=(placeholder,))
    ctx = replace(clean, template=template(tmp_path, extra=(other,)))
    assert found(ctx, "placeholder-unfilled") == []


def test_low_confidence_unconfirmed(clean):
    ctx = replace(clean, matches=(replace(MATCHES[0], confidence=0.4), MATCHES[1]))
    finding = only(ctx, "low-confidence-unconfirmed")
    assert (finding.severity, finding.layer_index) == ("error", 1)
    assert "0.40" in finding.message and "0.60" in finding.message


def test_low_confidence_confirmed_passes(clean):
    ctx = replace(clean, matches=(replace(MATCHES[0], confidence=0.4, confirmed=True), MATCHES[1]))
    assert found(ctx, "low-confidence-unconfirmed") == []


# --------------------------------------------------------------------------------------------
# text-overflow, upscale, aspect-mismatch


def test_text_overflow_against_the_template_box_is_an_error(clean):
    ctx = replace(clean, preview_metrics=metrics(texts=[text_metrics(wrapped_size=[900, 260])]))
    finding = only(ctx, "text-overflow")
    assert finding.severity == "error"
    assert finding.details["ratio"] == 1.3
    assert finding.details["box_source"] == "template"


def test_text_overflow_measured_in_another_box_than_the_templates_is_a_warning(clean):
    # Stale metrics: the preview measured against a box the template no longer has.
    entry = text_metrics(box=[0, 0, 1920, 1080], box_source="composition", text_size=[1500, 80])
    finding = only(replace(clean, preview_metrics=metrics(texts=[entry])), "text-overflow")
    assert finding.severity == "warning" and finding.details["stale"] is True
    assert finding.details["box"] == list(TEXT_BOX)


def test_point_text_only_overflows_the_frame_and_only_warns(clean):
    # Point text is never wrapped nor shrunk: its "box" does not bound it, the frame does.
    inside = text_metrics(kind="point", box=[0, 0, 1920, 1080], text_size=[3000, 80], fits_wrapped=True)
    assert found(replace(clean, preview_metrics=metrics(texts=[inside])), "text-overflow") == []
    off = text_metrics(kind="point", fits_wrapped=False, ink=[-200, 10, 400, 80], origin=[100, 60])
    finding = only(replace(clean, preview_metrics=metrics(texts=[off])), "text-overflow")
    assert finding.severity == "warning" and "runs off the composition" in finding.message
    assert finding.details["kind"] == "point" and finding.details["ink"] == [-200, 10, 400, 80]


def test_text_overflow_compares_the_wrapped_text_for_a_paragraph_box(clean):
    # Wider than the box on one line, but After Effects wraps paragraph text: it fits.
    entry = text_metrics(text_size=[1500, 80], overflow_ratio=1.5, fits=False, wrapped_size=[980, 180])
    assert found(replace(clean, preview_metrics=metrics(texts=[entry])), "text-overflow") == []


def test_text_overflow_with_a_fallback_font_or_estimated_box_is_a_warning(clean, tmp_path):
    entry = text_metrics(wrapped_size=[900, 260], fallback_font=True)
    assert only(replace(clean, preview_metrics=metrics(texts=[entry])), "text-overflow").severity == "warning"
    point = with_layer(clean, tmp_path, 1, bbox=None)
    entry = text_metrics(box=[10, 10, 210, 60], box_source="psd", text_size=[300, 40])
    assert only(replace(point, preview_metrics=metrics(texts=[entry])), "text-overflow").severity == "warning"


def test_text_that_fits_passes(clean):
    assert found(clean, "text-overflow") == []


@pytest.mark.parametrize(("scale", "severity"), [(1.25, "warning"), (2.5, "error")])
def test_upscale(clean, scale, severity):
    ctx = replace(clean, preview_metrics=metrics(images=[image_metrics(scale=scale, scale_x=scale, scale_y=scale)]))
    finding = only(ctx, "upscale")
    assert finding.severity == severity
    assert f"{scale:.0%}" in finding.message


def test_no_upscale_at_100_percent_or_less(clean):
    ctx = replace(clean, preview_metrics=metrics(images=[image_metrics(scale=0.5, scale_x=0.5, scale_y=0.5)]))
    assert found(ctx, "upscale") == []


def test_aspect_mismatch_reads_the_replacement_image(clean, tmp_path):
    tall = png(tmp_path / "input" / "tall.png", (300, 400))
    finding = only(replace(clean, replacement_files={(COMP, 2): str(tall)}), "aspect-mismatch")
    assert finding.severity == "warning"
    assert finding.details["image_size"] == [300, 400] and finding.details["placeholder_size"] == [400, 300]


def test_aspect_within_ten_percent_passes(clean, tmp_path):
    near = png(tmp_path / "input" / "near.png", (420, 300))  # 1.40 against 1.33: 5 % off
    assert found(replace(clean, replacement_files={(COMP, 2): str(near)}), "aspect-mismatch") == []


def test_aspect_from_preview_metrics_when_no_replacement_file(clean):
    ctx = replace(clean, replacement_files={}, preview_metrics=metrics(images=[image_metrics(source_size=[100, 300])]))
    assert only(ctx, "aspect-mismatch").details["image_size"] == [100, 300]


# --------------------------------------------------------------------------------------------
# layered-footage-left, all-caps-text, renderer-not-classic


def psd_footage_layers(tmp_path: Path) -> tuple[TemplateLayer, ...]:
    layered = Footage(id=50, name="logo/brand.psd", path="/Volumes/x/brand.psd", missing=False, psd_layer="logo")
    return (*layers(tmp_path), TemplateLayer(4, "logo", "footage", source=layered, placeholder=False))


def test_layered_footage_left(clean, tmp_path):
    ctx = replace(clean, template=template(tmp_path, psd_footage_layers(tmp_path)))
    finding = only(ctx, "layered-footage-left")
    assert (finding.severity, finding.layer_index) == ("warning", 4)
    assert "brand.psd" in finding.message


def test_layered_footage_replaced_is_not_left(clean, tmp_path):
    ctx = replace(clean, template=template(tmp_path, psd_footage_layers(tmp_path)))
    logo = png(tmp_path / "input" / "logo.png", (100, 100))
    ctx = replace(ctx, replacement_files={**ctx.replacement_files, (COMP, 4): str(logo)})
    assert found(ctx, "layered-footage-left") == []


def test_all_caps_text(clean, tmp_path):
    finding = only(with_layer(clean, tmp_path, 1, all_caps=True), "all-caps-text")
    assert finding.severity == "warning"
    assert "'HELLO'" in finding.message


def test_all_caps_with_upper_case_text_is_info(clean, tmp_path):
    psd = replace(PSD, layers=(replace(PSD.layers[0], text="HELLO"), PSD.layers[1]))
    assert only(replace(with_layer(clean, tmp_path, 1, all_caps=True), psd=psd), "all-caps-text").severity == "info"


@pytest.mark.parametrize("caps", [False, None])
def test_no_all_caps(clean, tmp_path, caps):
    assert found(with_layer(clean, tmp_path, 1, all_caps=caps), "all-caps-text") == []


@pytest.mark.parametrize(("renderer", "label"), [("ADBE Ernst", "Cinema 4D"), ("ADBE Calder", "Advanced 3D")])
def test_renderer_not_classic(clean, tmp_path, renderer, label):
    finding = only(replace(clean, template=template(tmp_path, renderer=renderer)), "renderer-not-classic")
    assert finding.severity == "warning" and label in finding.message


@pytest.mark.parametrize("renderer", ["ADBE Escher", "ADBE Advanced 3d", None])
def test_classic_or_unrecorded_renderer_passes(clean, tmp_path, renderer):
    assert found(replace(clean, template=template(tmp_path, renderer=renderer)), "renderer-not-classic") == []


def test_renderer_of_a_composition_that_does_not_render_is_ignored(clean, tmp_path):
    other = Composition(id=11, name="Alt", width=10, height=10, renderer="ADBE Ernst")
    assert found(replace(clean, template=template(tmp_path, extra=(other,))), "renderer-not-classic") == []


def test_precomp_reached_by_a_render_composition_renders(clean, tmp_path):
    inner = Composition(id=11, name="Inner", width=10, height=10, renderer="ADBE Ernst")
    precomp = TemplateLayer(4, "Inner", "precomp", source=Footage(id=11, name="Inner", kind="composition"))
    ctx = replace(clean, template=template(tmp_path, (*layers(tmp_path), precomp), extra=(inner,)))
    assert only(ctx, "renderer-not-classic").composition == "Inner"


# --------------------------------------------------------------------------------------------
# HTML


def test_html_escapes_hostile_names(clean, tmp_path):
    hostile = "<script>alert(1)</script>"
    ctx = with_layer(clean, tmp_path, 1, name=hostile, font="<b>Evil</b>")
    ctx = replace(ctx, render_fonts=frozenset({"Futura-Medium"}), output_name='<img src=x onerror="x">')
    report = validate(ctx)
    page = render_html(report, title="Job <script>1</script>")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page and "<b>Evil" not in page
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert "Blocked" in page


def test_html_lists_every_finding_grouped_by_severity(clean, tmp_path):
    ctx = replace(
        clean,
        matches=(replace(MATCHES[0], confidence=0.3), MATCHES[1]),
        template=template(tmp_path, renderer="ADBE Calder"),
        render_fonts=None,
    )
    report = validate(ctx)
    page = render_html(report, title="Job 1")
    assert page.index("Errors") < page.index("Warnings")
    for finding in report.findings:
        assert finding.rule in page
    assert "Not checked" in page and "font-missing" in page


def test_html_of_a_clean_report(clean):
    page = render_html(ValidationReport(()), title="Clean")
    assert "Ready to render" in page and "<table" not in page


# --------------------------------------------------------------------------------------------
# The preview renderer's real metrics


def test_real_preview_metrics_feed_the_rules(clean, tmp_path, monkeypatch):
    from jobs.formats.preview import render_previews
    from jobs.formats.render_plan import build_render_plan

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", Image.MAX_IMAGE_PIXELS)
    small = png(tmp_path / "input" / "small.png", (100, 75))  # into a 400x300 box: 400 %
    # The photo placeholder's transform as a real template records it (identity: its source's
    # pixels are composition pixels), so the plan can place the image.
    comp = clean.template.compositions[0]
    placed = tuple(
        replace(layer, matrix=(1.0, 0.0, 0.0, 1.0, 0.0, 0.0), anchor=(0.0, 0.0), position=(0.0, 0.0),
                scale=(100.0, 100.0), rotation=0.0) if layer.index == 2 else layer
        for layer in comp.layers
    )
    template_doc = replace(clean.template, compositions=(replace(comp, layers=placed),))
    plan = build_render_plan(template=template_doc, psd=PSD, matches=MATCHES, image_sizes={8: (100, 75)})
    result = render_previews(
        plan=plan,
        template=template_doc,
        psd=PSD,
        matches=MATCHES,
        layer_images={8: small},
        flattened=None,
        out_dir=tmp_path / "preview",
    )
    ctx = replace(clean, preview_metrics=result.metrics, replacement_files={(COMP, 2): str(small)})
    finding = only(ctx, "upscale")
    assert finding.severity == "error" and finding.details["scale"] == 4.0


# --------------------------------------------------------------------------------------------
# A real After Effects project


def test_real_template_footage_is_relinked_from_the_input_roots(shared_fixtures):
    from jobs.formats.aep import read_template

    real = read_template(shared_fixtures / "aepx" / "split-screen.aepx")
    ctx = ValidationContext(
        template=real,
        psd=PSD,
        render_compositions=("test-aep",),
        render_fonts=frozenset({"RUSHFLOW"}),
        input_roots=(shared_fixtures / "aepx",),
        preview_metrics=metrics(texts=[], images=[]),
    )
    report = validate(ctx)
    blocking = [f for f in report.errors if f.rule == "footage-missing"]
    # input roots are resolved (../shared may be a symbolic link): compare resolved paths
    assert sorted(Path(f.fix.new_path).resolve() for f in blocking) == [
        (shared_fixtures / "aepx" / "footage" / "cutout.png").resolve(),
        (shared_fixtures / "aepx" / "footage" / "green_yellow_bg.png").resolve(),
    ]
    # The disabled pre-comp layer does not render: its layered PSD footage is only noted.
    assert {f.severity for f in found(ctx, "layered-footage-left")} == {"info"}
    assert found(ctx, "renderer-not-classic") == []  # the file records "ADBE Escher", Classic 3D
    fixed = relinked(real, apply_fixes(report, real))
    assert [f for f in validate(replace(ctx, template=fixed)).errors if f.rule == "footage-missing"] == []
