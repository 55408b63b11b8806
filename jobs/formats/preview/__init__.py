"""Preview frames of populated compositions, drawn with Pillow (After Effects is not needed).

Before a reviewer approves a job, :func:`render_previews` draws, for every composition that holds
a matched placeholder, one frame of the composition as the populated project would show it, a
side-by-side comparison with the PSD design, a thumbnail and metrics that flag likely problems
(upscaled images, overflowing text, fallback fonts, missing images).

Plain Python with no Django import. What is drawn, layer by layer, bottom (highest AE index)
first, at the frame time (default: a third of the composition's duration):

* the composition's background colour;
* solid layers: their footage colour over their box;
* placeholders with a PSD layer: an image placeholder gets the PSD layer's exported PNG placed in
  its box with the match's fit mode (``fit`` = contain, ``fill`` = cover and crop to the box,
  ``stretch``); a text placeholder gets the PSD type layer's text, drawn left-aligned and
  vertically centred in its box (see :func:`fit_text` for the wrap and shrink rules);
* placeholders without a PSD layer: a dashed magenta outline and a label; a placeholder whose
  image is missing or unreadable: a dashed orange outline and a label;
* other text layers: their own text; other footage layers: the file when it lies inside one of
  the ``footage_roots`` the caller trusts, else (and for precomps and shapes) a neutral box.

Only enabled layers active at the frame time are drawn (a layer whose out-point is not after its
in-point carries no timing, as in hand-written descriptions, and counts as always active);
placeholders that are not drawn are still measured.

Boxes: a layer's ``bbox`` when the template records one; else, for footage, the source size
centred in the composition (where After Effects puts a new layer); for text, the PSD layer's box
mapped into the composition (the PSD is scaled uniformly to fit the composition and centred); the
whole composition as a last resort. The metrics record which rule gave each box.

The package, from the bottom up (each module imports only modules listed above it):

* :mod:`.results`: the thresholds, warnings, files and result (dataclasses);
* :mod:`.geometry`: frame time, layer activity, boxes, image placement;
* :mod:`.text`: measuring, wrapping and fitting text (:func:`fit_text`);
* :mod:`.fonts`: font files by PostScript name, the bundled fallback, label fonts;
* :mod:`.marks`: the colours, dashed outlines and labels standing in for missing content;
* :mod:`.images`: reading, decoding (ahead, on threads), compositing and writing images;
* :mod:`.composition`: drawing one composition and measuring it;
* :mod:`.comparison`: the design beside the preview, and the thumbnail;
* :mod:`.render`: :func:`render_previews`, which drives the rest.

This ``__init__`` only re-exports the public names.
"""

from __future__ import annotations

from .geometry import frame_time, placement
from .marks import MISSING_COLOUR, UNMATCHED_COLOUR
from .render import render_previews, slugify
from .results import PreviewFile, PreviewResult, PreviewThresholds, PreviewWarning
from .text import LINE_SPACING, TextFit, fit_text

__all__ = [
    "LINE_SPACING",
    "MISSING_COLOUR",
    "UNMATCHED_COLOUR",
    "PreviewFile",
    "PreviewResult",
    "PreviewThresholds",
    "PreviewWarning",
    "TextFit",
    "fit_text",
    "frame_time",
    "placement",
    "render_previews",
    "slugify",
]
