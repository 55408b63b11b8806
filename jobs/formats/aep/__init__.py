"""Read After Effects templates (.aepx XML and .aep RIFX) into a :class:`TemplateDocument`.

One decoder serves both formats. An .aepx is the .aep chunk tree written as XML
(``docs/aepx-format.md`` section 2), so each file is first turned into the same
:class:`Chunk` tree and then decoded once:

- ``.aep``: ``RIFX`` / ``Egg!`` and big-endian chunks (4-char id, u32 length, payload, one pad
  byte after an odd payload). ``LIST`` chunks carry a 4-char list type and children, except
  ``LIST btdk`` (raw text-document bytes). ``tdsn``, ``fnam``, ``pdnm`` and ``RCom`` nest
  chunks without a list type.
- ``.aepx``: ``<xxxx bdata="hex"/>`` is a leaf, an element without ``bdata`` a LIST,
  ``<string>`` a ``Utf8`` chunk, ``<fileReference>`` the ``alas`` JSON record, ``numS``/``ppSn``
  numbers written as text. The XML is parsed by an lxml parser built explicitly (no DTD, no
  entity resolution, no network, no huge trees) and any DOCTYPE is refused.

The format is sniffed from the bytes, not the file name. Everything malformed, hostile or
oversized raises one :class:`~jobs.formats.errors.FormatError` with a one-line reason. Limits:
``limits.max_file_bytes`` (checked before reading), ``limits.max_chunk_depth`` (nesting, both
formats), one chunk per :data:`BYTES_PER_CHUNK_BUDGET` bytes of the file limit, and
:data:`MAX_COS_DEPTH` inside text documents.

Decoding rules (the note's sections 3-7):

- Compositions are the Items of type 4; their layers are the ``LIST Layr`` children of the
  comp Item, top layer first (index 1). ``SecL``/``DLay``/``SLay``/``CLay`` are not layers.
- A layer's type comes from ``ldta`` byte 131 (3 text, 4 shape, 2 camera, 1 light) and, for AV
  layers, from the null / adjustment bits and the source item: composition -> ``precomp``,
  ``Soli`` footage -> ``solid``, sound-only footage (duration > 0 and no picture size) ->
  ``audio``, other footage -> ``footage``.
- An empty layer name means the source item's name (for text layers: the text's first line).
  An empty footage item name is derived: ``<basename>``, ``<psd layer>/<basename>``, or the
  solid / placeholder name stored in ``opti``.
- Times are in composition seconds: ``start + in_point * stretch``, clamped to the source's
  span for timed sources (video, sound, pre-comps) without time remapping, as After Effects
  reports them. Time remapping is on when its stream is keyframed or shown (After Effects
  hides it on layers without), so a static remap, with or without an expression, counts.
- ``animation`` (``docs/animation.md``): start time, stretch, and Anchor Point, Position (or
  its separated dimensions), Scale, Rotation, Opacity and time remapping as static values or
  keyframes (time, value, interpolation, temporal ease, spatial tangents, roving), with the
  text of an enabled expression (never evaluated), in After Effects' units.
- ``shapes`` (shape layers only, ``docs/animation.md``): the contents of ``ADBE Root Vectors
  Group`` in order: groups with their transform, rectangles, ellipses, paths, fills and
  strokes, static or keyframed, each item's eye switch; anything else (trim paths, repeaters,
  gradients, merge paths, stars, keyframed paths...) named in ``left_out``.
- Text, PostScript font, size and all-caps come from the ``btdk`` COS document, parsed
  structurally: the first character-style run of the first text document, falling back to
  its parent style sheet for keys the run leaves out. Line breaks (CR) become ``\\n``, and one
  trailing CR (the paragraph terminator) is dropped.
- ``bbox`` is ``[left, top, right, bottom]`` in comp pixels at the in-point, from the layer's
  size and its Transform group (and its parents'): Position, Anchor Point, Scale and Rotation,
  with After Effects' defaults where the file leaves a property out (position = comp centre,
  anchor = source centre, or the origin for nulls and text, scale 100 %, rotation 0).
  The size is the source's for footage, solids, nulls and pre-comps, and the text box for
  paragraph (box) text. It is ``None`` for point text (needs font metrics), shapes, cameras,
  lights and audio, when a transform property is keyframed or driven by an expression, and
  for 3D layers that are not flat (z, X/Y rotation or orientation in use, or a camera layer in
  the comp). Pixel aspect ratios other than 1 are not applied.
- ``matrix`` is the layer-to-composition affine map behind ``bbox`` (parents included), also
  given for point text, shapes and nulls; ``None`` where ``bbox`` would be for a reason other
  than a missing size, when the default anchor needs an unknown source size, and for audio,
  camera and light layers. ``anchor``, ``position``, ``scale`` (percent; the file stores
  fractions) and ``rotation`` are the layer's own static values with the defaults applied, each
  ``None`` when keyframed or expression-driven; ``animated_transform`` says whether any placement
  property of the layer or a parent is. Text layers add the first paragraph's ``justification``
  (paragraph style key ``/0``: 0 left, 1 right, 2 center, 3-6 full justify with the last line
  left, right, center or full), the paragraph ``text_box``, ``leading`` (auto leading resolved
  as size times the paragraph's factor ``/7``) and ``tracking`` (character key ``/8``, 1/1000 em).
- Frame rates are rounded to 3 decimals (29.97, 23.976), times to 6.
- NUL characters are stripped from every string of the document (names, texts, fonts, paths):
  a file can hold them, PostgreSQL stores none.

Placeholder rule: a ``text`` or ``footage`` layer is a placeholder (meant to be replaced by the
pipeline) unless its name marks it static: a name starting with ``_`` or ending with
``[static]`` (case-insensitive), e.g. ``_logo`` or ``Sponsor bar [static]``. Other layer types
are never placeholders.

Layout of the package (each module imports only the ones listed before it):

- :mod:`.chunks`: the :class:`Chunk` tree and the binary RIFX container (reading and writing).
- :mod:`.aepx`: the .aepx XML form turned into the same chunk tree (hardened lxml parser).
- :mod:`.cos`: the PDF-like COS syntax of text documents.
- :mod:`.items`: project items: footage, solids, compositions' settings.
- :mod:`.properties`: layer property trees and the static values of transform properties.
- :mod:`.text`: the text, font, style, justification and box of a text layer's document.
- :mod:`.geometry`: a layer's matrix, bounding box and own transform values from its size and
  transform chain.
- :mod:`.animation`: a layer's transform properties and time remapping over time: static
  values, keyframes, expressions.
- :mod:`.shapes`: a shape layer's contents (groups, rectangles, ellipses, paths, fills,
  strokes) as :class:`~jobs.formats.shapes.LayerShapes`, what it does not decode named.
- :mod:`.decoder`: layers and compositions decoded into a :class:`TemplateDocument`.
- :mod:`.reader`: the entry points: sniffing bytes, bounded file reads, errors as one
  :class:`~jobs.formats.errors.FormatError`.
"""

