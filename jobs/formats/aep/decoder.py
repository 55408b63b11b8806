"""Decode a chunk tree into a :class:`~jobs.formats.descriptions.TemplateDocument`: each
composition's layers (``LIST Layr``, top layer first) with their record (``ldta``), type, name,
times, text, source and bbox, and the placeholder rule (:func:`is_static_name`). NUL characters
(a name or text can hold them; PostgreSQL stores none) are stripped from every string of the
decoded document.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from dataclasses import dataclass

from ..descriptions import (
    Composition,
    Footage,
    LayerAnimation,
    TemplateDocument,
    TemplateLayer,
    clean_text,
    without_nul,
)
from ..errors import FormatError
from .animation import _layer_animation, _remap_enabled
from .chunks import _U32, LEAF, LIST, Chunk, ChunkFile
from .geometry import _box, _chain_animated, _LayerGeometry, _own_transform, _OwnTransform, _public_matrix, _world
from .items import _ITEM_COMP, _ITEM_FOOTAGE, _ae_version, _comp_header, _CompHeader, _footage, _items, _Source
from .properties import _properties, _transform
from .shapes import layer_shapes
from .text import _Text, _text

STATIC_SUFFIX = "[static]"
STATIC_PREFIX = "_"

_LAYER_TYPES = {1: "light", 2: "camera", 3: "text", 4: "shape", 7: "shape"}


# ============================================================================================
# Decoding: layers


@dataclass
class _Ldta:
    id: int
    start: float
    in_point: float
    out_point: float
    stretch: float
    flags: tuple[int, int, int]  # bytes 37, 38, 39
    source_id: int
    layer_type: int | None
    parent_id: int


def _ldta(layr: Chunk) -> _Ldta:
    chunk = layr.find("ldta", LEAF)
    if chunk is None or len(chunk.data) < 44:
        raise FormatError("layer without a valid layer record (ldta)")
    data = chunk.data
    layer_id, = _U32.unpack_from(data, 0)
    stretch_num, start_num, start_den, in_num, in_den, out_num, out_den = struct.unpack_from(">iiIiIiI", data, 8)
    stretch_den = _U32.unpack_from(data, 108)[0] if len(data) >= 112 else 1
    stretch = stretch_num / stretch_den if stretch_den and stretch_num else 1.0
    return _Ldta(
        id=layer_id,
        start=start_num / start_den if start_den else 0.0,
        in_point=in_num / in_den if in_den else 0.0,
        out_point=out_num / out_den if out_den else 0.0,
        stretch=stretch,
        flags=(data[37], data[38], data[39]),
        source_id=_U32.unpack_from(data, 40)[0],
        layer_type=data[131] if len(data) > 131 else None,
        parent_id=_U32.unpack_from(data, 132)[0] if len(data) >= 136 else 0,
    )


def _classify(ldta: _Ldta, tree: dict[str, Chunk], source: Footage | None, audio: bool) -> str:
    if ldta.layer_type in _LAYER_TYPES:
        return _LAYER_TYPES[ldta.layer_type]
    null, adjustment = ldta.flags[1] & 0x80, ldta.flags[1] & 0x02
    if null:
        return "null"
    if adjustment:
        return "adjustment"
    if source is None:
        return _classify_by_tree(tree)
    if source.kind == "composition":
        return "precomp"
    if source.kind == "solid":
        return "solid"
    if audio:
        return "audio"
    return "footage"


def _classify_by_tree(tree: dict[str, Chunk]) -> str:
    """A sourceless AV layer, or a file without the type byte: tell by its property groups."""
    for group, kind in (
        ("ADBE Text Properties", "text"),
        ("ADBE Root Vectors Group", "shape"),
        ("ADBE Camera Options Group", "camera"),
        ("ADBE Light Options Group", "light"),
    ):
        if group in tree:
            return kind
    return "footage"


def is_static_name(name: str) -> bool:
    """The template's naming rule for layers that must not be replaced (the docstring of :mod:`jobs.formats.aep`)."""
    stripped = clean_text(name).strip()  # as the description shows the name
    return stripped.startswith(STATIC_PREFIX) or stripped.lower().endswith(STATIC_SUFFIX)


