"""``manage.py match_layers --psd P --template T [--json] [--threshold X]``: match PSD layers
to a template's placeholders.

``P`` is a Photoshop file or a PSD description (``.json``); ``T`` an After Effects template or
a template description (``.json``). A description needs only the fields the matcher uses
(``docs/interchange.md``, "Layer matching").

With ``--json`` it prints the matching JSON of interchange.md (indent 2); without, a table:
composition, placeholder, the PSD layer it gets, confidence, a REVIEW flag below the
threshold, and the reason; then the PSD layers no composition uses. A bad file or bad JSON
exits 1 with a one-line reason.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jobs.formats.descriptions import MatchResult, PsdDocument, TemplateDocument
from jobs.formats.errors import FormatError
from jobs.formats.limits import DEFAULT_LIMITS, Limits
from jobs.formats.matching import match_layers

MAX_DESCRIPTION_BYTES = 20 * 1024 * 1024


class Command(BaseCommand):
    help = "Match a PSD's layers to a template's placeholders (files or description JSON)."

    def add_arguments(self, parser):
        parser.add_argument("--psd", required=True, help="a .psd/.psb file or a PSD description .json")
        parser.add_argument(
            "--template", required=True, help="an .aepx/.aep file or a template description .json"
        )
        parser.add_argument("--json", action="store_true", help="print the matching JSON")
        parser.add_argument(
            "--threshold",
            type=float,
            default=None,
            help="review threshold in [0, 1] (default: the AEA_MATCH_REVIEW_THRESHOLD setting or 0.6)",
        )

    def handle(self, *args, **options):
        threshold = options["threshold"]
        if threshold is None:
            threshold = float(getattr(settings, "AEA_MATCH_REVIEW_THRESHOLD", 0.6))
        if not 0.0 <= threshold <= 1.0:
            raise CommandError(f"--threshold must be between 0 and 1, not {threshold}", returncode=1)
        psd = load_psd(options["psd"])
        template = load_template(options["template"])
        result = match_layers(psd, template, threshold=threshold)
        if options["json"]:
            self.stdout.write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        else:
            self.stdout.write("\n".join(render_table(result, psd, threshold)))


# --------------------------------------------------------------------------------------------
# Input


def _limits() -> Limits:
    return Limits(
        max_file_bytes=getattr(settings, "AEA_MAX_FILE_BYTES", DEFAULT_LIMITS.max_file_bytes),
        max_alloc_bytes=getattr(settings, "AEA_MAX_ALLOC_BYTES", DEFAULT_LIMITS.max_alloc_bytes),
        max_pixels=getattr(settings, "AEA_MAX_PIXELS", DEFAULT_LIMITS.max_pixels),
    )


def _is_description(path: str) -> bool:
    return Path(path).suffix.lower() == ".json"


def load_psd(path: str) -> PsdDocument:
    """A PSD description from a description JSON or, through the PSD reader, a PSD file."""
    if _is_description(path):
        data = _read_json(path)
        _check_psd_description(data, path)
        return _build(PsdDocument.from_dict, data, path, "PSD description")
    from jobs.formats.psd import read_psd  # written alongside; imported only when needed

    try:
        return read_psd(path, limits=_limits())
    except FormatError as exc:
        raise CommandError(str(exc), returncode=1) from None


def load_template(path: str) -> TemplateDocument:
    """A template description from a description JSON or, through the reader, a template."""
    if _is_description(path):
        data = _read_json(path)
        _check_template_description(data, path)
        return _build(TemplateDocument.from_dict, data, path, "template description")
    from jobs.formats.aep import read_template  # written alongside; imported only when needed

    try:
        return read_template(path, limits=_limits())
    except FormatError as exc:
        raise CommandError(str(exc), returncode=1) from None


def _read_json(path: str):
    """Parse a JSON file, or fail with a one-line reason naming it."""
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > MAX_DESCRIPTION_BYTES:
            raise CommandError(f"{path}: description is too large ({size} bytes)", returncode=1)
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file", returncode=1) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: cannot read: {exc}", returncode=1) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"{path}: bad JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", returncode=1
        ) from None


def _fail(path: str, message: str) -> CommandError:
    return CommandError(f"{path}: {message}", returncode=1)


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_box(value, path: str, where: str) -> None:
    if value is None:
        return
    if not isinstance(value, list) or len(value) != 4 or not all(_number(v) for v in value):
        raise _fail(path, f"{where}: bbox must be [left, top, right, bottom] or null")


def _check_psd_description(data, path: str) -> None:
    """The fields the matcher reads must be there and of the right type."""
    if not isinstance(data, dict):
        raise _fail(path, "not a PSD description (expected a JSON object)")
    for key in ("width", "height"):
        if not _number(data.get(key)) or data[key] <= 0:
            raise _fail(path, f"not a PSD description: '{key}' must be a positive number")
    layers = data.get("layers", [])
    if not isinstance(layers, list):
        raise _fail(path, "'layers' must be a list")
    for n, layer in enumerate(layers, start=1):
        where = f"layer {n}"
        if not isinstance(layer, dict):
            raise _fail(path, f"{where} is not an object")
        if not isinstance(layer.get("id"), int) or isinstance(layer.get("id"), bool):
            raise _fail(path, f"{where}: 'id' must be an integer")
        for key in ("name", "kind"):
            if not isinstance(layer.get(key), str):
                raise _fail(path, f"{where}: '{key}' must be a string")
        _check_box(layer.get("bbox"), path, where)
        if layer.get("text") is not None and not isinstance(layer["text"], str):
            raise _fail(path, f"{where}: 'text' must be a string or null")


def _check_template_description(data, path: str) -> None:
    """The fields the matcher reads must be there and of the right type."""
    if not isinstance(data, dict) or not isinstance(data.get("compositions"), list):
        raise _fail(path, "not a template description (expected an object with 'compositions')")
    for c, comp in enumerate(data["compositions"], start=1):
        if not isinstance(comp, dict) or not isinstance(comp.get("name"), str):
            raise _fail(path, f"composition {c}: 'name' must be a string")
        for key in ("width", "height"):
            if not _number(comp.get(key)) or comp[key] <= 0:
                raise _fail(path, f"composition {comp['name']!r}: '{key}' must be a positive number")
        if not isinstance(comp.get("layers", []), list):
            raise _fail(path, f"composition {comp['name']!r}: 'layers' must be a list")
        for n, layer in enumerate(comp.get("layers", []), start=1):
            where = f"composition {comp['name']!r} layer {n}"
            if not isinstance(layer, dict):
                raise _fail(path, f"{where} is not an object")
            if not isinstance(layer.get("index"), int) or isinstance(layer.get("index"), bool):
                raise _fail(path, f"{where}: 'index' must be an integer")
            for key in ("name", "type"):
                if not isinstance(layer.get(key), str):
                    raise _fail(path, f"{where}: '{key}' must be a string")
            _check_box(layer.get("bbox"), path, where)
            if layer.get("source") is not None and not isinstance(layer["source"], dict):
                raise _fail(path, f"{where}: 'source' must be an object or null")


def _build(reader, data, path: str, what: str):
    """Read a checked description, turning what the dataclasses refuse into one line."""
    try:
        return reader(data)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise _fail(path, f"bad {what}: {exc}") from None


# --------------------------------------------------------------------------------------------
# Output


def render_table(result: MatchResult, psd: PsdDocument, threshold: float) -> list[str]:
    """The readable form: one row per placeholder, then the unused PSD layers."""
    headers = ("composition", "placeholder", "→ PSD layer", "confidence", "flag", "reason")
    rows = []
    for m in result.matches:
        layer = "—" if m.psd_layer_id is None else f"{m.psd_layer} (id {m.psd_layer_id})"
        flag = "REVIEW" if m.confidence < threshold else ""
        rows.append((m.composition, m.placeholder, layer, f"{m.confidence:.2f}", flag, m.reason))
    widths = [
        min(40, max([len(h)] + [len(r[i]) for r in rows])) for i, h in enumerate(headers[:-1])
    ]
    lines = [_row(headers, widths), _row(tuple("-" * w for w in widths) + ("------",), widths)]
    lines += [_row(r, widths) for r in rows]
    if not rows:
        lines.append("(no placeholders)")
    flagged = sum(1 for m in result.matches if m.confidence < threshold)
    lines.append("")
    lines.append(f"{len(rows)} placeholder(s), {flagged} below the review threshold {threshold:g}")
    names = {layer.id: layer.name for layer in psd.layers}
    unused = ", ".join(f"{names.get(i, '?')} (id {i})" for i in result.unmatched_psd_layers)
    lines.append(f"unused PSD layers: {unused or 'none'}")
    return lines


def _row(cells, widths) -> str:
    fitted = [_fit(cell, width) for cell, width in zip(cells, widths)]
    return "  ".join(fitted + list(cells[len(widths):])).rstrip()


def _fit(text: str, width: int) -> str:
    text = text.replace("\n", " ")
    return (text[: width - 1] + "…" if len(text) > width else text).ljust(width)
