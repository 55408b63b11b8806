"""Candidates and slots: what the matcher knows about each PSD layer and each placeholder.

``build_candidates`` turns a PSD's layers into ``Candidate`` s (normalised box within its
artboard or canvas, name and content signals, hidden, background, duplicate, composite, ...);
``build_slot`` turns a template placeholder into a ``Slot`` (its names, the content it
expects, box and aspect); ``compatible`` says which layer kinds a placeholder can take.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from jobs.formats.descriptions import Composition, PsdDocument, PsdLayer, TemplateLayer

from .content import _SPECIFIC, content_classes, expected_classes
from .geometry import UnitBox, _area, _unit_box
from .names import _CAMERA_NAME, NameInfo, _strip_extension, name_info
from .vocabulary import _EXTENSIONS

TEXT_KINDS = frozenset({"type"})
FOOTAGE_KINDS = frozenset({"pixel", "smartobject", "shape", "group"})
CONTENT_KINDS = frozenset({"type", "pixel", "smartobject", "shape"})

_BACKGROUND_AREA = 0.85  # a layer covering this much of its frame is a full-canvas background


@dataclass
class Candidate:
    """A PSD layer that may fill a placeholder, with what the matcher knows about it."""

    position: int  # index in the PSD's layer list (ids need not be unique)
    layer: PsdLayer
    box: UnitBox | None
    name: NameInfo
    path_words: tuple[str, ...]
    classes: dict[str, float]
    hidden: bool
    background: bool
    ancestors: tuple[int, ...]  # positions of enclosing groups
    only_text: bool = False  # a group whose content is all type layers
    content_named: bool = False  # a type layer named after its text (Photoshop's default)
    copied: bool = False  # a type layer named "... copy [N]": duplicated, its text since edited
    camera: bool = False  # named by a camera or phone (IMG_4821, DSC01234): a photo
    person_named: bool = False  # a picture named after a person ("zara_mensah.png"): a portrait
    composite: bool = False  # a group built of default-named parts (a logo made of shapes)
    in_composite: bool = False  # a part of such a group
    covered: bool = False  # a full-canvas layer under another opaque full-canvas layer
    default_background: bool = False  # Photoshop's own "Background" layer (or a copy of it)
    bottom: bool = False  # the lowest visible full-canvas layer: the backdrop
    duplicate: bool = False  # a hidden layer with the name of a visible one (an old version)
    decoration: bool = False  # a thin rule or a speck: no picture
    text_height: float | None = None  # line height over the frame's size (type layers)
    prominence: float | None = None  # text height over the PSD's tallest visible text
    parent: NameInfo | None = None  # the name of the enclosing group, when it is a candidate too
    with_text: bool = False  # a group with a type layer in it (a card: a picture and its caption)
    parent_with_text: bool = False  # inside such a group


@dataclass
class Slot:
    """A template placeholder."""

    text_height: float | None = field(default=None, kw_only=True)
    prominence: float | None = field(default=None, kw_only=True)

    layer: TemplateLayer
    placeholder_type: str  # text or footage
    names: tuple[NameInfo, ...]  # layer name first, then sample text or source name
    expected: dict[str, float]
    box: UnitBox | None
    aspect: float | None
    ordinal: int | None
    background: bool
    full_frame: bool
    psd_layer: str | None = None  # footage that is a layer of a PSD: that layer's name

    @property
    def words(self) -> set[str]:
        return {w for info in self.names for w in info.words}

    @property
    def concepts(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for info in self.names[:1]:
            out.update(info.concepts)
        return out


def _parents(layers: Sequence[PsdLayer]) -> list[int | None]:
    """Position of each layer's enclosing group, from ``parent_id`` or else from ``path``."""
    by_id = {}
    for i, layer in enumerate(layers):
        if layer.kind in ("group", "artboard"):
            by_id.setdefault(layer.id, i)
    by_path = {}
    for i, layer in enumerate(layers):
        if layer.kind in ("group", "artboard") and layer.path:
            by_path.setdefault(layer.path, i)
    parents: list[int | None] = []
    for i, layer in enumerate(layers):
        parent = None
        if layer.parent_id is not None and by_id.get(layer.parent_id) not in (None, i):
            parent = by_id[layer.parent_id]
        elif "/" in (layer.path or ""):
            parent = by_path.get(layer.path.rsplit("/", 1)[0])
            if parent == i:
                parent = None
        parents.append(parent)
    return parents


def _ancestors(parents: list[int | None], i: int) -> tuple[int, ...]:
    out: list[int] = []
    seen = {i}
    current = parents[i]
    while current is not None and current not in seen:
        out.append(current)
        seen.add(current)
        current = parents[current]
    return tuple(out)


