"""Preview frames of populated compositions, drawn with Pillow from the render plan.

Before a reviewer approves a job, :func:`render_previews` draws what After Effects will render:
a translation of the job's :class:`~jobs.formats.render_plan.RenderPlan` (the same plan the
After Effects script is written from), for every composition the plan fills, with a
side-by-side comparison with the PSD design, a thumbnail and metrics that flag likely problems
(upscaled images, overflowing text, fallback fonts, missing images). The preview computes no
placement of its own.

Plain Python with no Django import. What is drawn, layer by layer, bottom (highest AE index)
first, at the frame time (default: a third of the composition's duration):

* the composition's background colour;
* solid layers: their footage colour over their box;
* footage placements: the PSD layer's exported PNG, cropped to the plan's ``mask`` (``fill``),
  drawn through the plan's ``matrix`` (image pixels to composition pixels: position, anchor,
  scale, rotation and flips as After Effects applies them), clipped to the composition; where
  the plan has no matrix (an animated transform), a dashed cyan outline of the template's box
  labelled "position not derivable" instead;
* text placements: the plan's text in the TEMPLATE's font (``font_files`` by PostScript name)
  at ``font_size * scale`` pixels, paragraph text wrapped in the plan's box, point text from
  its origin (the first baseline), by the plan's justification, never shrunk (see
  :func:`layout_text`). Text beyond its box (or point text beyond the composition) is drawn,
  outlined in red and warned about; text set in the fallback font carries a "font?" badge;
  text the plan cannot place is not drawn (a cyan marker instead);
* placeholders without a PSD layer: a dashed magenta outline and a label; a matched
  placeholder the plan does not fill (its image was not exported) or whose image is missing or
  unreadable: a dashed orange outline and a label;
* other text layers: their own text where the plan's rule puts it (else in their box); other
  footage layers: the file when it lies inside one of the ``footage_roots`` the caller trusts,
  else (and for precomps) a neutral box; shape layers from their decoded contents
  (:mod:`.shapes`: rectangles, ellipses, paths, fills, strokes, group transforms; what is not
  drawn is listed in the metrics' ``shapes``).

Only enabled layers active at the frame time are drawn (a layer whose out-point is not after its
in-point carries no timing, as in hand-written descriptions, and counts as always active);
placements that are not drawn are still measured. The plan's notes become the first warnings.

The package, from the bottom up (each module imports only modules listed above it):

* :mod:`.results`: the thresholds, warnings, files and result (dataclasses);
* :mod:`.geometry`: frame time, layer activity, boxes of layers without content, affine maps;
* :mod:`.text`: laying text out and measuring it (:func:`layout_text`);
* :mod:`.fonts`: font files by PostScript name, the bundled fallback, label fonts;
* :mod:`.marks`: the colours, dashed outlines, labels and badges of markers;
* :mod:`.images`: reading, decoding (ahead, on threads), compositing and writing images;
* :mod:`.warp`: drawing an image through an affine map;
* :mod:`.footage`, :mod:`.lettering`: drawing the plan's footage and text placements;
* :mod:`.shapes`: drawing a shape layer's decoded contents through its matrix;
* :mod:`.composition`: drawing one composition and measuring it;
* :mod:`.comparison`: the design beside the preview, and the thumbnail;
* :mod:`.render`: :func:`render_previews`, which drives the rest.

This ``__init__`` only re-exports the public names.
"""

from __future__ import annotations

from .geometry import frame_time
from .marks import FONT_COLOUR, MISSING_COLOUR, OVERFLOW_COLOUR, UNKNOWN_COLOUR, UNMATCHED_COLOUR
from .render import render_previews, slugify
from .results import PreviewFile, PreviewResult, PreviewThresholds, PreviewWarning
from .text import AUTO_LEADING, TextLayout, layout_text

__all__ = [
    "AUTO_LEADING",
    "FONT_COLOUR",
    "MISSING_COLOUR",
    "OVERFLOW_COLOUR",
    "UNKNOWN_COLOUR",
    "UNMATCHED_COLOUR",
    "PreviewFile",
    "PreviewResult",
    "PreviewThresholds",
    "PreviewWarning",
    "TextLayout",
    "frame_time",
    "layout_text",
    "render_previews",
    "slugify",
]