from __future__ import annotations

from .aepx import AE_NAMESPACE, alas_json
from .animation import MAX_KEYFRAMES
from .chunks import BYTES_PER_CHUNK_BUDGET, LEAF, LIST, NEST, NEST_TAGS, Chunk, ChunkFile, to_rifx
from .cos import MAX_COS_DEPTH, CosError, CosName, cos_get, parse_cos
from .decoder import STATIC_PREFIX, STATIC_SUFFIX, decode, is_static_name
from .geometry import Affine
from .reader import READER_VERSION, load_chunks, parse_template, read_bytes_bounded, read_template

__all__ = [
    "AE_NAMESPACE",
    "BYTES_PER_CHUNK_BUDGET",
    "LEAF",
    "LIST",
    "MAX_COS_DEPTH",
    "MAX_KEYFRAMES",
    "NEST",
    "NEST_TAGS",
    "READER_VERSION",
    "STATIC_PREFIX",
    "STATIC_SUFFIX",
    "Affine",
    "Chunk",
    "ChunkFile",
    "CosError",
    "CosName",
    "alas_json",
    "cos_get",
    "decode",
    "is_static_name",
    "load_chunks",
    "parse_cos",
    "parse_template",
    "read_bytes_bounded",
    "read_template",
    "to_rifx",
]
