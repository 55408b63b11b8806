"""Rules on compositions, layers and matches: what renders, which layers the job fills, and
whether the lookups by name that nexrender and ExtendScript make reach them."""

from __future__ import annotations

from collections.abc import Iterator

from .job import Job, clip, location_fields
from .model import Finding

# The 3D renderer match names that mean Classic 3D: "ADBE Escher" is what the project file
# records (its PRin chunk, beside the display name "Classic 3D"); "ADBE Advanced 3d" is what
# ExtendScript's CompItem.renderer reports.
CLASSIC_RENDERERS = frozenset({"ADBE Escher", "ADBE Advanced 3d"})
RENDERER_NAMES = {
    "ADBE Picasso": "Ray-traced 3D",
    "ADBE Ernst": "Cinema 4D",
    "ADBE Calder": "Advanced 3D",
}


def render_comp_missing(job: Job) -> Iterator[Finding]:
    """A composition to render is not in the template, or its name is ambiguous (two
    compositions share it, and a lookup by name takes the first), or there is none."""
    counts: dict[str, int] = {}
    for comp in job.template.compositions:
        counts[comp.name] = counts.get(comp.name, 0) + 1
    available = sorted(counts)
    if not job.render_names:
        yield Finding(
            "render-comp-missing",
            "error",
            "No composition would render: no placeholder is filled and no render composition was named.",
            details={"available": available},
        )
    for name in job.render_names:
        if counts.get(name, 0) == 0:
            yield Finding(
                "render-comp-missing",
                "error",
                f"Render composition {name!r} is not in the template {job.template.source!r}.",
                composition=name,
                details={"available": available},
            )
        elif counts[name] > 1:
            yield Finding(
                "render-comp-missing",
                "error",
                f"Render composition {name!r} is ambiguous: {counts[name]} compositions have that name.",
                composition=name,
                details={"count": counts[name]},
            )


def match_target_missing(job: Job) -> Iterator[Finding]:
    """A match or replacement file names a layer its composition does not have, or a PSD layer
    id the PSD does not have (the job would fill the wrong layer, or nothing)."""
    for key in job.targets:
        comp = job.compositions.get(key[0])
        if comp is not None and comp.layer(key[1]) is None:
            yield Finding(
                "match-target-missing",
                "error",
                f"Composition {key[0]!r} has no layer {key[1]}, which the job fills.",
                composition=key[0],
                layer_index=key[1],
            )
    for key, match in job.filled.items():
        if job.ctx.psd.layer(match.psd_layer_id) is None:
            yield Finding(
                "match-target-missing",
                "error",
                f"Layer {match.placeholder!r} in {key[0]!r} is matched to PSD layer id {match.psd_layer_id}, "
                f"which {job.ctx.psd.source!r} does not have.",
                details={"psd_layer_id": match.psd_layer_id},
                **location_fields(key[0], job.layer(key), key[1]),
            )


def layer_named_like_comp(job: Job) -> Iterator[Finding]:
    """A targeted layer has the name of a composition: lookups by name in nexrender and
    ExtendScript then find the composition item instead of the layer (or the reverse)."""
    for key in job.targets:
        layer = job.layer(key)
        if layer is not None and layer.name in job.compositions:
            yield Finding(
                "layer-named-like-comp",
                "error",
                f"Layer {layer.index} {layer.name!r} in {key[0]!r} has the name of a composition; rename one of them.",
                **location_fields(key[0], layer),
            )


def duplicate_target_names(job: Job) -> Iterator[Finding]:
    """A lookup by a targeted layer's name cannot reach every layer it should: two targeted
    layers of one composition share a name, or a layer above the target (lower index) has it;
    a by-name lookup returns the topmost layer of that name."""
    seen: set[tuple[str, str]] = set()
    targets = set(job.targets)
    for key in job.targets:
        layer = job.layer(key)
        if layer is None or (key[0], layer.name) in seen:
            continue
        seen.add((key[0], layer.name))
        same = sorted(other.index for other in job.compositions[key[0]].layers if other.name == layer.name)
        targeted = [i for i in same if (key[0], i) in targets]
        if len(targeted) > 1 or same[0] not in targeted:
            yield Finding(
                "duplicate-target-names",
                "error",
                f"Composition {key[0]!r} has {len(same)} layers named {layer.name!r} (indexes "
                f"{', '.join(map(str, same))}); a lookup by name reaches only layer {same[0]}.",
                details={"indexes": same, "targeted": targeted},
                **location_fields(key[0], layer),
            )


