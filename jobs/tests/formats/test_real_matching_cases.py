"""The labelled matching cases built from the real Photoshop files (``bench/real_matching_cases.py``).

Checks that the cases are well formed (descriptions that round-trip, an answer for every
placeholder, answers that exist in the PSD and suit the placeholder), not how well the matcher
does on them (``bench/matching_bench.py`` measures that). Skipped when ``../shared/fixtures/psd``
is absent. Plain Python: ``pytest -p no:django jobs/tests/formats/test_real_matching_cases.py``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from jobs.formats.descriptions import PsdDocument, TemplateDocument
from jobs.formats.matching import FOOTAGE_KINDS, TEXT_KINDS

REPO = Path(__file__).resolve().parents[3]


def _load_module():
    spec = importlib.util.spec_from_file_location("real_matching_cases", REPO / "bench" / "real_matching_cases.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


real = _load_module()


@pytest.fixture
def psd_fixtures(shared_fixtures):
    """``../shared/fixtures/psd`` (the root conftest's ``shared_fixtures`` skips without ``../shared``)."""
    folder = shared_fixtures / "psd"
    if not folder.is_dir():
        pytest.skip(f"real Photoshop fixtures not found at {folder} (../shared/fixtures/psd)")
    return folder


@pytest.fixture
def cases(psd_fixtures):
    built = real.real_cases(psd_fixtures)
    if not built:
        pytest.skip(f"none of the files of the real matching cases is in {psd_fixtures}")
    return built


def test_every_case_is_well_formed(cases):
    names = [name for name, _ in cases]
    assert len(names) == len(set(names))
    for name, case in cases:
        assert case["category"] == "real", name
        psd = PsdDocument.from_dict(case["psd"])
        template = TemplateDocument.from_dict(case["template"])
        assert psd.to_dict() == case["psd"], name
        assert template.to_dict() == case["template"], name
        assert psd.layers and psd.width > 0 and psd.height > 0, name

        placeholders = {
            f"{comp.name}/{layer.index}": (comp, layer)
            for comp in template.compositions
            for layer in comp.layers
            if layer.type in ("text", "footage")
        }
        assert set(case["expected"]) == set(placeholders), name
        for key, want in case["expected"].items():
            comp, layer = placeholders[key]
            assert layer.bbox is not None, f"{name} {key}"
            left, top, right, bottom = layer.bbox
            assert 0 <= left < right <= comp.width and 0 <= top < bottom <= comp.height, f"{name} {key} {layer.bbox}"
            if layer.type == "footage":
                assert layer.source is not None and layer.source.width and layer.source.height, f"{name} {key}"
            else:
                assert layer.text, f"{name} {key}"
            if want is None:
                continue
            found = [psd_layer for psd_layer in psd.layers if psd_layer.id == want]
            assert len(found) == 1, f"{name} {key}: id {want} in the PSD {len(found)} times"
            kinds = TEXT_KINDS if layer.type == "text" else FOOTAGE_KINDS
            assert found[0].kind in kinds, f"{name} {key}: a {layer.type} placeholder cannot take {found[0].kind}"


def test_every_fixture_file_has_a_case_or_a_reason(cases, psd_fixtures):
    with_case = {spec.file for spec in real.SPECS}
    assert not with_case & set(real.NO_CASE)
    present = {path.name for path in psd_fixtures.iterdir() if path.suffix in (".psd", ".psb")}
    assert present <= with_case | set(real.NO_CASE), sorted(present - with_case - set(real.NO_CASE))
    built = {case["psd"]["source"] for _, case in cases}
    assert built == with_case & present


def test_absent_files_are_skipped(tmp_path):
    assert real.real_cases(tmp_path) == []
