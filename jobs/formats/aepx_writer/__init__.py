"""Write small, real After Effects templates (.aepx XML or .aep RIFX) for demo fixtures and tests.

The project must not ship third-party files, so its demo templates and test inputs are built
here. The writer builds the same chunk tree :mod:`jobs.formats.aep` reads
(``docs/aepx-format.md``), laid out like a project After Effects 25 saves: project
header chunks, a root ``Fold`` with footage, solid and composition Items, and per layer an
``ldta`` record, its name and a property tree holding only what differs from the defaults
(After Effects leaves default values out too). Text layers carry a ``btdk`` COS text document.
The tree is then written as RIFX (``.aep``) or as its XML form (``.aepx``).

What it writes reads back identically with :func:`jobs.formats.aep.read_template` and parses
with py-aep. It is not a general project writer: no keyframes, effects, masks or markers.

Example::

    write_template("demo.aepx", compositions=[
        CompSpec(name="Main", width=1920, height=1080, layers=[
            TextLayerSpec(name="title", text="HELLO", font="ArialMT", font_size=72,
                          position=(960, 200)),
            FootageLayerSpec(name="photo", path="/media/photo.png", width=800, height=600,
                             scale=(50, 50)),
            SolidLayerSpec(name="bg", color=(0.1, 0.2, 0.3)),
        ]),
    ])

Layout of the package (each module imports only the ones listed before it, and
:mod:`jobs.formats.aep` for the chunk tree, RIFX serialisation and the justification names):

- :mod:`.specs`: what to write: :class:`CompSpec` and the layer specs.
- :mod:`.chunks`: small constructors of chunk-tree nodes.
- :mod:`.records`: the binary records (``head`` version word, ``cdta``, ``ldta``, ``sspc``,
  ``opti``) and the frame grid After Effects derives from a frame rate.
- :mod:`.cos`: :func:`cos_dumps`, the COS text syntax.
- :mod:`.text`: the ``btdk`` text document of a text layer.
- :mod:`.properties`: layer property trees (transform and text groups).
- :mod:`.aepx`: :func:`to_aepx`, a chunk tree serialised as .aepx XML.
- :mod:`.project`: the entry points :func:`write_template` and :func:`build_project`.
"""

from __future__ import annotations

from .aepx import to_aepx
from .cos import CosNameValue, cos_dumps
from .project import build_project, write_template
from .records import AE_VERSION, frame_grid
from .specs import (
    RGB,
    CompSpec,
    FootageLayerSpec,
    LayerSpec,
    NullLayerSpec,
    PrecompLayerSpec,
    SolidLayerSpec,
    TextLayerSpec,
    Vec2,
)
from .text import text_document

__all__ = [
    "AE_VERSION",
    "RGB",
    "CompSpec",
    "CosNameValue",
    "FootageLayerSpec",
    "LayerSpec",
    "NullLayerSpec",
    "PrecompLayerSpec",
    "SolidLayerSpec",
    "TextLayerSpec",
    "Vec2",
    "build_project",
    "cos_dumps",
    "frame_grid",
    "text_document",
    "to_aepx",
    "write_template",
]
