"""``manage.py inspect_template FILE [--json]``: describe an After Effects template.

With ``--json`` it prints the Template description of ``docs/interchange.md`` (indent 2);
without, a readable tree: compositions, then their layers with index, type, name, text and
font, source path and a MISSING flag. A bad file exits 1 with a one-line reason.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jobs.formats.aep import read_template
from jobs.formats.descriptions import Composition, TemplateDocument, TemplateLayer
from jobs.formats.errors import FormatError
from jobs.formats.limits import DEFAULT_LIMITS, Limits


def _limits() -> Limits:
    return Limits(max_file_bytes=getattr(settings, "AEA_MAX_FILE_BYTES", DEFAULT_LIMITS.max_file_bytes))


class Command(BaseCommand):
    help = "Describe an After Effects template (.aepx or .aep): compositions, layers, footage, fonts."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .aepx or .aep file")
        parser.add_argument("--json", action="store_true", help="print the Template description JSON")

    def handle(self, *args, **options):
        try:
            document = read_template(options["file"], limits=_limits())
        except FormatError as exc:
            raise CommandError(str(exc), returncode=1) from None
        if options["json"]:
            self.stdout.write(json.dumps(document.to_dict(), indent=2, ensure_ascii=False))
        else:
            self.stdout.write("\n".join(render_tree(document)))


def render_tree(document: TemplateDocument) -> list[str]:
    """The readable form: one header line, each composition and its layers, then footage."""
    version = f", After Effects {document.ae_version}" if document.ae_version else ""
    lines = [f"{document.source} ({document.format}{version}) sha256 {document.sha256[:12]}"]
    for comp in document.compositions:
        lines.append("")
        lines.extend(_composition_lines(comp))
    missing_paths = list(dict.fromkeys(item.path for item in document.footage if item.missing and item.path))
    lines.append("")
    lines.append(f"Footage: {len(document.footage)} item(s), {len(missing_paths)} file(s) missing here")
    for path in missing_paths:
        lines.append(f"  MISSING {path}")
    lines.append(f"Fonts: {', '.join(document.fonts) if document.fonts else '(none)'}")
    return lines


def _composition_lines(comp: Composition) -> list[str]:
    head = f'Composition "{comp.name}"  {comp.width}x{comp.height}  {comp.frame_rate:g} fps  {comp.duration:g} s'
    lines = [head]
    if not comp.layers:
        lines.append("  (no layers)")
    for layer in comp.layers:
        lines.append("  " + _layer_line(layer))
    return lines


def _layer_line(layer: TemplateLayer) -> str:
    parts = [f"{layer.index:>3}", f"{layer.type:<10}", layer.name or '""']
    if layer.text is not None:
        text = layer.text.replace("\n", " / ")
        parts.append(f'"{text[:60]}{"…" if len(text) > 60 else ""}"')
        if layer.font:
            size = f" {layer.font_size:g}pt" if layer.font_size else ""
            parts.append(f"[{layer.font}{size}]")
    source = layer.source
    if source is not None:
        if source.kind == "composition":
            parts.append(f'<- comp "{source.name}"')
        elif source.path:
            parts.append(f"<- {source.path}")
        else:
            parts.append(f"<- {source.kind} {source.name}")
        if source.missing:
            parts.append("MISSING")
    if not layer.enabled:
        parts.append("(disabled)")
    if layer.placeholder:
        parts.append("*placeholder")
    return "  ".join(parts)
