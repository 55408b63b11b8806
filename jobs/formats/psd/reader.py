"""Load a Photoshop file (PSD or PSB) under limits, and :func:`read_psd`, its description.

The bytes are read and prescanned first (:mod:`.prescan`); psd-tools then parses under
:class:`psd_tools.ParseLimits` (bytes, nesting, and :data:`MAX_PARSE_OBJECTS` values: a file
stuffed with text-engine values is refused after ~2.5 s of parsing) and an allocation budget
(``Limits.max_alloc_bytes``). The layer tree is described by :mod:`.describe`; NUL characters
(layer names and texts can hold them; PostgreSQL stores none) are stripped from every string of
the assembled description. No pixel is decoded here.

Plain Python (psd-tools), no Django.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from psd_tools import PSDImage
from psd_tools.api.adjustments import AdjustmentLayer
from psd_tools.psd.parse_limits import ParseLimits

from ..descriptions import PsdDocument, PsdLayer, without_nul
from ..limits import DEFAULT_LIMITS, Limits
from .describe import _describe_layers, _walk
from .guard import _guard
from .prescan import COLOR_MODE_NAMES, _check_layer_box, _prescan, _read_bounded

#: Bump whenever the description or the exported images change for the same input: it is part
#: of the cache key of parsed files.
READER_VERSION = "psd-2"  # 2: NUL characters stripped from the description

#: psd-tools counts every parsed value (header fields, descriptor and text-engine items) against
#: this. A Photoshop type layer takes about 3,000 (so this admits about 100 of them); text-engine
#: values cost about 8 µs each to parse, so a file made of nothing else is refused after ~2.5 s.
MAX_PARSE_OBJECTS = 300_000

#: psd-tools counts bytes it materialises while parsing; a file with type layers needs about
#: 3-4 times its own size (text-engine data is tokenised), so allow 8 times, at least 1 MiB.
PARSE_BYTES_FACTOR = 8


def read_psd(path: str | os.PathLike, *, limits: Limits = DEFAULT_LIMITS) -> PsdDocument:
    """The description of the PSD or PSB file at ``path``.

    Decodes no pixels. Raises :class:`FormatError` for any file it cannot accept.
    """
    source = Path(path)
    with _guard(source, limits):
        return _load(source, limits).document


@dataclass(frozen=True)
class _Loaded:
    psd: PSDImage
    document: PsdDocument
    layers: tuple  # psd-tools layers, parallel to document.layers

    def exportable(self) -> Iterator[tuple[PsdLayer, object]]:
        for description, layer in zip(self.document.layers, self.layers, strict=True):
            if description.visible and description.width > 0 and description.height > 0:
                if _is_content(layer):
                    yield description, layer


def _load(source: Path, limits: Limits) -> _Loaded:
    data = _read_bounded(source, limits)
    _prescan(data, limits)
    psd = PSDImage.open(
        io.BytesIO(data),
        max_alloc_bytes=limits.max_alloc_bytes,
        parse_limits=ParseLimits(
            max_read_bytes=len(data),
            max_total_bytes=max(len(data) * PARSE_BYTES_FACTOR, 1 << 20),
            max_objects=MAX_PARSE_OBJECTS,
            max_nesting_depth=limits.max_chunk_depth,
        ),
    )
    pairs = list(_walk(psd, limits))
    document = without_nul(
        PsdDocument(
            source=source.name,
            width=psd.width,
            height=psd.height,
            layers=tuple(_describe_layers(pairs)),
            sha256=hashlib.sha256(data).hexdigest(),
            color_mode=COLOR_MODE_NAMES.get(psd.color_mode, str(psd.color_mode)),
            depth=psd.depth,
        )
    )
    for description, (layer, _, _) in zip(document.layers, pairs, strict=True):
        if not layer.is_group():
            _check_layer_box(description, limits)
    return _Loaded(psd=psd, document=document, layers=tuple(layer for layer, _, _ in pairs))


def _is_content(layer) -> bool:
    return not layer.is_group() and not isinstance(layer, AdjustmentLayer)