def _union_box(boxes: Iterable[tuple[int, int, int, int]]) -> tuple[int, int, int, int] | None:
    boxes = [b for b in boxes if b is not None and b[2] > b[0] and b[3] > b[1]]
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _layer_frame(psd: PsdDocument, layers, ancestors) -> tuple[float, float, tuple[float, float]]:
    """Width, height and origin of the frame a layer lives in: its artboard or the canvas."""
    for a in ancestors:
        board = layers[a]
        if board.kind == "artboard" and board.bbox is not None and board.width and board.height:
            return board.width, board.height, (board.bbox[0], board.bbox[1])
    return psd.width, psd.height, (0.0, 0.0)


def build_candidates(psd: PsdDocument) -> list[Candidate]:
    """Every PSD layer that could fill some placeholder (type, pixel, smart object, shape or
    group with content), with its normalised box and what its name and text say."""
    layers = list(psd.layers)
    parents = _parents(layers)
    ancestry = [_ancestors(parents, i) for i in range(len(layers))]
    children: dict[int, list[int]] = {}
    for i, chain in enumerate(ancestry):
        for a in chain:
            children.setdefault(a, []).append(i)
    out: list[Candidate] = []
    for i, layer in enumerate(layers):
        if layer.kind not in TEXT_KINDS | FOOTAGE_KINDS:
            continue
        bbox = layer.bbox
        inner = [j for j in children.get(i, []) if layers[j].kind in CONTENT_KINDS]
        if layer.kind == "group":
            has_children = any(i in chain for chain in ancestry)
            if has_children and not inner:
                continue  # a folder of adjustments or empty layers
            if len(children.get(i, [])) == 1:
                continue  # a folder of one layer: that layer is the candidate
            if bbox is None or bbox[2] <= bbox[0]:
                bbox = _union_box(layers[j].bbox for j in inner)
        if bbox is not None and (bbox[2] <= bbox[0] or bbox[3] <= bbox[1]):
            continue  # an empty layer
        width, height, origin = _layer_frame(psd, layers, ancestry[i])
        box = _unit_box(bbox, width, height, origin)
        if bbox is not None and box is None:
            continue  # entirely outside its frame
        hidden = (
            not layer.visible
            or layer.opacity <= 0.01
            or any(not layers[a].visible for a in ancestry[i])
        )
        text = layer.text if layer.text is not None else (layer.name if layer.kind == "type" else None)
        content_named = layer.kind == "type" and _same_text(layer.name, layer.text)
        info = name_info(layer.name, ordinals=not content_named and not _is_content(layer.name))
        path_words = tuple(
            w
            for a in reversed(ancestry[i])
            if layers[a].kind in ("group",)
            for w in name_info(layers[a].name).words
        )
        out.append(
            Candidate(
                position=i,
                layer=layer,
                box=box,
                name=info,
                path_words=path_words,
                classes=content_classes(text) if layer.kind == "type" else {},
                hidden=hidden,
                background=_is_background(box, info),
                ancestors=ancestry[i],
                only_text=layer.kind == "group" and all(layers[j].kind == "type" for j in inner),
                with_text=layer.kind == "group" and any(layers[j].kind == "type" for j in inner),
                content_named=content_named,
                copied=layer.kind == "type" and not content_named and _COPY_NAME.search(layer.name) is not None,
                camera=bool(_CAMERA_NAME.match(_strip_extension(layer.name))),
                person_named=layer.kind != "type" and _person_name(layer.name),
                composite=layer.kind == "group" and _is_composite(layers, inner),
                decoration=_is_decoration(layer.kind, box),
                text_height=_text_height(bbox, width, height) if layer.kind == "type" else None,
            )
        )
    _mark_composite_parts(out)
    _mark_parents(out)
    _mark_covered(out)
    _mark_default_background(out)
    _mark_prominence(out)
    _mark_duplicates(out)
    return out


_COPY_NAME = re.compile(r"\bcopy(\s+\d+)?\s*$", re.I)


#: Words designers put after a name to keep an old version: "Title old", "Logo v1", "bg backup".
_VERSION_MARK = r"(\s*[-_(]?\s*(copy(\s+\d+)?|old|older|v\d+|backup|bak|orig|original|draft|alt|previous|prev)\)?)+\s*$"


def _base_name(name: str) -> str:
    """A layer name without Photoshop's "copy" marker or a designer's version mark, case and
    spacing."""
    base = re.sub(_VERSION_MARK, "", name.strip(), flags=re.I).lower()
    return base or name.strip().lower()


