"""The job as the rules see it: :class:`Job`, and the helpers several rule families share.

:class:`Job` wraps a :class:`~.model.ValidationContext` and computes, once per validation, what
several rules derive from it: compositions by name, the layers the job fills, the compositions
that render, replacement file paths, image headers and preview metrics.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from PIL import Image

from ..descriptions import Composition, Footage, Match, TemplateLayer
from ..files import resolve_inside
from .model import Key, RuleSkipped, ValidationContext


def basename(path: str) -> str:
    """The last component of a POSIX or Windows path (After Effects records either)."""
    return re.split(r"[\\/]", path.rstrip("\\/"))[-1] if path else ""


def size_of(box: Sequence[float] | None) -> tuple[float, float] | None:
    """The (width, height) of a (left, top, right, bottom) box; None when it is malformed or empty."""
    if box is None or len(box) < 4:
        return None
    width, height = box[2] - box[0], box[3] - box[1]
    return (width, height) if width > 0 and height > 0 else None


@dataclass(frozen=True)
class Probe:
    """What a file's header says: its pixel size, or why it has none."""

    size: tuple[int, int] | None = None
    error: str | None = None
    too_many_pixels: bool = False


def probe_image(path: Path) -> Probe:
    """The image size from the header only (nothing is decoded)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                return Probe(size=image.size)
    except Image.DecompressionBombError as error:
        return Probe(error=str(error), too_many_pixels=True)
    except (OSError, ValueError, SyntaxError, EOFError) as error:
        return Probe(error=f"not a readable image ({type(error).__name__})")


class Job:
    """The context plus what several rules derive from it, computed once."""

    def __init__(self, ctx: ValidationContext):
        self.ctx = ctx
        self.template = ctx.template
        self._probes: dict[Path, Probe] = {}

    @cached_property
    def compositions(self) -> dict[str, Composition]:
        """Compositions by name (the first one when names repeat, as After Effects finds)."""
        out: dict[str, Composition] = {}
        for comp in self.template.compositions:
            out.setdefault(comp.name, comp)
        return out

    def layer(self, key: Key) -> TemplateLayer | None:
        comp = self.compositions.get(key[0])
        return comp.layer(key[1]) if comp is not None else None

    @cached_property
    def filled(self) -> dict[Key, Match]:
        """Matches that bring a PSD layer, by (composition, layer index)."""
        return {(m.composition, m.layer_index): m for m in self.ctx.matches if m.psd_layer_id is not None}

    @cached_property
    def replacements(self) -> dict[Key, str]:
        return {(str(k[0]), int(k[1])): str(v) for k, v in self.ctx.replacement_files.items()}

    def is_text(self, key: Key) -> bool:
        layer = self.layer(key)
        if layer is not None and layer.type in ("text", "footage"):
            return layer.type == "text"
        match = self.filled.get(key)
        return match is not None and match.placeholder_type == "text"

    @cached_property
    def targets(self) -> list[Key]:
        """Layers the render job addresses: filled matches and replacement files, in order."""
        return list(dict.fromkeys([*self.filled, *self.replacements]))

    @cached_property
    def replaced_footage(self) -> set[Key]:
        """Layers whose footage source will be replaced."""
        return set(self.replacements) | {k for k in self.filled if not self.is_text(k)}

    @cached_property
    def render_names(self) -> list[str]:
        if self.ctx.render_compositions is not None:
            return list(dict.fromkeys(self.ctx.render_compositions))
        return list(dict.fromkeys(key[0] for key in self.targets))

    @cached_property
    def rendered(self) -> set[str]:
        """Render compositions and every composition an enabled pre-comp layer reaches."""
        by_id = {c.id: c for c in self.template.compositions if c.id is not None}
        seen: set[str] = set()
        stack = [name for name in self.render_names if name in self.compositions]
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            for layer in self.compositions[name].layers:
                inner = self._precomp(layer, by_id)
                if inner is not None and layer.enabled:
                    stack.append(inner.name)
        return seen

    def _precomp(self, layer: TemplateLayer, by_id: Mapping[int, Composition]) -> Composition | None:
        source = layer.source
        if layer.type != "precomp" or source is None:
            return None
        return by_id.get(source.id) or self.compositions.get(source.name)

    def renders(self, composition: str, layer: TemplateLayer) -> bool:
        """The layer is enabled in a composition that renders."""
        return layer.enabled and composition in self.rendered

    def replacement_path(self, key: Key) -> Path:
        """The replacement file; a relative path is taken from the first input root that holds
        it (and only when it stays inside that root)."""
        path = Path(self.replacements[key])
        if path.is_absolute():
            return path
        for root in self.ctx.input_roots:
            candidate = Path(root) / path
            if candidate.exists() and resolve_inside(candidate, [root]) is not None:
                return candidate
        return path

    def probe(self, path: Path) -> Probe:
        if path not in self._probes:
            self._probes[path] = probe_image(path)
        return self._probes[path]

    @cached_property
    def metrics(self) -> dict[str, dict]:
        """Preview metrics per composition name."""
        comps = (self.ctx.preview_metrics or {}).get("compositions") or []
        return {m["name"]: m for m in comps if isinstance(m, Mapping) and "name" in m}

    def require_metrics(self) -> None:
        if not self.metrics:
            raise RuleSkipped("no preview metrics were given")

    def footage_items(self) -> list[Footage]:
        """Every footage item: the project's list and any layer source missing from it."""
        items = list(self.template.footage)
        known = {footage_key(f) for f in items}
        for comp in self.template.compositions:
            for layer in comp.layers:
                if layer.source is not None and footage_key(layer.source) not in known:
                    known.add(footage_key(layer.source))
                    items.append(layer.source)
        return items

    def users(self, footage: Footage) -> list[tuple[Composition, TemplateLayer]]:
        """The layers whose source is ``footage``."""
        key = footage_key(footage)
        return [
            (comp, layer)
            for comp in self.template.compositions
            for layer in comp.layers
            if layer.source is not None and footage_key(layer.source) == key
        ]


def footage_key(footage: Footage) -> tuple:
    return ("id", footage.id) if footage.id is not None else ("path", footage.name, footage.path)


def layer_refs(pairs: Iterable[tuple[Composition, TemplateLayer]]) -> list[dict]:
    """JSON references to layers, for a finding's details."""
    return [{"composition": comp.name, "layer_index": layer.index, "layer": layer.name} for comp, layer in pairs]


def location_fields(comp: str, layer: TemplateLayer | None, index: int | None = None) -> dict:
    """The location fields of a finding."""
    return {
        "composition": comp,
        "layer_index": layer.index if layer is not None else index,
        "layer": layer.name if layer is not None else None,
    }


def clip(text: str, length: int = 60) -> str:
    """``text`` cut to ``length`` characters, ending in an ellipsis when it was cut (for messages)."""
    return text if len(text) <= length else text[: length - 1] + "…"
