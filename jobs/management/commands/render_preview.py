"""``manage.py render_preview TEMPLATE [--psd PSD] [--matches MATCHES.json] [--composition NAME]
--out FILE.webp|FILE.mp4 [--fps N] [--width PX] [--json]``: the motion preview of a template.

Renders the composition (by default the render plan's top-level composition) over its
duration with :func:`jobs.formats.motion.render.render_motion`: without ``--psd`` the
template as it is; with ``--psd`` (a Photoshop file, whose layers are exported to a temporary
folder, or a PSD description ``.json``, which has no images) populated with the auto-matched
layers, or with the matches of ``--matches`` (the matching JSON ``match_layers --json``
prints). ``TEMPLATE`` is an ``.aepx``/``.aep`` file or a template description ``.json``.
Template footage is read from inside the template's folder only (a missing file relinked by
name there, as the render plan collects it).

Writes an animated WebP (Pillow) or an MP4 (H.264 through the PyAV wheel), then prints the
metrics: a summary, the layers left out or approximated with the reason, text overflow over
time; ``--json`` prints them as JSON instead. A bad file or argument exits 1 with a one-line
reason.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jobs.formats.descriptions import Match, MatchResult
from jobs.formats.errors import FormatError
from jobs.formats.matching import match_layers
from jobs.formats.motion.encode import FORMATS, EncodeError, write_frames
from jobs.formats.motion.render import MotionError, render_motion
from jobs.formats.render_plan import build_render_plan
from jobs.formats.template_rules.footage import footage_locator

from .match_layers import _limits, _read_json, load_psd, load_template

SCAN_LIMIT = 2000  # files looked at when relinking template footage by name
MAX_WIDTH = 3840


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=1)


def _matches(path: str) -> list[Match]:
    data = _read_json(path)
    items = data if isinstance(data, list) else data.get("matches") if isinstance(data, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise _fail(f"{path}: not a matching JSON (expected 'matches', a list of objects)")
    try:
        return list(MatchResult.from_dict({"matches": items}).matches)
    except (TypeError, ValueError, KeyError) as exc:
        raise _fail(f"{path}: bad match: {exc}") from None


def _font_files() -> dict[str, Path]:
    folder = Path(settings.AEA_FONT_DIR) if getattr(settings, "AEA_FONT_DIR", None) else None
    if folder is None or not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.iterdir()) if p.suffix.lower() in (".ttf", ".otf", ".ttc")}


class Command(BaseCommand):
    help = "Render a template's composition over time (animated WebP or MP4), populated from a PSD if given."

    def add_arguments(self, parser):
        parser.add_argument("template", help="an .aepx/.aep file or a template description .json")
        parser.add_argument("--psd", help="a .psd/.psb file or a PSD description .json")
        parser.add_argument("--matches", help="matching JSON (match_layers --json); default: auto-match")
        parser.add_argument("--composition", help="the composition to render (default: the render plan's)")
        parser.add_argument("--out", required=True, help="FILE.webp or FILE.mp4")
        parser.add_argument("--fps", type=float, default=10.0, help="frames per second (default 10)")
        parser.add_argument("--width", type=int, default=480, help="largest frame width in pixels (default 480)")
        parser.add_argument("--json", action="store_true", help="print the metrics as JSON")

    def handle(self, *args, **options):
        out = Path(options["out"])
        if out.suffix.lower() not in FORMATS:
            raise _fail(f"{out}: the output must end in .webp or .mp4")
        if not out.parent.is_dir():
            raise _fail(f"{out.parent}: no such folder")
        if not 0 < options["fps"] <= 60:
            raise _fail(f"--fps must be in (0, 60], not {options['fps']:g}")
        if not 0 < options["width"] <= MAX_WIDTH:
            raise _fail(f"--width must be in 1..{MAX_WIDTH}, not {options['width']}")
        if options["matches"] and not options["psd"]:
            raise _fail("--matches needs --psd (the matches name its layers)")
        template_path = options["template"]
        if not Path(template_path).is_file():
            raise _fail(f"{template_path}: no such file")
        template = load_template(template_path)
        with tempfile.TemporaryDirectory(prefix="aea-motion-") as tmp:
            psd, images = self._psd(options["psd"], Path(tmp), template)
            matches = _matches(options["matches"]) if options["matches"] else (
                list(match_layers(psd, template).matches) if options["psd"] else [])
            if options["composition"] and template.composition(options["composition"]) is None:
                raise _fail(f"{template_path}: the template has no composition {options['composition']!r}")
            root = Path(template_path).resolve().parent
            sizes = {layer_id: size for layer_id, (_, size) in images.items()}
            plan = build_render_plan(template=template, psd=psd, matches=matches, image_sizes=sizes,
                                     template_path=template_path,
                                     locate=footage_locator(template, [root], SCAN_LIMIT))
            try:
                result = render_motion(
                    plan=plan, template=template, psd=psd, matches=matches,
                    layer_images={layer_id: path for layer_id, (path, _) in images.items()},
                    composition=options["composition"], fps=options["fps"], width=options["width"],
                    font_files=_font_files(), footage_roots=[root],
                    footage_paths={f.recorded_path: f.local_path for f in plan.files}, limits=_limits(),
                )
                write_frames(result.frames, out, options["fps"])
            except (MotionError, EncodeError) as exc:
                raise _fail(f"{template_path}: {exc}") from None
            except OSError as exc:
                raise _fail(f"{out}: cannot write: {exc}") from None
        metrics = {**result.metrics, "out": str(out), "bytes": out.stat().st_size}
        if options["json"]:
            self.stdout.write(json.dumps(metrics, indent=2, ensure_ascii=False))
        else:
            self.stdout.write("\n".join(summary(metrics)))

    def _psd(self, path: str | None, tmp: Path, template):
        """The PSD description and, for a Photoshop file, its exported layer images."""
        from jobs.formats.descriptions import PsdDocument

        if path is None:
            return PsdDocument(source="", width=0, height=0), {}
        if not Path(path).is_file():
            raise _fail(f"{path}: no such file")
        if Path(path).suffix.lower() == ".json":
            return load_psd(path), {}
        from jobs.formats.psd.export import export_psd

        try:
            exported = export_psd(path, tmp, limits=_limits())
        except FormatError as exc:
            raise _fail(str(exc)) from None
        images = {img.layer_id: (img.path, (img.width, img.height))
                  for img in exported.images if img.role == "layer" and img.layer_id is not None}
        return exported.document, images


def summary(metrics: dict) -> list[str]:
    """The readable form of the metrics."""
    lines = [
        f"composition: {metrics['composition']}",
        f"written: {metrics['out']} ({metrics['bytes']} bytes)",
        f"duration {metrics['duration']:g} s, {metrics['frames']} frames at {metrics['fps']:g} fps "
        f"({metrics['frames_drawn']} drawn, the rest repeat the frame before), {metrics['width']}x{metrics['height']}",
        f"render time {metrics['render_seconds']:.2f} s ({metrics['static_layers']} static layer(s) drawn once)",
        f"layers drawn: {len(metrics['drawn'])}",
    ]
    for kind, title in (("left_out", "left out"), ("approximated", "approximated")):
        lines.append(f"{title}: {len(metrics[kind])}")
        lines += [f"  {n['composition']} #{n['index']} {n['name']} ({n['type']}): {n['reason']}" for n in metrics[kind]]
    lines.append(f"not drawn anywhere: {metrics['not_described']}")
    overflow = metrics["text_overflow"]
    lines.append(f"text overflow: {len(overflow) or 'none'}")
    lines += [f"  {o['layer']}: {o['frames']} frame(s), {o['first']:g}-{o['last']:g} s" for o in overflow]
    lines.append(f"warnings: {len(metrics['warnings'])}")
    lines += [f"  [{w['severity']}] {w['message']}" for w in metrics["warnings"]]
    return lines
