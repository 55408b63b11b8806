"""Read Photoshop files (PSD and PSB) into descriptions, and export their layers as PNGs.

Plain Python (psd-tools, Pillow), no Django. Two entry points:

- :func:`read_psd` gives the :class:`~jobs.formats.descriptions.PsdDocument` of a file: the
  document and its whole layer tree, in document order (top of the layer stack first, a group
  followed by its children), as ``docs/interchange.md`` describes it.
- :func:`export_psd` also writes each visible content layer as an RGBA PNG cropped to its box,
  a thumbnail of each, and the flattened image with its thumbnail.

Every file is untrusted. Whatever is wrong with it (not a PSD, truncated, empty, too big on
disk, a header or layer declaring more pixels than :class:`~jobs.formats.limits.Limits`
allows, a decompression bomb, too many layers, anything psd-tools raises or warns about while
decoding) ends in one :class:`~jobs.formats.errors.FormatError` with a one-line reason. The
cheap checks (size on disk, header, section lengths, layer count, layer boxes) run before any
pixel is decoded, so a hostile file is refused in milliseconds; psd-tools then parses under
:class:`psd_tools.ParseLimits` (bytes, nesting, and :data:`MAX_PARSE_OBJECTS` values: a file
stuffed with text-engine values is refused after ~2.5 s of parsing) and an allocation budget
(``Limits.max_alloc_bytes``), and its large-image and decompression warnings are errors.

The conventions of the description (ids, visibility, text, fonts) are stated in
:mod:`.describe`, those of the exported images in :mod:`.export`.

The package (each module imports its siblings directly, never this package):

- :mod:`.prescan`: the cheap checks on the raw bytes (size on disk, header, section lengths,
  layer count, layer boxes) that run before psd-tools parses anything;
- :mod:`.describe`: the layer tree walked into :class:`~jobs.formats.descriptions.PsdLayer`
  descriptions;
- :mod:`.guard`: every failure of reading a file turned into one ``FormatError``;
- :mod:`.reader`: loading under psd-tools' limits, and :func:`read_psd`;
- :mod:`.render`: a layer or the flattened document as an 8-bit sRGB RGBA image;
- :mod:`.export`: :func:`export_psd`, the PNGs written, staged and renamed into place.

The tunables re-exported here (``MAX_PARSE_OBJECTS``, ``PNG_COMPRESS_LEVEL``, ...) are read
from the submodule that defines them: to change one at run time (a test's monkeypatch), set
it there, e.g. ``jobs.formats.psd.reader.MAX_PARSE_OBJECTS``.
"""

from .export import PNG_COMPRESS_LEVEL, THUMBNAIL_SIZE, ExportedImage, PsdExport, export_psd
from .prescan import COLOR_MODE_NAMES
from .reader import MAX_PARSE_OBJECTS, PARSE_BYTES_FACTOR, READER_VERSION, read_psd

__all__ = [
    "COLOR_MODE_NAMES",
    "MAX_PARSE_OBJECTS",
    "PARSE_BYTES_FACTOR",
    "PNG_COMPRESS_LEVEL",
    "READER_VERSION",
    "THUMBNAIL_SIZE",
    "ExportedImage",
    "PsdExport",
    "export_psd",
    "read_psd",
]