# ============================================================================================
# Putting it together


@dataclass
class _LayerDraft:
    index: int
    name: str
    type: str
    enabled: bool
    in_point: float
    out_point: float
    ldta: _Ldta
    source: Footage | None
    text: _Text | None
    geometry: _LayerGeometry
    tree: dict[str, Chunk]


def _decode_layer(
    index: int,
    layr: Chunk,
    sources: dict[int, _Source],
    comps: dict[int, Footage],
) -> _LayerDraft:
    ldta = _ldta(layr)
    tree = _properties(layr.find("tdgp", LIST))
    source_entry = sources.get(ldta.source_id)
    source = source_entry.footage if source_entry else comps.get(ldta.source_id)
    audio = bool(source_entry and source_entry.audio)
    layer_type = _classify(ldta, tree, source, audio)
    if layer_type in ("text", "shape", "camera", "light"):
        source = None
    text = _text(tree) if layer_type == "text" else None
    name = layr.first_string() or ""
    if not name:
        if source is not None:
            name = source.name
        elif text is not None:
            name = text.text.split("\n", 1)[0]
    in_point, out_point = _layer_times(ldta, source, tree)
    geometry = _geometry(ldta, layer_type, source, text, tree)
    return _LayerDraft(
        index=index,
        name=name,
        type=layer_type,
        enabled=bool(ldta.flags[2] & 0x01),
        in_point=round(in_point, 6),
        out_point=round(out_point, 6),
        ldta=ldta,
        source=source,
        text=text,
        geometry=geometry,
        tree=tree,
    )


def _layer_times(ldta: _Ldta, source: Footage | None, tree: dict[str, Chunk]) -> tuple[float, float]:
    """In and out point in composition time: ``start + value * stretch``, clamped as After
    Effects reports them to the source's span for timed sources (video, sound, pre-comps)
    without time remapping (on when its stream is keyframed or shown: :func:`._remap_enabled`)."""
    stretch = ldta.stretch
    in_point = ldta.start + ldta.in_point * stretch
    out_point = ldta.start + ldta.out_point * stretch
    if stretch < 0:  # time-reversed layers
        return min(in_point, out_point), max(in_point, out_point)
    timed = source is not None and (source.duration or 0) > 0
    if timed and not _remap_enabled(tree):
        in_point = max(in_point, ldta.start)
        out_point = min(out_point, ldta.start + source.duration * stretch)
    return in_point, out_point


def _geometry(ldta: _Ldta, layer_type: str, source: Footage | None, text: _Text | None, tree: dict) -> _LayerGeometry:
    size: tuple[float, float] | None = None
    origin = (0.0, 0.0)
    default_anchor: tuple[float, float] | None = (0.0, 0.0)
    normalized = False
    if layer_type in ("footage", "solid", "null", "precomp", "adjustment") and source is not None:
        normalized = True  # the anchor is stored as a fraction of the source size
        if source.width and source.height:
            size = (float(source.width), float(source.height))
            if layer_type != "null":
                default_anchor = (size[0] / 2, size[1] / 2)
        elif layer_type != "null":
            default_anchor = None  # the source centre, which is unknown
    elif layer_type == "text" and text is not None and text.box is not None:
        left, top, width, height = text.box
        size, origin = (width, height), (left, top)
    return _LayerGeometry(
        id=ldta.id,
        parent_id=ldta.parent_id or None,
        size=size,
        origin=origin,
        transform=_transform(tree),
        default_anchor=default_anchor,
        normalized_anchor=normalized,
        three_d=bool(ldta.flags[1] & 0x04),
    )


_UNPLACED = ("camera", "light", "audio")  # no picture to place: no matrix, no transform values
_NO_TRANSFORM = _OwnTransform(anchor=None, position=None, scale=None, rotation=None)