def _mark_duplicates(cands: list[Candidate]) -> None:
    """Hidden layers named like a visible layer ("Headline copy"): kept old versions. A
    visible copy of a layer that is still there ("Speaker Name copy 2" beside "Speaker
    Name") is one of a set of alike layers, its name as good as the original's."""
    visible = {(c.layer.kind, _base_name(c.layer.name)) for c in cands if not c.hidden}
    originals = {
        (c.layer.kind, _base_name(c.layer.name)) for c in cands
        if not c.hidden and _COPY_NAME.search(c.layer.name) is None
    }
    for cand in cands:
        key = (cand.layer.kind, _base_name(cand.layer.name))
        cand.duplicate = cand.hidden and key in visible
        if cand.copied and not cand.hidden and key in originals:
            cand.copied = False


def _mark_prominence(cands: list[Candidate]) -> None:
    """Each visible type layer's height relative to the tallest one (headlines are big)."""
    heights = [c.text_height for c in cands if c.text_height and not c.hidden]
    tallest = max(heights, default=0.0)
    for cand in cands:
        if cand.text_height and tallest:
            cand.prominence = min(1.0, cand.text_height / tallest)


def _is_composite(layers: Sequence[PsdLayer], inner: Sequence[int]) -> bool:
    """A group of at least two non-text parts with default names: one picture in pieces."""
    parts = [layers[j] for j in inner]
    return len(parts) >= 2 and all(
        p.kind != "type" and name_info(p.name).generic for p in parts
    )


def _mark_parents(cands: list[Candidate]) -> None:
    by_position = {c.position: c for c in cands}
    for cand in cands:
        if cand.ancestors and cand.ancestors[0] in by_position:
            cand.parent = by_position[cand.ancestors[0]].name
            cand.parent_with_text = by_position[cand.ancestors[0]].with_text


def _mark_composite_parts(cands: list[Candidate]) -> None:
    composites = {c.position for c in cands if c.composite}
    for cand in cands:
        cand.in_composite = bool(composites & set(cand.ancestors))


_OVERLAY_WORDS = frozenset(
    {"grain", "noise", "overlay", "leak", "leaks", "vignette", "dust", "scratches", "flare", "glow"}
)


def _mark_covered(cands: list[Candidate]) -> None:
    """Full-canvas layers hidden under an opaque full-canvas picture higher in the stack
    (Photoshop's white "Background" under the designer's backdrop)."""
    covers = [
        c for c in cands
        if c.background and c.box is not None and not c.hidden and c.layer.opacity >= 0.9
        and c.layer.kind in ("pixel", "smartobject") and not set(c.name.words) & _OVERLAY_WORDS
    ]
    for cand in cands:
        if cand.background and cand.box is not None:
            cand.covered = any(
                cover.layer.order < cand.layer.order and _area(cover.box) >= _area(cand.box) - 0.02
                for cover in covers if cover is not cand
            )


#: Photoshop's name for the bottom layer of a new document, and for its duplicates.
_DEFAULT_BACKGROUND = re.compile(r"Background( copy( \d+)?)*")


def _mark_default_background(cands: list[Candidate]) -> None:
    """Photoshop's own "Background" (its capitalisation, a top-level pixel layer covering the
    canvas). The name is Photoshop's default, not a designer's choice, so it says nothing; the
    layer stays a weak full-canvas candidate that any layer the designer named for the
    background ("BACKGROUND", "bg_texture", "Background Image") outranks."""
    for cand in cands:
        if (
            cand.layer.kind == "pixel"
            and cand.background
            and not cand.ancestors
            and cand.box is not None
            and _DEFAULT_BACKGROUND.fullmatch(cand.layer.name.strip())
        ):
            cand.default_background = True
            cand.name = NameInfo(words=(), ordinal=None, generic=True, squashed="")
    backdrops = [c for c in cands if c.background and not c.hidden and c.box is not None]
    if backdrops:
        max(backdrops, key=lambda c: c.layer.order).bottom = True


def _is_decoration(kind: str, box: UnitBox | None) -> bool:
    """A rule, a divider or a speck: too thin or too small to hold a picture."""
    if box is None or kind == "type":
        return False
    w, h = box[2] - box[0], box[3] - box[1]
    return w * h < 0.0015 or w / max(h, 1e-6) > 12 or h / max(w, 1e-6) > 12


def _text_height(bbox, width: float, height: float) -> float | None:
    """A text box's height over the frame's mean side: a size measure that survives a
    change of aspect ratio."""
    if bbox is None or width <= 0 or height <= 0 or bbox[3] <= bbox[1]:
        return None
    return (bbox[3] - bbox[1]) / math.sqrt(width * height)


