"""Real After Effects projects from nexrender's own npm packages: ``@nexrender/action-lottie``
ships the bodymovin sound templates it renders with, saved by After Effects 2018 and 2020
(``make js`` installs them in jobs/tests/nexrender_core). Read by our decoder as py-aep reads
them (compositions, layers, timing and every layer's animation, property by property), and
``render_preview`` renders each composition over its whole duration without After Effects."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image

from jobs.formats.aep import read_template
from jobs.tests.formats.test_aep_animation import check_animation

py_aep = pytest.importorskip("py_aep", reason="py-aep (test oracle, requirements-dev.txt) is not installed")

TEMPLATES = (Path(__file__).resolve().parent / "nexrender_core" / "node_modules" / "@nexrender" / "action-lottie"
             / "lib" / "assets" / "templates")
NAMES = ("__bodymovin_sound_template.aep", "__bodymovin_sound_template_2018.aep")


@pytest.fixture(params=NAMES)
def template(request) -> Path:
    path = TEMPLATES / request.param
    if not path.is_file():
        pytest.skip(f"nexrender's templates are not installed at {TEMPLATES} (run: make js)")
    return path


def test_read_as_py_aep_reads_it(template):
    doc = read_template(template)
    project = py_aep.parse(str(template)).project
    theirs = {comp.name: comp for comp in project.compositions}
    assert [comp.name for comp in doc.compositions] == list(theirs)
    for comp in doc.compositions:
        other = theirs[comp.name]
        assert (comp.width, comp.height) == (other.width, other.height)
        assert comp.frame_rate == pytest.approx(other.frame_rate)
        assert comp.duration == pytest.approx(other.duration, abs=1e-6)
        assert len(comp.layers) == len(other.layers)
    counts = check_animation(doc, project)
    assert counts["layers"] == sum(len(comp.layers) for comp in doc.compositions)


def test_render_preview_draws_every_frame_within_480_pixels(template, tmp_path):
    doc = read_template(template)
    for comp in doc.compositions:
        out = tmp_path / f"{comp.name}.webp"
        call_command("render_preview", str(template), "--composition", comp.name, "--out", str(out), "--fps", "10",
                     "--width", "480", stdout=StringIO())
        with Image.open(out) as image:
            frames, width = image.n_frames, image.size[0]
        expected = 10 * comp.duration
        assert abs(frames - expected) <= max(1, 0.1 * expected), (comp.name, frames, expected)
        assert width == min(480, comp.width)
