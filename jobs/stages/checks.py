"""Stage 1's findings: what a reviewer should know about the job's files and its matching.

Computed from the PSD and template descriptions and the matches alone (no files, no database),
so they are computed again whenever the matching changes (:mod:`jobs.services` stores them with
each matching move), not only when Stage 1 runs. A template layer the job replaces is never
reported on, its missing original footage included: which layers are replaced is what the
matches say (a placeholder with a PSD layer), and which compositions render is the render
plan's own rule (:func:`~jobs.formats.render_plan.render_composition`); nothing is decided from
names. Severities come from :mod:`jobs.warning_codes`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from django.conf import settings

from ..formats.descriptions import Composition, Footage, Match, PsdDocument, TemplateDocument, TemplateLayer
from ..formats.render_plan.composition import precomp_of, render_composition
from ..models import Job
from ..warning_codes import CODES, INFO, WARNING, severity_of

Key = tuple[str, int]  # (composition name, layer index)

# The codes these checks store (their open warnings are replaced each time they run).
CHECK_CODES = frozenset(code for code, entry in CODES.items() if entry.stage == 1)


def filled_layers(matches: Iterable[Match]) -> set[Key]:
    """The template layers the job replaces: placeholders a match gives a PSD layer."""
    return {(m.composition, m.layer_index) for m in matches if m.psd_layer_id is not None}


def rendered_compositions(template: TemplateDocument, filled: Collection[Key]) -> set[str]:
    """The composition the render plan will render for ``filled`` and every composition its
    enabled precomp layers reach."""
    main = render_composition(template, set(filled))
    seen: set[str] = set()
    stack: list[Composition] = [main] if main is not None else []
    while stack:
        comp = stack.pop()
        if comp.name in seen:
            continue
        seen.add(comp.name)
        for layer in comp.layers:
            inner = precomp_of(template, layer.source) if layer.type == "precomp" and layer.enabled else None
            if inner is not None:
                stack.append(inner)
    return seen


def _footage_key(footage: Footage) -> tuple:
    return ("id", footage.id) if footage.id is not None else ("path", footage.name, footage.path)


def _missing_files(template: TemplateDocument) -> list[Footage]:
    """File footage missing here: the project's list and any layer source missing from it."""
    items: dict[tuple, Footage] = {_footage_key(f): f for f in template.footage}
    for comp in template.compositions:
        for layer in comp.layers:
            if layer.source is not None:
                items.setdefault(_footage_key(layer.source), layer.source)
    return [f for f in items.values() if f.kind == "file" and f.missing]


def _where(pairs: Sequence[tuple[Composition, TemplateLayer]]) -> str:
    comp, layer = pairs[0]
    more = f" and {len(pairs) - 1} more layer(s)" if len(pairs) > 1 else ""
    return f"layer {layer.name!r} in {comp.name}{more}"


def _refs(pairs: Iterable[tuple[Composition, TemplateLayer]]) -> list[dict]:
    return [{"composition": comp.name, "layer_index": layer.index, "layer": layer.name} for comp, layer in pairs]


