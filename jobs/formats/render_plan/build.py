"""Build a job's :class:`~.model.RenderPlan` from the template and PSD descriptions and the
approved matches: the one computation behind the preview, the script and the render jobs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from ..descriptions import Footage, Match, PsdDocument, TemplateDocument
from .collect import Located, collect_files, template_bundle_path
from .composition import render_composition
from .footage import place_footage
from .model import FootagePlacement, PlanNote, RenderPlan, TextPlacement
from .text import place_text


def bundle_image(psd_layer_id: int) -> str:
    """Where a PSD layer's PNG sits in the deploy bundle (paths in the plan are relative to it)."""
    return f"assets/layer-{psd_layer_id}.png"


def build_render_plan(
    *,
    template: TemplateDocument,
    psd: PsdDocument,
    matches: Sequence[Match],
    image_sizes: Mapping[int, tuple[int, int]],
    template_path: str | None = None,
    locate: Callable[[Footage], Located | None] | None = None,
) -> RenderPlan:
    """The render plan of these approved matches.

    ``image_sizes`` gives each exported PSD layer's PNG size (Stage 1). A match without a PSD
    layer places nothing; a match whose composition or layer the template lacks, or whose
    image was not exported, is left out with an error note (the script would fail on it).
    With ``template_path`` and ``locate`` (where a footage file is on this machine, inside the
    input roots), the plan also collects the template and the footage it renders.
    """
    footage: list[FootagePlacement] = []
    texts: list[TextPlacement] = []
    notes: list[PlanNote] = []
    filled: set[tuple[str, int]] = set()
    for match in matches:
        if match.psd_layer_id is None:
            continue
        comp = template.composition(match.composition)
        layer = comp.layer(match.layer_index) if comp is not None else None
        if comp is None or layer is None:
            notes.append(PlanNote("placeholder_missing",
                                  f"The template has no layer {match.layer_index} ({match.placeholder}) in "
                                  f"{match.composition!r}.", match.composition, match.placeholder, "error"))
            continue
        if match.placeholder_type == "text":
            psd_layer = psd.layer(match.psd_layer_id)
            text = (psd_layer.text or "") if psd_layer is not None else ""
            placed, found = place_text(composition=comp, layer=layer, psd_layer_id=match.psd_layer_id, text=text)
            texts.append(placed)
        else:
            size = image_sizes.get(match.psd_layer_id)
            if not size or size[0] <= 0 or size[1] <= 0:
                notes.append(PlanNote("image_missing",
                                      f"PSD layer {match.psd_layer or match.psd_layer_id} has no exported image.",
                                      comp.name, layer.name, "error"))
                continue
            placed, found = place_footage(composition=comp, layer=layer, psd_layer_id=match.psd_layer_id,
                                          image=bundle_image(match.psd_layer_id), image_size=size, fit=match.fit)
            footage.append(placed)
        notes.extend(found)
        filled.add((comp.name, layer.index))
    main = render_composition(template, filled)
    files = []
    if locate is not None:
        files, found = collect_files(template, replaced=filled, locate=locate)
        notes.extend(found)
    return RenderPlan(
        composition=main.name if main is not None else None,
        width=main.width if main is not None else 0,
        height=main.height if main is not None else 0,
        frame_rate=main.frame_rate if main is not None else 30.0,
        duration=main.duration if main is not None else 0.0,
        footage=tuple(footage),
        texts=tuple(texts),
        notes=tuple(notes),
        template_file=template_bundle_path(template_path) if template_path else None,
        files=tuple(files),
    )