def _person_name(name: str) -> bool:
    words = re.sub(r"[_\-.]+", " ", _strip_extension(name)).strip()
    return content_classes(words.title()).get("person", 0.0) >= 0.85  # a known first name


def _is_content(name: str) -> bool:
    """Whether a name is itself content (a time, a price, a date): its numbers are no
    ordinals ("KICKOFF 3PM" is not layer 3)."""
    return any(v >= 0.75 for k, v in content_classes(name).items() if k in _SPECIFIC)


def _same_text(name: str, text: str | None) -> bool:
    """Whether a type layer's name is (the start of) its text, as Photoshop names them."""
    if not text:
        return False
    a = re.sub(r"\W+", "", _base_name(name))
    b = re.sub(r"\W+", "", text.lower())
    return bool(a) and (a == b or (len(a) >= 8 and b.startswith(a)))


def _is_background(box: UnitBox | None, info: NameInfo) -> bool:
    covers = box is not None and _area(box) >= _BACKGROUND_AREA
    return covers or ("background" in info.concepts and info.concepts["background"] >= 0.99)


def _source_name(layer: TemplateLayer) -> str | None:
    """The name of a footage layer's source: ``cutout.png`` -> cutout,
    ``BEN FORMAN/doc.psd`` (a PSD layer imported as footage) -> BEN FORMAN."""
    source = layer.source
    if source is None:
        return None
    if source.psd_layer:
        return source.psd_layer
    name = source.name or ""
    if "/" in name and _EXTENSIONS.search(name):
        return name.split("/", 1)[0]
    return name or None


def _psd_layer_source(layer: TemplateLayer) -> str | None:
    """The PSD layer a footage layer shows, when its source is one layer of a PSD file
    (After Effects names such footage ``layer/file.psd``)."""
    source = layer.source
    if source is None:
        return None
    if source.psd_layer:
        return source.psd_layer
    name = source.name or ""
    if "/" in name and re.search(r"\.ps[db]$", name, re.I):
        return name.split("/", 1)[0]
    return None


def _slot_expectations(primary: NameInfo, sample: NameInfo | None, text: str | None) -> dict[str, float]:
    """What a text placeholder expects: from its name, and less from its sample text's words
    ("Guest Title" says a job title) and form ("$0.00" says a price)."""
    expected = expected_classes(primary.concepts, text, primary.words)
    if sample is not None and not sample.empty:
        for cls, weight in expected_classes(sample.concepts, None, sample.words).items():
            expected[cls] = max(expected.get(cls, 0.0), 0.7 * weight)
    return expected


def build_slot(comp: Composition, layer: TemplateLayer) -> Slot:
    """Describe one placeholder of a composition."""
    placeholder_type = "text" if layer.type == "text" else "footage"
    primary = name_info(layer.name)
    names = [primary]
    if placeholder_type == "text" and layer.text:
        names.append(name_info(layer.text, ordinals=False))
    secondary = _source_name(layer) if placeholder_type == "footage" else None
    if secondary:
        names.append(name_info(secondary, ordinals=False))
    box = _unit_box(layer.bbox, comp.width, comp.height)
    aspect = None
    if layer.bbox is not None and layer.bbox[3] > layer.bbox[1] and layer.bbox[2] > layer.bbox[0]:
        aspect = (layer.bbox[2] - layer.bbox[0]) / (layer.bbox[3] - layer.bbox[1])
    elif layer.source is not None and layer.source.width and layer.source.height:
        aspect = layer.source.width / layer.source.height
    named_background = any(
        info.concepts.get("background", 0) >= 0.99 for info in names if not info.empty
    )
    return Slot(
        layer=layer,
        placeholder_type=placeholder_type,
        names=tuple(names),
        expected=_slot_expectations(primary, names[1] if len(names) > 1 else None, layer.text)
        if placeholder_type == "text" else {},
        box=box,
        aspect=aspect,
        ordinal=primary.ordinal,
        background=named_background,
        full_frame=box is not None and _area(box) >= _BACKGROUND_AREA,
        text_height=_text_height(layer.bbox, comp.width, comp.height) if placeholder_type == "text" else None,
        psd_layer=_psd_layer_source(layer),
    )


def compatible(slot: Slot, candidate: Candidate) -> bool:
    """Text placeholders take type layers; footage placeholders take pixel, smart-object and
    shape layers and groups."""
    kinds = TEXT_KINDS if slot.placeholder_type == "text" else FOOTAGE_KINDS
    return candidate.layer.kind in kinds
