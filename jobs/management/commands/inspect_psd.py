"""``manage.py inspect_psd FILE [--json]``: describe a Photoshop file (PSD or PSB).

With ``--json`` it prints the PSD description of ``docs/interchange.md`` (indent 2);
without, a readable tree: one line per layer, indented under its group, with kind, name, box
and, for type layers, text, font and size. A bad file exits 1 with a one-line reason.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jobs.formats.descriptions import PsdDocument, PsdLayer
from jobs.formats.errors import FormatError
from jobs.formats.limits import DEFAULT_LIMITS, Limits
from jobs.formats.psd import read_psd


def _limits() -> Limits:
    return Limits(
        max_file_bytes=getattr(settings, "AEA_MAX_FILE_BYTES", DEFAULT_LIMITS.max_file_bytes),
        max_alloc_bytes=getattr(settings, "AEA_MAX_ALLOC_BYTES", DEFAULT_LIMITS.max_alloc_bytes),
        max_pixels=getattr(settings, "AEA_MAX_PIXELS", DEFAULT_LIMITS.max_pixels),
    )


class Command(BaseCommand):
    help = "Describe a Photoshop file (.psd or .psb): size, colour mode and its layer tree."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .psd or .psb file")
        parser.add_argument("--json", action="store_true", help="print the PSD description JSON")

    def handle(self, *args, **options):
        if options["verbosity"] < 2:
            # psd-tools logs what it repairs in damaged files; the reason we print is enough.
            logging.getLogger("psd_tools").setLevel(logging.ERROR)
        try:
            document = read_psd(options["file"], limits=_limits())
        except FormatError as exc:
            raise CommandError(str(exc), returncode=1) from None
        if options["json"]:
            self.stdout.write(json.dumps(document.to_dict(), indent=2, ensure_ascii=False))
        else:
            self.stdout.write("\n".join(render_tree(document)))


def render_tree(document: PsdDocument) -> list[str]:
    """The readable form: a header line, then one line per layer, indented under its group."""
    lines = [
        f"{document.source}  {document.width}x{document.height}  {document.color_mode} "
        f"{document.depth}-bit  {len(document.layers)} layer(s)  sha256 {document.sha256[:12]}"
    ]
    depth: dict[int, int] = {}
    for layer in document.layers:
        level = 0 if layer.parent_id is None else depth.get(layer.parent_id, 0) + 1
        depth[layer.id] = level
        lines.append("  " * (level + 1) + _layer_line(layer))
    if not document.layers:
        lines.append("  (no layers)")
    return lines


def _layer_line(layer: PsdLayer) -> str:
    box = "[" + ", ".join(str(v) for v in layer.bbox) + "]" if layer.bbox is not None else "[]"
    parts = [f"{layer.kind:<12}", layer.name or '""', box, f"id {layer.id}"]
    if layer.text is not None:
        text = layer.text.replace("\n", " / ")
        parts.append(f'"{text[:60]}{"…" if len(text) > 60 else ""}"')
    if layer.font or layer.font_size:
        size = f" {layer.font_size:g}pt" if layer.font_size else ""
        parts.append(f"[{layer.font or '?'}{size}]")
    if layer.opacity < 1.0:
        parts.append(f"opacity {layer.opacity:.0%}")
    if not layer.visible:
        parts.append("(hidden)")
    return "  ".join(parts)