def placeholder_unfilled(job: Job) -> Iterator[Finding]:
    """A placeholder in a composition that renders gets nothing from the PSD and no
    replacement file: the template's dummy text or image would render.

    Warning when the layer is enabled; info when it is disabled, or when a person approved the
    matching with it empty (the approval named it).
    """
    filled = set(job.targets)
    matched = {(m.composition, m.layer_index) for m in job.ctx.matches}
    accepted = {(m.composition, m.layer_index) for m in job.ctx.matches if m.psd_layer_id is None and m.confirmed}
    for comp in job.template.compositions:
        if comp.name not in job.rendered:
            continue
        for layer in comp.layers:
            key = (comp.name, layer.index)
            if key in filled or not (layer.placeholder or key in matched):
                continue
            state = "" if layer.enabled else " (disabled)"
            if key in accepted:
                state += " (left empty by the matching approval)"
            yield Finding(
                "placeholder-unfilled",
                "warning" if layer.enabled and key not in accepted else "info",
                f"Placeholder {layer.name!r}{state} in {comp.name!r} is not filled; "
                "the template's own content renders.",
                details={"type": layer.type},
                **location_fields(comp.name, layer),
            )


def low_confidence_unconfirmed(job: Job) -> Iterator[Finding]:
    """A match below the review threshold that no reviewer confirmed."""
    threshold = job.ctx.review_threshold
    for key, match in job.filled.items():
        if match.confidence < threshold and not match.confirmed:
            yield Finding(
                "low-confidence-unconfirmed",
                "error",
                f"Layer {match.placeholder!r} in {key[0]!r} is matched to PSD layer {match.psd_layer!r} "
                f"with confidence {match.confidence:.2f} (below {threshold:.2f}) and no reviewer confirmed it.",
                details={"confidence": match.confidence, "threshold": threshold, "reason": match.reason},
                **location_fields(key[0], job.layer(key), key[1]),
            )


def all_caps_text(job: Job) -> Iterator[Finding]:
    """A text layer that receives new text has All Caps set (where the file records it): the
    replacement text will show upper-cased.

    Warning when the replacement text has lower-case letters; info otherwise.
    """
    for key, match in job.filled.items():
        layer = job.layer(key)
        if layer is None or layer.type != "text" or layer.all_caps is not True:
            continue
        psd_layer = job.ctx.psd.layer(match.psd_layer_id)
        text = (psd_layer.text if psd_layer is not None else None) or ""
        lowered = text != text.upper()
        shown = "its text will show upper-cased."
        if lowered:
            shown = f"{clip(text)!r} will show as {clip(text.upper())!r}."
        yield Finding(
            "all-caps-text",
            "warning" if lowered else "info",
            f"Text layer {layer.name!r} in {key[0]!r} has All Caps: {shown}",
            details={"text": text},
            **location_fields(key[0], layer),
        )


def renderer_not_classic(job: Job) -> Iterator[Finding]:
    """A composition that renders uses a 3D renderer other than Classic 3D (where the file
    records it): Cinema 4D and Advanced 3D render differently and need more from the render
    node (GPU, the renderer installed)."""
    for comp in job.template.compositions:
        if comp.name not in job.rendered or comp.renderer is None or comp.renderer in CLASSIC_RENDERERS:
            continue
        label = RENDERER_NAMES.get(comp.renderer, comp.renderer)
        yield Finding(
            "renderer-not-classic",
            "warning",
            f"Composition {comp.name!r} uses the {label} renderer ({comp.renderer}), not Classic 3D.",
            composition=comp.name,
            details={"renderer": comp.renderer},
        )
