"""The ``font-missing`` rule: fonts the template or the PSD text uses that the render
machines do not have."""

from __future__ import annotations

from collections.abc import Iterator

from ..descriptions import Composition, TemplateLayer
from .job import Job, layer_refs, location_fields
from .model import Finding, RuleSkipped


def font_missing(job: Job) -> Iterator[Finding]:
    """A font (PostScript name) the template or the PSD text uses is not installed on the
    render machines.

    Error for a font of a text layer that renders (After Effects substitutes another font);
    info for a font only in the project's font list or in compositions that do not render, and
    for the PSD design's font (the render keeps the template layer's font and changes only the
    text). Names are compared case-insensitively.
    """
    if job.ctx.render_fonts is None:
        raise RuleSkipped("no render machine font list was given")
    installed = {name.casefold() for name in job.ctx.render_fonts}
    users: dict[str, list[tuple[Composition, TemplateLayer]]] = {}
    for comp in job.template.compositions:
        for layer in comp.layers:
            font = layer.font
            if layer.type == "text" and font and font.casefold() not in installed and job.renders(comp.name, layer):
                users.setdefault(font, []).append((comp, layer))
    for font, rendering in users.items():
        comp, layer = rendering[0]
        others = f" and {len(rendering) - 1} more layers" if len(rendering) > 1 else ""
        yield Finding(
            "font-missing",
            "error",
            f"Font {font!r} used by text layer {layer.name!r} in {comp.name!r}{others} "
            "is not installed on the render machines.",
            details={
                "font": font,
                "source": "template",
                "used_by": layer_refs(rendering),
            },
            **location_fields(comp.name, layer),
        )
    reported = set(users)
    yield from _unrendered_fonts(job, installed, reported)
    yield from _psd_fonts(job, installed, reported)


def _unrendered_fonts(job: Job, installed: set[str], reported: set[str]) -> Iterator[Finding]:
    """Template fonts no rendering layer uses."""
    names = list(job.template.fonts) + [
        layer.font for comp in job.template.compositions for layer in comp.layers if layer.type == "text" and layer.font
    ]
    for font in dict.fromkeys(names):
        if font.casefold() in installed or font in reported:
            continue
        reported.add(font)
        yield Finding(
            "font-missing",
            "info",
            f"Font {font!r} in the template is not installed on the render machines; no rendered layer uses it.",
            details={"font": font, "source": "template"},
        )


def _psd_fonts(job: Job, installed: set[str], reported: set[str]) -> Iterator[Finding]:
    """Fonts of PSD type layers matched into text placeholders."""
    for key, match in job.filled.items():
        psd_layer = job.ctx.psd.layer(match.psd_layer_id)
        font = psd_layer.font if psd_layer is not None else None
        if not font or font.casefold() in installed or font in reported or not job.is_text(key):
            continue
        reported.add(font)
        yield Finding(
            "font-missing",
            "info",
            f"Font {font!r} of PSD text layer {psd_layer.name!r} is not installed on the render machines; "
            f"the render keeps the font of layer {match.placeholder!r} in {key[0]!r}.",
            details={"font": font, "source": "psd", "psd_layer_id": psd_layer.id},
            **location_fields(key[0], job.layer(key), key[1]),
        )
