"""The frames that go beside a motion preview: the design held for the composition's duration
(letterboxed to the preview's frame size) and the design and the preview side by side, one
frame each. Plain Python, no Django import.

The design panel is the still comparison's (:mod:`jobs.formats.preview.comparison`): the PSD's
flattened image on white, or a neutral "design not available" panel of the PSD's proportions
when it is missing or unreadable. Frames that are the same object as the one before stay the
same object (an encoder converts a repeated picture once).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from PIL import Image

from ..descriptions import PsdDocument
from ..limits import Limits
from ..preview.comparison import COMPARISON_BACKGROUND, _design_panel, _load_flattened


def design_frame(flattened: Path | None, psd: PsdDocument, size: tuple[int, int],
                 limits: Limits) -> tuple[Image.Image, str | None]:
    """The design fitted inside ``size`` (aspect kept, centred on the comparison's background),
    and why it is a neutral panel instead (None when the flattened image was drawn)."""
    image, problem = _load_flattened(flattened, limits)
    width, height = size
    if image is not None:
        aspect = image.width / image.height
    elif psd.width > 0 and psd.height > 0:
        aspect = psd.width / psd.height
    else:
        aspect = 1.0
    panel_height = max(1, min(height, round(width / aspect)))
    panel = _design_panel(image, psd, panel_height)
    if panel.width > width:  # rounding: never wider than the frame
        panel = panel.resize((width, panel.height), Image.Resampling.BILINEAR)
    frame = Image.new("RGB", size, COMPARISON_BACKGROUND)
    frame.paste(panel, ((width - panel.width) // 2, (height - panel.height) // 2))
    return frame, (problem.message if problem is not None else None)


def side_by_side(design: Image.Image, frames: Iterable[Image.Image]) -> Iterator[Image.Image]:
    """The design (left) and each frame (right), both of one size: frames twice as wide."""
    previous, sheet = None, None
    for frame in frames:
        if frame is not previous:
            if frame.size != design.size:
                raise ValueError(f"a frame of {frame.size} beside a design of {design.size}")
            sheet = Image.new("RGB", (2 * design.width, design.height))
            sheet.paste(design, (0, 0))
            sheet.paste(frame.convert("RGB"), (design.width, 0))
            previous = frame
        yield sheet
