"""Which composition renders: a top-level one (not used as a layer in another composition)
that shows the filled placeholders, directly or through the precompositions it holds."""

from __future__ import annotations

from collections.abc import Set

from ..descriptions import Composition, TemplateDocument

Key = tuple[str, int]  # (composition name, layer index)


def precomp_of(template: TemplateDocument, source) -> Composition | None:
    """The composition a precomp layer's source names (by id, else by name)."""
    if source is None or source.kind != "composition":
        return None
    if source.id is not None:
        found = next((c for c in template.compositions if c.id == source.id), None)
        if found is not None:
            return found
    return template.composition(source.name)


def nested_compositions(template: TemplateDocument) -> set[str]:
    """Names of the compositions some other composition uses as a layer."""
    used: set[str] = set()
    for comp in template.compositions:
        for layer in comp.layers:
            inner = precomp_of(template, layer.source) if layer.type == "precomp" else None
            if inner is not None and inner.name != comp.name:
                used.add(inner.name)
    return used


def shown_placeholders(template: TemplateDocument, comp: Composition, filled: Set[Key]) -> set[Key]:
    """The filled placeholders ``comp`` shows: its own, and those of the enabled precomp layers
    it holds, at any depth."""
    shown: set[Key] = set()
    stack, seen = [comp], set()
    while stack:
        current = stack.pop()
        if current.name in seen:
            continue
        seen.add(current.name)
        for layer in current.layers:
            if (current.name, layer.index) in filled:
                shown.add((current.name, layer.index))
            if layer.type == "precomp" and layer.enabled:
                inner = precomp_of(template, layer.source)
                if inner is not None:
                    stack.append(inner)
    return shown


def render_composition(template: TemplateDocument, filled: Set[Key]) -> Composition | None:
    """The composition to render for these filled placeholders.

    Of the top-level compositions, the one that shows the most of them (directly or through
    precomps); ties go to the first in the project. With nothing filled, the first top-level
    composition; when every composition is nested (a cycle), the one showing the most.
    """
    if not template.compositions:
        return None
    nested = nested_compositions(template)
    top = [c for c in template.compositions if c.name not in nested] or list(template.compositions)
    counts = [(len(shown_placeholders(template, comp, filled)), -i, comp) for i, comp in enumerate(top)]
    return max(counts, key=lambda item: (item[0], item[1]))[2]
