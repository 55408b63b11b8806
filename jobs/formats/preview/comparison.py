"""The design next to the preview, and the thumbnail: the files made of the main composition.

:func:`comparison_image` puts the PSD's flattened image (or a neutral panel when it is missing
or unreadable) and the preview side by side at one height, labelled; :func:`_main_files` queues
the writing of that comparison and of the thumbnail.
"""

from __future__ import annotations

from concurrent.futures import Executor, Future
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from ..descriptions import PsdDocument
from ..limits import Limits
from .images import _IMAGE_ERRORS, _save_png, decode_image
from .marks import LABEL_TEXT_COLOUR, NEUTRAL_COLOUR, RGB, _label
from .results import PreviewFile, PreviewWarning

COMPARISON_BACKGROUND: RGB = (32, 32, 32)
THUMBNAIL_SIZE = 256  # longest side of the thumbnail
COMPARISON_HEIGHT = 540  # upper bound for the height of each half of the comparison
COMPARISON_LABEL_HEIGHT = 32
COMPARISON_MARGIN = 16


def _scaled_to_height(image: Image.Image, height: int) -> Image.Image:
    width = max(1, round(image.width * height / image.height))
    return image.resize((width, height), Image.Resampling.BILINEAR, reducing_gap=3.0)


def _design_panel(flattened: Image.Image | None, psd: PsdDocument, height: int) -> Image.Image:
    """The PSD's flattened image on white, or a neutral panel of the PSD's proportions."""
    if flattened is not None:
        scaled = _scaled_to_height(flattened, height)
        if scaled.mode == "RGB":
            return scaled
        panel = Image.new("RGB", scaled.size, (255, 255, 255))
        panel.paste(scaled, (0, 0), scaled.getchannel("A"))
        return panel
    aspect = psd.width / psd.height if psd.width > 0 and psd.height > 0 else 1.0
    panel = Image.new("RGB", (max(1, round(height * aspect)), height), NEUTRAL_COLOUR)
    _label(panel, (0, 0, *panel.size), "design not available", NEUTRAL_COLOUR)
    return panel


def comparison_image(
    flattened: Image.Image | None, psd: PsdDocument, preview: Image.Image, composition: str
) -> Image.Image:
    """The design and the preview side by side, each scaled to one height and labelled."""
    reference = flattened.height if flattened is not None else psd.height
    height = max(1, min(COMPARISON_HEIGHT, max(reference, preview.height)))
    left = _design_panel(flattened, psd, height)
    right = _scaled_to_height(preview, height)
    margin, bar = COMPARISON_MARGIN, COMPARISON_LABEL_HEIGHT
    size = (left.width + right.width + 3 * margin, height + bar + margin)
    sheet = Image.new("RGB", size, COMPARISON_BACKGROUND)
    sheet.paste(left, (margin, bar))
    sheet.paste(right, (2 * margin + left.width, bar))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=16)
    draw.text((margin, bar // 2), "Design (PSD)", font=font, fill=LABEL_TEXT_COLOUR, anchor="lm")
    draw.text(
        (2 * margin + left.width, bar // 2),
        f"Preview: {composition}",
        font=font,
        fill=LABEL_TEXT_COLOUR,
        anchor="lm",
    )
    return sheet


def _load_flattened(
    flattened: Path | None, limits: Limits
) -> tuple[Image.Image | None, PreviewWarning | None]:
    """The PSD's flattened image as RGBA, or None and a warning."""
    if flattened is None or not Path(flattened).is_file():
        what = (
            "no flattened image was given"
            if flattened is None
            else f"{Path(flattened).name} does not exist"
        )
        return None, PreviewWarning("missing_image", "info", f"design: {what}")
    try:
        return decode_image(Path(flattened), limits), None
    except _IMAGE_ERRORS as error:
        message = f"design: {Path(flattened).name} cannot be read ({error})"
        return None, PreviewWarning("image_unreadable", "info", message)


def _main_files(
    pool: Executor,
    writes: list[Future],
    frame: Image.Image,
    composition: str,
    psd: PsdDocument,
    design: Image.Image | None,
    out_dir: Path,
) -> list[PreviewFile]:
    """Queue the writing of the main composition's comparison and thumbnail."""
    comparison = out_dir / "comparison.png"
    writes.append(pool.submit(_save_png, comparison_image(design, psd, frame, composition), comparison))
    thumbnail = frame.copy()
    thumbnail.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.BILINEAR)
    thumb_path = out_dir / "preview-thumb.png"
    writes.append(pool.submit(_save_png, thumbnail, thumb_path))
    return [
        PreviewFile("comparison", comparison, composition),
        PreviewFile("thumbnail", thumb_path, composition),
    ]