def _animation(d: _LayerDraft, comp: _CompHeader) -> LayerAnimation:
    geometry = d.geometry
    timed = d.source is not None and (d.source.duration or 0) > 0
    return _layer_animation(
        d.tree,
        start=d.ldta.start,
        stretch=d.ldta.stretch,
        normalized_anchor=geometry.normalized_anchor,
        size=geometry.size,
        default_anchor=geometry.default_anchor,
        default_position=(comp.width / 2, comp.height / 2),
        remap_allowed=timed,
        null=d.type == "null",
    )


def _finish_layers(drafts: list[_LayerDraft], comp: _CompHeader) -> tuple[TemplateLayer, ...]:
    by_id = {d.ldta.id: d.geometry for d in drafts}
    has_camera = any(d.type == "camera" for d in drafts)
    layers = []
    for d in drafts:
        geometry = d.geometry
        if (geometry.three_d and has_camera) or d.type in _UNPLACED:
            matrix = None
        else:
            matrix = _world(geometry, by_id, comp)
        own = _NO_TRANSFORM if d.type in _UNPLACED else _own_transform(geometry, comp)
        text = d.text
        layers.append(
            TemplateLayer(
                index=d.index,
                name=d.name,
                type=d.type,
                enabled=d.enabled,
                in_point=d.in_point,
                out_point=d.out_point,
                text=text.text if text else None,
                font=text.font if text else None,
                font_size=text.size if text else None,
                source=d.source,
                bbox=_box(matrix, geometry),
                placeholder=d.type in ("text", "footage") and not is_static_name(d.name),
                id=d.ldta.id,
                parent_id=d.ldta.parent_id or None,
                all_caps=text.all_caps if text else None,
                three_d=geometry.three_d,
                matrix=_public_matrix(matrix),
                anchor=own.anchor,
                position=own.position,
                scale=own.scale,
                rotation=own.rotation,
                animated_transform=_chain_animated(geometry, by_id),
                justification=text.justification if text else None,
                text_box=text.box if text else None,
                leading=text.leading if text else None,
                tracking=text.tracking if text else None,
                animation=_animation(d, comp),
                shapes=layer_shapes(d.tree, start=d.ldta.start, stretch=d.ldta.stretch) if d.type == "shape" else None,
            )
        )
    return tuple(layers)


def decode(
    chunks: ChunkFile,
    *,
    source: str = "",
    sha256: str = "",
    exists: Callable[[str], bool] = os.path.exists,
) -> TemplateDocument:
    """Decode a chunk tree into a :class:`TemplateDocument` (no file access but ``exists``)."""
    root = chunks.root
    items = _items(root)
    sources = {i.id: _footage(i, exists) for i in items if i.type == _ITEM_FOOTAGE}
    comp_items = [i for i in items if i.type == _ITEM_COMP]
    headers = {i.id: _comp_header(i) for i in comp_items}
    comp_sources = {
        i.id: Footage(
            id=i.id,
            name=i.name,
            width=headers[i.id].width,
            height=headers[i.id].height,
            kind="composition",
            duration=headers[i.id].duration,
        )
        for i in comp_items
    }
    compositions = []
    fonts: list[str] = []
    for item in comp_items:
        header = headers[item.id]
        layer_chunks = [c for c in item.chunk.children if c.kind == LIST and c.tag == "Layr"]
        drafts = [_decode_layer(n, layr, sources, comp_sources) for n, layr in enumerate(layer_chunks, 1)]
        for draft in drafts:
            if draft.text:
                fonts.extend(draft.text.fonts)
        compositions.append(
            Composition(
                id=item.id,
                name=item.name,
                width=header.width,
                height=header.height,
                frame_rate=header.frame_rate,
                duration=header.duration,
                layers=_finish_layers(drafts, header),
                bg_color=header.bg_color,
                renderer=header.renderer,
            )
        )
    document = TemplateDocument(
        source=source,
        compositions=tuple(compositions),
        footage=tuple(s.footage for s in sources.values()),
        fonts=tuple(sorted(set(fonts))),
        sha256=sha256,
        format=chunks.format,
        ae_version=_ae_version(root),
    )
    return without_nul(document)