def ingest_warnings(psd: PsdDocument, template: TemplateDocument, matches: Sequence[Match], *,
                    render_fonts: Collection[str] | None = None) -> list[dict]:
    """What a reviewer should know before approving the matching: each a dict of JobWarning
    fields (code, severity, message, details). ``render_fonts``: the render machines' fonts
    (None or empty: not checked)."""
    found: list[dict] = []

    def warn(code: str, message: str, severity: str | None = None, **details) -> None:
        found.append({"code": code, "severity": severity_of(code, severity), "message": message, "details": details})

    filled = filled_layers(matches)
    rendered = rendered_compositions(template, filled)

    def kept_and_rendering(comp: Composition, layer: TemplateLayer) -> bool:
        return (comp.name, layer.index) not in filled and layer.enabled and comp.name in rendered

    # Fonts of the text layers that render (the template's: the render keeps them, whatever the PSD uses).
    if render_fonts:
        installed = {name.casefold() for name in render_fonts}
        by_font: dict[str, list[tuple[Composition, TemplateLayer]]] = {}
        for comp in template.compositions:
            for layer in comp.layers:
                if (layer.type == "text" and layer.font and layer.font.casefold() not in installed
                        and layer.enabled and comp.name in rendered):
                    by_font.setdefault(layer.font, []).append((comp, layer))
        for font, users in by_font.items():
            warn("font_not_available",
                 f"Font {font} ({_where(users)}) is not in the render machines' font list.",
                 font=font, used_by=_refs(users))

    # Missing footage, only where a layer the job keeps renders it.
    for footage in _missing_files(template):
        key = _footage_key(footage)
        users = [(comp, layer) for comp in template.compositions for layer in comp.layers
                 if layer.source is not None and _footage_key(layer.source) == key and kept_and_rendering(comp, layer)]
        if users:
            warn("footage_missing",
                 f"Template footage {footage.name} is missing here ({footage.path}) and {_where(users)} renders it.",
                 footage=footage.name, path=footage.path, used_by=_refs(users))

    # The PSD's layers: hidden ones, empty text, by whether they fill a placeholder.
    filling: dict[int, list[Match]] = {}
    for match in matches:
        if match.psd_layer_id is not None:
            filling.setdefault(match.psd_layer_id, []).append(match)
    for layer in psd.layers:
        name = layer.path or layer.name
        uses = filling.get(layer.id, [])
        used = ", ".join(f"{m.placeholder} ({m.composition})" for m in uses)
        if not layer.visible and layer.kind != "group":
            if uses:
                warn("psd_layer_hidden", f"PSD layer {name} is hidden in the design but fills {used}.", WARNING,
                     layer_id=layer.id)
            else:
                warn("psd_layer_hidden", f"PSD layer {name} is hidden and fills no placeholder.", INFO,
                     layer_id=layer.id)
        if layer.kind == "type" and not (layer.text or "").strip() and uses:
            warn("psd_text_empty", f"PSD type layer {name} has no text and fills {used}.", layer_id=layer.id)

    # Layout: compositions with placeholders against the PSD.
    for comp in template.compositions:
        if not any(layer.placeholder for layer in comp.layers) or not (psd.height and comp.height):
            continue
        ratio = (psd.width / psd.height) / (comp.width / comp.height)
        if abs(ratio - 1) > 0.1:
            warn("aspect_mismatch",
                 f"The PSD ({psd.width}x{psd.height}) and composition {comp.name} ({comp.width}x{comp.height}) "
                 f"differ in aspect ratio by {abs(ratio - 1):.0%}.", composition=comp.name)

    # Placeholders nothing fills: the template's own content stays.
    for match in matches:
        if match.psd_layer_id is not None:
            continue
        comp = template.composition(match.composition)
        layer = comp.layer(match.layer_index) if comp is not None else None
        renders = layer is not None and layer.enabled and comp.name in rendered
        stays = "its template text stays" if match.placeholder_type == "text" else "its template image stays"
        if layer is not None and layer.type == "text" and not (layer.text or "").strip():
            stays = "it stays empty"
        if not renders:
            stays = "it does not render"
        hint = f" ({match.reason})" if "hidden" in (match.reason or "") else ""
        warn("placeholder_unfilled",
             f"No PSD layer fills placeholder {match.placeholder} in {match.composition}: {stays}.{hint}",
             WARNING if renders else INFO, composition=match.composition, layer_index=match.layer_index)
    return found


def configured_render_fonts() -> frozenset[str] | None:
    """The render machines' fonts (``AEA_FONTS``); None when not configured (not checked)."""
    return frozenset(settings.AEA_FONTS) if settings.AEA_FONTS else None


def job_ingest_warnings(job: Job) -> list[dict]:
    """:func:`ingest_warnings` for a job Stage 1 has read, with its current matches."""
    return ingest_warnings(
        PsdDocument.from_dict(job.psd_description), TemplateDocument.from_dict(job.template_description),
        [Match.from_dict(m) for m in job.matches], render_fonts=configured_render_fonts(),
    )

